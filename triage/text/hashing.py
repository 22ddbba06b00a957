"""Hashed character (3-5, within words) and word (1-2) n-grams, each part scaled to unit length:
features for linear models whose files hold only weights (no vocabulary, so no training text) and
read any language's letters. The prompt-injection detector and the sentiment model use them."""

from __future__ import annotations

import numpy as np
from scipy.sparse import csr_matrix, hstack
from sklearn.feature_extraction.text import HashingVectorizer
from sklearn.utils import murmurhash3_32

N_FEATURES = 2**20  # per part: the characters' columns, then the words'
WIDTH = 2 * N_FEATURES

_CHARS = HashingVectorizer(
    analyzer="char_wb", ngram_range=(3, 5), n_features=N_FEATURES, alternate_sign=False,
    lowercase=True, norm="l2",
)  # fmt: skip
_WORDS = HashingVectorizer(
    analyzer="word", ngram_range=(1, 2), n_features=N_FEATURES, alternate_sign=False,
    lowercase=True, norm="l2", token_pattern=r"(?u)\b\w+\b",
)  # fmt: skip
_ANALYZERS = (_CHARS.build_analyzer(), _WORDS.build_analyzer())


def matrix(texts: list[str]) -> csr_matrix:
    """The features of ``texts``, one row each (for fitting)."""
    return hstack([_CHARS.transform(texts), _WORDS.transform(texts)]).tocsr()


def row(text: str) -> tuple[np.ndarray, np.ndarray]:
    """The nonzero columns of one text's row of ``matrix`` and their values, computed without
    sklearn's per-call checks (the same hashing, counts and norm per part)."""
    columns, values = [], []
    for offset, analyzer in enumerate(_ANALYZERS):
        counts: dict[int, int] = {}
        for gram in analyzer(text):
            h = murmurhash3_32(gram, seed=0)
            index = (2147483647 if h == -2147483648 else abs(h)) % N_FEATURES
            counts[index] = counts.get(index, 0) + 1
        if not counts:
            continue
        part = np.fromiter(counts.values(), dtype=np.float64, count=len(counts))
        columns.append(np.fromiter(counts, dtype=np.int64, count=len(counts)) + offset * N_FEATURES)
        values.append(part / float(np.sqrt(part @ part)))
    if not columns:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float64)
    return np.concatenate(columns), np.concatenate(values)
