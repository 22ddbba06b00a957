"""Labelled data sets for offline evaluation: reading a CSV, and the preprocessing production
applies."""

from __future__ import annotations

import csv
import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from triage.text.cleaning import clean_text
from triage.text.pii import mask_pii

FIELDS = ("category", "urgency")


class EvalError(ValueError):
    """Bad input for an evaluation; one line for the user."""


@dataclass
class Dataset:
    texts: list[str]
    labels: dict[str, list[str]]

    def subset(self, index: np.ndarray | list[int]) -> Dataset:
        return Dataset(
            texts=[self.texts[i] for i in index],
            labels={f: [v[i] for i in index] for f, v in self.labels.items()},
        )

    def __len__(self) -> int:
        return len(self.texts)


def parse_labels(specs: list[str]) -> dict[str, str]:
    labels = {}
    for spec in specs:
        field, sep, column = spec.partition("=")
        if not sep or not column.strip():
            raise EvalError(
                f"--label {spec!r} must look like FIELD=COLUMN, e.g. --label category=queue"
            )
        if field not in FIELDS:
            raise EvalError(f"--label field {field!r} is not one of {', '.join(FIELDS)}")
        labels[field] = column.strip()
    if not labels:
        raise EvalError("give at least one --label FIELD=COLUMN")
    return labels


def read_csv(
    path: Path, *, text_columns: list[str], labels: dict[str, str], encoding: str = "utf-8-sig"
) -> Dataset:
    if not path.is_file():
        raise EvalError(f"{path} does not exist or is not a file")
    csv.field_size_limit(1_000_000)
    try:
        with path.open(newline="", encoding=encoding) as handle:
            reader = csv.DictReader(handle, strict=True)
            header = reader.fieldnames or []
            missing = [c for c in [*text_columns, *labels.values()] if c not in header]
            if missing:
                raise EvalError(
                    f"{path.name} has no column {', '.join(map(repr, missing))}; its columns are "
                    f"{', '.join(header) or 'none'}"
                )
            texts, values = [], {f: [] for f in labels}
            for row in reader:
                text = "\n".join((row.get(c) or "").strip() for c in text_columns).strip()
                row_labels = {f: (row.get(c) or "").strip() for f, c in labels.items()}
                if not text or not all(row_labels.values()):
                    continue  # empty text or an unlabelled row teaches nothing and tests nothing
                texts.append(text)
                for f, v in row_labels.items():
                    values[f].append(v)
    except csv.Error as exc:
        raise EvalError(f"{path.name}: broken CSV at line {reader.line_num}: {exc}") from None
    except UnicodeDecodeError:
        raise EvalError(f"{path.name} is not valid {encoding}") from None
    if not texts:
        raise EvalError(f"{path.name} has no row with text and labels")
    for field, column in labels.items():
        if len(set(values[field])) < 2:
            raise EvalError(
                f"column {column!r} ({field}) has only one class; an evaluation needs at least two"
            )
    return Dataset(texts=texts, labels=values)


def prepare(texts: list[str]) -> list[str]:
    """The preprocessing production applies: cleaning and PII masking."""
    return [mask_pii(clean_text(t)).text or t for t in texts]


def read_jsonl(path: Path) -> list[dict]:
    """The JSON objects of a file with one per line, each with its ``_line`` number; blank lines
    are skipped. EvalError with the line for a missing file, a line that is not a JSON object, or
    a file with none."""
    if not path.is_file():
        raise EvalError(f"{path} does not exist or is not a file")
    rows = []
    with path.open(encoding="utf-8") as handle:
        for number, raw in enumerate(handle, start=1):
            if not raw.strip():
                continue
            try:
                row = json.loads(raw)
            except json.JSONDecodeError as exc:
                raise EvalError(f"{path.name} line {number}: not JSON ({exc.msg})") from None
            if not isinstance(row, dict):
                raise EvalError(f"{path.name} line {number}: each line must be a JSON object")
            rows.append({**row, "_line": number})
    if not rows:
        raise EvalError(f"{path.name} has no line to evaluate")
    return rows


# A fixed share of every outside development set is held out: nobody building a stage looks at
# those rows, and every evaluation reports both parts, so tuning to what was seen shows.
# The split is a hash of the row's id (or its text when it has none), chosen before any row was
# read (2026-12-06), so it is the same on every machine and for every file format.
HOLDOUT_SHARE = 0.3
SPLITS = ("dev", "holdout")


def split_of(row: dict) -> str:
    """ "holdout" for about 30 % of rows, "dev" for the rest; stable for a row's id."""
    key = str(row.get("id") or row.get("text") or row.get("raw") or row.get("draft") or "")
    digest = hashlib.sha256(f"deskpilot-holdout:{key}".encode()).digest()
    return "holdout" if int.from_bytes(digest[:4], "big") / 2**32 < HOLDOUT_SHARE else "dev"


def only_split(rows: list[dict], split: str | None) -> list[dict]:
    """The rows of one split ("dev" or "holdout"), or all of them for None."""
    if split is None:
        return rows
    if split not in SPLITS:
        raise EvalError(f"unknown split {split!r}; use one of {', '.join(SPLITS)}")
    return [row for row in rows if split_of(row) == split]
