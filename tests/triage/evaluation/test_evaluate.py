import csv
import json
from pathlib import Path

import numpy as np
import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from knowledge.models import KnowledgeEntry
from triage.evaluation import offline

QUEUES = {
    "billing": [
        "I was charged twice for my plan",
        "Refund my annual subscription please",
        "The invoice amount is wrong",
        "How do I update my credit card",
        "Why did my bill go up this month",
        "Cancel my subscription and stop payments",
    ],
    "tech": [
        "The API returns 401 errors",
        "Webhooks stopped arriving",
        "The reports page is very slow",
        "Bank sync is not importing transactions",
        "PDF invoices show the wrong currency",
        "Zapier integration fails",
    ],
    "access": [
        "I cannot log in, reset email never arrives",
        "Lost my phone with two-factor codes",
        "How do I set up SSO with Okta",
        "Remove a former employee from our workspace",
        "Give our accountant read-only access",
        "Change my login email address",
    ],
}


def write_tickets_csv(path, copies: int = 2) -> None:
    with path.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["subject", "body", "queue", "priority"])
        for round_ in range(copies):
            for queue, texts in QUEUES.items():
                for i, text in enumerate(texts):
                    priority = (
                        "high"
                        if ("cannot" in text or "401" in text or "charged twice" in text)
                        else "normal"
                    )
                    writer.writerow(
                        [f"Ticket {round_}-{i}", f"{text} (case {round_})", queue, priority]
                    )


def schemas() -> set[str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT nspname FROM pg_namespace WHERE nspname LIKE 'eval_%'")
        return {row[0] for row in cursor.fetchall()}


@pytest.mark.django_db
def test_folds_on_a_helpdesk_csv_with_subject_body_queue_priority(tmp_path, capsys):
    data = tmp_path / "helpdesk.csv"
    write_tickets_csv(data)
    out_json, out_html = tmp_path / "r.json", tmp_path / "r.html"
    KnowledgeEntry.objects.create(text="live entry", category="billing")
    call_command(
        "evaluate",
        "--csv",
        str(data),
        "--folds",
        "5",
        "--text",
        "subject,body",
        "--label",
        "category=queue",
        "--label",
        "urgency=priority",
        "--baseline",
        "tfidf",
        "--json",
        str(out_json),
        "--html",
        str(out_html),
    )
    result = json.loads(out_json.read_text())
    assert set(result) >= {"fields", "n_train", "n_test", "seconds"}
    for field in ("category", "urgency"):
        assert set(result["fields"][field]) >= {
            "accuracy",
            "macro_f1",
            "coverage",
            "accuracy_at_threshold",
        }
    assert result["folds"] == 5 and len(result["per_fold"]) == 5
    assert result["fields"]["category"]["accuracy"] > 0.7
    assert "baseline" in result
    page = out_html.read_text()
    assert (
        page.startswith("<!doctype html>") and "confusion matrix" in page and "<script" not in page
    )
    printed = capsys.readouterr().out
    assert "accuracy" in printed and "tfidf" in printed
    # the live knowledge base was not touched and the isolated space is gone
    assert list(KnowledgeEntry.objects.values_list("text", flat=True)) == ["live entry"]
    assert schemas() == set()


@pytest.mark.django_db
def test_train_test_split(tmp_path):
    train, test = tmp_path / "train.csv", tmp_path / "test.csv"
    write_tickets_csv(train, copies=2)
    write_tickets_csv(test, copies=1)
    out = tmp_path / "r.json"
    call_command(
        "evaluate",
        "--train",
        str(train),
        "--test",
        str(test),
        "--text",
        "body",
        "--label",
        "category=queue",
        "--json",
        str(out),
    )
    result = json.loads(out.read_text())
    assert result["n_train"] == 36 and result["n_test"] == 18
    assert result["fields"]["category"]["accuracy"] > 0.8
    assert result["fields"]["category"]["confusion"]["labels"] == ["access", "billing", "tech"]
    category = result["fields"]["category"]
    assert 0 < category["coverage_at_90"] <= 1 and category["threshold_at_90"] is not None


def test_coverage_at_precision_takes_the_most_confident_first():
    correct = np.array([True, True, False, True, False, False])
    confidence = np.array([0.99, 0.95, 0.9, 0.8, 0.5, 0.4])
    # most confident first: precision 1, 1, 0.67, 0.75, 0.6, 0.5
    assert offline.coverage_at_precision(correct, confidence, 0.9) == (2 / 6, 0.95)
    assert offline.coverage_at_precision(correct, confidence, 0.75) == (4 / 6, 0.8)
    assert offline.coverage_at_precision(np.array([False]), np.array([0.9]), 0.9) == (None, None)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--text", "body", "--label", "category=team"], "has no column 'team'"),
        (["--text", "nope", "--label", "category=queue"], "has no column 'nope'"),
        (["--text", "body", "--label", "colour=queue"], "is not one of category, urgency"),
        (["--text", "body", "--label", "category"], "must look like FIELD=COLUMN"),
        (["--text", "body", "--label", "category=one"], "has only one class"),
    ],
)
@pytest.mark.django_db
def test_bad_evaluations_fail_with_one_line(tmp_path, args, message):
    data = tmp_path / "d.csv"
    data.write_text("body,queue,one\n" + "hello there,a,x\nhi again,b,x\n" * 3)
    with pytest.raises(CommandError) as excinfo:
        call_command("evaluate", "--csv", str(data), "--folds", "2", *args)
    assert message in str(excinfo.value) and "\n" not in str(excinfo.value)


@pytest.mark.django_db
def test_broken_csv_and_missing_file(tmp_path):
    broken = tmp_path / "b.csv"
    broken.write_text('body,queue\n"unterminated,a\nx,b\n')
    with pytest.raises(CommandError, match="broken CSV"):
        call_command(
            "evaluate",
            "--csv",
            str(broken),
            "--folds",
            "2",
            "--text",
            "body",
            "--label",
            "category=queue",
        )
    with pytest.raises(CommandError, match="does not exist"):
        call_command(
            "evaluate",
            "--train",
            str(tmp_path / "x.csv"),
            "--test",
            str(broken),
            "--text",
            "body",
            "--label",
            "category=queue",
        )
    with pytest.raises(CommandError, match="needs --folds"):
        call_command(
            "evaluate", "--csv", str(broken), "--text", "body", "--label", "category=queue"
        )


@pytest.mark.django_db
def test_too_few_rows_per_label_for_the_folds(tmp_path):
    data = tmp_path / "d.csv"
    data.write_text("body,queue\nhello there,a\nhi again,b\nhey,b\n")
    with pytest.raises(CommandError, match="folds need at least 5 per label"):
        call_command(
            "evaluate",
            "--csv",
            str(data),
            "--folds",
            "5",
            "--text",
            "body",
            "--label",
            "category=queue",
        )


REPLIES = {
    "billing": "We refunded the duplicate charge; it shows in 5 to 10 business days.",
    "tech": "Our engineers are looking into the integration; we will update you today.",
    "access": "Use the reset link on the sign-in page; it is valid for one hour.",
}


def write_replies_csv(path, rows) -> None:
    with path.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["instruction", "intent", "response"])
        for queue, text in rows:
            writer.writerow([text, queue, REPLIES[queue]])


@pytest.mark.django_db
def test_drafts_are_measured_against_the_reply_sent_for_dense_and_hybrid(tmp_path, capsys):
    train, test = tmp_path / "train.csv", tmp_path / "test.csv"
    write_replies_csv(train, [(q, t) for q, texts in QUEUES.items() for t in texts])
    write_replies_csv(
        test,
        [
            ("billing", "I have been charged twice for the plan"),
            ("tech", "Our webhooks are not arriving any more"),
            ("access", "The password reset email never arrives"),
        ],
    )
    live = KnowledgeEntry.objects.create(text="live entry", category="billing")
    output = tmp_path / "drafts.json"
    call_command(
        "evaluate", "--drafts", "--train", str(train), "--test", str(test), "--text",
        "instruction", "--answer", "response", "--group", "intent", "--json", str(output),
    )  # fmt: skip
    result = json.loads(output.read_text())
    assert set(result["modes"]) == {"dense", "hybrid"}
    for mode in result["modes"].values():
        assert mode["retrieval_hit_rate_at_5"] == 1.0
        assert mode["drafted"] > 0 and mode["draft_token_set"] is not None
        # the closest neighbour's reply is the reference reply itself here
        assert mode["baseline_token_set"] == 100.0 and mode["baseline_cosine"] > 0.99
    printed = capsys.readouterr().out
    assert "retrieval_hit_rate_at_5" in printed and "hybrid" in printed
    # the training rows never reached the live knowledge base, and the search path is back
    assert list(KnowledgeEntry.objects.values_list("pk", flat=True)) == [live.pk]
    with connection.cursor() as cursor:
        cursor.execute("SELECT nspname FROM pg_namespace WHERE nspname LIKE 'evald_%'")
        assert cursor.fetchall() == []
        cursor.execute("SELECT current_schema()")
        assert cursor.fetchone()[0] == "public"


@pytest.mark.django_db
def test_drafts_evaluation_needs_its_columns(tmp_path):
    data = tmp_path / "d.csv"
    write_replies_csv(data, [("billing", "charged twice")])
    with pytest.raises(CommandError, match="has no column 'answer'"):
        call_command(
            "evaluate", "--drafts", "--train", str(data), "--test", str(data), "--text",
            "instruction", "--answer", "answer",
        )  # fmt: skip


HELPDESK = Path(__file__).parents[2] / "fixtures" / "classify" / "helpdesk_multilingual.csv"


@pytest.mark.django_db
def test_local_engine_beats_the_tfidf_baseline_on_every_field_of_a_multilingual_helpdesk(
    tmp_path,
):
    """400 tickets in en/de/es/fr (tests/fixtures/classify/build_helpdesk.py), 5 folds."""
    out = tmp_path / "r.json"
    call_command(
        "evaluate", "--csv", str(HELPDESK), "--folds", "5", "--text", "subject,body",
        "--label", "category=queue", "--label", "urgency=priority", "--baseline", "tfidf",
        "--json", str(out),
    )  # fmt: skip
    result = json.loads(out.read_text())
    for field in ("category", "urgency"):
        ours, baseline = result["fields"][field], result["baseline"]["fields"][field]
        assert ours["accuracy"] > baseline["accuracy"] + 0.03, field
        assert ours["macro_f1"] > baseline["macro_f1"], field


def test_calibration_error_is_the_weighted_gap_between_confidence_and_accuracy():
    correct = np.array([True, True, False, False])
    assert offline.calibration_error(correct, np.array([0.95, 0.95, 0.15, 0.15])) == (
        pytest.approx(0.5 * 0.05 + 0.5 * 0.15)
    )
    assert offline.calibration_error(np.array([], dtype=bool), np.array([])) is None


BANKING77 = Path(__file__).parents[3].parent / "shared" / "data" / "banking77"


@pytest.mark.django_db
def test_the_local_engine_reaches_094_on_banking77_with_confidence_that_means_what_it_says(
    tmp_path,
):
    """The published full-data results are 0.9366 and 0.9383; the settings were chosen on the
    training set only (triage/engines/classify_local.py says how)."""
    if not (BANKING77 / "train.csv").exists():
        pytest.skip(f"BANKING77 is not at {BANKING77} (../shared/data/banking77/)")
    out = tmp_path / "r.json"
    call_command(
        "evaluate", "--train", str(BANKING77 / "train.csv"), "--test", str(BANKING77 / "test.csv"),
        "--text", "text", "--label", "category=category", "--json", str(out),
    )  # fmt: skip
    category = json.loads(out.read_text())["fields"]["category"]
    assert category["accuracy"] >= 0.94
    assert category["coverage_at_90"] >= 0.95
    assert category["calibration_error"] < 0.03
