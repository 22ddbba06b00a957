"""The guards on what is actually sent: edits are checked, sending over a flag needs a
confirmation naming it, and the page then shows what was sent and acknowledged."""

import re
import time

import pytest

from dashboard.forms import opened_token
from knowledge.models import KnowledgeEntry, KnowledgeProposal
from tests.dashboard.conftest import run_outbox
from triage.models import Outbound, Review
from triage.review.decisions import reviewer_text

PS = "P.S. We have also updated your contact details as requested."


def send(client, ticket, text, *, htmx=True, **extra):
    """Post the composer as the page does: with htmx (``hx-post``, the panel swapped on a 422), or
    as a plain form when scripts are off."""
    data = {"opened": opened_token(ticket.pk, time.time() - 5), "final_text": text, **extra}
    headers = {"HTTP_HX_REQUEST": "true"} if htmx else {}
    return client.post(f"/tickets/{ticket.pk}/reply/", data, **headers)


def test_the_composer_posts_with_htmx_into_its_panel(client, people, billing_ticket):
    client.force_login(people["agent"])
    page = client.get(f"/tickets/{billing_ticket.pk}/").content.decode()
    form = re.search(r'<form [^>]*id="reply-form"[^>]*>', page) or re.search(
        r'<form [^>]*action="/tickets/\d+/reply/"[^>]*>', page
    )
    assert form, "no reply form"
    assert f'hx-post="/tickets/{billing_ticket.pk}/reply/"' in form.group(0)
    assert 'hx-target="#review-panel"' in form.group(0)


def draft_text(ticket) -> str:
    return reviewer_text(ticket, ticket.drafts.first().text)


@pytest.mark.parametrize("htmx", [True, False], ids=["htmx", "no-script"])
def test_an_edited_reply_with_a_new_claim_is_flagged_at_send_time_and_nothing_is_sent(
    client, people, billing_ticket, htmx
):
    client.force_login(people["agent"])
    response = send(client, billing_ticket, draft_text(billing_ticket) + "\n\n" + PS, htmx=htmx)
    assert response.status_code == 422
    page = response.content.decode()
    # htmx gets the review panel alone; without scripts the whole page comes back.
    assert page.lstrip().startswith('<section class="card" id="review-panel"') == htmx
    assert "unbacked_claim" in page and "updated your contact details" in page
    assert 'name="acknowledge" value="unbacked_claim"' in page
    assert not Review.objects.exists() and not Outbound.objects.exists()


@pytest.mark.parametrize("htmx", [True, False], ids=["htmx", "no-script"])
def test_sending_over_a_flag_needs_a_confirmation_for_each_code(
    client, people, billing_ticket, htmx
):
    client.force_login(people["agent"])
    text = draft_text(billing_ticket) + "\n\nYour renewal on 3 March was captured at 14:32. " + PS
    first = send(client, billing_ticket, text, htmx=htmx)
    assert first.status_code == 422
    # Acknowledging one code of two is not enough.
    assert (
        send(client, billing_ticket, text, htmx=htmx, acknowledge="unbacked_claim").status_code
        == 422
    )
    assert not Review.objects.exists()
    done = send(
        client, billing_ticket, text, htmx=htmx, acknowledge=["unbacked_claim", "unsupported_fact"]
    )
    if htmx:
        assert done.status_code == 200 and done.headers.get("HX-Redirect")
    else:
        assert done.status_code == 302 and done["Location"] == f"/tickets/{billing_ticket.pk}/"
    review = Review.objects.get()
    assert {f["code"] for f in review.sent_over_flags} == {"unbacked_claim", "unsupported_fact"}
    quotes = " ".join(f["quote"] for f in review.sent_over_flags)
    assert "14:32" in quotes and "updated your contact details" in quotes


def test_after_sending_the_page_shows_the_sent_text_and_what_was_acknowledged(
    client, people, billing_ticket
):
    client.force_login(people["agent"])
    text = draft_text(billing_ticket) + "\n\n" + PS
    send(client, billing_ticket, text, acknowledge=["unbacked_claim"])
    run_outbox()
    page = client.get(f"/tickets/{billing_ticket.pk}/").content.decode()
    assert "Check before sending" not in page
    assert "What was sent" in page and "updated your contact details" in page
    assert re.search(r"Sent over 1 acknowledged flag: unbacked_claim", page)
    assert "sent over acknowledged flags: unbacked_claim" in page  # the history says so too


def test_a_slot_left_in_the_reply_blocks_sending(client, people, unchecked_billing_ticket):
    client.force_login(people["agent"])
    text = draft_text(unchecked_billing_ticket)
    assert "[confirm:" in text
    response = send(client, unchecked_billing_ticket, text, acknowledge=["unsupported_fact"])
    assert response.status_code == 422
    assert "Fill in or remove [confirm:" in response.content.decode()
    assert not Review.objects.exists()


def test_a_clean_draft_goes_out_without_any_confirmation(client, people, billing_ticket):
    client.force_login(people["agent"])
    response = send(client, billing_ticket, draft_text(billing_ticket))
    assert response.status_code == 200
    review = Review.objects.get()
    assert review.decision == "approved_unchanged" and review.sent_over_flags == []


def test_a_reply_sent_over_flags_never_becomes_knowledge_when_resolved(
    client, people, billing_ticket
):
    client.force_login(people["agent"])
    text = draft_text(billing_ticket) + "\n\n" + PS
    response = send(client, billing_ticket, text, acknowledge=["unbacked_claim"], then="resolve")
    assert response.status_code == 200
    run_outbox()
    billing_ticket.refresh_from_db()
    assert billing_ticket.status == "resolved"
    assert not KnowledgeEntry.objects.filter(source_ticket=billing_ticket).exists()
    proposal = KnowledgeProposal.objects.get(source_ticket=billing_ticket)
    assert "unbacked_claim" in proposal.why
    client.force_login(people["admin"])
    page = client.get("/knowledge/needs-review/").content.decode()
    assert f"#{billing_ticket.pk}" in page and "sent over acknowledged guard flags" in page


def test_metrics_show_the_rate_of_replies_sent_over_flags_by_team_and_source(
    client, people, billing_ticket
):
    client.force_login(people["agent"])
    send(
        client,
        billing_ticket,
        draft_text(billing_ticket) + "\n\n" + PS,
        acknowledge=["unbacked_claim"],
    )
    client.force_login(people["lead"])
    for group, key in (("team", billing_ticket.team.name), ("source", billing_ticket.source)):
        page = client.get(f"/metrics/?group={group}").content.decode()
        assert "Sent over flags" in page
        row = re.search(rf"<tr><td>{re.escape(key)}</td>.*?</tr>", page)
        assert row and "100 % (1/1)" in row.group(0), group
