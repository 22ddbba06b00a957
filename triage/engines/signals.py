"""Deterministic text signals shared by the local classifier and the assess stage: urgency rules, sentiment."""

from __future__ import annotations

import re

# Urgency: a P1 is "the product, or a core part of it, is unusable for the customer, or data or
# security is at stake". Patterns in English, German, Spanish and French.
P1_PATTERNS = [
    r"\b(is|are|went|goes) down\b", r"\boutage\b", r"\b50[234]\b", r"\bbad gateway\b", r"\bunreachable\b",
    r"\b(nobody|no one|none of us) can (log ?in|access|use)\b", r"\bcan(no|')t (log ?in|access|use) (at all|anything)\b",
    r"\bcomplete(ly)? (outage|down)\b", r"\bdata (loss|lost)\b", r"\blost (all )?(our|my) data\b", r"\bdeleted (all|everything)\b",
    r"\b(hacked|breach|compromised|unauthori[sz]ed (access|login))\b", r"\bsuspicious login\b",
    r"\b(ausfall|nicht erreichbar|datenverlust|gehackt)\b", r"\b(ca[ií]d[oa]|no funciona nada|p[eé]rdida de datos|hackead[oa])\b",
    r"\b(panne|inaccessible|perte de donn[ée]es|pirat[ée])\b",
]
P2_PATTERNS = [
    r"\burgent\b", r"\basap\b", r"\bblock(ed|s|ing)\b", r"\bcan(no|')t (create|send) invoices\b", r"\b(locked|suspended)\b",
    r"\bcharged (twice|two times|double)\b", r"\b(401|unauthorized)\b", r"\bnot (syncing|working)\b", r"\bstopped (working|syncing|arriving)\b",
    r"\bdringend\b", r"\burgente\b", r"\bbloqu[ée]\b",
]
P4_PATTERNS = [
    r"\b(would be (great|nice)|feature request|suggestion|it would help|could you (add|build)|please add)\b",
    r"\bhow (do|can) i\b", r"\bwhere (can|do) i\b", r"\bis there (a|an) (way|app)\b", r"\bthank(s| you)\b",
    r"\b(wie kann ich|anregung|wäre schön)\b", r"\b(c[oó]mo puedo|sugerencia)\b", r"\b(comment (est-ce que|puis-je|je peux)|suggestion)\b",
]
NOT_URGENT = re.compile(r"\b(not urgent|no rush|whenever you (can|have time)|low priority|nicht dringend|no es urgente|pas urgent)\b", re.I)

ANGRY = [
    r"\b(unacceptable|ridiculous|outrageous|furious|disgusting|scam|fraud|worst|incompetent|pathetic|joke)\b",
    r"\bfix (this|it) now\b", r"\bdriving me (mad|crazy)\b", r"!!+", r"\bunversch[äa]mt\b", r"\binaceptable\b", r"\binadmissible\b",
]
FRUSTRATED = [
    r"\b(still|again|yet another|annoying|frustrat\w*|disappointed|fed up|waste of time)\b", r"\b(doesn't|does not|didn't|won't|can't|cannot) work\b",
    r"\bno (one|body) (answers|answered|replied)\b", r"\b(third|3rd|fourth) time\b", r"\bnothing works\b",
    r"\b(immer noch|schon wieder|ärgerlich|enttäuscht)\b", r"\b(todav[ií]a|otra vez|frustrante|llevo esperando)\b", r"\b(toujours pas|encore|troisième fois|décevant)\b",
]
POSITIVE = [
    r"\b(thank(s| you)|great|fantastic|love|awesome|excellent|helpful|appreciate|well done|great job)\b",
    r"\b(danke|super|toll|hilfreich)\b", r"\b(gracias|genial|excelente)\b", r"\b(merci|génial|excellent|formidable)\b",
]


def _count(patterns: list[str], text: str) -> int:
    return sum(1 for p in patterns if re.search(p, text, re.IGNORECASE))


def rule_urgency(text: str) -> tuple[str | None, str]:
    """An urgency the rules are sure of, with the reason; (None, "") when they are not."""
    if NOT_URGENT.search(text):
        return "P4" if _count(P1_PATTERNS, text) == 0 else "P3", "the customer says it is not urgent"
    if _count(P1_PATTERNS, text):
        return "P1", "outage, data loss, security or cannot use the product at all"
    if _count(P2_PATTERNS, text):
        return "P2", "blocked, locked out, failing payments or broken integration"
    if _count(P4_PATTERNS, text):
        return "P4", "how-to question, suggestion or thanks"
    return None, ""


def sentiment_of(text: str) -> str:
    letters = [c for c in text if c.isalpha()]
    shouting = len(letters) > 20 and sum(c.isupper() for c in letters) / len(letters) > 0.5
    angry = _count(ANGRY, text) + (1 if shouting else 0) + len(re.findall(r"\b[A-Z]{4,}\b", text)) // 2
    frustrated = _count(FRUSTRATED, text)
    positive = _count(POSITIVE, text)
    if angry >= 1 and (angry + frustrated) >= 2 or angry >= 2:
        return "angry"
    if frustrated or angry:
        return "frustrated"
    if positive:
        return "positive"
    return "neutral"


SENTIMENT_RISK = {"angry": 0.6, "frustrated": 0.3, "neutral": 0.05, "positive": 0.0}


def extractive_summary(text: str, *, max_chars: int = 220) -> str:
    """The first sentences that carry content (greetings skipped), cut at a word boundary."""
    sentences = re.split(r"(?<=[.!?])\s+|\n+", text.strip())
    greeting = re.compile(r"^(hi|hello|hey|dear|hallo|guten tag|sehr geehrte|hola|estimad|bonjour|salut)\b[^.!?]{0,40}[,!.]?$", re.I)
    picked: list[str] = []
    for sentence in sentences:
        sentence = sentence.strip()
        if not sentence or greeting.match(sentence):
            continue
        picked.append(sentence)
        if sum(len(s) for s in picked) > max_chars * 0.6:
            break
    summary = " ".join(picked) or text.strip()
    if len(summary) > max_chars:
        summary = summary[: summary.rfind(" ", 0, max_chars)].rstrip(",;:") + " …"
    return summary
