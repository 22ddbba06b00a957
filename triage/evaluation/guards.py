"""The guards measured on a file of cases, without a database.

One JSON object per line::

    {"ticket": "…", "language": "en", "account": {"plan": "Business"},
     "actions": [{"kind": "refund", "amount": "48.00"}],
     "sources": [{"kind": "article" | "policy" | "resolved_ticket", "title": "…", "text": "…"}],
     "draft": "…", "expected": ["unsupported_fact", …]}

Articles and policies back facts (policies also back promises); a resolved ticket's text backs
nothing about this customer. Precision and recall are counted per case and flag code: a case
counts as flagged with a code when the guards raise that code at least once.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

from django.conf import settings

from triage.evaluation.datasets import EvalError, only_split, read_jsonl
from triage.text.guards import GUARD_CODES, Recorded, run_guards
from triage.text.pii import PLACEHOLDER

SOURCE_KINDS = ("article", "policy", "resolved_ticket")


def _check(case: dict, line: int) -> dict:
    if not isinstance(case.get("draft"), str) or not case["draft"].strip():
        raise EvalError(f"line {line}: 'draft' must be a non-empty string")
    expected = case.get("expected", [])
    if not isinstance(expected, list) or not all(c in GUARD_CODES for c in expected):
        codes = ", ".join(sorted(GUARD_CODES))
        raise EvalError(f"line {line}: 'expected' must be a list of flag codes from {codes}")
    for source in case.get("sources", []):
        if not isinstance(source, dict) or source.get("kind") not in SOURCE_KINDS:
            raise EvalError(f"line {line}: each source needs a kind of {', '.join(SOURCE_KINDS)}")
    for action in case.get("actions", []):
        if not isinstance(action, dict) or not isinstance(action.get("kind"), str):
            raise EvalError(f"line {line}: each action needs a 'kind'")
    if not isinstance(case.get("account", {}), dict):
        raise EvalError(f"line {line}: 'account' must be an object")
    return case


def read_cases(path: Path) -> list[dict]:
    return [_check(case, case["_line"]) for case in read_jsonl(path)]


def flags_for(case: dict) -> set[str]:
    """The flag codes the guards raise on one case."""
    sources = case.get("sources", [])
    actions = case.get("actions", [])
    articles = [s.get("text", "") for s in sources if s["kind"] in ("article", "policy")]
    evidence = [
        case.get("ticket", ""),
        # the account as its fields read: "plan Fibre 300", "last payment 12 May"
        " ".join(f"{str(k).replace('_', ' ')} {v}" for k, v in case.get("account", {}).items()),
        *(
            f"{a['kind']} {a.get('amount', '')} {a.get('currency', '')} {a.get('note', '')}"
            for a in actions
        ),
        *articles,
    ]
    found = run_guards(
        case["draft"],
        actions=[
            Recorded(kind=a["kind"], amount=str(a.get("amount") or ""), note=a.get("note", ""))
            for a in actions
        ],
        sources=articles,
        language=case.get("language"),
        policy_texts=[s.get("text", "") for s in sources if s["kind"] == "policy"],
        allowed_placeholders=set(PLACEHOLDER.findall(case.get("ticket", "")))
        | {m.group(0) for m in PLACEHOLDER.finditer(case.get("ticket", ""))},
        evidence=evidence,
        allowed_domains=settings.ALLOWED_LINK_DOMAINS,
        other_cases=[s.get("text", "") for s in sources if s["kind"] == "resolved_ticket"],
    )
    # The set has one code for text meant for staff; internal ids are such text.
    return {"internal_text" if f.code == "internal_shorthand" else f.code for f in found}


def score(cases: list[dict]) -> dict:
    counts: Counter = Counter()
    errors = []
    for case in cases:
        got = flags_for(case)
        expected = set(case.get("expected", []))
        for code in GUARD_CODES:
            if code in got and code in expected:
                counts[code, "tp"] += 1
            elif code in got:
                counts[code, "fp"] += 1
                errors.append({"line": case["_line"], "what": f"{code} raised, not expected"})
            elif code in expected:
                counts[code, "fn"] += 1
                errors.append({"line": case["_line"], "what": f"{code} expected, not raised"})
    codes = {}
    for code in sorted(GUARD_CODES):
        tp, fp, fn = counts[code, "tp"], counts[code, "fp"], counts[code, "fn"]
        if not (tp or fp or fn):
            continue
        codes[code] = {
            "precision": round(tp / (tp + fp), 4) if tp + fp else None,
            "recall": round(tp / (tp + fn), 4) if tp + fn else None,
            "support": tp + fn,
        }
    return {"cases": len(cases), "codes": codes, "errors": errors}


def evaluate_file(path: Path, *, split: str | None = None) -> dict:
    cases = only_split(read_cases(path), split)
    if not cases:
        raise EvalError(f"{path.name} has no case in the {split} split")
    result = score(cases)
    clean_agent = [c for c in cases if c.get("author") == "agent" and not c.get("expected")]
    if clean_agent:
        result["clean_flagged"] = round(
            sum(bool(flags_for(c)) for c in clean_agent) / len(clean_agent), 4
        )
    for key in ("split", "language", "author"):
        groups = sorted({str(c.get(key)) for c in cases if c.get(key)})
        if len(groups) > 1:
            result[f"by_{key}"] = {
                g: score([c for c in cases if str(c.get(key)) == g])["codes"] for g in groups
            }
    return result
