"""The leads' pages on the demo data after some days of decisions, in a real browser: trends,
what automation leaves to people, business hours; the screenshots in the README come from here.
Run from a browser test that already has the demo world (one demo world per test costs ~25 s)."""

from datetime import timedelta

from django.contrib.auth import get_user_model
from django.utils import timezone

from tests.browser.conftest import login, shot
from triage.models import Draft, Review, Ticket
from triage.review.decisions import do_reject, do_reply


def decide_some_drafts() -> int:
    """A few days of decisions on the demo's drafts: some sent as they were, some edited, one
    rejected."""
    users = {u.username: u for u in get_user_model().objects.all()}
    drafted = list(
        Ticket.objects.filter(
            drafts__kind=Draft.Kind.REPLY, drafts__status=Draft.Status.PROPOSED
        ).order_by("pk")[:10]
    )
    now = timezone.now()
    for n, ticket in enumerate(drafted):
        draft = ticket.drafts.first()
        if n == 9:
            review = do_reject(
                ticket=ticket, draft=draft, user=users["lead"], reason="wrong", seconds_spent=90
            )
        else:
            text = draft.text if n % 3 else draft.text + "\n\nP.S. We are here to help."
            review = do_reply(
                ticket=ticket,
                user=users["agent" if n % 2 else "tech"],
                final_text=text,
                seconds_spent=60 + 30 * n,
                draft=draft,
                acknowledged=None,
            )
        Review.objects.filter(pk=review.pk).update(created_at=now - timedelta(days=n % 5))
    return len(drafted)


def lead_reads_trends_difficulty_and_business_hours(page, live_server) -> None:
    decided = decide_some_drafts()
    assert decided == 10
    page.context.clear_cookies()
    login(page, live_server, "lead", "deskpilot-lead")
    page.goto(f"{live_server.url}/metrics/?step=day")
    trends = page.locator("#trends")
    assert "Trends per day" in trends.inner_text()
    assert trends.locator("svg.line-chart").count() >= 4
    shot(page, "metrics-trends")
    page.goto(f"{live_server.url}/metrics/difficulty/")
    assert (
        "automation (auto-send or a draft approved unchanged) handled"
        in page.locator("#difficulty-headline").inner_text()
    )
    assert page.locator("#hardest-shares tbody tr").count() >= 1
    shot(page, "difficulty")
    page.goto(f"{live_server.url}/sla/calendars/")
    page.get_by_label("Shifts (split shifts with a comma)").first.fill("09:00-12:30, 13:30-17:00")
    page.get_by_label('Holidays, one a line: a date, "yearly" if it recurs, a name').first.fill(
        "2026-12-24 Christmas Eve\n2026-12-25 yearly Christmas Day"
    )
    page.get_by_role("button", name="Save the hours of Billing").click()
    assert "Hours of Billing saved" in page.locator(".messages").inner_text()
    assert "09:00–12:30 and 13:30–17:00" in page.locator("#calendar-billing").inner_text()
    shot(page, "business-hours")
