"""Ingestion queues its own work: whatever the entry point, a stored ticket reaches a real worker
with nobody but ``ingest_ticket`` queueing it, and a redelivery queues nothing."""

import json
import mailbox
import time

import pytest
from django.core.management import call_command

from tests.conftest import wait_for
from tests.triage.ingest.test_webhooks import (
    freshdesk_delivery,
    intercom_delivery,
    post,
    zendesk_delivery,
)
from triage import queueing
from triage.ingest import webhooks
from triage.ingest.email import parse_email
from triage.ingest.service import CustomerInput, TicketInput, ingest_ticket
from triage.models import Ticket

TOKEN = {"HTTP_AUTHORIZATION": "Bearer queue-test-token"}


def raw_email(subject: str, sender: str) -> bytes:
    return (
        f"From: Mia Sommer <{sender}>\r\nSubject: {subject}\r\n"
        f"Message-ID: <{subject.replace(' ', '-')}@mail.example>\r\n"
        "Date: Fri, 04 Dec 2026 09:12:00 -0000\r\n\r\n"
        "Hello, my invoice shows the wrong VAT number since last month.\r\n"
    ).encode()


def every_entry_point(client, tmp_path) -> set[int]:
    """One ticket through each entry point; the ids of the tickets they stored."""
    responses = [
        client.post(
            "/api/v1/tickets",
            json.dumps({"body": "My export to CSV fails with an error", "external_id": "q-api"}),
            content_type="application/json",
            **TOKEN,
        ),
        client.post(
            "/api/v1/ingest/email",
            raw_email("VAT number wrong", "mia@mail.example"),
            content_type="message/rfc822",
            **TOKEN,
        ),
        client.post(
            "/api/v1/ingest/chat",
            json.dumps(
                {
                    "conversation_id": "q-chat",
                    "messages": [{"author": "customer", "text": "How do I add a second user?"}],
                }
            ),
            content_type="application/json",
            **TOKEN,
        ),
        post(client, "/api/v1/webhooks/zendesk", *zendesk_delivery(4242)),
        post(client, "/api/v1/webhooks/intercom", *intercom_delivery()),
        post(client, "/api/v1/webhooks/freshdesk", *freshdesk_delivery()),
    ]
    assert [r.status_code for r in responses] == [201] * 6, [r.content for r in responses]
    form = client.post(
        "/support/new",
        {
            "name": "Ola Berg",
            "email": "ola@form.example",
            "subject": "Password reset",
            "message": "The password reset mail never arrives.",
        },
    )
    assert form.status_code == 201
    ids = {r.json()["id"] for r in responses} | {
        Ticket.objects.get(customer__email="ola@form.example").pk
    }
    csv_file = tmp_path / "tickets.csv"
    csv_file.write_text("subject,body\nRefund,I would like a refund for my last invoice\n")
    call_command("ingest_csv", str(csv_file), "--map", "subject=subject,body=body")
    box = mailbox.mbox(tmp_path / "inbox.mbox")
    box.add(raw_email("Bank sync stopped", "leo@mbox.example"))
    box.flush()
    call_command("ingest_mbox", str(tmp_path / "inbox.mbox"))
    ids |= set(
        Ticket.objects.filter(subject__in=["Refund", "Bank sync stopped"]).values_list(
            "pk", flat=True
        )
    )
    assert len(ids) == 9
    return ids


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_every_entry_point_gets_its_ticket_processed_by_a_worker(
    worker_broker, client, knowledge, settings, tmp_path
):
    settings.API_TOKENS = ["queue-test-token"]
    ids = every_entry_point(client, tmp_path)
    done = wait_for(
        lambda: not Ticket.objects.filter(pk__in=ids, status=Ticket.Status.NEW).exists(),
        seconds=180,
    )
    if not done:
        worker_broker.terminate()
        pytest.fail(
            "the worker did not process every ticket:\n"
            + (worker_broker.communicate(timeout=20)[0] or "")[-5000:]
        )
    for ticket in Ticket.objects.filter(pk__in=ids):
        assert ticket.classifications.exists() and ticket.team_id is not None, ticket
    # The worker process did it, not this one.
    worker_broker.terminate()
    log = worker_broker.communicate(timeout=30)[0] or ""
    assert "triage.tasks.process_ticket" in log and "succeeded" in log, log[-3000:]


def queued(monkeypatch) -> list[tuple[str, list]]:
    sent: list[tuple[str, list]] = []
    monkeypatch.setattr(
        queueing, "_send", lambda name, *args, countdown=None: sent.append((name, list(args)))
    )
    return sent


@pytest.mark.django_db
def test_a_duplicate_web_form_submission_queues_nothing(
    client, config, monkeypatch, django_capture_on_commit_callbacks
):
    sent = queued(monkeypatch)
    page = client.get("/support/new").content.decode()
    token = page.split('name="submission" value="')[1].split('"')[0]
    data = {
        "name": "Ola Berg",
        "email": "ola@form.example",
        "subject": "Password reset",
        "message": "The password reset mail never arrives.",
        "submission": token,
    }
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post("/support/new", data).status_code == 201
    ticket = Ticket.objects.get()
    assert sent == [(queueing.PROCESS_TICKET, [ticket.pk])]
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        again = client.post("/support/new", data)
    assert again.status_code == 200 and Ticket.objects.count() == 1
    assert callbacks == [] and len(sent) == 1


@pytest.mark.django_db
def test_a_redelivered_api_ticket_queues_nothing_and_a_reply_after_the_answer_queues_it_again(
    client, config, monkeypatch, settings, django_capture_on_commit_callbacks
):
    settings.API_TOKENS = ["queue-test-token"]
    sent = queued(monkeypatch)
    payload = {"body": "Export fails", "external_id": "q-1", "customer": {"email": "a@x.io"}}

    def deliver(body: dict):
        with django_capture_on_commit_callbacks(execute=True):
            return client.post(
                "/api/v1/tickets", json.dumps(body), content_type="application/json", **TOKEN
            )

    first = deliver(payload)
    assert deliver(payload).json()["status"] == "duplicate"
    assert sent == [(queueing.PROCESS_TICKET, [first.json()["id"]])]
    # Answered and sent: the customer's next message reopens it and queues it once more.
    Ticket.objects.filter(pk=first.json()["id"]).update(status=Ticket.Status.SENT)
    time.sleep(0.01)
    joined = deliver({"body": "Still failing", "thread_id": "q-1", "customer": {"email": "a@x.io"}})
    assert joined.json()["status"] == "joined_thread"
    assert sent[-1] == (queueing.PROCESS_TICKET, [first.json()["id"]]) and len(sent) == 2


def _inputs() -> dict:
    """What each entry point hands to ``ingest_ticket``, made by that entry point's own parser."""
    return {
        "api": TicketInput(channel="api", source="api", body="Export fails", external_id="i-1"),
        "email": parse_email(raw_email("VAT number wrong", "mia@mail.example")),
        "chat": TicketInput(channel="chat", source="chat", body="Add a user?", external_id="c-1"),
        "web form": TicketInput(
            channel="web_form",
            source="web_form",
            body="The reset mail never arrives.",
            customer=CustomerInput(email="ola@form.example", name="Ola"),
            message_id="<f-1@web-form.deskpilot>",
        ),
        "zendesk": webhooks.zendesk_ticket(json.loads(zendesk_delivery(7)[0])),
        "intercom": webhooks.intercom_ticket(json.loads(intercom_delivery()[0])),
        "freshdesk": webhooks.freshdesk_ticket(json.loads(freshdesk_delivery()[0])),
    }


@pytest.mark.parametrize("entry_point", list(_inputs()))
@pytest.mark.django_db
def test_ingest_ticket_queues_the_ticket_it_stores_and_nothing_for_a_redelivery(
    config, monkeypatch, django_capture_on_commit_callbacks, entry_point
):
    sent = queued(monkeypatch)
    data = _inputs()[entry_point]
    with django_capture_on_commit_callbacks(execute=True):
        result = ingest_ticket(data=data, thread=entry_point in ("email", "web form"))
    assert result.created and sent == [(queueing.PROCESS_TICKET, [result.ticket.pk])]
    with django_capture_on_commit_callbacks(execute=True):
        again = ingest_ticket(data=data, thread=entry_point in ("email", "web form"))
    assert not again.created and not again.joined_thread and len(sent) == 1
