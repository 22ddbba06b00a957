"""Every customer gets the reply, in a real browser: an API client's ticket is answered through
its signed reply webhook; a ticket with no route says so before anyone writes and refuses to
send."""

import json
import urllib.request

import pytest
from django.contrib.auth import get_user_model

from tests.browser.conftest import login, shot
from tests.browser.test_send_guards import settled
from tests.stubs import WebhookReceiver
from triage.ingest import clients
from triage.models import Outbound, Ticket

pytestmark = pytest.mark.browser


def post_ticket(live_server, token: str, body: str, customer: dict) -> Ticket:
    request = urllib.request.Request(
        f"{live_server.url}/api/v1/tickets",
        data=json.dumps({"subject": "Charged twice", "body": body, "customer": customer}).encode(),
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        assert response.status == 201
        return Ticket.objects.get(pk=json.loads(response.read())["id"])


def open_for_agent(ticket: Ticket) -> None:
    """The demo's billing agent reviews it (the pipeline chose the team; the test picks who)."""
    Ticket.objects.filter(pk=ticket.pk).update(
        reviewer=get_user_model().objects.get(username="agent")
    )


def test_an_api_clients_ticket_is_answered_through_its_signed_webhook(
    page, live_server, demo_world
):
    client, token = clients.create_client(name="mobile-app")
    with WebhookReceiver() as receiver:
        client = clients.set_reply_webhook(client=client, url=receiver.url)
        receiver.secret = client.webhook_secret
        ticket = post_ticket(
            live_server,
            token,
            "I was charged twice for my subscription this month, can you look at it?",
            {"name": "Kim Lee", "external_id": "user-17"},
        )
        assert ticket.api_client_id == client.pk and ticket.customer.email is None
        open_for_agent(ticket)
        login(page, live_server, "agent", "deskpilot-agent")
        page.goto(f"{live_server.url}/tickets/{ticket.pk}/")
        route = page.locator("#reply-route")
        assert "Reply goes to:" in route.inner_text()
        assert receiver.url in route.inner_text() and "mobile-app" in route.inner_text()
        composer = page.get_by_label("Reply to the customer")
        composer.fill("Hi Kim, thanks for telling us. We are looking at your payments now.")
        with page.expect_response(lambda r: r.url.endswith("/reply/")):
            page.locator("#reply-form button[value=send]").click()
        settled(page)
        page.locator("#outbox .outbound.sent").wait_for()
        assert "Reply sent via webhook" in page.locator("#outbox").inner_text()
        shot(page, "reply-through-webhook")
        [delivery] = receiver.deliveries
        assert receiver.verify(delivery["headers"], delivery["body"])
        event = json.loads(delivery["body"])
        assert event["type"] == "ticket.reply" and event["ticket"]["id"] == ticket.pk
        assert event["reply"]["body"].startswith("Hi Kim, thanks for telling us.")
        assert Outbound.objects.get(ticket=ticket).status == Outbound.Status.SENT


def test_a_ticket_with_no_route_says_so_and_refuses_to_send(page, live_server, demo_world):
    _client, token = clients.create_client(name="chat-widget")
    ticket = post_ticket(
        live_server,
        token,
        "I was charged twice for my subscription this month, please refund one.",
        {"name": "Sam Roe"},
    )
    open_for_agent(ticket)
    login(page, live_server, "agent", "deskpilot-agent")
    page.goto(f"{live_server.url}/tickets/{ticket.pk}/")
    warning = page.locator("#reply-route")
    assert "No way to reach this customer" in warning.inner_text()
    assert "give the API client 'chat-widget' a reply webhook" in warning.inner_text()
    page.get_by_label("Reply to the customer").fill("Hi Sam, we are on it.")
    with page.expect_response(lambda r: r.url.endswith("/reply/")):
        page.locator("#reply-form button[value=send]").click()
    settled(page)
    assert (
        "No way to reach this customer" in page.locator("#review-panel .error").first.inner_text()
    )
    shot(page, "reply-no-route")
    assert not Outbound.objects.filter(ticket=ticket).exists()
