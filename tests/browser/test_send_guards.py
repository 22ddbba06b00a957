"""Sending over a guard flag in a real browser: refused until each flag is confirmed (by
keyboard), then recorded; a message that only thanks is closed in one click."""

import pytest

from tests.browser.conftest import login, shot
from triage.ingest.service import CustomerInput, TicketInput, ingest_ticket
from triage.models import Draft, Review, Ticket
from triage.pipeline.run import run_pipeline
from triage.review.composer import blanks_left

pytestmark = pytest.mark.browser

PS = "P.S. We have also updated your contact details as requested."


def settled(page) -> None:
    """htmx has swapped and settled the answer it was waiting for (polled from the test: the
    page's policy forbids evaluated strings)."""
    busy = page.locator(".htmx-request, .htmx-swapping, .htmx-settling")
    for _ in range(100):
        if busy.count() == 0:
            return
        page.wait_for_timeout(50)
    raise AssertionError("htmx did not settle")


def _clean_draft_ticket(username: str) -> Ticket:
    """An open ticket in the user's teams whose draft has no flag and nothing to confirm."""
    for draft in Draft.objects.filter(
        status=Draft.Status.PROPOSED,
        kind=Draft.Kind.REPLY,
        ticket__team__members__username=username,
        ticket__status__in=["drafted", "in_review"],
    ).order_by("ticket_id"):
        if not draft.guard_flags and not blanks_left(draft.text):
            return draft.ticket
    raise AssertionError("the demo has no clean draft for this user")


def test_sending_over_a_flag_is_refused_until_each_flag_is_confirmed(page, live_server, demo_world):
    ticket = _clean_draft_ticket("agent")
    login(page, live_server, "agent", "deskpilot-agent")
    page.goto(f"{live_server.url}/tickets/{ticket.pk}/")
    composer = page.get_by_label("Reply to the customer")
    composer.click()
    page.keyboard.press("Control+End")
    page.keyboard.type("\n\n" + PS)
    # The composer posts with htmx and its panel is swapped in: wait for each answer before the
    # next key, as a person waits to see it.
    with page.expect_response(lambda r: r.url.endswith("/reply/")):
        page.keyboard.press("Control+Enter")
    settled(page)
    confirm = page.locator("#confirm-flags")
    confirm.wait_for()
    # The flag names its sentence and why: what it claims and what backing was not found.
    assert "unbacked_claim" in confirm.inner_text()
    assert "updated your contact details" in confirm.inner_text()
    assert "no such action is recorded" in confirm.inner_text()
    assert not Review.objects.filter(ticket=ticket).exists()
    shot(page, "send-over-flags")
    # Ctrl+Enter again without confirming: still refused.
    page.get_by_label("Reply to the customer").click()
    with page.expect_response(lambda r: r.url.endswith("/reply/")):
        page.keyboard.press("Control+Enter")
    settled(page)
    page.locator("#confirm-flags").wait_for()
    assert not Review.objects.filter(ticket=ticket).exists()
    # Confirm by keyboard alone: the refusal put the focus on the flag's box; Space ticks it and
    # Ctrl+Enter sends from there.
    focused = page.evaluate("document.activeElement && document.activeElement.name")
    assert focused == "acknowledge", focused
    # "a" acknowledges the flag under the cursor and moves on (to Send: it was the only one).
    page.keyboard.press("a")
    assert page.locator('#confirm-flags input[name="acknowledge"]').first.is_checked()
    assert page.evaluate("document.activeElement && document.activeElement.value") == "send"
    page.keyboard.press("Control+Enter")
    page.wait_for_selector("text=queued for sending")
    review = Review.objects.get(ticket=ticket)
    assert [f["code"] for f in review.sent_over_flags] == ["unbacked_claim"]
    assert review.final_text.endswith(PS)


def test_a_message_that_only_thanks_is_closed_in_one_click(page, live_server, demo_world):
    result = ingest_ticket(
        data=TicketInput(
            channel="api",
            body="Brilliant thanks 😊",
            customer=CustomerInput(email="sam@customer.example", name="Sam Lee"),
        )
    )
    run_pipeline(ticket_id=result.ticket.pk)
    ticket = Ticket.objects.get(pk=result.ticket.pk)
    assert ticket.drafts.get().no_answer_reason.startswith("no reply needed")
    login(page, live_server, "admin", "deskpilot-admin")
    page.goto(f"{live_server.url}/tickets/{ticket.pk}/")
    assert "what were you trying to do" not in page.content()
    page.get_by_role("button", name="Close: no reply needed").click()
    page.wait_for_selector(f"text=#{ticket.pk} closed as no reply needed")
    ticket.refresh_from_db()
    assert ticket.status == "closed" and ticket.close_reason == "no_reply_needed"
