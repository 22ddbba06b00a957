import re

import pytest

from knowledge.models import KnowledgeEntry
from tests.browser.conftest import login, shot
from triage.models import Draft, Review, Ticket
from triage.review.composer import blanks_left
from triage.text.guards import GUARD_CODES

pytestmark = pytest.mark.browser


def test_agent_edits_and_sends_the_top_draft_then_metrics_show_it(page, live_server, demo_world):
    login(page, live_server, "agent", "deskpilot-agent")
    shot(page, "queue-agent")
    # the top ticket that has a draft to review (some, like "nothing works", wait for triage first)

    links = page.locator("[data-queue-row] td:first-child a")
    for index in range(links.count()):
        ticket_id = int(re.search(r"#(\d+)", links.nth(index).inner_text()).group(1))
        draft = (
            Draft.objects.filter(ticket_id=ticket_id, status="proposed").exclude(text="").first()
        )
        # one that can go out as it is: no guard flag to confirm, no [confirm: …] slot to fill
        if (
            draft
            and not blanks_left(draft.text)
            and not any(f.get("code") in GUARD_CODES for f in draft.guard_flags)
        ):
            links.nth(index).click()
            break
    page.wait_for_url(re.compile(rf"/tickets/{ticket_id}/$"))
    editor = page.get_by_label("Reply to the customer")
    editor.wait_for()
    page.keyboard.press("t")  # the pipeline stages in the history
    page.wait_for_selector(".item-stage >> text=Classify")
    original = editor.input_value()
    editor.fill(original.replace("\n\n", "\n\nThank you for your patience.\n\n", 1))
    shot(page, "ticket-agent-editing")
    page.get_by_role("button", name="Approve & send").click()
    page.wait_for_selector("text=Reply sent via")
    shot(page, "ticket-agent-sent")
    review = Review.objects.get(ticket_id=ticket_id)
    assert review.decision == "approved_edited" and review.edit_distance > 0
    assert Ticket.objects.get(pk=ticket_id).status == "sent"

    page.get_by_role("button", name="Log out").click()
    login(page, live_server, "lead", "deskpilot-lead")
    page.goto(f"{live_server.url}/metrics/")
    row = page.locator("#recent-decisions tbody tr").first
    assert f"#{ticket_id}" in row.inner_text()
    assert (
        "Approved Edited" in row.inner_text() and f"{review.edit_distance:.3f}" in row.inner_text()
    )
    shot(page, "metrics-lead")


def test_lead_reassigns_a_ticket_from_the_sla_board(page, live_server, demo_world):
    login(page, live_server, "lead", "deskpilot-lead")
    page.goto(f"{live_server.url}/sla/")
    form = page.locator("form.reassign").first
    ticket_id = int(form.get_attribute("action").split("/")[2])
    before = Ticket.objects.get(pk=ticket_id)
    select = form.locator("select")
    options = [
        o
        for o in select.locator("option").all_inner_texts()
        if o != "—" and o != (before.reviewer.username if before.reviewer else "")
    ]
    select.select_option(label=options[0])
    form.get_by_role("button", name="Reassign").click()
    page.wait_for_load_state("networkidle")
    shot(page, "sla-board-lead")
    assert Ticket.objects.get(pk=ticket_id).reviewer.username == options[0]


def test_admin_marks_a_knowledge_entry_gold(page, live_server, demo_world):
    entry = KnowledgeEntry.objects.filter(is_gold=False).order_by("pk").first()
    login(page, live_server, "admin", "deskpilot-admin")
    page.goto(f"{live_server.url}/knowledge/?q=charged")
    page.get_by_role("link", name=f"#{entry.pk}", exact=True).click() if page.get_by_role(
        "link", name=f"#{entry.pk}", exact=True
    ).count() else page.goto(f"{live_server.url}/knowledge/entries/{entry.pk}/")
    page.get_by_role("button", name="Mark gold").click()
    page.wait_for_selector("#entry-status >> text=gold standard")
    shot(page, "knowledge-entry-admin")
    entry.refresh_from_db()
    assert entry.is_gold


def test_agent_cannot_open_another_teams_ticket(page, live_server, demo_world):
    other = Ticket.objects.exclude(team__slug__in=["billing", "general"]).exclude(team=None).first()
    login(page, live_server, "agent", "deskpilot-agent")
    response = page.goto(f"{live_server.url}/tickets/{other.pk}/")
    assert response.status == 404
    shot(page, "ticket-other-team-404")
    page.goto(f"{live_server.url}/")
    assert f"#{other.pk} " not in page.locator("#queue-table").inner_text()
