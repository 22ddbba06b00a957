"""Real workers killed with SIGKILL: a reply caught mid-send reaches the mail server or the
helpdesk exactly once, an API client's webhook with one event id processed once; a killed
worker's tickets are taken over within a minute; a live worker's slow batch is never taken from
it."""

from __future__ import annotations

import time

import pytest
from django.db import transaction
from django.utils import timezone

from tests.conftest import make_ticket, wait_for
from tests.stubs import SmtpStub, WebhookReceiver, ZendeskStub
from tests.triage.review.test_outbound_exactly_once import TEXT, reply
from triage import recovery
from triage.ingest import clients
from triage.models import Draft, Outbound, PipelineEvent, Ticket

pytestmark = [pytest.mark.reliability, pytest.mark.django_db(transaction=True)]

# What beat does every SWEEP_INTERVAL_SECONDS (15 by default), done here by the test.
SWEEP_EVERY = 15.0


def sweep_until(done, *, seconds: float, every: float = 1.0) -> bool:
    """Run the recovery sweep every ``every`` seconds until ``done()`` (asked every second)."""
    deadline = time.monotonic() + seconds
    swept = -float("inf")
    while time.monotonic() < deadline:
        if done():
            return True
        if time.monotonic() - swept >= every:
            recovery.requeue_stuck()
            swept = time.monotonic()
        time.sleep(min(every, 1.0))
    return done()


def sent(row: Outbound) -> bool:
    return Outbound.objects.get(pk=row.pk).status == Outbound.Status.SENT


# Short leases so the test does not wait half a minute for each: the mechanism is the same.
FAST_LEASES = {"CLAIM_LEASE_SECONDS": "6", "HEARTBEAT_SECONDS": "2"}


@pytest.mark.parametrize("moment", ["after handing the message over", "before DATA"])
def test_a_reply_whose_worker_is_killed_mid_send_reaches_the_mail_server_once(
    people, billing_ticket, workers, moment
):
    with SmtpStub() as smtp:
        env = {
            "EMAIL_BACKEND": "triage.review.mail.SmtpEmailBackend",
            "EMAIL_HOST": "127.0.0.1",
            "EMAIL_PORT": str(smtp.port),
            **FAST_LEASES,
        }
        if moment == "before DATA":
            smtp.hold_before_data = 120
        else:
            smtp.hold_after_data = 120  # has the message; the 250 is slow to come
        first = workers.start(**env)
        row = reply(people, billing_ticket)
        caught = wait_for(
            lambda: (
                Outbound.objects.get(pk=row.pk).status == Outbound.Status.SENDING
                and (moment == "before DATA" or smtp.count(TEXT) == 1)
            ),
            seconds=60,
        )
        assert caught, workers.logs()
        time.sleep(1)
        workers.kill(first)
        smtp.hold_before_data = smtp.hold_after_data = 0
        workers.start(**env)
        assert sweep_until(lambda: sent(row), seconds=90), workers.logs()
        time.sleep(2)  # anything sent twice would have arrived by now
        assert smtp.count(TEXT) == 1, (moment, smtp.count(TEXT))
        row.refresh_from_db()
        expected_note = "mail server" if moment != "before DATA" else ""
        assert expected_note in row.delivery_note, row.delivery_note


def zendesk_env(stub: ZendeskStub) -> dict[str, str]:
    return {
        "ZENDESK_API_URL": stub.url,
        "ZENDESK_API_USER": "bot@acme.example",
        "ZENDESK_API_TOKEN": "t0ken",
        **FAST_LEASES,
    }


def zendesk_ticket(ticket, stub, settings) -> None:
    settings.ZENDESK_API_URL = stub.url  # so the reply is routed to Zendesk
    Ticket.objects.filter(pk=ticket.pk).update(source="zendesk", external_id="4411")
    ticket.refresh_from_db()


def test_a_reply_whose_worker_is_killed_mid_send_reaches_the_helpdesk_once(
    people, billing_ticket, workers, settings
):
    with ZendeskStub() as zendesk:
        zendesk_ticket(billing_ticket, zendesk, settings)
        zendesk.delay_after_apply = 120  # applied the comment; the answer is slow to come
        first = workers.start(**zendesk_env(zendesk))
        row = reply(people, billing_ticket)
        assert row.via == "zendesk"
        assert wait_for(lambda: zendesk.count("4411", TEXT) == 1, seconds=60), workers.logs()
        time.sleep(1)
        workers.kill(first)
        zendesk.delay_after_apply = 0
        workers.start(**zendesk_env(zendesk))
        assert sweep_until(lambda: sent(row), seconds=90), workers.logs()
        time.sleep(2)
        assert zendesk.count("4411", TEXT) == 1
        assert "comments" in Outbound.objects.get(pk=row.pk).delivery_note


def test_a_helpdesk_answering_after_the_timeout_gets_the_reply_once(
    people, billing_ticket, workers, settings
):
    with ZendeskStub() as zendesk:
        zendesk_ticket(billing_ticket, zendesk, settings)
        zendesk.delay_after_apply = 4
        workers.start(
            **zendesk_env(zendesk), HELPDESK_TIMEOUT_SECONDS="1", OUTBOX_RETRY_BASE_SECONDS="1"
        )
        row = reply(people, billing_ticket)
        assert wait_for(lambda: sent(row), seconds=90), workers.logs()
        time.sleep(5)  # the first call's late answer, and any further attempt, have come
        assert zendesk.count("4411", TEXT) == 1
        assert Outbound.objects.get(pk=row.pk).attempts == 2


LONG = (
    "Hello, since the update on Monday our invoices show the old VAT number and the wrong "
    "company address, and the export to our accounting tool fails with an error. "
) * 12


def test_a_killed_workers_tickets_are_taken_over_within_a_minute(knowledge, workers):
    """Default leases (30 s, renewed every 10 s) and the default sweep interval."""
    first = workers.start(PIPELINE_BATCH_SIZE="20")
    with transaction.atomic():  # all committed before the worker hears of any
        ids = [
            make_ticket(body=f"{LONG} (case {i})", external_id=f"k{i}", process=True).pk
            for i in range(20)
        ]
    assert wait_for(
        lambda: Ticket.objects.filter(pk__in=ids, claimed_until__isnull=False).count() >= 10,
        seconds=60,
    ), workers.logs()
    workers.kill(first)
    killed_at = time.monotonic()
    held = dict(
        Ticket.objects.filter(
            pk__in=ids, status="new", claimed_until__gt=timezone.now()
        ).values_list("pk", "claimed_until")
    )
    assert held, "the worker finished before it was killed: nothing to take over"
    workers.start()

    def taken_over() -> bool:
        """Every ticket the dead worker held is processed or claimed anew by a live worker."""
        now = Ticket.objects.filter(pk__in=held).values_list("pk", "status", "claimed_until")
        return all(
            status != "new" or (until is not None and until > held[pk]) for pk, status, until in now
        )

    took_over = sweep_until(taken_over, seconds=120, every=SWEEP_EVERY)
    took = time.monotonic() - killed_at
    done = sweep_until(
        lambda: not Ticket.objects.filter(pk__in=ids, status="new").exists(),
        seconds=120,
        every=SWEEP_EVERY,
    )
    finished = time.monotonic() - killed_at
    print(
        f"\n{len(held)} ticket(s) held by the killed worker: taken over {took:.0f} s after the "
        f"kill, all processed {finished:.0f} s after it"
    )
    assert took_over and done, workers.logs()
    assert took < 60, took  # the lease (30 s) runs out, the next sweep (15 s) queues them again
    assert Draft.objects.filter(ticket_id__in=ids).count() == len(ids)  # one draft each


def test_a_live_workers_slow_batch_is_never_taken_from_it(knowledge, workers):
    """Leases of 3 s renewed every second, a batch that takes several times that: the sweep never
    sees a ticket of it as abandoned, and every ticket is processed once."""
    workers.start(PIPELINE_BATCH_SIZE="96", CLAIM_LEASE_SECONDS="3", HEARTBEAT_SECONDS="1")
    with transaction.atomic():
        ids = [
            make_ticket(body=f"{LONG} (case {i})", external_id=f"s{i}", process=True).pk
            for i in range(96)
        ]
    assert wait_for(
        lambda: Ticket.objects.filter(pk__in=ids, claimed_until__isnull=False).exists(),
        seconds=60,
    ), workers.logs()
    started, taken = time.monotonic(), set()
    while Ticket.objects.filter(pk__in=ids, status="new").exists():
        taken |= set(recovery.find_stuck().tickets) & set(ids)
        time.sleep(0.5)
        assert time.monotonic() - started < 180, workers.logs()
    took = time.monotonic() - started
    print(f"\nthe batch of 96 took {took:.1f} s against leases of 3 s; taken from it: {taken}")
    assert took > 6  # the batch outlived its leases at least twice
    assert taken == set()
    for stage in ("preprocess", "classify", "draft", "route"):
        assert PipelineEvent.objects.filter(ticket_id__in=ids, stage=stage, error="").count() == 96


def test_a_reply_whose_worker_is_killed_mid_delivery_reaches_the_webhook_once(
    people, billing_ticket, workers
):
    client, _token = clients.create_client(name="mobile-app")
    with WebhookReceiver() as receiver:
        client = clients.set_reply_webhook(client=client, url=receiver.url)
        receiver.secret = client.webhook_secret
        Ticket.objects.filter(pk=billing_ticket.pk).update(api_client=client)
        billing_ticket.refresh_from_db()
        receiver.delay = 120  # the client has the event; its answer is slow to come
        first = workers.start(**FAST_LEASES)
        row = reply(people, billing_ticket)
        assert row.via == "webhook"
        assert wait_for(lambda: len(receiver.processed) == 1, seconds=60), workers.logs()
        time.sleep(1)
        workers.kill(first)
        receiver.delay = 0
        workers.start(**FAST_LEASES)
        assert sweep_until(lambda: sent(row), seconds=90), workers.logs()
        time.sleep(2)
        # Sent again with the same event id after the kill: the client processed it once.
        ids = {d["headers"]["X-Deskpilot-Event-Id"] for d in receiver.deliveries}
        assert ids == {str(row.idempotency_key)} and len(receiver.processed) == 1
        assert all(receiver.verify(d["headers"], d["body"]) for d in receiver.deliveries)
        assert billing_ticket.messages.filter(direction="outbound").count() == 1
