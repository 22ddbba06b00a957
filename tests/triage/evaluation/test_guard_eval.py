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


def test_the_fixture_holds_every_code_at_095_or_better(tmp_path):
    out = tmp_path / "guards.json"
    call_command("evaluate", "--guards", str(FIXTURE), "--json", str(out))
    for code, m in json.loads(out.read_text())["codes"].items():
        assert m["precision"] >= 0.95 and m["recall"] >= 0.95, code


def test_a_grounding_file_is_scored_beside_calling_everything_unsupported(tmp_path, capsys):
    rows = [
        # BEGIN-like: a number nothing in the passage states, and one it states.
        {"dataset": "begin_wow", "label": "Not fully attributable", "context": "how tall is it?",
         "sources": ["The tower is 300 metres tall."], "response": "it is 412 metres tall."},
        {"dataset": "begin_wow", "label": "Fully attributable", "context": "how tall is it?",
         "sources": ["The tower is 300 metres tall."], "response": "it is 300 metres tall."},
        {"dataset": "begin_cmu", "label": "Generic", "context": "hi", "sources": ["A film."],
         "response": "i love films too!"},
        {"dataset": "wice_claim", "label": "not_supported", "sources": ["Born in 1950."],
         "response": "She was born in 1961."},
        {"dataset": "wice_non_supported_tokens", "label": "partially_supported",
         "sources": ["x"], "response": "no response-level label: left out"},
    ]  # fmt: skip
    path = tmp_path / "grounding.jsonl"
    path.write_text("\n".join(json.dumps(r) for r in rows) + "\n")
    out = tmp_path / "grounding.json"
    call_command("evaluate", "--guards", str(path), "--json", str(out))
    result = json.loads(out.read_text())
    begin = result["begin"]
    assert begin["rows"] == 3 and begin["unsupported"] == 1
    assert begin["guard"] == {"precision": 1.0, "recall": 1.0, "f1": 1.0}
    assert begin["baseline_all_unsupported"]["precision"] == round(1 / 3, 4)
    assert result["wice_claim"]["guard"]["recall"] == 1.0
    assert "baseline: all" in capsys.readouterr().out


def test_an_account_field_backs_a_reply_that_names_it(tmp_path):
    """The account as its fields read: "votre panier est à 42 €" is backed by {"panier": "42 €"}."""
    case = {
        "ticket": "Mon code promo ne marche pas.",
        "language": "fr",
        "account": {"panier": "42 €"},
        "draft": "Votre panier est à 42 €, le code s'applique à partir de 50 €.",
        "sources": [{"kind": "policy", "text": "Le code s'applique à partir de 50 € d'achat."}],
        "author": "agent",
        "expected": [],
    }
    path = tmp_path / "one.jsonl"
    path.write_text(json.dumps(case, ensure_ascii=False) + "\n")
    out = tmp_path / "out.json"
    call_command("evaluate", "--guards", str(path), "--json", str(out))
    assert json.loads(out.read_text())["clean_flagged"] == 0.0
