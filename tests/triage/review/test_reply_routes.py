"""Every ticket's reply route: the connected helpdesk, the API client's signed reply webhook, the
customer's e-mail, or none (said before anyone writes, and sending refused with the reason)."""

import json
from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone

from tests.conftest import make_ticket
from tests.stubs import WebhookReceiver
from triage import recovery
from triage.ingest import clients
from triage.ingest.service import CustomerInput
from triage.models import ClientEvent, Outbound, Review, Ticket
from triage.pipeline.run import run_pipeline
from triage.review import outbound as outbox
from triage.review.decisions import ReviewError, do_reply
from triage.review.operations import do_add_note

pytestmark = pytest.mark.django_db


def api_ticket(client, *, email=None, body="My order 4411 never arrived, can you check?"):
    """A processed ticket the client posted, waiting for a reply."""
    ticket = make_ticket(
        body=body,
        channel="api",
        source="api",
        customer=CustomerInput(email=email, name="Kim Lee", external_id="user-17"),
        api_client_id=client.pk if client else None,
    )
    run_pipeline(ticket_id=ticket.pk)
    ticket.refresh_from_db()
    return ticket


@pytest.fixture
def app_client():
    client, _token = clients.create_client(name="mobile-app")
    return client


def test_the_route_is_the_helpdesk_then_the_webhook_then_email(app_client, settings):
    assert outbox.reply_route(api_ticket(app_client)) is None
    with_mail = api_ticket(app_client, email="kim@example.com")
    assert outbox.reply_route(with_mail) == outbox.Route("email", "e-mail kim@example.com")
    clients.set_reply_webhook(client=app_client, url="https://app.example/hooks/replies")
    with_mail.refresh_from_db()
    route = outbox.reply_route(with_mail)
    assert route.via == "webhook"
    assert route.label == "https://app.example/hooks/replies (API client 'mobile-app')"
    settings.ZENDESK_API_URL = "https://zendesk.example"
    zendesk = make_ticket(source="zendesk", channel="email", external_id="4411")
    assert outbox.reply_route(zendesk).label == "the Zendesk ticket 4411"


def test_a_revoked_client_is_no_route(app_client):
    clients.set_reply_webhook(client=app_client, url="https://app.example/hooks")
    ticket = api_ticket(app_client)
    clients.revoke(client=app_client)
    ticket.refresh_from_db()
    assert outbox.reply_route(ticket) is None


def test_sending_with_no_route_is_refused_with_the_reason_and_writes_nothing(app_client, people):
    ticket = api_ticket(app_client)
    with pytest.raises(ReviewError) as error:
        do_reply(ticket=ticket, draft=None, user=people["agent"], final_text="Hi!", seconds_spent=1)
    assert "No way to reach this customer" in str(error.value)
    assert "give the API client 'mobile-app' a reply webhook" in str(error.value)
    assert not Outbound.objects.filter(ticket=ticket).exists()
    assert not Review.objects.filter(ticket=ticket).exists()


def test_a_webhook_url_must_be_http_and_keeps_its_secret(app_client):
    with pytest.raises(clients.ClientError):
        clients.set_reply_webhook(client=app_client, url="ftp://app.example/hooks")
    with pytest.raises(clients.ClientError):
        clients.set_reply_webhook(client=app_client, url="not a url")
    first = clients.set_reply_webhook(client=app_client, url="https://app.example/a")
    again = clients.set_reply_webhook(client=app_client, url="https://app.example/b")
    assert len(first.webhook_secret) == 64 and again.webhook_secret == first.webhook_secret
    rotated = clients.set_reply_webhook(
        client=app_client, url="https://app.example/b", new_secret=True
    )
    assert rotated.webhook_secret != first.webhook_secret


def test_a_reply_to_an_api_ticket_is_one_signed_event_and_marks_it_sent(app_client, people):
    with WebhookReceiver() as receiver:
        client = clients.set_reply_webhook(client=app_client, url=receiver.url)
        receiver.secret = client.webhook_secret
        ticket = api_ticket(app_client)
        review = do_reply(
            ticket=ticket,
            draft=None,
            user=people["agent"],
            final_text="Hi Kim, your parcel is on its way.",
            seconds_spent=5,
        )
        assert review.outbound.via == "webhook"
        row = outbox.send_outbound(outbound_id=review.outbound.pk)
        assert row.status == Outbound.Status.SENT
        [delivery] = receiver.deliveries
        event = json.loads(delivery["body"])
        assert receiver.verify(delivery["headers"], delivery["body"])
        assert (
            event["id"] == str(row.idempotency_key) == delivery["headers"]["X-Deskpilot-Event-Id"]
        )
        assert event["type"] == "ticket.reply"
        assert event["reply"]["body"] == "Hi Kim, your parcel is on its way."
        assert event["ticket"]["id"] == ticket.pk
        assert event["ticket"]["customer"]["external_id"] == "user-17"
    ticket.refresh_from_db()
    assert ticket.messages.filter(direction="outbound").count() == 1


def test_a_failed_delivery_is_retried_with_the_same_event_id(app_client, people):
    with WebhookReceiver(statuses=[503]) as receiver:
        client = clients.set_reply_webhook(client=app_client, url=receiver.url)
        receiver.secret = client.webhook_secret
        review = do_reply(
            ticket=api_ticket(app_client),
            draft=None,
            user=people["agent"],
            final_text="Thanks for your patience, Kim.",
            seconds_spent=5,
        )
        first = outbox.send_outbound(outbound_id=review.outbound.pk)
        assert first.status == Outbound.Status.FAILED and "503" in first.last_error
        later = timezone.now() + timedelta(hours=2)
        second = outbox.send_outbound(outbound_id=review.outbound.pk, now=later)
        assert second.status == Outbound.Status.SENT
        ids = {d["headers"]["X-Deskpilot-Event-Id"] for d in receiver.deliveries}
        assert len(receiver.deliveries) == 2 and ids == {str(second.idempotency_key)}
        assert len(receiver.processed) == 1


def test_a_webhook_that_refuses_the_signature_is_a_failure_not_a_send(app_client, people):
    with WebhookReceiver(secret="not-the-clients-secret") as receiver:
        clients.set_reply_webhook(client=app_client, url=receiver.url)
        review = do_reply(
            ticket=api_ticket(app_client),
            draft=None,
            user=people["agent"],
            final_text="Hello",
            seconds_spent=1,
        )
        row = outbox.send_outbound(outbound_id=review.outbound.pk)
        assert row.status == Outbound.Status.FAILED and "401" in row.last_error
        assert receiver.processed == {}


def test_a_ticket_posted_with_a_clients_token_remembers_the_client(client, app_client):
    _client, token = clients.create_client(name="chat-widget")
    response = client.post(
        "/api/v1/tickets",
        data=json.dumps({"body": "Where is my order?", "customer": {"name": "Kim"}}),
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {token}",
    )
    assert response.status_code == 201, response.content
    ticket = Ticket.objects.get(pk=response.json()["id"])
    assert ticket.api_client.name == "chat-widget"


def test_the_readmes_verification_snippet_accepts_our_event_and_refuses_a_changed_one(app_client):
    readme = (Path(__file__).parents[3] / "README.md").read_text(encoding="utf-8")
    snippet = readme.split("A client verifies an event like this")[1].split("```python")[1]
    namespace: dict = {}
    exec(snippet.split("```")[0], namespace)  # noqa: S102 -- the README's own code, under test
    client = clients.set_reply_webhook(client=app_client, url="https://app.example/hooks")
    ticket = api_ticket(app_client)
    body, headers = outbox.webhook_event(
        ticket=ticket,
        kind="ticket.reply",
        data={"reply": {"body": "Hi"}},
        event_id="e-1",
        now=timezone.now(),
    )
    assert namespace["verify"](client.webhook_secret, headers, body)
    assert not namespace["verify"](client.webhook_secret, headers, body.replace(b"Hi", b"Ho"))
    assert not namespace["verify"]("another-secret", headers, body)


# --- status events ---------------------------------------------------------------------------


def test_a_status_change_is_one_signed_event_for_a_client_that_asked(app_client, people):
    with WebhookReceiver() as receiver:
        client = clients.set_reply_webhook(client=app_client, url=receiver.url, status_events=True)
        receiver.secret = client.webhook_secret
        ticket = api_ticket(app_client)
        owed = list(ClientEvent.objects.filter(ticket=ticket).values_list("data", flat=True))
        assert owed and all(d["status"]["from"] != d["status"]["to"] for d in owed)
        before = ClientEvent.objects.count()
        do_add_note(ticket=ticket, user=people["agent"], body="internal: check the courier")
        assert ClientEvent.objects.count() == before  # a note is never an event
        counts = outbox.deliver_client_events()
        assert counts == {"sent": len(owed), "failed": 0}
        events = [json.loads(d["body"]) for d in receiver.deliveries]
        assert all(receiver.verify(d["headers"], d["body"]) for d in receiver.deliveries)
        assert [e["type"] for e in events] == ["ticket.status_changed"] * len(owed)
        assert events[-1]["status"]["to"] == ticket.status
        assert "internal" not in json.dumps(events)
        assert outbox.deliver_client_events() == {"sent": 0, "failed": 0}  # once each


def test_no_status_event_for_a_client_that_did_not_ask(app_client):
    clients.set_reply_webhook(client=app_client, url="https://app.example/hooks")
    ticket = api_ticket(app_client)
    assert not ClientEvent.objects.filter(ticket=ticket).exists()


def test_a_refused_status_event_is_retried_with_the_same_id_then_given_up(app_client):
    with WebhookReceiver(statuses=[500] * 10) as receiver:
        client = clients.set_reply_webhook(client=app_client, url=receiver.url, status_events=True)
        receiver.secret = client.webhook_secret
        api_ticket(app_client)
        first = ClientEvent.objects.order_by("pk").first()
        later = timezone.now()
        for attempt in range(1, ClientEvent.MAX_ATTEMPTS + 1):
            outbox.deliver_client_events(now=later)
            first.refresh_from_db()
            assert first.attempts == attempt and "500" in first.last_error
            later = first.next_attempt_at + timedelta(seconds=1)
        assert first.status == ClientEvent.Status.FAILED
        ids = {
            d["headers"]["X-Deskpilot-Event-Id"]
            for d in receiver.deliveries
            if json.loads(d["body"])["id"] == str(first.event_id)
        }
        assert ids == {str(first.event_id)}


def test_the_sweep_delivers_due_status_events(app_client, django_capture_on_commit_callbacks):
    with WebhookReceiver() as receiver:
        client = clients.set_reply_webhook(client=app_client, url=receiver.url, status_events=True)
        receiver.secret = client.webhook_secret
        api_ticket(app_client)
        with django_capture_on_commit_callbacks(execute=True):
            recovery.requeue_stuck()
        assert receiver.deliveries  # eager: the queued delivery ran on commit
        assert not ClientEvent.objects.filter(status=ClientEvent.Status.PENDING).exists()
