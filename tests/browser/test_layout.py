"""Layout in a real browser: a 300-character subject without a space wraps instead of widening
the page; badges, SLA states and reviewer names are never broken inside a word."""

import pytest

from tests.browser.conftest import login, shot
from triage.ingest.service import CustomerInput, TicketInput, ingest_ticket
from triage.models import Ticket
from triage.pipeline.run import run_pipeline

pytestmark = pytest.mark.browser

LONG = "Refund" + "x" * 294


def _fits(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")


def _unbroken(page, selector: str) -> list[str]:
    """The texts of ``selector`` that the browser laid out on more than one line."""
    return page.evaluate(
        """(selector) => [...document.querySelectorAll(selector)].filter(e => {
            const range = document.createRange();
            range.selectNodeContents(e);
            const lines = new Set([...range.getClientRects()].map(r => Math.round(r.top)));
            return lines.size > 1;
        }).map(e => e.textContent)""",
        selector,
    )


@pytest.mark.parametrize("width", [1440, 390])
def test_a_long_subject_wraps_and_labels_stay_whole(browser, live_server, demo_world, width):
    ticket = ingest_ticket(
        data=TicketInput(
            channel="email",
            subject=LONG,
            body="I was charged twice for my subscription this month, please refund one.",
            customer=CustomerInput(email="long@example.com", name="Lou Long"),
        ),
        process=False,
    ).ticket
    run_pipeline(ticket_id=ticket.pk)
    ticket.refresh_from_db()
    Ticket.objects.filter(pk=ticket.pk).update(reviewer=None)
    context = browser.new_context(viewport={"width": width, "height": 900})
    page = context.new_page()
    page.set_default_timeout(15000)
    try:
        login(page, live_server, "lead", "deskpilot-lead")
        for url in (f"/tickets/{ticket.pk}/", "/", "/sla/"):
            page.goto(f"{live_server.url}{url}")
            assert _fits(page), (url, width)
            assert _unbroken(page, ".badge, td.reviewer, .reviewer-name") == [], (url, width)
        shot(page, f"layout-sla-board-{width}")
    finally:
        context.close()
