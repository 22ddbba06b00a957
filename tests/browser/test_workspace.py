"""The agent's workspace in a real browser: answering without a draft, closing, merging,
escalating, searching, the phone layout and the queue's selection across refreshes."""

import re

import pytest
from django.contrib.auth.models import User

from tests.browser.conftest import login, shot
from triage.ingest.service import CustomerInput, TicketInput, ingest_ticket
from triage.models import Draft, Outbound, Review, Team, Ticket
from triage.pipeline.run import run_pipeline
from triage.review import decisions

pytestmark = pytest.mark.browser


def _no_draft_ticket_for(username: str) -> Ticket:
    """An open English ticket the user's teams see, with no draft to approve: one the pipeline
    could not draft, else one whose draft a colleague rejected (the composer starts empty)."""
    open_drafts = Draft.objects.filter(status=Draft.Status.PROPOSED).exclude(text="")
    mine = Ticket.objects.filter(
        status__in=["triaged", "in_review"], team__members__username=username, language="en"
    ).order_by("pk")
    ticket = mine.exclude(pk__in=open_drafts.values("ticket_id")).first()
    if ticket is None:
        ticket = mine.filter(pk__in=open_drafts.values("ticket_id")).first()
        decisions.do_reject(
            ticket=ticket,
            draft=ticket.drafts.first(),
            user=User.objects.get(username="lead"),
            reason="Not what the customer asked.",
            seconds_spent=5,
        )
    return ticket


def test_agent_answers_a_ticket_without_a_draft_with_a_canned_reply(page, live_server, demo_world):
    ticket = _no_draft_ticket_for("agent")
    assert ticket is not None, "the demo has tickets without a draft"
    login(page, live_server, "agent", "deskpilot-agent")
    page.goto(f"{live_server.url}/tickets/{ticket.pk}/")
    composer = page.get_by_label("Reply to the customer")
    assert composer.input_value() == ""
    # the key line lists only keys that do something here: no draft, so nothing to reject
    legend = page.locator("[data-shortcut-legend]").inner_text()
    assert "compose" in legend and "note" in legend and "reject" not in legend
    # typing in a text field never fires a shortcut ("g" would go to the queue, "t" toggle stages)
    page.keyboard.press("c")
    page.keyboard.type("gt ")
    assert composer.input_value() == "gt " and page.url.endswith(f"/tickets/{ticket.pk}/")
    composer.fill("")
    page.get_by_text("Insert a greeting, canned reply").click()
    page.get_by_label("Search what to insert").fill("Looking into it")
    option = page.locator("#insert-options li", has_text="Looking into it").first
    option.get_by_role("button", name="Insert").click()
    text = composer.input_value()
    assert f"ticket #{ticket.pk}" in text and "{customer_name}" not in text
    shot(page, "ticket-answered-by-hand")
    page.get_by_role("button", name="Send", exact=True).click()
    page.wait_for_selector("text=queued for sending")
    review = Review.objects.exclude(decision=Review.Decision.REJECTED).get(ticket=ticket)
    assert review.decision == "written" and review.final_text == text.strip()
    assert review.inserted and review.inserted[0]["kind"] == "canned"
    assert Outbound.objects.filter(review=review).exists()


def test_agent_closes_a_spam_ticket_from_human_triage(page, live_server, demo_world):
    result = ingest_ticket(
        data=TicketInput(
            channel="api",
            body="CHEAP WATCHES!!! best prices click here now www.example.test bargains",
            customer=CustomerInput(email="promo@spam.example"),
        )
    )
    run_pipeline(ticket_id=result.ticket.pk)
    Ticket.objects.filter(pk=result.ticket.pk).update(needs_human_triage=True)
    agent_team = Ticket.objects.get(pk=result.ticket.pk).team
    login(page, live_server, "admin", "deskpilot-admin")
    page.goto(f"{live_server.url}/triage/")
    row = page.locator("tr", has_text=f"#{result.ticket.pk}")
    row.get_by_role("button", name="Spam").click()
    page.wait_for_selector(f"text=#{result.ticket.pk} closed as spam")
    ticket = Ticket.objects.get(pk=result.ticket.pk)
    assert ticket.status == "closed" and ticket.close_reason == "spam", agent_team
    assert page.locator("tr", has_text=f"#{result.ticket.pk}").count() == 0


def test_agent_merges_a_duplicate(page, live_server, demo_world):
    first = ingest_ticket(
        data=TicketInput(
            channel="email",
            subject="Invoice 2291 is wrong",
            body="Our invoice 2291 shows the wrong amount, please correct it.",
            customer=CustomerInput(email="dup@customer.example", name="Dana Dup"),
        )
    ).ticket
    second = ingest_ticket(
        data=TicketInput(
            channel="chat",
            body="Hello again, the invoice 2291 amount is still wrong, any news?",
            customer=CustomerInput(email="dup@customer.example", name="Dana Dup"),
        )
    ).ticket
    run_pipeline(ticket_id=first.pk)
    run_pipeline(ticket_id=second.pk)
    login(page, live_server, "admin", "deskpilot-admin")
    page.goto(f"{live_server.url}/tickets/{second.pk}/")
    page.get_by_label("Duplicate of ticket #").fill(str(first.pk))
    page.get_by_role("button", name="Merge into it").click()
    page.wait_for_url(re.compile(rf"/tickets/{first.pk}/$"))
    page.wait_for_selector(f"text=#{second.pk} merged into #{first.pk}")
    assert page.locator(".timeline", has_text="still wrong, any news").count() == 1
    second.refresh_from_db()
    assert second.status == "closed" and second.close_reason == "duplicate"
    assert second.merged_into_id == first.pk and not second.messages.exists()


def test_agent_escalates_to_another_team_and_lands_on_the_queue(page, live_server, demo_world):
    ticket = (
        _no_draft_ticket_for("agent")
        or Ticket.objects.filter(status="in_review", team__members__username="agent").first()
    )
    login(page, live_server, "agent", "deskpilot-agent")
    page.goto(f"{live_server.url}/tickets/{ticket.pk}/")
    page.get_by_text("Escalate or hand to another team").click()
    technical = Team.objects.get(slug="technical")
    page.get_by_label("To team").select_option(value=str(technical.pk))
    note = page.get_by_label("Handoff note")
    assert note.input_value().strip(), "the handoff note starts filled in"
    note.fill(note.input_value() + "\nThe API logs show 401s since Monday.")
    page.get_by_role("button", name="Escalate", exact=True).click()
    page.wait_for_url(f"{live_server.url}/")
    page.wait_for_selector(f"text=#{ticket.pk} escalated to Technical")
    ticket.refresh_from_db()
    assert ticket.status == "escalated" and ticket.team.slug == "technical"


def test_search_finds_a_german_ticket_by_an_inflected_word_from_its_body(
    page, live_server, demo_world
):
    target = Ticket.objects.get(external_id="demo-in-11")
    assert (
        target.language == "de"
        and "Umsätze" in target.raw_body
        and "Umsatz " not in target.raw_body
    )
    login(page, live_server, "admin", "deskpilot-admin")
    page.keyboard.press("/")
    page.keyboard.type("Umsatz")  # not in the text: German stemming finds "Umsätze"
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"q=Umsatz"))
    page.wait_for_selector(f"[data-ticket-id='{target.pk}']")


@pytest.mark.parametrize("path", ["/", "/ticket", "/triage/", "/knowledge/"])
def test_pages_have_no_sideways_scroll_on_a_phone(browser, live_server, demo_world, path):
    context = browser.new_context(viewport={"width": 390, "height": 844})
    page = context.new_page()
    page.set_default_timeout(15000)
    try:
        login(page, live_server, "admin", "deskpilot-admin")
        if path == "/ticket":
            ticket = Ticket.objects.filter(status__in=["in_review", "triaged"]).first()
            path = f"/tickets/{ticket.pk}/"
        page.goto(f"{live_server.url}{path}")
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 390, f"{path} is {width}px wide at 390px"
        assert page.get_by_role("button", name="Log out").is_visible()
        if path == "/":
            shot(page, "queue-phone")
    finally:
        context.close()


def test_a_refresh_keeps_the_selected_queue_row(page, live_server, demo_world):
    login(page, live_server, "admin", "deskpilot-admin")
    for _ in range(3):
        page.keyboard.press("j")
    selected = page.locator("[data-queue-row].selected").get_attribute("data-ticket-id")
    rows = page.locator("[data-queue-row]")
    assert rows.nth(2).get_attribute("data-ticket-id") == selected
    # the 15 s refresh, now
    page.evaluate("htmx.trigger('#queue-table', 'every 15s')")
    page.evaluate(
        "htmx.ajax('GET', window.location.href, {target: '#queue-table', swap: 'outerHTML', "
        "select: '#queue-table'})"
    )
    # A locator wait, not wait_for_function: polling a JS string needs eval, which CSP forbids.
    page.locator("[data-queue-row].selected").wait_for()
    assert page.locator("[data-queue-row].selected").get_attribute("data-ticket-id") == selected
    page.keyboard.press("j")
    assert page.locator("[data-queue-row].selected").get_attribute("data-ticket-id") == rows.nth(
        3
    ).get_attribute("data-ticket-id")


def test_the_queue_refresh_waits_while_the_tab_is_hidden(page, live_server, demo_world):
    login(page, live_server, "admin", "deskpilot-admin")
    refreshes = []
    page.on("request", lambda r: r.headers.get("hx-request") == "true" and refreshes.append(r))
    page.evaluate(
        "Object.defineProperty(document, 'visibilityState', {value: 'hidden', configurable: true})"
    )
    page.evaluate("htmx.trigger('#queue-table', 'every 15s')")
    page.wait_for_timeout(500)
    assert refreshes == []
    page.evaluate(
        "Object.defineProperty(document, 'visibilityState', {value: 'visible', configurable: true})"
    )
    with page.expect_request(lambda r: r.headers.get("hx-request") == "true"):
        page.evaluate("htmx.trigger('#queue-table', 'every 15s')")


def test_inserting_a_greeting_leaves_the_cursor_on_a_new_line_after_it(
    page, live_server, demo_world
):
    ticket = Ticket.objects.filter(team__slug="billing", status="in_review").order_by("pk").first()
    login(page, live_server, "agent", "deskpilot-agent")
    page.goto(f"{live_server.url}/tickets/{ticket.pk}/")
    composer = page.get_by_label("Reply to the customer")
    composer.fill("")
    page.get_by_text("Insert a greeting, canned reply").click()
    greeting = page.locator("#insert-options li", has_text="Greeting").first
    greeting.get_by_role("button", name="Insert").click()
    page.keyboard.type("Thanks for waiting.")
    first, blank, rest = composer.input_value().split("\n", 2)
    assert first.strip() and blank == "" and rest == "Thanks for waiting.", composer.input_value()
