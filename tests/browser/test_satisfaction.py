"""CSAT in a real browser: the customer opens the rating link from the reply they received (read
from the e-mail backend's outbox), rates 2 with a comment; the ticket is on the lead's list and an
evaluation case; the link works once and a forged one is refused. Then, on the same demo world,
the lead's trends, difficulty and business hours pages (tests/browser/lead_pages.py)."""

import pytest
from django.conf import settings
from django.core import mail

from tests.browser.conftest import login, shot
from tests.browser.lead_pages import lead_reads_trends_difficulty_and_business_hours
from tests.browser.test_reply_routes import open_for_agent
from tests.browser.test_send_guards import settled
from tests.conftest import make_ticket
from triage.ingest.service import CustomerInput
from triage.models import EvaluationCase, SatisfactionRating
from triage.pipeline.run import run_pipeline

pytestmark = pytest.mark.browser


def test_a_customer_rates_the_reply_that_resolved_their_ticket(
    browser, page, live_server, demo_world
):
    ticket = make_ticket(
        body="Where can I download my invoices from last year?",
        subject="Old invoices",
        customer=CustomerInput(email="rita@customer.example", name="Rita Ora"),
    )
    run_pipeline(ticket_id=ticket.pk)
    open_for_agent(ticket)
    login(page, live_server, "agent", "deskpilot-agent")
    page.goto(f"{live_server.url}/tickets/{ticket.pk}/")
    page.get_by_label("Reply to the customer").fill(
        "Hi Rita, every invoice is under Settings → Billing → Billing history."
    )
    sent_before = len(mail.outbox)
    with page.expect_response(lambda r: r.url.endswith("/reply/")):
        page.locator("#reply-form button[value=resolve]").click()
    settled(page)
    page.locator("#outbox .outbound.sent").wait_for()
    [message] = mail.outbox[sent_before:]
    assert message.to == ["rita@customer.example"]
    link = next(w for w in message.body.split() if "/rate/" in w)
    link = link.replace(settings.SITE_URL.rstrip("/"), live_server.url)

    customer = browser.new_context(viewport={"width": 420, "height": 800})  # not logged in
    phone = customer.new_page()
    phone.goto(link)
    phone.get_by_label("2", exact=True).check()
    phone.get_by_label("Anything you want to tell us? (optional)").fill(
        "It took three days and the answer was not what I asked."
    )
    phone.get_by_role("button", name="Send my rating").click()
    assert "you rated our answer 2 out of 5" in phone.locator(".message-success").inner_text()
    shot(phone, "rating-thanks")
    again = phone.goto(link)
    assert again.status == 410
    assert "already used" in phone.locator(".errors").inner_text()
    forged = phone.goto(link[:-6] + "AAAAA/")
    assert forged.status == 400 and "not valid" in phone.locator(".errors").inner_text()
    customer.close()

    rating = SatisfactionRating.objects.get(ticket=ticket)
    assert (rating.score, rating.says_wrong, rating.needs_look) == (2, True, True)
    case = EvaluationCase.objects.get(ticket=ticket, origin=EvaluationCase.Origin.LOW_RATING)
    assert case.final_reply.startswith("Hi [NAME_1], every invoice")  # masked
    page.context.clear_cookies()
    login(page, live_server, "lead", "deskpilot-lead")
    page.goto(f"{live_server.url}/sla/")
    unhappy = page.locator(".needs-look").first
    assert "rated 2/5, says the answer was wrong" in unhappy.inner_text()
    assert f"#{ticket.pk}" in unhappy.inner_text()
    shot(page, "sla-board-needs-a-look")
    page.context.clear_cookies()
    login(page, live_server, "admin", "deskpilot-admin")
    page.goto(f"{live_server.url}/evaluation/")
    row = page.locator(f"#case-{case.pk}")
    assert (
        "Low customer rating" in row.inner_text() and "2/5 It took three days" in row.inner_text()
    )
    row.get_by_label(f"What went wrong in case {case.pk}").select_option("did_not_answer")
    row.get_by_role("button", name="Save").click()
    page.locator(f"#case-{case.pk}").get_by_text("by admin").wait_for()
    shot(page, "evaluation-complaints")
    case.refresh_from_db()
    assert case.failure_kind == "did_not_answer"
    lead_reads_trends_difficulty_and_business_hours(page, live_server)
