"""Background work through the real broker and a real Celery worker process."""

import subprocess
import sys
import time

import pytest
from django.db import transaction

from tests.conftest import ROOT, child_env, database_url_for_current_connection, make_ticket
from triage.celery import app as celery_app
from triage.models import PipelineEvent, Ticket
from triage.pipeline.run import run_pipeline
from triage.tasks import enqueue_processing, process_ticket


@pytest.fixture
def worker_broker(tmp_path, settings, request):
    """Point this process's Celery app at a fresh filesystem broker and start a worker on it."""
    queue, processed = tmp_path / "queue", tmp_path / "processed"
    queue.mkdir()
    processed.mkdir()
    old = (celery_app.conf.task_always_eager, dict(celery_app.conf.broker_transport_options or {}))
    celery_app.conf.task_always_eager = False
    celery_app.conf.broker_url = "filesystem://"
    celery_app.conf.broker_transport_options = {
        "data_folder_in": str(queue),
        "data_folder_out": str(queue),
        "processed_folder": str(processed),
        "control_folder": str(tmp_path / "control"),
    }
    env = child_env(
        DATABASE_URL=database_url_for_current_connection(),
        CELERY_BROKER_URL="filesystem://",
        CELERY_FILESYSTEM_DIR=str(tmp_path),
        # A test may set more of the worker's environment; "{tmp}" stands for this test's folder.
        **{
            key: value.replace("{tmp}", str(tmp_path))
            for key, value in getattr(request, "param", {}).items()
        },
    )
    worker = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "triage",
            "worker",
            "--pool=solo",
            "--loglevel=INFO",
            "--without-heartbeat",
            "--without-gossip",
            "--without-mingle",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    yield worker
    worker.terminate()
    try:
        worker.wait(timeout=20)
    except subprocess.TimeoutExpired:
        worker.kill()
    celery_app.conf.task_always_eager, celery_app.conf.broker_transport_options = old[0], old[1]


def wait_for(predicate, *, seconds: float = 90.0) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.3)
    return False


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_task_sent_through_the_broker_runs_in_a_worker_process(worker_broker):
    ticket = make_ticket(body="Hello, my card 4111 1111 1111 1111 was charged twice.")
    # A connection of its own, built from the conf above (the app's shared pool may predate it).
    with celery_app.connection_for_write() as connection:
        process_ticket.apply_async(args=[ticket.pk], connection=connection)
    done = wait_for(lambda: Ticket.objects.get(pk=ticket.pk).status != Ticket.Status.NEW)
    if not done:
        worker_broker.terminate()
        pytest.fail(
            "worker did not process the task:\n" + (worker_broker.communicate(timeout=20)[0] or "")
        )
    ticket.refresh_from_db()
    assert "[CARD_1]" in ticket.masked_text
    assert PipelineEvent.objects.filter(ticket=ticket, stage="preprocess", error="").count() == 1


@pytest.mark.django_db(transaction=True)
def test_one_task_runs_the_tickets_waiting_with_it_as_one_batch(worker_broker, knowledge):
    with transaction.atomic():  # all committed before the worker hears of any
        tickets = [
            make_ticket(body=f"My invoice number {i} shows the wrong VAT", external_id=f"w{i}")
            for i in range(12)
        ]
    with celery_app.connection_for_write() as connection:
        process_ticket.apply_async(args=[tickets[0].pk], connection=connection)
    ids = [t.pk for t in tickets]
    done = wait_for(lambda: not Ticket.objects.filter(pk__in=ids, status="new").exists())
    if not done:
        worker_broker.terminate()
        pytest.fail(
            "worker did not process the batch:\n" + worker_broker.communicate(timeout=20)[0]
        )
    batches = [
        e.inputs["batch"] for e in PipelineEvent.objects.filter(ticket_id__in=ids, stage="classify")
    ]
    assert batches == [12] * 12
    assert PipelineEvent.objects.filter(ticket_id__in=ids, stage="handoff", error="").count() == 12


@pytest.mark.django_db
def test_task_for_a_deleted_ticket_returns_quietly():
    ticket = make_ticket()
    ticket_id = ticket.pk
    ticket.delete()
    assert process_ticket.apply(args=[ticket_id]).get() is False
    assert not PipelineEvent.objects.filter(ticket_id=ticket_id).exists()


@pytest.mark.django_db
def test_a_redelivered_task_does_no_second_run():
    ticket = make_ticket()
    assert run_pipeline(ticket_id=ticket.pk) is True
    assert run_pipeline(ticket_id=ticket.pk) is False
    assert PipelineEvent.objects.filter(ticket=ticket, stage="preprocess").count() == 1


@pytest.mark.django_db
def test_enqueue_waits_for_commit(django_capture_on_commit_callbacks):
    ticket = make_ticket()
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        enqueue_processing(ticket_id=ticket.pk)
    assert len(callbacks) == 1
    assert Ticket.objects.get(pk=ticket.pk).status == Ticket.Status.NEW
