"""evaluate --guards: the guards measured on a case file, without a database."""

import json
from collections import Counter
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

FIXTURE = Path(__file__).parents[2] / "fixtures" / "guards" / "cases.jsonl"


def test_the_fixture_is_large_mixed_and_in_four_languages():
    cases = [json.loads(line) for line in FIXTURE.read_text().splitlines() if line.strip()]
    assert len(cases) >= 150
    planted = sum(bool(c["expected"]) for c in cases)
    assert 0.4 <= planted / len(cases) <= 0.6
    assert set(Counter(c["language"] for c in cases)) == {"en", "de", "es", "fr"}


def test_runs_without_a_database_and_meets_the_bar_for_unsupported_fact(tmp_path, capsys):
    # No django_db mark: any database access fails this test.
    out = tmp_path / "guards.json"
    call_command("evaluate", "--guards", str(FIXTURE), "--json", str(out))
    result = json.loads(out.read_text())
    fact = result["codes"]["unsupported_fact"]
    assert fact["precision"] >= 0.9 and fact["recall"] >= 0.9 and fact["support"] >= 60
    assert {"unbacked_claim", "unsupported_promise", "internal_text"} <= set(result["codes"])
    assert "unsupported_fact" in capsys.readouterr().out
    for language in ("de", "es", "fr"):
        assert result["by_language"][language]["unsupported_fact"]["recall"] >= 0.9


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("not json", "line 1: not JSON"),
        ('{"draft": ""}', "line 1: 'draft' must be a non-empty string"),
        ('{"draft": "x", "expected": ["made_up"]}', "line 1: 'expected' must be a list"),
        ('{"draft": "x", "sources": [{"kind": "blog"}]}', "line 1: each source needs a kind"),
    ],
)
def test_a_bad_case_file_fails_with_one_line(tmp_path, line, message):
    path = tmp_path / "bad.jsonl"
    path.write_text(line + "\n")
    with pytest.raises(CommandError, match=message):
        call_command("evaluate", "--guards", str(path))


def test_a_resolved_tickets_text_backs_nothing(tmp_path):
    case = {
        "ticket": "My invoice is wrong",
        "language": "en",
        "sources": [
            {
                "kind": "resolved_ticket",
                "title": "Charged twice",
                "text": "Renewal captured twice because of a retry at 09:12.",
            }
        ],
        "draft": "Your renewal was captured twice because of a retry at 09:12.",
        "expected": ["unsupported_fact"],
    }
    path = tmp_path / "one.jsonl"
    path.write_text(json.dumps(case) + "\n")
    out = tmp_path / "out.json"
    call_command("evaluate", "--guards", str(path), "--json", str(out))
    assert json.loads(out.read_text())["codes"]["unsupported_fact"]["recall"] == 1.0
