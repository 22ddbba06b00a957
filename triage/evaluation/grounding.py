"""What "unsupported fact" means beyond support replies: the fact guard on public grounding sets.

A file of rows with ``response``, ``sources`` (passages) and ``label`` (the shape of
``../shared/data/grounding_hallucination/``): BEGIN dialogue responses (fully attributable /
not fully attributable / generic) and WiCE claims against Wikipedia evidence (supported /
partially supported / not supported). The guard reads each response with the passages (and the
dialogue turn before it) as everything known, exactly as it reads a draft with the ticket and the
articles; a response is predicted unsupported when the guard finds a fact nothing backs.

Beside each figure, in the same run, a trivial baseline: call every response unsupported
(precision is then the share of unsupported responses, recall 1).
"""

from __future__ import annotations

from collections import Counter

from triage.evaluation.datasets import EvalError
from triage.text import facts

# The positive class per set: what the guard should flag.
POSITIVE = {
    "begin": {"Not fully attributable"},
    "wice_claim": {"not_supported", "partially_supported"},
}


def is_grounding_file(rows: list[dict]) -> bool:
    return bool(rows) and all("response" in r and "sources" in r for r in rows[:5])


def _group(row: dict) -> str | None:
    dataset = str(row.get("dataset", ""))
    if dataset.startswith("begin"):
        return "begin"
    if dataset == "wice_claim":
        return "wice_claim"
    return None  # the span-level WiCE rows have no response-level label


def unsupported(row: dict) -> bool:
    sources = [s for s in row.get("sources") or [] if isinstance(s, str)]
    evidence = facts.Evidence.of([*sources, str(row.get("context") or "")])
    return bool(facts.unbacked(str(row.get("response") or ""), evidence))


def _scores(tp: int, fp: int, fn: int) -> dict:
    precision = tp / (tp + fp) if tp + fp else None
    recall = tp / (tp + fn) if tp + fn else None
    f1 = (
        2 * precision * recall / (precision + recall)
        if precision is not None and recall is not None and precision + recall
        else None
    )
    return {
        "precision": None if precision is None else round(precision, 4),
        "recall": None if recall is None else round(recall, 4),
        "f1": None if f1 is None else round(f1, 4),
    }


def evaluate_rows(rows: list[dict]) -> dict:
    counts: Counter = Counter()
    for row in rows:
        group = _group(row)
        if group is None:
            continue
        positive = row.get("label") in POSITIVE[group]
        predicted = unsupported(row)
        counts[group, "rows"] += 1
        counts[group, "positive"] += positive
        counts[group, "tp"] += predicted and positive
        counts[group, "fp"] += predicted and not positive
        counts[group, "fn"] += positive and not predicted
    if not any(counts[g, "rows"] for g in POSITIVE):
        raise EvalError("no BEGIN or WiCE claim row with a response-level label in this file")
    out = {}
    for group in POSITIVE:
        n, positives = counts[group, "rows"], counts[group, "positive"]
        if not n:
            continue
        out[group] = {
            "rows": n,
            "unsupported": positives,
            "guard": _scores(counts[group, "tp"], counts[group, "fp"], counts[group, "fn"]),
            "baseline_all_unsupported": _scores(positives, n - positives, 0),
        }
    return out
