"""Sentiment of a customer's message: angry, frustrated, neutral or positive, from patterns in
en/de/es/fr."""

from __future__ import annotations

import re

ANGRY = [
    r"\b(unacceptable|ridiculous|outrageous|furious|disgusting|scam|fraud|worst|incompetent|pathetic|joke)\b",
    r"\bfix (this|it) now\b",
    r"\bdriving me (mad|crazy)\b",
    r"!!+",
    r"\bunversch[äa]mt\b",
    r"\binaceptable\b",
    r"\binadmissible\b",
]
FRUSTRATED = [
    r"\b(still|again|yet another|annoying|frustrat\w*|disappointed|fed up|waste of time)\b",
    r"\b(doesn't|does not|didn't|won't|can't|cannot) work\b",
    r"\bno (one|body) (answers|answered|replied)\b",
    r"\b(third|3rd|fourth) time\b",
    r"\bnothing works\b",
    r"\b(immer noch|schon wieder|ärgerlich|enttäuscht)\b",
    r"\b(todav[ií]a|otra vez|frustrante|llevo esperando)\b",
    r"\b(toujours pas|encore|troisième fois|décevant)\b",
]
POSITIVE = [
    r"\b(thank(s| you)|great|fantastic|love|awesome|excellent|helpful|appreciate|well done|great "
    r"job)\b",
    r"\b(danke|super|toll|hilfreich)\b",
    r"\b(gracias|genial|excelente)\b",
    r"\b(merci|génial|excellent|formidable)\b",
]


def _count(patterns: list[str], text: str) -> int:
    return sum(1 for p in patterns if re.search(p, text, re.IGNORECASE))


def sentiment_of(text: str) -> str:
    letters = [c for c in text if c.isalpha()]
    shouting = len(letters) > 20 and sum(c.isupper() for c in letters) / len(letters) > 0.5
    angry = (
        _count(ANGRY, text) + (1 if shouting else 0) + len(re.findall(r"\b[A-Z]{4,}\b", text)) // 2
    )
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


def sentiment_score(text: str) -> tuple[str, float]:
    """The label and a score in [-1, 1]: negative for angry and frustrated, positive for praise."""
    label = sentiment_of(text)
    positive = _count(POSITIVE, text)
    negative = _count(ANGRY, text) * 2 + _count(FRUSTRATED, text)
    raw = (positive - negative) / max(1, positive + negative)
    if label == "neutral":
        raw = 0.0
    return label, round(max(-1.0, min(1.0, raw)), 3)
