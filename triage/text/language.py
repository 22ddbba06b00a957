"""Language detection with py3langid, limited to languages support teams commonly see."""

from __future__ import annotations

import re
from functools import lru_cache

from py3langid.langid import _load_identifier

CANDIDATE_LANGUAGES = [
    "en",
    "de",
    "es",
    "fr",
    "it",
    "nl",
    "pt",
    "pl",
    "sv",
    "da",
    "no",
    "fi",
    "cs",
    "tr",
    "ru",
    "ja",
    "zh",
    "ar",
]
_PLACEHOLDER = re.compile(r"\[[A-Z]+_\d+\]")


@lru_cache(maxsize=1)
def _identifier():
    return _load_identifier(norm_probs=True, langs=CANDIDATE_LANGUAGES)


UNKNOWN = "unknown"
# PostgreSQL text-search configuration per language (stemming, stop words); ``simple`` otherwise.
TEXT_SEARCH_CONFIGS = {"en": "english", "de": "german", "es": "spanish", "fr": "french"}


def search_config(language: str | None) -> str:
    """The text-search configuration for text in ``language`` ("de-AT" is German)."""
    return TEXT_SEARCH_CONFIGS.get((language or "")[:2].lower(), "simple")


def search_config_sql(column_sql: str) -> str:
    """SQL choosing the configuration from a language column; constant per value, so it can sit
    in a generated column."""
    cases = " ".join(
        f"WHEN '{code}' THEN '{name}'::regconfig" for code, name in TEXT_SEARCH_CONFIGS.items()
    )
    return f"(CASE left({column_sql}, 2) {cases} ELSE 'simple'::regconfig END)"


# Below this probability the identifier is guessing ("Help me please", "word word word").
SURE = 0.75
# A language the customer used before wins a close call when the identifier gives it at least this.
HINT_MIN = 0.05


def detect_language(text: str, *, hint: str | None = None) -> tuple[str, float]:
    """ISO 639-1 code and probability. Too little text, or no clear winner, gives ``hint`` (the
    language the customer wrote in before) when the text does not contradict it, else "unknown"
    with the probability of the best guess."""
    sample = _PLACEHOLDER.sub(" ", text)
    words = {w.lower() for w in re.findall(r"[^\W\d_]{2,}", sample)}
    if len(words) < 2:
        return (hint, 0.0) if hint else (UNKNOWN, 0.0)
    ranked = _identifier().rank(sample)
    language, probability = ranked[0][0], float(ranked[0][1])
    if probability >= SURE:
        return language, probability
    if hint:
        hinted = next((float(p) for code, p in ranked if code == hint), 0.0)
        if hinted >= HINT_MIN:
            return hint, hinted
    return UNKNOWN, probability
