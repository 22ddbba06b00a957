"""The agent's workspace through the views: replies written by hand, canned replies, notes,
closing and merging, search, history, and the bugs the trial with real tweets found."""

import html
import re
import time
from collections import Counter

import pytest
from django.core import mail

from dashboard import selectors
from dashboard.forms import opened_token
from dashboard.selectors import QueueFilters
from knowledge.models import KnowledgeEntry
from knowledge.services import save_article
from tests.conftest import make_ticket
from tests.dashboard.conftest import run_outbox
from triage.ingest.service import CustomerInput
from triage.models import CannedReply, Draft, Note, Outbound, Review, StatusChange, Ticket
from triage.pipeline.run import run_pipeline


def opened(ticket, seconds_ago: float = 30) -> str:
    return opened_token(ticket.pk, time.time() - seconds_ago)


def reject_draft(client, ticket) -> None:
    response = client.post(
        f"/tickets/{ticket.pk}/reject/", {"opened": opened(ticket), "reason": "wrong facts"}
    )
    assert response.status_code == 302


# --- Replies written by hand ---------------------------------------------------------------


def test_after_a_rejected_draft_the_agent_writes_and_sends_a_reply(client, people, billing_ticket):
    client.force_login(people["agent"])
    reject_draft(client, billing_ticket)
    page = client.get(f"/tickets/{billing_ticket.pk}/").content.decode()
    assert 'id="reply-form"' in page and 'name="final_text"' in page
    data = {
        "opened": opened(billing_ticket),
        "final_text": "Hi Jane,\r\n\r\nI refunded the second charge.\r\n\r\nAnn",
        "then": "resolve",
        "inserted": "canned:7 bogus article:3",
    }
    response = client.post(f"/tickets/{billing_ticket.pk}/reply/", data)
    assert response.status_code == 302
    run_outbox()
    review = Review.objects.get(decision="written")
    assert (
        review.draft is None
        and review.final_text == "Hi Jane,\n\nI refunded the second charge.\n\nAnn"
    )
    assert review.inserted == [{"kind": "canned", "id": 7}, {"kind": "article", "id": 3}]
    assert 25 <= review.seconds_spent <= 60
    # the reply that resolves asks for a rating, below the reply as written
    sent, ask = mail.outbox[0].body.split("\n\nHow did we do? Rate this answer")
    assert sent == review.final_text and "/rate/" in ask
    billing_ticket.refresh_from_db()
    assert billing_ticket.status == "resolved" and billing_ticket.first_response_at
    # a double submit of the same form sends nothing more
    again = client.post(f"/tickets/{billing_ticket.pk}/reply/", data)
    assert again.status_code == 302
    run_outbox()
    assert Review.objects.filter(decision="written").count() == 1 and len(mail.outbox) == 1


def test_send_and_wait_pauses_the_sla(client, people, billing_ticket):
    client.force_login(people["agent"])
    reject_draft(client, billing_ticket)
    client.post(
        f"/tickets/{billing_ticket.pk}/reply/",
        {"opened": opened(billing_ticket), "final_text": "Which invoice is it?", "then": "wait"},
    )
    run_outbox()
    billing_ticket.refresh_from_db()
    assert billing_ticket.status == "waiting_on_customer" and billing_ticket.sla_paused_at


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"final_text": ""}, "Write the reply first."),
        ({"final_text": "Hello [name?], your refund is on its way."}, "Fill in or remove [name?]"),
        ({"final_text": "Fine", "then": "explode"}, "Select a valid choice"),
        ({"final_text": "Fine", "opened": "forged"}, "too old or was altered"),
    ],
)
def test_a_bad_reply_rerenders_the_composer_with_422(client, people, billing_ticket, data, message):
    client.force_login(people["agent"])
    response = client.post(
        f"/tickets/{billing_ticket.pk}/reply/",
        {"opened": opened(billing_ticket), **data},
        HTTP_HX_REQUEST="true",
    )
    body = response.content.decode()
    assert response.status_code == 422 and message in body and 'id="reply-form"' in body
    assert not Review.objects.exists() and not Outbound.objects.exists()


def test_a_closed_ticket_cannot_be_answered(client, people, billing_ticket):
    client.force_login(people["agent"])
    client.post(f"/tickets/{billing_ticket.pk}/close/", {"reason": "not_ours"})
    response = client.post(
        f"/tickets/{billing_ticket.pk}/reply/",
        {"opened": opened(billing_ticket), "final_text": "Hello"},
    )
    assert response.status_code == 409 and "cannot be answered" in response.content.decode()


# --- Canned replies and the insert list ----------------------------------------------------


def test_canned_replies_are_offered_for_the_team_and_language_with_placeholders_filled(
    client, people, billing_ticket, tech_ticket
):
    CannedReply.objects.create(
        title="Refund done",
        team=billing_ticket.team,
        language="en",
        body="Hi {customer_name}, ticket {ticket_number} is refunded. {agent_name}",
    )
    CannedReply.objects.create(title="Tech only", team=tech_ticket.team, language="en", body="x")
    CannedReply.objects.create(title="German", team=None, language="de", body="Hallo")
    client.force_login(people["agent"])
    body = client.get(f"/tickets/{billing_ticket.pk}/insert/").content.decode()
    assert f"Hi Jane, ticket #{billing_ticket.pk} is refunded. ann" in body
    assert "Tech only" not in body and "German" not in body
    assert "Greeting" in body  # the persona's greeting and sign-off are offered too
    searched = client.get(f"/tickets/{billing_ticket.pk}/insert/?q=refund").content.decode()
    assert "Refund done" in searched


def test_knowledge_inserted_into_a_reply_never_carries_another_customers_details(
    client, people, billing_ticket
):
    KnowledgeEntry.objects.create(
        text="Charged twice for the plan",
        response="We refunded the charge to [EMAIL_1] yesterday.",
        category="billing",
    )
    client.force_login(people["agent"])
    body = client.get(f"/tickets/{billing_ticket.pk}/insert/?q=refunded").content.decode()
    assert "[email?]" in body and "[EMAIL_1]" not in body and "jane@customer.example" not in body


def test_only_leads_and_admins_manage_canned_replies(client, people, config):
    client.force_login(people["agent"])
    assert client.get("/canned/").status_code == 404
    client.force_login(people["lead"])
    bad = client.post("/canned/new/", {"title": "T", "language": "en", "body": "Hi {nme}"})
    assert bad.status_code == 422 and "Unknown placeholder {nme}" in bad.content.decode()
    good = client.post(
        "/canned/new/",
        {"title": "T", "language": "EN", "body": "Hi {customer_name}", "active": "on"},
    )
    assert good.status_code == 302
    reply = CannedReply.objects.get()
    assert reply.language == "en" and reply.created_by == people["lead"]
    again = client.post("/canned/new/", {"title": "T", "language": "en", "body": "dup"})
    assert again.status_code == 422 and CannedReply.objects.count() == 1


# --- Notes ----------------------------------------------------------------------------------


def test_an_internal_note_shows_in_history_and_handoff_and_is_never_sent(
    client, people, billing_ticket
):
    client.force_login(people["agent"])
    for _ in range(2):  # a double submit stores it once
        response = client.post(
            f"/tickets/{billing_ticket.pk}/note/", {"body": "Customer called, card ends 4242"}
        )
        assert response.status_code == 302
    assert Note.objects.count() == 1
    page = client.get(f"/tickets/{billing_ticket.pk}/").content.decode()
    assert "Internal note · ann" in page
    handoff = re.search(r'name="note" rows="10">(.*?)</textarea>', page, re.S).group(1)
    assert "Customer called, card ends 4242" in handoff
    assert not Outbound.objects.exists()
    empty = client.post(
        f"/tickets/{billing_ticket.pk}/note/", {"body": "  "}, HTTP_HX_REQUEST="true"
    )
    assert empty.status_code == 422 and "Write the note first." in empty.content.decode()


# --- Close and merge ------------------------------------------------------------------------


def test_closing_as_spam_records_the_reason_and_counts_it(client, people, billing_ticket):
    client.force_login(people["agent"])
    bad = client.post(f"/tickets/{billing_ticket.pk}/close/", {"reason": "bored"})
    assert (
        bad.status_code == 422
        and "Choose spam, not ours or no reply needed." in bad.content.decode()
    )
    response = client.post(f"/tickets/{billing_ticket.pk}/close/", {"reason": "spam"})
    assert response.status_code == 302 and response["Location"] == "/"
    billing_ticket.refresh_from_db()
    assert billing_ticket.status == "closed" and billing_ticket.close_reason == "spam"
    assert billing_ticket.drafts.first().status == Draft.Status.SUPERSEDED
    change = StatusChange.objects.get(to_status="closed")
    assert change.by == people["agent"] and change.from_status == "in_review"
    again = client.post(f"/tickets/{billing_ticket.pk}/close/", {"reason": "spam"})
    assert again.status_code == 409 and "cannot be closed" in again.content.decode()
    client.force_login(people["lead"])
    assert "Spam: 1" in client.get("/metrics/").content.decode()


def test_merging_moves_the_messages_and_closes_the_duplicate_with_a_link(
    client, people, billing_ticket
):
    duplicate = make_ticket(
        body="Still charged twice, reply please!",
        subject="Again",
        channel="chat",
        customer=CustomerInput(email="jane@customer.example", name="Jane Doe"),
    )
    run_pipeline(ticket_id=duplicate.pk)
    client.force_login(people["agent"])
    response = client.post(f"/tickets/{duplicate.pk}/merge/", {"into": billing_ticket.pk})
    assert response.status_code == 302 and response["Location"] == f"/tickets/{billing_ticket.pk}/"
    duplicate.refresh_from_db()
    assert duplicate.status == "closed" and duplicate.merged_into_id == billing_ticket.pk
    assert billing_ticket.messages.filter(body__contains="Still charged twice").exists()
    assert (
        f'merged into <a href="/tickets/{billing_ticket.pk}/">'
        in client.get(f"/tickets/{duplicate.pk}/").content.decode()
    )
    # the duplicate's words are found through the ticket it was merged into
    found = client.get("/?q=still+charged").content.decode()
    assert f'data-ticket-id="{billing_ticket.pk}"' in found
    # a second submit: the duplicate is closed already
    again = client.post(f"/tickets/{duplicate.pk}/merge/", {"into": billing_ticket.pk})
    assert again.status_code == 409


def test_merging_is_refused_across_customers_and_into_unknown_tickets(
    client, people, billing_ticket
):
    other = make_ticket(
        body="I was charged twice as well.",
        customer=CustomerInput(email="someone@else.example", name="Else"),
    )
    run_pipeline(ticket_id=other.pk)
    client.force_login(people["agent"])
    response = client.post(f"/tickets/{other.pk}/merge/", {"into": billing_ticket.pk})
    assert (
        response.status_code == 409 and "belongs to another customer" in response.content.decode()
    )
    missing = client.post(f"/tickets/{other.pk}/merge/", {"into": 999999})
    assert missing.status_code == 422 and "no ticket #999999" in missing.content.decode()
    letters = client.post(f"/tickets/{other.pk}/merge/", {"into": "abc"})
    assert letters.status_code == 422
    other.refresh_from_db()
    assert other.status != "closed"


# --- Search ---------------------------------------------------------------------------------


def test_search_finds_a_word_from_the_body_and_pages_by_rank(client, people, knowledge):
    tickets = [
        make_ticket(
            body=f"My spotify family plan invoice {i} is wrong" + " spotify" * (i % 3),
            subject=f"Invoice {i}",
            customer=CustomerInput(email=f"c{i}@example.com"),
        )
        for i in range(5)
    ]
    make_ticket(body="Nothing to do with music here at all", subject="Other")
    client.force_login(people["admin"])
    first, cursor = selectors.queue_page(
        user=people["admin"], filters=QueueFilters(q="spotify"), limit=2
    )
    seen = [t.pk for t in first]
    while cursor:
        page, cursor = selectors.queue_page(
            user=people["admin"], filters=QueueFilters(q="spotify"), after=cursor, limit=2
        )
        seen += [t.pk for t in page]
    assert sorted(seen) == sorted(t.pk for t in tickets) and len(seen) == len(set(seen))
    body = client.get("/?q=spotify").content.decode()
    assert body.count("data-queue-row") == 5
    assert (
        f'data-ticket-id="{tickets[0].pk}"'
        in client.get(f"/?q=%23{tickets[0].pk}").content.decode()
    )


# --- What the trial with real tweets found --------------------------------------------------


def test_escalating_to_another_team_lands_on_the_queue_with_a_confirmation(
    client, people, billing_ticket, tech_ticket
):
    client.force_login(people["agent"])
    response = client.post(
        f"/tickets/{billing_ticket.pk}/escalate/",
        {
            "opened": opened(billing_ticket),
            "note": "Needs the API team",
            "team": tech_ticket.team_id,
        },
        follow=True,
    )
    assert response.status_code == 200 and response.redirect_chain[-1][0] == "/"
    assert f"#{billing_ticket.pk} escalated to Technical" in response.content.decode()
    billing_ticket.refresh_from_db()
    assert billing_ticket.team == tech_ticket.team and billing_ticket.status == "escalated"


def test_tier_one_tickets_get_a_handoff_note_and_no_two_fields_share_an_id(
    client, people, billing_ticket
):
    assert billing_ticket.tier <= 1 and not billing_ticket.drafts.first().handoff_note
    client.force_login(people["agent"])
    page = client.get(f"/tickets/{billing_ticket.pk}/").content.decode()
    handoff = re.search(r'id="id_escalate_note" name="note" rows="10">(.*?)</textarea>', page, re.S)
    assert handoff and "Summary:" in handoff.group(1)
    ids = Counter(re.findall(r'\sid="([^"]+)"', page))
    assert not [i for i, n in ids.items() if n > 1]
    for label_for in re.findall(r'<label for="([^"]+)"', page):
        assert ids[label_for] == 1, label_for


def test_the_history_says_in_words_what_each_stage_decided(client, people, billing_ticket):
    client.force_login(people["agent"])
    body = client.get(f"/tickets/{billing_ticket.pk}/").content.decode()
    assert "Escalation tier" in body and "Routed to billing" in body and "Drafted a" in body
    assert "{&#x27;" not in body and "{'" not in body


def test_tickets_without_a_subject_show_their_text_everywhere(client, people, knowledge):
    ticket = make_ticket(
        body="@Ledgerly my invoices page has been blank since yesterday, what gives",
        subject="",
        channel="chat",
    )
    run_pipeline(ticket_id=ticket.pk)
    Ticket.objects.filter(pk=ticket.pk).update(needs_human_triage=True)
    client.force_login(people["admin"])
    for url in ("/sla/", "/triage/", "/", f"/tickets/{ticket.pk}/"):
        body = client.get(url).content.decode()
        assert "(no subject)" not in body and "my invoices page" in body, url


def test_html_entities_show_as_characters(client, people, knowledge):
    ticket = make_ticket(body="My AT&amp;T card was charged twice &gt;:( please refund", subject="")
    run_pipeline(ticket_id=ticket.pk)
    ticket.refresh_from_db()
    assert "AT&T" in ticket.cleaned_text and "&amp;" not in ticket.cleaned_text
    client.force_login(people["admin"])
    body = client.get(f"/tickets/{ticket.pk}/").content.decode()
    assert "AT&amp;T card" in body and "&amp;amp;" not in body


def test_a_duplicate_web_form_submit_stores_the_message_once(client, config):
    page = client.get("/support/new").content.decode()
    token = re.search(r'name="submission" value="([^"]+)"', page).group(1)
    data = {
        "name": "Jane",
        "email": "jane@web.example",
        "subject": "Cannot export",
        "message": "The export button does nothing at all.",
        "submission": token,
    }
    first = client.post("/support/new", data)
    second = client.post("/support/new", data)
    assert first.status_code == 201 and second.status_code == 200
    ticket = Ticket.objects.get()
    assert ticket.messages.count() == 1


def test_answered_and_finished_tickets_show_no_sla_countdown(client, people, billing_ticket):
    Ticket.objects.filter(pk=billing_ticket.pk).update(status="resolved")
    client.force_login(people["admin"])
    body = client.get("/?q=charged").content.decode()
    row = re.search(rf'data-ticket-id="{billing_ticket.pk}".*?</tr>', body, re.S).group(0)
    assert "data-due" not in row


def test_favicon_is_served(client):
    response = client.get("/favicon.ico")
    assert response.status_code == 301 and response["Location"].endswith("favicon.svg")


def test_the_knowledge_page_lists_and_searches_kb_articles(client, people, knowledge):
    save_article(
        slug="vat",
        title="VAT on invoices",
        body="# VAT\n\nInvoices show VAT for the customer's country of residence.",
        kind="policy",
        category="billing",
    )
    save_article(
        slug="sso",
        title="Setting up single sign-on",
        body="# SSO\n\nAdd the identity provider's metadata under Settings.",
        kind="howto",
        category="technical",
    )
    client.force_login(people["admin"])
    body = client.get("/knowledge/").content.decode()
    assert "VAT on invoices" in body and "Setting up single sign-on" in body
    searched = client.get("/knowledge/?q=residence").content.decode()
    assert "VAT on invoices" in searched and "Setting up single sign-on" not in searched


def test_saving_an_entry_confirms_and_shows_the_new_version(client, people, knowledge):
    entry = KnowledgeEntry.objects.order_by("pk").first()
    client.force_login(people["admin"])
    data = {
        "text": entry.text + " (edited)",
        "resolution": entry.resolution,
        "response": entry.response,
        "category": entry.category,
        "subcategory": entry.subcategory,
    }
    response = client.post(f"/knowledge/entries/{entry.pk}/edit/", data, HTTP_HX_REQUEST="true")
    assert response["HX-Redirect"] == f"/knowledge/entries/{entry.pk}/"
    page = client.get(response["HX-Redirect"]).content.decode()
    assert f"Saved entry #{entry.pk} as v2" in page and "<small>v2 ·" in page


def test_the_handoff_note_names_the_receiving_team_and_counts_the_drafts(
    client, people, billing_ticket
):
    client.force_login(people["agent"])
    page = client.get(f"/tickets/{billing_ticket.pk}/").content.decode()
    handoff = re.search(r'id="id_escalate_note" name="note" rows="10">(.*?)</textarea>', page, re.S)
    note = html.unescape(handoff.group(1))
    target = billing_ticket.team.escalation_team
    assert target is not None and target != billing_ticket.team
    assert f"Receiving team: {target.name} (from {billing_ticket.team.name})" in note
    assert "0 replies sent, 1 draft written" in note
