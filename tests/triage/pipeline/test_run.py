"""The spine: one claim per ticket, stages that commit once per run, engines called outside
transactions."""

import json
import threading
from collections import Counter

import psycopg
import pytest
from celery.exceptions import Retry
from django.db import connection, connections, transaction
from django.test.utils import CaptureQueriesContext

from tests.conftest import database_url_for_current_connection, make_ticket
from tests.fake_openai import chat_completion
from tests.triage.engines.test_classify import VALID
from triage import queueing
from triage.engines import openai_client
from triage.engines.types import EngineError
from triage.models import Classification, Draft, PipelineEvent, Ticket
from triage.pipeline import draft as draft_stage
from triage.pipeline import events
from triage.pipeline import run as run_module
from triage.pipeline.run import run_batch, run_pipeline
from triage.tasks import process_ticket

STAGES = ["preprocess", "classify", "assess", "retrieve", "draft", "guard", "route", "handoff"]


def successful_stages(ticket: Ticket) -> Counter:
    return Counter(
        PipelineEvent.objects.filter(ticket=ticket, error="").values_list("stage", flat=True)
    )


def test_a_continued_run_reads_the_stages_committed_since_this_process_last_looked(
    knowledge, monkeypatch
):
    """Committed stages are read once per run and remembered; a claim that continues a run reads
    them afresh, whatever this process remembered (another worker may have committed more)."""
    ticket = make_ticket(body="I was charged twice for my subscription this month")
    real = draft_stage.compose
    monkeypatch.setattr(draft_stage, "compose", lambda **kwargs: 1 / 0)
    with pytest.raises(ZeroDivisionError):
        run_pipeline(ticket_id=ticket.pk)
    events._done[(ticket.pk, 1)] = {}  # as if this process had seen nothing committed
    monkeypatch.setattr(draft_stage, "compose", real)
    assert run_pipeline(ticket_id=ticket.pk) is True
    assert successful_stages(ticket) == Counter(STAGES)


@pytest.mark.django_db(transaction=True)
def test_two_workers_racing_on_one_ticket_leave_one_draft_and_one_event_per_stage(knowledge):
    ticket = make_ticket(body="I was charged twice for my subscription this month")
    barrier, results, errors = threading.Barrier(2), [], []

    def worker() -> None:
        try:
            barrier.wait()
            results.append(run_pipeline(ticket_id=ticket.pk))
        except Exception as exc:  # pragma: no cover -- reported below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not errors and sorted(results) == [False, True]
    assert Classification.objects.filter(ticket=ticket).count() == 1
    assert Draft.objects.filter(ticket=ticket).count() == 1
    assert successful_stages(ticket) == Counter(STAGES)
    assert run_pipeline(ticket_id=ticket.pk) is False  # a redelivered task finds nothing to do
    assert successful_stages(ticket) == Counter(STAGES)


@pytest.mark.django_db(transaction=True)
def test_a_run_that_died_half_way_continues_without_repeating_committed_stages(
    knowledge, monkeypatch
):
    ticket = make_ticket(body="I was charged twice for my subscription this month")
    real = draft_stage.compose

    def crash(**kwargs):
        raise RuntimeError("worker lost mid-draft")

    monkeypatch.setattr(draft_stage, "compose", crash)
    with pytest.raises(RuntimeError):
        run_pipeline(ticket_id=ticket.pk)
    ticket.refresh_from_db()
    assert ticket.status == Ticket.Status.NEW and ticket.pipeline_run == 1
    assert successful_stages(ticket) == Counter(["preprocess", "classify", "assess", "retrieve"])
    failure = PipelineEvent.objects.get(ticket=ticket, stage="draft")
    assert "worker lost mid-draft" in failure.error and failure.run == 1

    monkeypatch.setattr(draft_stage, "compose", real)
    assert run_pipeline(ticket_id=ticket.pk) is True
    ticket.refresh_from_db()
    assert (
        ticket.status in (Ticket.Status.IN_REVIEW, Ticket.Status.TRIAGED)
        and ticket.pipeline_run == 1
    )
    assert Classification.objects.filter(ticket=ticket).count() == 1
    assert Draft.objects.filter(ticket=ticket).count() == 1
    assert successful_stages(ticket) == Counter(STAGES)


@pytest.mark.django_db(transaction=True)
def test_engine_calls_happen_with_no_transaction_open(settings, fake_openai, knowledge):
    """The fake server asks PostgreSQL, while the call is in flight, whether our connection is in a
    transaction."""
    settings.CLASSIFIER_ENGINE = "openai"
    settings.DRAFT_ENGINE = "openai"
    backend_pid = {}
    states = []

    def respond(request):
        with psycopg.connect(database_url_for_current_connection(), autocommit=True) as probe:
            row = probe.execute(
                "SELECT state FROM pg_stat_activity WHERE pid = %s", [backend_pid["pid"]]
            ).fetchone()
        states.append(row[0] if row else "gone")
        schema = request["response_format"]["json_schema"]["name"]
        if schema == "ticket_classification":
            return 200, chat_completion(json.dumps(VALID))
        return 200, chat_completion(
            json.dumps(
                {
                    "reply": "CANNOT_ANSWER_FROM_CONTEXT",
                    "used_source_ids": [],
                    "cannot_answer_reason": "test",
                }
            )
        )

    fake_openai.respond = respond
    ticket = make_ticket(body="I was charged twice for my subscription this month")
    connection.ensure_connection()
    backend_pid["pid"] = connection.connection.info.backend_pid
    assert run_pipeline(ticket_id=ticket.pk) is True
    assert len(states) == 2  # one classification call, one draft call
    assert all(state != "idle in transaction" for state in states), states
    assert Classification.objects.get(ticket=ticket).engine == "openai"


@pytest.mark.django_db(transaction=True)
def test_the_openai_client_refuses_to_call_inside_a_transaction(settings):
    settings.OPENAI_BASE_URL = "http://127.0.0.1:9/v1"
    with transaction.atomic(), pytest.raises(RuntimeError, match="inside a database transaction"):
        openai_client.structured_call(model="m", messages=[], name="x", schema={}, temperature=0)
    with pytest.raises(EngineError):  # outside one it goes ahead (and finds nothing listening)
        settings.OPENAI_MAX_RETRIES = 0
        openai_client._client.cache_clear()
        openai_client.structured_call(model="m", messages=[], name="x", schema={}, temperature=0)
    openai_client._client.cache_clear()


BATCH_BODIES = [
    "I was charged twice for my subscription this month",
    "How do I export all invoices as CSV?",
    "The bank sync stopped working since Friday",
    "Please change the VAT number on my invoices",
    "Our API calls return 401 since this morning",
]


def counting(monkeypatch, module, name: str) -> list[int]:
    """Wrap ``module.name`` (the real function) to record how many items each call got."""
    real, sizes = getattr(module, name), []

    def wrapped(texts, *args, **kwargs):
        sizes.append(len(texts))
        return real(texts, *args, **kwargs)

    monkeypatch.setattr(module, name, wrapped)
    return sizes


def test_a_batch_embeds_and_classifies_its_tickets_in_one_call_each(knowledge, monkeypatch):
    tickets = [
        make_ticket(body=f"{body} (case {i})", external_id=f"batch-{i}")
        for i, body in enumerate(BATCH_BODIES * 2)
    ]
    embedded = counting(monkeypatch, run_module, "embed_texts")
    classified = counting(monkeypatch, run_module, "classify_batch")

    outcome = run_batch(first_id=tickets[3].pk, limit=20, wait=0)

    assert sorted(outcome.processed) == sorted(t.pk for t in tickets) and not outcome.failed
    assert embedded == [10] and classified == [10]
    for ticket in tickets:
        ticket.refresh_from_db()
        assert ticket.status in (Ticket.Status.IN_REVIEW, Ticket.Status.TRIAGED)
        assert ticket.claimed_until is None
        assert successful_stages(ticket) == Counter(STAGES)
        assert Classification.objects.get(ticket=ticket).engine == "local"


def test_a_ticket_failing_in_a_batch_holds_back_none_of_the_others(knowledge, monkeypatch):
    tickets = [
        make_ticket(body=f"{body} (case {i})", external_id=f"batch-{i}")
        for i, body in enumerate(BATCH_BODIES)
    ]
    bad = tickets[2]
    real = draft_stage.compose

    def compose(**kwargs):
        if "case 2" in kwargs["ticket"].masked_text:
            raise RuntimeError("engine broke on this one")
        return real(**kwargs)

    monkeypatch.setattr(draft_stage, "compose", compose)
    outcome = run_batch(first_id=tickets[0].pk, limit=10, wait=0)

    assert list(outcome.failed) == [bad.pk] and len(outcome.processed) == 4
    bad.refresh_from_db()
    assert (
        bad.status == Ticket.Status.NEW and bad.claimed_until is not None
    )  # released: run 1 goes on
    failure = PipelineEvent.objects.get(ticket=bad, stage="draft")
    assert "engine broke on this one" in failure.error
    assert successful_stages(bad) == Counter(["preprocess", "classify", "assess", "retrieve"])

    monkeypatch.setattr(draft_stage, "compose", real)
    assert run_batch(first_id=bad.pk, limit=10, wait=0).processed == [bad.pk]
    assert successful_stages(bad) == Counter(STAGES)
    assert Draft.objects.filter(ticket=bad).count() == 1


def test_the_task_raises_its_own_tickets_failure_and_queues_the_others_again(
    knowledge, monkeypatch, settings, django_capture_on_commit_callbacks
):
    settings.PIPELINE_BATCH_SIZE = 10
    tickets = [
        make_ticket(body=f"{body} (case {i})", external_id=f"batch-{i}")
        for i, body in enumerate(BATCH_BODIES[:3])
    ]
    requeued = []
    monkeypatch.setattr(
        queueing,
        "_send",
        lambda name, *args, countdown=None: requeued.append((name, list(args), countdown)),
    )
    real = draft_stage.compose
    monkeypatch.setattr(
        draft_stage,
        "compose",
        lambda **kwargs: 1 / 0 if "case 0" not in kwargs["ticket"].masked_text else real(**kwargs),
    )
    with django_capture_on_commit_callbacks(execute=True):
        assert process_ticket.apply(args=[tickets[0].pk]).get() is True
    assert sorted(requeued) == sorted((queueing.PROCESS_TICKET, [t.pk], 5) for t in tickets[1:])

    # Its own ticket failing, the task retries (with backoff) rather than passing it on.
    with (
        django_capture_on_commit_callbacks(execute=True),
        pytest.raises(Retry, match="division by zero"),
    ):
        process_ticket.apply(args=[tickets[1].pk]).get()
    assert len(requeued) == 2


def run_a_batch_of_five(tag: str) -> tuple[list[Ticket], list[str]]:
    """Five waiting tickets run as one batch: the tickets, and the SQL the batch ran."""
    tickets = [
        make_ticket(body=f"{body} (case {i})", external_id=f"{tag}-{i}")
        for i, body in enumerate(BATCH_BODIES)
    ]
    with CaptureQueriesContext(connection) as queries:
        outcome = run_batch(first_id=tickets[0].pk, limit=10, wait=0)
    assert len(outcome.processed) == 5
    return tickets, [q["sql"] for q in queries.captured_queries]


def reads(sqls: list[str], tables: tuple[str, ...], *, marker: str = "SELECT") -> Counter:
    """How many of the statements containing ``marker`` read each of ``tables``."""
    return Counter(
        table for sql in sqls if marker in sql for table in tables if f'FROM "{table}"' in sql
    )


def test_a_batch_reads_the_threads_and_actions_of_its_tickets_once(knowledge):
    _, sqls = run_a_batch_of_five("batch")
    tables = ("triage_message", "triage_ticketaction")
    assert reads(sqls, tables) == {"triage_message": 1, "triage_ticketaction": 1}


def test_a_batch_reads_its_configuration_once(knowledge):
    _, sqls = run_a_batch_of_five("config")
    tables = ("triage_configversion", "triage_taxonomycategory", "triage_escalationrule")
    found = reads(sqls, (*tables, "triage_persona"))
    assert all(found[table] == 1 for table in tables), found
    assert found["triage_persona"] <= 1  # read only when a draft is composed


def test_a_batch_retrieves_the_sources_of_all_its_tickets_in_one_query_per_kind(knowledge):
    tickets, sqls = run_a_batch_of_five("retrieve")
    tables = ("knowledge_knowledgeentry", "knowledge_kbchunk")
    assert reads(sqls, tables, marker="<=>") == dict.fromkeys(tables, 1)  # vector searches
    for ticket in tickets:
        event = PipelineEvent.objects.get(ticket=ticket, stage="retrieve", error="")
        assert event.inputs["batch"] == 5 and event.outputs["sources"]
