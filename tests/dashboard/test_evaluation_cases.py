"""Corrections in the dashboard become cases; a replay records a run; two runs compare."""

import pytest
from django.core.management import CommandError, call_command

from knowledge.services import EntryInput, create_entries
from triage.evaluation.cases import run_replay
from triage.models import EvaluationCase, EvaluationRun


def correct(client, ticket, **fields):
    data = {
        "urgency": "P3",
        "category": "billing",
        "subcategory": "",
        "sentiment": "neutral",
        **fields,
    }
    assert client.post(f"/tickets/{ticket.pk}/correct/", data).status_code == 302


def test_correction_replay_and_comparison(client, people, billing_ticket, tech_ticket, capsys):
    client.force_login(people["lead"])
    correct(client, billing_ticket, category="general")  # the reviewer says: general, not billing
    correct(client, tech_ticket, category="technical", urgency="P1")
    assert EvaluationCase.objects.filter(origin="correction").count() == 2

    call_command("evaluate", "--cases", "--name", "before")
    first = EvaluationRun.objects.get(name="before")
    outcome = {c["ticket"]: c for c in first.per_case}
    assert outcome[billing_ticket.pk]["category"] == {
        "expected": "general",
        "got": "billing",
        "ok": False,
    }
    assert outcome[tech_ticket.pk]["category"]["ok"] is True
    printed = capsys.readouterr().out
    assert f"ticket {billing_ticket.pk}" in printed and "expected general, got billing" in printed

    # teach the knowledge base that such tickets are "general", then replay

    create_entries(
        entries=[
            EntryInput(
                text=f"I was charged twice for my subscription this month, please help. ({i})",
                category="general",
            )
            for i in range(30)
        ]
    )
    call_command("evaluate", "--cases", "--name", "after")
    second = EvaluationRun.objects.get(name="after")
    call_command("evaluate", "--compare", str(first.pk), str(second.pk))
    out = capsys.readouterr().out
    assert "fixed 1" in out and "category" in out

    client.force_login(people["admin"])
    page = client.get(f"/evaluation/?a={first.pk}&b={second.pk}").content.decode()
    assert "Fixed case" in page and f"#{first.pk} before" in page
    assert client.post("/evaluation/replay/", {"name": "from the dashboard"}).status_code == 302
    assert EvaluationRun.objects.filter(name="from the dashboard").exists()


def test_evaluation_pages_are_admin_only(client, people):
    client.force_login(people["lead"])
    assert client.get("/evaluation/").status_code == 404
    assert client.post("/evaluation/replay/").status_code == 404


@pytest.mark.django_db
def test_cases_and_compare_fail_clearly_without_data():
    with pytest.raises(CommandError, match="no evaluation cases yet"):
        call_command("evaluate", "--cases")
    with pytest.raises(CommandError, match="no evaluation run 98, 99"):
        call_command("evaluate", "--compare", "98", "99")


def test_a_queued_replay_runs_in_the_worker_with_progress(client, people, billing_ticket):
    client.force_login(people["agent"])
    client.post(
        f"/tickets/{billing_ticket.pk}/correct/",
        {"category": "general", "urgency": "P3", "sentiment": "neutral"},
    )
    client.force_login(people["admin"])
    assert client.post("/evaluation/replay/", {"name": "queued"}).status_code == 302
    run = EvaluationRun.objects.get(name="queued")
    assert run.status == EvaluationRun.Status.QUEUED and run.total == 1 and run.progress == 0
    assert "queued…" in client.get("/evaluation/").content.decode()
    run_replay(run_id=run.pk)  # what the worker's replay_cases task does
    run.refresh_from_db()
    assert run.status == EvaluationRun.Status.DONE and run.progress == run.total == run.n == 1
    assert run_replay(run_id=run.pk) is None  # a redelivered task does nothing


def test_the_evaluation_page_shows_versions_as_text_not_a_dict(client, people):
    EvaluationRun.objects.create(
        name="v", engine="local", versions={"prompt": "p4", "taxonomy": "v2", "guards": None}
    )
    client.force_login(people["admin"])
    html = client.get("/evaluation/").content.decode()
    assert "<dt>prompt</dt><dd>p4</dd>" in html and "<dt>guards</dt><dd>–</dd>" in html
    assert "{&#x27;" not in html and "{'" not in html
