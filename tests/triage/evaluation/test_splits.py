"""Outside development sets are split once into a development part and a held-out part; the
evaluation reports either, and reads other projects' quoted-mail fixtures as they are."""

import json

import pytest
from django.core.management import call_command

from triage.evaluation.datasets import HOLDOUT_SHARE, only_split, split_of
from triage.evaluation.text import evaluate_file


def test_the_split_is_fixed_by_the_row_id_and_holds_out_about_thirty_percent():
    rows = [{"id": f"c{i:04d}", "text": "x"} for i in range(2000)]
    held = only_split(rows, "holdout")
    assert abs(len(held) / len(rows) - HOLDOUT_SHARE) < 0.04
    assert {r["id"] for r in held} == {r["id"] for r in rows if split_of(r) == "holdout"}
    assert len(only_split(rows, "dev")) + len(held) == len(rows)
    # The same id falls in the same part whatever else the row holds.
    assert split_of({"id": "c0001", "text": "other"}) == split_of(rows[1])


def _guard_case(n: int, expected: list[str], draft: str) -> dict:
    return {
        "id": f"g{n:03d}",
        "ticket": "My invoice shows the wrong VAT number.",
        "language": "en",
        "author": "agent" if n % 2 else "machine",
        "draft": draft,
        "expected": expected,
    }


def test_guards_evaluation_of_one_split_scores_only_its_cases(tmp_path, capsys):
    cases = [
        _guard_case(n, ["internal_text"], "Agents must not promise refunds here.")
        if n % 3 == 0
        else _guard_case(n, [], "Please send us the invoice number.")
        for n in range(60)
    ]
    path = tmp_path / "cases.jsonl"
    path.write_text("\n".join(json.dumps(c) for c in cases))
    counts = {}
    for split in ("dev", "holdout"):
        call_command("evaluate", "--guards", str(path), "--split", split)
        out = capsys.readouterr().out
        counts[split] = int(out.split(" cases from")[0])
        assert "author agent:" in out and "flags on clean agent-written replies" in out
        if split == "holdout":
            assert "line " not in out  # held-out cases are scored, never listed
    assert counts["dev"] + counts["holdout"] == 60 and counts["holdout"] > 0


def test_other_projects_reply_fixtures_are_read_as_they_are(tmp_path):
    rows = [
        {
            "id": "discourse/plain",
            "source": "discourse/email_reply_trimmer",
            "format": "text/plain",
            "raw": "Thanks, that fixed it.\n\nOn Mon, Jan 5, 2026 at 9:00 AM Bob <b@x.io> "
            "wrote:\n> old",
            "expected_visible": "Thanks, that fixed it.",
            "lang_hint": "en",
        },
        {
            "id": "quotequail/q",
            "source": "closeio/quotequail",
            "format": "text/plain",
            "raw": "Hello world.\n\nOn 2012-10-16 at 17:02 , Someone <s@x.io>\nwrote:\n\n"
            "> quoted\n",
            "expected": {
                "expected_quote_intro_line": [
                    [True, "Hello world.\n"],
                    [False, "On 2012-10-16 at 17:02 , Someone <s@x.io>\nwrote:\n\n> quoted\n"],
                ]
            },
            "test_function": "test_quote",
        },
        {
            "id": "quotequail/unwrap",
            "source": "closeio/quotequail",
            "format": "text/plain",
            "raw": "---------- Forwarded message ----------\nFrom: a@x.io\n\nBody",
            "expected": {"type": "forward"},
            "test_function": "test_unwrap",
        },
    ]
    path = tmp_path / "email_reply_fixtures.jsonl"
    path.write_text("\n".join(json.dumps(r) for r in rows))
    result = evaluate_file(path)
    assert result["kind"] == "replies" and result["cases"] == 2
    assert result["skipped_without_expected_text"] == 1
    assert result["exact_match"] == pytest.approx(1.0)
