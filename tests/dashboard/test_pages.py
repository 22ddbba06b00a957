"""Every page renders for the roles that may see it, and only for them."""

import pytest

from tests.conftest import make_ticket, make_user
from triage.pipeline.run import run_pipeline


@pytest.mark.django_db
def test_login_page_is_served(client):
    page = client.get("/login/")
    assert page.status_code == 200 and 'name="username"' in page.content.decode()


@pytest.mark.django_db
def test_pages_require_login(client):
    for url in ("/", "/triage/", "/sla/", "/metrics/", "/knowledge/", "/tickets/1/"):
        response = client.get(url)
        assert response.status_code == 302 and response["Location"].startswith("/login/"), url


def test_agent_sees_only_own_team_tickets(client, people, billing_ticket, tech_ticket):
    client.force_login(people["agent"])
    page = client.get("/").content.decode()
    assert "Charged twice" in page and "API 401" not in page
    assert client.get(f"/tickets/{tech_ticket.pk}/").status_code == 404
    assert client.get(f"/tickets/{billing_ticket.pk}/").status_code == 200


def test_lead_and_admin_pages_are_404_for_agents(client, people):
    client.force_login(people["agent"])
    for url in ("/sla/", "/metrics/", "/metrics.csv", "/knowledge/"):
        assert client.get(url).status_code == 404, url


def test_every_page_renders_for_lead_and_admin(client, people, billing_ticket, tech_ticket):
    for who in ("lead", "admin"):
        client.force_login(people[who])
        for url in (
            "/",
            "/triage/",
            "/sla/",
            "/metrics/",
            f"/tickets/{billing_ticket.pk}/",
            f"/tickets/{tech_ticket.pk}/",
        ):
            assert client.get(url).status_code == 200, (who, url)


def test_queue_filters_are_in_the_url_and_htmx_gets_the_partial(client, people, billing_ticket):
    client.force_login(people["lead"])
    full = client.get("/?urgency=P1&flagged=1")
    assert full.status_code == 200 and 'value="P1" selected' in full.content.decode()
    partial = client.get("/?category=billing", HTTP_HX_REQUEST="true").content.decode()
    assert partial.lstrip().startswith('<div id="queue-table"') and "Charged twice" in partial
    assert (
        "Charged twice"
        not in client.get("/?category=technical", HTTP_HX_REQUEST="true").content.decode()
    )


def test_pii_is_shown_to_the_assigned_reviewer_and_masked_for_others(client, people, knowledge):
    ticket = make_ticket(
        body="I was charged twice, my card is 4111 1111 1111 1111.", subject="Double charge"
    )
    run_pipeline(ticket_id=ticket.pk)
    ticket.refresh_from_db()
    ticket.reviewer = people["agent"]
    ticket.save()
    colleague = make_user("bo", "agent", ["billing"])
    client.force_login(people["agent"])
    assert "4111 1111 1111 1111" in client.get(f"/tickets/{ticket.pk}/").content.decode()
    client.force_login(colleague)
    page = client.get(f"/tickets/{ticket.pk}/").content.decode()
    assert "4111 1111 1111 1111" not in page and "[CARD_1]" in page


def test_no_template_comment_reaches_the_page(client, people, billing_ticket):
    client.force_login(people["agent"])
    for url in ("/login/", "/", f"/tickets/{billing_ticket.pk}/"):
        html = client.get(url).content.decode()
        assert "{#" not in html and "#}" not in html and "htmx 2 swaps" not in html, url
