"""The outbox: approving queues the reply, a worker sends it once, a failure is retried with backoff
and shown."""

import json
import threading
import time
from datetime import timedelta
from email import message_from_bytes
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from django.core import mail
from django.utils import timezone

from dashboard.forms import opened_token
from tests.conftest import wait_for
from tests.dashboard.conftest import run_outbox
from triage import lifecycle
from triage.celery import app as celery_app
from triage.models import Outbound, Ticket
from triage.review import outbound as outbox
from triage.review.decisions import Then, do_reply, reviewer_text
from triage.tasks import send_reply


def approve(client, ticket, text=None):
    text = text or reviewer_text(ticket, ticket.drafts.first().text)
    return client.post(
        f"/tickets/{ticket.pk}/reply/",
        {"opened": opened_token(ticket.pk, time.time() - 5), "final_text": text},
    )


def test_approving_returns_before_the_reply_is_sent_and_the_page_says_sending(
    client, people, billing_ticket
):
    client.force_login(people["agent"])
    assert approve(client, billing_ticket).status_code == 302
    row = Outbound.objects.get()
    assert row.status == Outbound.Status.PENDING and row.attempts == 0 and not mail.outbox
    page = client.get(f"/tickets/{billing_ticket.pk}/").content.decode()
    assert (
        "Sending reply via email" in page
        and f'hx-get="/tickets/{billing_ticket.pk}/outbox/"' in page
    )
    sent = run_outbox()
    assert [r.status for r in sent] == ["sent"] and len(mail.outbox) == 1
    assert run_outbox() == [] and len(mail.outbox) == 1  # a second run sends nothing more
    panel = client.get(f"/tickets/{billing_ticket.pk}/outbox/").content.decode()
    assert "Reply sent via email" in panel and "hx-get" not in panel  # nothing left to poll for


def test_a_failing_send_backs_off_and_shows_its_error_with_a_retry_button(
    client, people, billing_ticket, settings
):
    settings.EMAIL_BACKEND = "tests.dashboard.failing_email.FailingBackend"
    settings.OUTBOX_RETRY_BASE_SECONDS = 30
    client.force_login(people["agent"])
    approve(client, billing_ticket)
    row_id = Outbound.objects.get().pk
    waits = []
    for attempt in range(1, Outbound.MAX_ATTEMPTS + 1):
        before = timezone.now()
        row = outbox.send_outbound(outbound_id=row_id)
        assert (
            row.status == Outbound.Status.FAILED
            and row.attempts == attempt
            and "SMTP server is down" in row.last_error
        )
        if attempt < Outbound.MAX_ATTEMPTS:
            waits.append(round((row.next_attempt_at - before).total_seconds()))
        else:
            assert row.next_attempt_at is None  # attempts ran out: a person decides
    assert waits == [30, 60, 120, 240]
    page = client.get(f"/tickets/{billing_ticket.pk}/").content.decode()
    assert (
        "SMTP server is down" in page
        and "Retry sending now" in page
        and "No more automatic tries" in page
    )
    billing_ticket.refresh_from_db()
    assert billing_ticket.status != Ticket.Status.SENT


def test_a_reply_being_sent_by_a_live_worker_is_not_sent_again(people, billing_ticket):
    review = do_reply(
        ticket=billing_ticket,
        draft=billing_ticket.drafts.first(),
        user=people["agent"],
        final_text="Hello there",
        seconds_spent=3,
    )
    Outbound.objects.filter(pk=review.outbound.pk).update(
        status=Outbound.Status.SENDING, sending_until=timezone.now() + timedelta(minutes=1)
    )
    assert outbox.send_outbound(outbound_id=review.outbound.pk) is None and not mail.outbox
    # Its worker died: once the lease has run out the reply goes out, with the same key.
    later = timezone.now() + lifecycle.claim_lease() + timedelta(minutes=2)
    row = outbox.send_outbound(outbound_id=review.outbound.pk, now=later)
    assert row.status == Outbound.Status.SENT and len(mail.outbox) == 1
    assert str(row.idempotency_key) in mail.outbox[0].extra_headers["Message-ID"]


class _Helpdesk(BaseHTTPRequestHandler):
    keys: list = []

    def do_PUT(self):  # noqa: N802 -- the stdlib's name
        self.rfile.read(int(self.headers.get("Content-Length", 0)))
        _Helpdesk.keys.append(self.headers.get("Idempotency-Key"))
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(json.dumps({"ticket": {}}).encode())

    def log_message(self, *args):
        pass


def test_helpdesk_calls_carry_the_outbox_rows_idempotency_key(people, billing_ticket, settings):
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Helpdesk)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        settings.ZENDESK_API_URL = f"http://127.0.0.1:{server.server_address[1]}"
        Ticket.objects.filter(pk=billing_ticket.pk).update(source="zendesk", external_id="77")
        billing_ticket.refresh_from_db()
        review = do_reply(
            ticket=billing_ticket,
            draft=billing_ticket.drafts.first(),
            user=people["agent"],
            final_text="Done.",
            seconds_spent=3,
        )
        outbox.send_outbound(outbound_id=review.outbound.pk)
        assert _Helpdesk.keys == [str(review.outbound.idempotency_key)]
    finally:
        server.shutdown()
        server.server_close()


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(
    "worker_broker",
    [
        {
            "EMAIL_BACKEND": "django.core.mail.backends.filebased.EmailBackend",
            "EMAIL_FILE_PATH": "{tmp}/mail",
        }
    ],
    indirect=True,
)
def test_the_worker_sends_an_approved_reply_once(worker_broker, people, billing_ticket, tmp_path):
    review = do_reply(
        ticket=billing_ticket,
        draft=billing_ticket.drafts.first(),
        user=people["agent"],
        final_text="Hello from the worker",
        seconds_spent=3,
    )
    with celery_app.connection_for_write() as connection:
        send_reply.apply_async(args=[review.outbound.pk], connection=connection)
        send_reply.apply_async(
            args=[review.outbound.pk], connection=connection
        )  # a duplicate delivery of the task
    done = wait_for(
        lambda: Outbound.objects.get(pk=review.outbound.pk).status == Outbound.Status.SENT
    )
    if not done:
        worker_broker.terminate()
        pytest.fail(
            "worker did not send:\n" + (worker_broker.communicate(timeout=20)[0] or "")[-5000:]
        )
    time.sleep(1)  # let the duplicate task run too
    files = list(Path(tmp_path / "mail").glob("*.log"))
    messages = [message_from_bytes(f.read_bytes()) for f in files]
    assert len(messages) == 1 and "Hello from the worker" in messages[0].get_payload()
    row = Outbound.objects.get(pk=review.outbound.pk)
    assert (
        row.attempts == 1 and Ticket.objects.get(pk=billing_ticket.pk).status == Ticket.Status.SENT
    )


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(
    "worker_broker",
    [
        {
            "EMAIL_BACKEND": "tests.dashboard.failing_email.FailingBackend",
            "OUTBOX_RETRY_BASE_SECONDS": "0.3",
        }
    ],
    indirect=True,
)
def test_the_worker_retries_a_failing_send_with_backoff_until_attempts_run_out(
    worker_broker, people, billing_ticket
):
    review = do_reply(
        ticket=billing_ticket,
        draft=billing_ticket.drafts.first(),
        user=people["agent"],
        final_text="Hello",
        seconds_spent=3,
    )
    with celery_app.connection_for_write() as connection:
        send_reply.apply_async(args=[review.outbound.pk], connection=connection)
    done = wait_for(
        lambda: Outbound.objects.get(pk=review.outbound.pk).attempts == Outbound.MAX_ATTEMPTS,
        seconds=60,
    )
    if not done:
        worker_broker.terminate()
        pytest.fail(
            "worker did not retry:\n" + (worker_broker.communicate(timeout=20)[0] or "")[-5000:]
        )
    row = Outbound.objects.get(pk=review.outbound.pk)
    assert (
        row.status == Outbound.Status.FAILED
        and "SMTP server is down" in row.last_error
        and row.next_attempt_at is None
    )


def _wait_reply(people, ticket):
    return do_reply(
        ticket=ticket,
        draft=ticket.drafts.first(),
        user=people["agent"],
        final_text=reviewer_text(ticket, ticket.drafts.first().text),
        seconds_spent=3,
        then=Then.WAIT,
    )


def test_send_and_wait_pauses_the_sla_when_the_reply_is_accepted(people, billing_ticket):
    review = _wait_reply(people, billing_ticket)
    billing_ticket.refresh_from_db()
    assert review.outbound.status == Outbound.Status.PENDING  # not sent yet
    assert billing_ticket.sla_paused_at is not None
    outbox.send_outbound(outbound_id=review.outbound.pk)
    billing_ticket.refresh_from_db()
    assert billing_ticket.status == Ticket.Status.WAITING_ON_CUSTOMER
    assert billing_ticket.sla_paused_at is not None


def test_a_wait_reply_that_is_never_delivered_resumes_the_sla(people, billing_ticket, settings):
    settings.EMAIL_BACKEND = "tests.dashboard.failing_email.FailingBackend"
    due = billing_ticket.sla_due_at
    review = _wait_reply(people, billing_ticket)
    later = timezone.now()
    for _ in range(Outbound.MAX_ATTEMPTS - 1):
        later += timedelta(hours=2)
        outbox.send_outbound(outbound_id=review.outbound.pk, now=later)
        billing_ticket.refresh_from_db()
        assert billing_ticket.sla_paused_at is not None  # tries are left
    outbox.send_outbound(outbound_id=review.outbound.pk, now=later + timedelta(hours=2))
    billing_ticket.refresh_from_db()
    assert billing_ticket.sla_paused_at is None and billing_ticket.sla_due_at >= due
    assert billing_ticket.status != Ticket.Status.WAITING_ON_CUSTOMER
    outbox.retry_outbound(outbound=Outbound.objects.get(pk=review.outbound.pk))
    billing_ticket.refresh_from_db()
    assert billing_ticket.sla_paused_at is not None  # accepted again: paused again
