"""Work lives in the database: lost tasks are found again, a bad broker file stops nothing."""

from datetime import timedelta

import pytest
from django.utils import timezone

from tests.conftest import make_ticket, wait_for
from triage.celery import app as celery_app
from triage.models import Outbound, Ticket
from triage.recovery import find_stuck
from triage.tasks import process_ticket


def _aged(ticket: Ticket, *, minutes: int = 10, **fields) -> Ticket:
    past = timezone.now() - timedelta(minutes=minutes)
    Ticket.objects.filter(pk=ticket.pk).update(created_at=past, **fields)
    return Ticket.objects.get(pk=ticket.pk)


@pytest.mark.django_db
def test_a_ticket_whose_task_was_lost_is_found_once_per_interval(config):
    lost = _aged(make_ticket(body="Lost task one"), queued_at=None)
    held = _aged(
        make_ticket(body="A live worker holds this"),
        claimed_until=timezone.now() + timedelta(minutes=5),
    )
    fresh = make_ticket(body="Just arrived")  # its task is surely still in the queue
    recently_queued = _aged(make_ticket(body="Queued a moment ago"), queued_at=timezone.now())
    first = find_stuck()
    assert lost.pk in first.tickets
    assert {held.pk, fresh.pk, recently_queued.pk}.isdisjoint(first.tickets)
    assert Ticket.objects.get(pk=lost.pk).queued_at is not None
    assert lost.pk not in find_stuck().tickets  # not again until the interval has passed
    later = timezone.now() + timedelta(minutes=5)
    assert lost.pk in find_stuck(now=later).tickets


@pytest.mark.django_db
def test_a_dead_workers_claim_runs_out_and_the_ticket_is_found(config):
    ticket = _aged(
        make_ticket(body="The worker died mid-pipeline"),
        claimed_until=timezone.now() - timedelta(seconds=1),
        queued_at=timezone.now() - timedelta(minutes=10),
    )
    assert ticket.pk in find_stuck().tickets


@pytest.mark.django_db
def test_replies_stuck_on_their_way_out_are_found(config):
    ticket = make_ticket(body="Reply stuck")
    now = timezone.now()
    old = now - timedelta(minutes=10)
    abandoned = Outbound.objects.create(
        ticket=ticket, via="email", body="x", status="sending", sending_until=now - timedelta(1)
    )
    sending = Outbound.objects.create(
        ticket=ticket, via="email", body="x", status="sending", sending_until=now + timedelta(1)
    )
    lost = Outbound.objects.create(ticket=ticket, via="email", body="x", status="pending")
    Outbound.objects.filter(pk=lost.pk).update(created_at=old)
    due = Outbound.objects.create(
        ticket=ticket, via="email", body="x", status="failed", next_attempt_at=old
    )
    gave_up = Outbound.objects.create(
        ticket=ticket, via="email", body="x", status="failed", next_attempt_at=None
    )
    sent = Outbound.objects.create(ticket=ticket, via="email", body="x", status="sent")
    found = set(find_stuck().outbound)
    assert {abandoned.pk, lost.pk, due.pk} <= found
    assert found.isdisjoint({sending.pk, gave_up.pk, sent.pk})


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("worker_broker", [{"SWEEP_AFTER_SECONDS": "1"}], indirect=True)
def test_a_worker_that_starts_processes_tickets_whose_task_was_lost(worker_broker, config):  # noqa: F811
    lost = _aged(make_ticket(body="I was charged twice this month, nobody queued me"))
    assert lost.status == Ticket.Status.NEW
    done = wait_for(lambda: Ticket.objects.get(pk=lost.pk).status != Ticket.Status.NEW)
    if not done:
        worker_broker.terminate()
        pytest.fail((worker_broker.communicate(timeout=20)[0] or "")[-4000:])


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_an_empty_message_file_is_logged_and_the_worker_goes_on(
    worker_broker,  # noqa: F811
    config,
    tmp_path,
):
    queue = tmp_path / "queue"
    (queue / "0000000000001_deadbeef.celery.msg").write_bytes(b"")  # what a SIGKILL can leave
    (queue / "0000000000002_cafebabe.celery.msg").write_bytes(b'{"half": ')
    ticket = make_ticket(body="I was charged twice this month, after the broken files")
    with celery_app.connection_for_write() as connection:
        process_ticket.apply_async(args=[ticket.pk], connection=connection)
    done = wait_for(lambda: Ticket.objects.get(pk=ticket.pk).status != Ticket.Status.NEW)
    assert worker_broker.poll() is None, "the worker exited"
    worker_broker.terminate()
    output = worker_broker.communicate(timeout=30)[0] or ""
    assert done, output[-4000:]
    assert output.count("skipped unreadable broker message") == 2, output[-4000:]
    assert sorted(p.name for p in (tmp_path / "bad").iterdir()) == [
        "0000000000001_deadbeef.celery.msg",
        "0000000000002_cafebabe.celery.msg",
    ]
