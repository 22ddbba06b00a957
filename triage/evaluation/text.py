"""The text stages measured on labelled files, without a database, the broker or a model.

``python manage.py evaluate --preprocess FILE.jsonl [FILE.jsonl …]``; each file holds one JSON
object per line, and its kind is told by its fields:

- replies: ``{"raw", "kind": "plain" | "html" | "mime", "expected"}``: the exact-match rate of
  the visible new text (whitespace collapsed on both sides), per client and per language.
- personal data: ``{"text", "customer": {"name", "email", "phone"}, "spans": [{"type", "value"}]}``:
  recall per type (a value counts as found when every character of it is masked) and the share
  of the other words masked.
- sentiment: ``{"text", "sentiment": "angry" | "frustrated" | "neutral" | "positive"}``: accuracy,
  per language and a confusion table; thanks messages marked negative are counted apart.
- injection: ``{"text", "injection": true | false}``: recall and false-positive rate.
"""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from collections.abc import Callable
from pathlib import Path

from triage.evaluation.datasets import EvalError
from triage.ingest.email import parse_email
from triage.ingest.service import IngestError
from triage.text.cleaning import clean_text, collapse_whitespace

REPLY_KINDS = ("plain", "html", "mime")


def read_lines(path: Path) -> list[dict]:
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


def _rate(good: int, total: int) -> float | None:
    return round(good / total, 4) if total else None


def message_text(raw: str, kind: str) -> str:
    """The cleaned text of one message as the pipeline reads it (ValueError when unusable)."""
    if kind not in REPLY_KINDS:
        raise ValueError(f"kind must be one of {', '.join(REPLY_KINDS)}, not {kind!r}")
    if kind == "mime":
        try:
            parsed = parse_email(raw.encode("utf-8", errors="surrogatepass"))
        except IngestError as exc:
            raise ValueError(f"not a usable e-mail: {exc}") from None
        return clean_text(parsed.body)
    return clean_text(raw, html_body=kind == "html")


def evaluate_replies(rows: list[dict]) -> dict:
    by: dict[str, dict[str, Counter]] = {
        "client": defaultdict(Counter),
        "language": defaultdict(Counter),
        "set": defaultdict(Counter),
    }
    misses = []
    exact = 0
    for row in rows:
        if not isinstance(row.get("raw"), str) or not isinstance(row.get("expected"), str):
            raise EvalError(f"line {row['_line']}: 'raw' and 'expected' must be strings")
        try:
            got = message_text(row["raw"], row.get("kind", "plain"))
        except ValueError as exc:
            raise EvalError(f"line {row['_line']}: {exc}") from None
        hit = got == collapse_whitespace(row["expected"])
        exact += hit
        for field, counts in by.items():
            counts[str(row.get(field, "?"))].update(total=1, exact=int(hit))
        if not hit:
            misses.append({"id": row.get("id", row["_line"]), "got": got})
    return {
        "kind": "replies",
        "cases": len(rows),
        "exact_match": _rate(exact, len(rows)),
        "per": {
            field: {key: _rate(c["exact"], c["total"]) for key, c in sorted(counts.items())}
            for field, counts in by.items()
        },
        "misses": misses,
    }


KINDS: dict[str, tuple[Callable[[dict], bool], Callable[[list[dict]], dict]]] = {
    "replies": (lambda row: "expected" in row and "raw" in row, evaluate_replies),
}


def evaluate_file(path: Path) -> dict:
    rows = read_lines(path)
    for matches, evaluate in KINDS.values():
        if matches(rows[0]):
            return {**evaluate(rows), "file": path.name}
    raise EvalError(
        f"{path.name}: line 1 has none of the fields of a known set "
        "(replies: raw + expected; personal data: text + spans; sentiment: text + sentiment; "
        "injection: text + injection)"
    )


def summary_lines(result: dict) -> list[str]:
    """The result in a few printable lines."""
    if result["kind"] == "replies":
        lines = [
            f"{result['file']}: {result['cases']} messages, exact match {result['exact_match']:.3f}"
        ]
        for field, rates in result["per"].items():
            shown = ", ".join(f"{key} {rate:.2f}" for key, rate in rates.items())
            lines.append(f"  per {field}: {shown}")
        for miss in result["misses"][:10]:
            got = " ".join(miss["got"].split())[:100]
            lines.append(f"  missed {miss['id']}: {got!r}")
        return lines
    raise AssertionError(result["kind"])
