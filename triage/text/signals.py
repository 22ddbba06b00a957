"""Deterministic text signals: urgency rules, attempts to instruct the model, too little to act on,
summaries."""

from __future__ import annotations

import re

from triage.text import injection
from triage.text.cleaning import without_closing

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


# Text that tries to steer the model or the pipeline, in en/de/es/fr: override earlier
# instructions, role play, system-prompt requests, other customers' data, routing changes,
# dictated refunds. It changes nothing by itself (the ticket is data); it is recorded, shown to the
# reviewer, blocks auto-send and is fenced off when an LLM drafts.
_EARLIER = (
    r"(?:all |any |the |your |my |these |those |of )*(?:previous|prior|above|earlier|preceding|"
    r"former|initial|original|old|existing|system|current)?\s*"
)
_ORDERS = r"(?:instructions?|rules|prompts?|directions|orders|tasks|commands|guidelines|directives)"
INJECTION = re.compile(
    rf"\b(?:ignore|disregard|forget|skip|override|bypass|drop|abandon)\s+{_EARLIER}{_ORDERS}\b"
    r"|\b(?:ignore|disregard|forget) (?:everything|all of the above|all that|what you were told)\b"
    r"|\bnew (?:instructions|rules|task)\s*:"
    r"|\b(?:from now on|henceforth),? you (?:are|will|must|shall)\b"
    r"|\byou are (?:now|no longer) (?:a|an|the|my|in)\b"
    r"|\bpretend (?:you are|you're|to be)\b|\bact as (?:if you|a|an|my)\b|\brole-?play\b"
    r"|\b(?:jailbreak|developer mode|DAN mode|do anything now)\b"
    r"|\b(?:reveal|show|print|repeat|output|tell me|give me|display)\s+(?:me\s+)?(?:your\s+"
    r"(?:system |hidden |initial |original )?(?:prompt|instructions|rules)|the\s+(?:system |"
    r"hidden |initial |original )(?:prompt|instructions|rules)|the prompt)\b"
    r"|\b(?:show|list|give|send|tell|export)\s+(?:me\s+)?(?:all\s+|the\s+)?(?:other|every|all)\s+"
    r"(?:customers?|users?|clients?|accounts?)(?:'s?)?\s+(?:data|details|emails?|e-mails?|orders|"
    r"invoices|addresses|information)\b"
    r"|\bother (?:customers?|users?)(?:'|’)s? (?:data|details|emails?|orders|invoices)\b"
    r"|\bmark (?:this|the) ticket (?:as )?(?:P[1-4]|urgent|resolved|closed|priority)\b"
    r"|\b(?:set|change) (?:the |this ticket's |its )?(?:priority|category|urgency|team|queue) to\b"
    r"|\b(?:assign|route|escalate) this ticket to\b"
    r"|\b(?:you must|you will|you have to|agree to|promise to|reply that you will)\s+(?:approve|"
    r"issue|grant|give me)\s+(?:me\s+)?(?:a\s+)?(?:full\s+|100\s?%\s+)?refund\b"
    r"|\b(?:approve|issue|grant) (?:me )?a (?:full|100\s?%) refund (?:immediately|now|without)\b"
    # German
    r"|\b(?:ignoriere|ignorier|vergiss|missachte|überschreibe)\s+(?:alle\s+|die\s+|deine\s+)*"
    r"(?:vorherigen|bisherigen|obigen|früheren|alten|ursprünglichen)?\s*(?:anweisungen|befehle|"
    r"regeln|aufgaben|vorgaben)\b"
    r"|\bvergiss (?:alles|alle)\b|\bneue anweisungen\s*:|\bdu bist (?:jetzt|ab sofort|nun)\b"
    r"|\btu so,? als (?:ob|wärst)\b|\b(?:zeig|nenn|gib)(?:e)? mir (?:deine|die) (?:anweisungen|"
    r"regeln|prompt|systemanweisung|system-?prompt)"
    r"|\b(?:daten|e-mails|adressen) (?:aller )?anderer kunden\b"
    # Spanish
    r"|\b(?:ignora|olvida|omite|descarta)\s+(?:todas\s+|las\s+|tus\s+)*(?:instrucciones|órdenes|"
    r"reglas|indicaciones)(?:\s+(?:anteriores|previas))?\b"
    r"|\bolvida (?:todo|todas)\b|\bnuevas instrucciones\s*:|\bahora eres\b|\bfinge (?:que eres|"
    r"ser)\b|\bactúa como\b|\b(?:muéstrame|dime|revela) (?:tus|las) (?:instrucciones|reglas)\b"
    r"|\bdatos de (?:otros|todos los) clientes\b"
    # French
    r"|\b(?:ignore[zr]?|oublie[zr]?|néglige[zr]?)\s+(?:toutes\s+|les\s+|tes\s+|vos\s+)*"
    r"(?:instructions|consignes|règles|ordres)(?:\s+(?:précédentes|antérieures))?\b"
    r"|\boublie[zr]? tout\b|\bnouvelles (?:instructions|consignes)\s*:|\btu es maintenant\b"
    r"|\bfais semblant\b|\bagis comme\b|\b(?:montre|donne|révèle)(?:-moi)? (?:tes|les|vos) "
    r"(?:instructions|consignes)\b|\bdonnées (?:des|d'autres) (?:autres )?clients\b",
    re.IGNORECASE,
)
AMBIGUOUS = re.compile(
    r"^\W*(nothing works|it (doesn't|does not) work|help|hello\W*anyone "
    r"there|problem|error|broken|urgent)\W*$",
    re.IGNORECASE,
)
MIN_WORDS_TO_ACT_ON = 4


def injection_attempt(text: str) -> str | None:
    """The phrase with which the text tries to instruct the system, or None: a listed phrase
    (en/de/es/fr), or else the sentence the trained detector (``triage.text.injection``) reads as
    most like an instruction to the assistant, when the whole text reads as one."""
    match = INJECTION.search(text)
    if match:
        return match.group(0)
    if not injection.flagged(text):
        return None
    parts = [p.strip() for p in re.split(r"(?<=[.!?])\s+|\n+", text) if p.strip()] or [text]
    worst = max(parts, key=injection.score)
    return worst if len(worst) <= 160 else worst[:157] + "…"


def too_little_to_act_on(text: str) -> bool:
    """A message too short or too vague to answer without asking for details ("help", "nothing
    works"); its closing ("Best regards, Anna") does not count."""
    body = without_closing(text).strip()
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
    cheers"): no question, no complaint, no request. Its closing does not count ("Thank you!" /
    "Best regards, Anna" only thanks)."""
    body = without_closing(text).strip()
    words = re.findall(r"[^\W\d_]+(?:'[^\W\d_]+)?", body)
    if not words or len(words) > THANKS_MAX_WORDS or not _THANKS.search(body):
        return False
    if _NOT_ONLY_THANKS.search(body):
        return False
    rest = _FILLER.sub(" ", _THANKS.sub(" ", body))
    # Nothing left but names, punctuation and emoji.
    return len(re.findall(r"[^\W\d_]{3,}", rest)) <= 2
