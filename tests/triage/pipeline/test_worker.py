"""Background work through the real broker and a real Celery worker process."""

import pytest
from django.db import transaction

from tests.conftest import make_ticket, wait_for
from triage.celery import app as celery_app
from triage.models import PipelineEvent, Ticket
from triage.pipeline.run import run_pipeline
from triage.queueing import enqueue_ticket
from triage.tasks import process_ticket


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
        enqueue_ticket(ticket_id=ticket.pk)
    assert len(callbacks) == 1
    assert Ticket.objects.get(pk=ticket.pk).status == Ticket.Status.NEW
