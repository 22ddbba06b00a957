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


def detect_language(text: str, *, default: str = "en") -> tuple[str, float]:
    """ISO 639-1 code and probability; ``default`` for text too short to tell."""
    sample = _PLACEHOLDER.sub(" ", text)
    if len(re.findall(r"[^\W\d_]{2,}", sample)) < 2:
        return default, 0.0
    language, probability = _identifier().classify(sample)
    return language, float(probability)
