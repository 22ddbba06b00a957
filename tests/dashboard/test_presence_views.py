"""The ticket page's presence report, the queue's "has it open", and the warning when someone
else changed the ticket since the sender opened it."""

from __future__ import annotations

import re

from tests.conftest import make_user
from triage.models import Outbound, Review
from triage.review import presence


def opened_token(page: str) -> str:
    return re.search(r'name="opened" value="([^"]+)"', page).group(1)


def test_each_sees_the_other_on_the_ticket_page_and_in_the_queue(client, people, billing_ticket):
    colleague = make_user("bea", "agent", ["billing"])
    presence.report(ticket=billing_ticket, user=colleague, typing=True)
    client.force_login(people["agent"])
    answer = client.post(f"/tickets/{billing_ticket.pk}/presence/", {"typing": "0"})
    assert "bea is typing a reply…" in answer.content.decode()
    assert "bea is typing a reply" in client.get("/").content.decode()
    client.force_login(colleague)
    answer = client.post(f"/tickets/{billing_ticket.pk}/presence/", {"typing": "1"})
    assert "ann has this ticket open" in answer.content.decode()


def test_presence_of_a_ticket_one_may_not_see_is_a_404(client, people, tech_ticket):
    client.force_login(people["agent"])
    assert client.post(f"/tickets/{tech_ticket.pk}/presence/", {}).status_code == 404


def test_sending_after_someone_else_replied_warns_and_shows_what_changed(
    client, people, billing_ticket
):
    client.force_login(people["agent"])
    opened = opened_token(client.get(f"/tickets/{billing_ticket.pk}/").content.decode())
    Review.objects.create(
        ticket=billing_ticket,
        reviewer=people["lead"],
        decision="written",
        final_text="Hi Jane, we refunded the second charge.",
    )
    response = client.post(
        f"/tickets/{billing_ticket.pk}/reply/",
        {"opened": opened, "final_text": "Hi Jane, looking into it.", "then": "send"},
        HTTP_HX_REQUEST="true",
    )
    page = response.content.decode()
    assert response.status_code == 409 and "Not sent: since you opened this ticket" in page
    assert "lee sent a reply: “Hi Jane, we refunded the second charge.”" in page
    assert not Outbound.objects.filter(ticket=billing_ticket).exists()
    again = client.post(
        f"/tickets/{billing_ticket.pk}/reply/",
        {"opened": opened_token(page), "final_text": "Hi Jane, looking into it.", "then": "send"},
        HTTP_HX_REQUEST="true",
    )
    assert (
        again.status_code in (200, 204) and Outbound.objects.filter(ticket=billing_ticket).exists()
    )
