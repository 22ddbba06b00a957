"""Two people on one ticket, in two browsers: each sees the other (and who is typing); the second
to send is warned and shown what changed."""

import pytest

from tests.browser.conftest import login, shot
from tests.browser.test_reply_routes import open_for_agent
from tests.browser.test_send_guards import settled
from tests.conftest import make_ticket
from triage.ingest.service import CustomerInput
from triage.models import Outbound
from triage.pipeline.run import run_pipeline

pytestmark = pytest.mark.browser


def test_two_agents_see_each_other_and_the_second_to_send_is_warned(
    browser, page, live_server, demo_world
):
    ticket = make_ticket(
        body="Where can I find the invoice for my March payment?",
        subject="March invoice",
        customer=CustomerInput(email="lou@customer.example", name="Lou Reed"),
    )
    run_pipeline(ticket_id=ticket.pk)
    open_for_agent(ticket)
    login(page, live_server, "agent", "deskpilot-agent")
    page.goto(f"{live_server.url}/tickets/{ticket.pk}/")
    lead_context = browser.new_context(viewport={"width": 1440, "height": 900})
    lead = lead_context.new_page()
    lead.set_default_timeout(15000)
    login(lead, live_server, "lead", "deskpilot-lead")
    lead.goto(f"{live_server.url}/tickets/{ticket.pk}/")

    page.locator("#presence").get_by_text("lead has this ticket open").wait_for()
    lead.locator("#presence").get_by_text("agent has this ticket open").wait_for()
    page.get_by_label("Reply to the customer").fill("Hi Lou, the March invoice is under ")
    page.get_by_label("Reply to the customer").press_sequentially("Billing.")
    lead.locator("#presence").get_by_text("agent is typing a reply…").wait_for()
    shot(lead, "presence-typing")

    with page.expect_response(lambda r: r.url.endswith("/reply/")):
        page.locator("#reply-form button[value=send]").click()
    settled(page)
    lead.get_by_label("Reply to the customer").fill("Hi Lou, I am checking your invoice now.")
    with lead.expect_response(lambda r: r.url.endswith("/reply/")) as answer:
        lead.locator("#reply-form button[value=send]").click()
    assert answer.value.status == 409
    settled(lead)
    warning = lead.locator("#changed-since")
    assert "Not sent: since you opened this ticket" in warning.inner_text()
    assert (
        "agent sent a reply: “Hi Lou, the March invoice is under Billing.”" in warning.inner_text()
    )
    shot(lead, "presence-changed-since")
    assert Outbound.objects.filter(ticket=ticket).count() == 1
    lead_context.close()
