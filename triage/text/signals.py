"""Deterministic text signals: urgency rules, attempts to instruct the model, too little to act on,
summaries."""

from __future__ import annotations

import re

# Urgency: a P1 is "the product, or a core part of it, is unusable for the customer, or data or
# security is at stake". Patterns in English, German, Spanish and French.
P1_PATTERNS = [
    r"\b(is|are|went|goes) down\b",
    r"\boutage\b",
    r"\b50[234]\b",
    r"\bbad gateway\b",
    r"\bunreachable\b",
    r"\b(nobody|no one|none of us) can (log ?in|access|use)\b",
    r"\bcan(no|')t (log ?in|access|use) (at all|anything)\b",
    r"\bcomplete(ly)? (outage|down)\b",
    r"\bdata (loss|lost)\b",
    r"\blost (all )?(our|my) data\b",
    r"\bdeleted (all|everything)\b",
    r"\b(hacked|breach|compromised|unauthori[sz]ed (access|login))\b",
    r"\bsuspicious login\b",
    r"\b(ausfall|nicht erreichbar|datenverlust|gehackt)\b",
    r"\b(ca[ií]d[oa]|no funciona nada|p[eé]rdida de datos|hackead[oa])\b",
    r"\b(panne|inaccessible|perte de donn[ée]es|pirat[ée])\b",
]
P2_PATTERNS = [
    r"\burgent\b",
    r"\basap\b",
    r"\bblock(ed|s|ing)\b",
    r"\bcan(no|')t (create|send) invoices\b",
    r"\b(locked|suspended)\b",
    r"\bcharged (twice|two times|double)\b",
    r"\b(401|unauthorized)\b",
    r"\bnot (syncing|working)\b",
    r"\bstopped (working|syncing|arriving)\b",
    r"\bdringend\b",
    r"\burgente\b",
    r"\bbloqu[ée]\b",
]
P4_PATTERNS = [
    r"\b(would be (great|nice)|feature request|suggestion|it would help|could you "
    r"(add|build)|please add)\b",
    r"\bhow (do|can) i\b",
    r"\bwhere (can|do) i\b",
    r"\bis there (a|an) (way|app)\b",
    r"\bthank(s| you)\b",
    r"\b(wie kann ich|anregung|wäre schön)\b",
    r"\b(c[oó]mo puedo|sugerencia)\b",
    r"\b(comment (est-ce que|puis-je|je peux)|suggestion)\b",
]
NOT_URGENT = re.compile(
    r"\b(not urgent|no rush|whenever you (can|have time)|low priority|nicht dringend|no es "
    r"urgente|pas urgent)\b",
    re.I,
)


def _count(patterns: list[str], text: str) -> int:
    return sum(1 for p in patterns if re.search(p, text, re.IGNORECASE))


def rule_urgency(text: str) -> tuple[str | None, str]:
    """An urgency the rules are sure of, with the reason; (None, "") when they are not."""
    if NOT_URGENT.search(text):
        return "P4" if _count(
            P1_PATTERNS, text
        ) == 0 else "P3", "the customer says it is not urgent"
    if _count(P1_PATTERNS, text):
        return "P1", "outage, data loss, security or cannot use the product at all"
    if _count(P2_PATTERNS, text):
        return "P2", "blocked, locked out, failing payments or broken integration"
    if _count(P4_PATTERNS, text):
        return "P4", "how-to question, suggestion or thanks"
    return None, ""


def extractive_summary(text: str, *, max_chars: int = 220) -> str:
    """The first sentences that carry content (greetings skipped), cut at a word boundary."""
    sentences = re.split(r"(?<=[.!?])\s+|\n+", text.strip())
    greeting = re.compile(
        r"^(hi|hello|hey|dear|hallo|guten tag|sehr "
        r"geehrte|hola|estimad|bonjour|salut)\b[^.!?]{0,40}[,!.]?$",
        re.I,
    )
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


# Text that tries to steer the model or the pipeline. It changes nothing (the ticket is data);
# it is recorded so a human looks at the ticket.
INJECTION = re.compile(
    r"\b(ignore|disregard|forget) (all |any |the )?(previous|prior|above|your) "
    r"(instructions|rules|prompts?)\b"
    r"|\bsystem prompt\b|\byou are now\b|\bmark (this|the) ticket (as )?P[1-4]\b",
    re.IGNORECASE,
)
AMBIGUOUS = re.compile(
    r"^\W*(nothing works|it (doesn't|does not) work|help|hello\W*anyone "
    r"there|problem|error|broken|urgent)\W*$",
    re.IGNORECASE,
)
MIN_WORDS_TO_ACT_ON = 4


def injection_attempt(text: str) -> str | None:
    """The phrase with which the text tries to instruct the system, or None."""
    match = INJECTION.search(text)
    return match.group(0) if match else None


def too_little_to_act_on(text: str) -> bool:
    """A message too short or too vague to answer without asking for details ("help", "nothing
    works")."""
    body = text.strip()
    return len(re.findall(r"[^\W\d_]+", body)) < MIN_WORDS_TO_ACT_ON or bool(AMBIGUOUS.match(body))


# A message that only thanks or confirms: it needs no reply. Any question, complaint or further
# request ("thanks, but…", "still", "?") makes it a message to answer.
_THANKS = re.compile(
    r"\b(?:thanks?|thank you|thx|ty|cheers|brilliant|great|perfect|awesome|excellent|wonderful|"
    r"amazing|lovely|fantastic|super|nice|cool|ok(?:ay)?|got it|all good|all sorted|sorted|"
    r"solved|fixed|works?(?: now| again)?|working(?: now| again)?|that (?:worked|did it|helped)|"
    r"appreciated?|much appreciated|you(?:'re| are) (?:the best|a star|great)|no further "
    r"questions|danke(?: schön| sehr)?|vielen dank|prima|klappt|funktioniert(?: wieder)?|"
    r"erledigt|gracias|muchas gracias|genial|perfecto|vale|listo|funciona|merci(?: beaucoup)?|"
    r"parfait|génial|ça marche|c'est bon|résolu)\b",
    re.IGNORECASE,
)
_NOT_ONLY_THANKS = re.compile(
    r"\?|\b(?:but|however|still|again|not|no longer|doesn't|don't|didn't|can't|cannot|won't|"
    r"problem|issue|error|wrong|refund|cancel|help me|need|please|aber|noch|nicht|kein|pero|"
    r"todavía|sigue|mais|toujours|pas|nothing)\b",
    re.IGNORECASE,
)
_FILLER = re.compile(
    r"\b(?:so|very|much|really|a lot|again|for|the|your|you|all|help|quick|reply|response|"
    r"answer|support|team|guys|folks|everyone|hi|hello|hey|dear|it|that|this|is|was|now|just|"
    r"and|me|my|we|our|us|indeed|mate|lot|sehr|für|die|eure|ihre|hilfe|antwort|por|la|su|tu|"
    r"ayuda|respuesta|pour|votre|ton|aide|réponse|et|de)\b",
    re.IGNORECASE,
)
THANKS_MAX_WORDS = 15


def only_thanks(text: str) -> bool:
    """True for a message that only thanks or confirms ("Brilliant thanks 😊", "works now,
    cheers"): no question, no complaint, no request."""
    body = text.strip()
    words = re.findall(r"[^\W\d_]+(?:'[^\W\d_]+)?", body)
    if not words or len(words) > THANKS_MAX_WORDS or not _THANKS.search(body):
        return False
    if _NOT_ONLY_THANKS.search(body):
        return False
    rest = _FILLER.sub(" ", _THANKS.sub(" ", body))
    # Nothing left but names, punctuation and emoji.
    return len(re.findall(r"[^\W\d_]{3,}", rest)) <= 2
