"""Prompt injection by a trained detector: a logistic regression over hashed character and word
n-grams, so the model file holds only weights (no vocabulary) and reads any language's letters.

Trained by ``python manage.py train_injection`` on the development part (70 %, by the project's
fixed hash, ``triage.evaluation.datasets.split_of``) of ``../shared/data/prompt_injection_en/``
(jailbreaks, system-prompt extraction, instructions injected into e-mails; benign dialogue and
e-mail) plus benign customer text: the training parts of BANKING77, Bitext (requests and the
agents' replies) and CLINC150. The
held-out 30 % of the injection set and those sets' test parts measure it. Stored as
``triage/text/models/injection.npz`` (the weights and the decision threshold).
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator
from functools import lru_cache
from pathlib import Path

import numpy as np
from sklearn.linear_model import LogisticRegression

from triage.text import hashing

MODEL = Path(__file__).resolve().parent / "models" / "injection.npz"
THRESHOLD = 0.5


def _features(texts: list[str]):
    return hashing.matrix(texts)


@lru_cache(maxsize=1)
def _model() -> tuple[np.ndarray, float, float] | None:
    if not MODEL.is_file():
        return None
    data = np.load(MODEL)
    return data["coef"].astype(np.float32), float(data["intercept"]), float(data["threshold"])


def available() -> bool:
    return _model() is not None


def score(text: str) -> float:
    """How much ``text`` reads as an instruction to the assistant, 0-1 (0 without a model)."""
    model = _model()
    if model is None or not text.strip():
        return 0.0
    coef, intercept, _ = model
    logit = _dot(text[:4000], coef) + intercept
    return 1.0 / (1.0 + np.exp(-logit))


def _dot(text: str, coef: np.ndarray) -> float:
    """The features of one text times the weights, as ``_features(...) @ coef`` computes it."""
    columns, values = hashing.row(text)
    return float(coef[columns].astype(np.float64) @ values)


def flagged(text: str) -> bool:
    model = _model()
    return model is not None and score(text) >= model[2]


# --- training ---------------------------------------------------------------------------------


def _csv_texts(path: Path, column: str) -> Iterator[str]:
    with path.open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            if row.get(column):
                yield row[column]


BENIGN = [
    ("banking77/{part}.csv", "text"),
    ("bitext/{part}.csv", "instruction"),
    ("clinc150/{part}.csv", "text"),
]
# Also benign in training: support agents' replies (Bitext's responses), which speak of
# instructions, steps and previous messages the way customers quoting them do.
BENIGN_TRAINING_ONLY = [("bitext/train.csv", "response")]


def injection_rows(data: Path) -> list[dict]:
    path = data / "prompt_injection_en" / "prompt_injection.jsonl"
    if not path.is_file():
        raise FileNotFoundError(f"{path} is missing")
    return [json.loads(line) for line in path.open(encoding="utf-8") if line.strip()]


def benign_texts(data: Path, part: str) -> list[str]:
    texts: list[str] = []
    for pattern, column in BENIGN:
        path = data / pattern.format(part=part)
        if not path.is_file():
            raise FileNotFoundError(f"{path} is missing")
        texts += list(_csv_texts(path, column))
    return texts


def train(data: Path, out: Path = MODEL, *, split_of=None) -> dict:
    """Fit on the development part and the benign training texts; save the weights."""
    rows = [r for r in injection_rows(data) if split_of is None or split_of(r) == "dev"]
    texts = [r["text"] for r in rows] + benign_texts(data, "train")
    for name, column in BENIGN_TRAINING_ONLY:
        texts += list(_csv_texts(data / name, column))
    labels = [int(r["label"]) for r in rows] + [0] * (len(texts) - len(rows))
    model = LogisticRegression(C=8.0, class_weight="balanced", max_iter=2000)
    model.fit(_features(texts), np.array(labels))
    coef = model.coef_[0]
    out.parent.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(
        out, coef=coef.astype(np.float16), intercept=model.intercept_[0], threshold=THRESHOLD
    )
    _model.cache_clear()
    return {"injection_rows": len(rows), "benign_texts": len(texts) - len(rows)}


def measure(data: Path, *, split_of=None) -> dict:
    """Recall on the held-out injection rows, false positives on their benign rows and on the
    test parts of BANKING77, Bitext and CLINC150."""
    held = [r for r in injection_rows(data) if split_of is None or split_of(r) == "holdout"]
    attacks = [r["text"] for r in held if int(r["label"]) == 1]
    benign = [r["text"] for r in held if int(r["label"]) == 0]
    out = {
        "recall": round(float(np.mean([flagged(t) for t in attacks])), 4),
        "attacks": len(attacks),
        "benign_flagged": round(float(np.mean([flagged(t) for t in benign])), 4),
        "benign": len(benign),
    }
    for pattern, column in BENIGN:
        name = pattern.split("/")[0]
        texts = list(_csv_texts(data / pattern.format(part="test"), column))
        out[f"{name}_test_flagged"] = round(float(np.mean([flagged(t) for t in texts])), 4)
        out[f"{name}_test"] = len(texts)
    return out
