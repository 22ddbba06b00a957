"""CSAT: the reply that resolves a ticket asks for a rating by a signed, single-use link; a low
rating or a "that was wrong" comment puts the ticket on the lead's list and makes an evaluation
case."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from dashboard import metrics
from tests.conftest import make_ticket, make_user
from tests.dashboard.conftest import run_outbox
from triage.ingest.service import CustomerInput
from triage.models import EvaluationCase, Outbound, SatisfactionRating, Team, Ticket
from triage.review import satisfaction
from triage.review.decisions import Then, do_reply
from triage.review.satisfaction import RatingError


def resolved(user, *, body="Where can I download my invoices?", language="en", draft=True):
    """A ticket answered and resolved by ``user``; returns (ticket, the rating asked)."""
    ticket = make_ticket(
        body=body, customer=CustomerInput(email="jane@customer.example", name="Jane Doe")
    )
    Ticket.objects.filter(pk=ticket.pk).update(
        language=language,
        status=Ticket.Status.IN_REVIEW,
        category="billing",
        team=Team.objects.get(slug="billing"),
    )
    ticket.refresh_from_db()
    do_reply(
        ticket=ticket,
        user=user,
        final_text="Hi Jane, all invoices are under Settings → Billing.",
        seconds_spent=30,
        then=Then.RESOLVE,
        acknowledged=None,
    )
    return ticket, SatisfactionRating.objects.get(ticket=ticket)


def token_in(body: str) -> str:
    return body.rsplit("/rate/", 1)[1].split("/", 1)[0]


@pytest.fixture
def agent(config):
    return make_user("ann", "agent", ["billing"])


def test_the_reply_that_resolves_asks_for_a_rating_in_the_customers_language(agent):
    ticket, rating = resolved(agent, language="de")
    run_outbox()
    sent = mail.outbox[-1].body
    assert sent.startswith("Hi Jane, all invoices are under Settings → Billing.")
    assert "Wie zufrieden sind Sie? Bewerten Sie diese Antwort" in sent
    assert satisfaction.open_link(token_in(sent)).pk == rating.pk
    assert rating.language == "de" and rating.review.ticket_id == ticket.pk


def test_a_reply_that_does_not_resolve_asks_nothing(agent):
    ticket = make_ticket(body="Where can I download my invoices?")
    Ticket.objects.filter(pk=ticket.pk).update(status=Ticket.Status.IN_REVIEW)
    do_reply(
        ticket=ticket,
        user=agent,
        final_text="Hi, see Settings.",
        seconds_spent=5,
        acknowledged=None,
    )
    assert Outbound.objects.get(ticket=ticket).body == "Hi, see Settings."
    assert not SatisfactionRating.objects.filter(ticket=ticket).exists()


def test_the_link_rates_once_and_the_thank_you_link_changes_it_for_seven_days(agent):
    _ticket, rating = resolved(agent)
    first = Outbound.objects.get(ticket=rating.ticket).body
    now = timezone.now()
    rated = satisfaction.rate(token_in(first), score=4, comment="quick", now=now)
    assert (rated.rating.score, rated.rating.comment) == (4, "quick")
    with pytest.raises(RatingError) as used:
        satisfaction.rate(token_in(first), score=1, now=now)
    assert used.value.kind == "used"
    changed = satisfaction.rate(rated.change_token, score=5, now=now + timedelta(days=6))
    assert SatisfactionRating.objects.get(pk=rating.pk).score == 5
    with pytest.raises(RatingError) as late:
        satisfaction.rate(changed.change_token, score=1, now=now + timedelta(days=8))
    assert late.value.kind == "expired"
    assert SatisfactionRating.objects.get(pk=rating.pk).score == 5


@pytest.mark.parametrize("token", ["", "abc", "eyJyIjoxLCJuIjoieCJ9:forged:sig"])
def test_a_forged_link_is_refused(agent, token):
    resolved(agent)
    with pytest.raises(RatingError) as forged:
        satisfaction.open_link(token)
    assert forged.value.kind == "forged"


def test_a_low_rating_goes_on_the_leads_list_and_becomes_an_evaluation_case(agent):
    ticket, rating = resolved(agent)
    run_outbox()
    token = token_in(Outbound.objects.get(ticket=ticket).body)
    satisfaction.rate(token, score=2, comment="Too slow")
    rating.refresh_from_db()
    assert rating.needs_look and not rating.says_wrong
    assert [r.pk for r in satisfaction.needs_look()] == [rating.pk]
    case = EvaluationCase.objects.get(ticket=ticket, origin=EvaluationCase.Origin.LOW_RATING)
    assert case.labels["rating"] == 2 and case.labels["comment"] == "Too slow"
    assert case.final_reply.startswith("Hi [NAME_1],")  # masked, as every case is
    assert case.predicted["decision"] == "written"
    lead = make_user("lee", "lead", ["billing"])
    satisfaction.mark_looked_at(rating=rating, user=lead)
    assert satisfaction.needs_look() == []
    assert Ticket.objects.get(pk=ticket.pk).status == Ticket.Status.RESOLVED  # nothing reopened


@pytest.mark.parametrize(
    "comment",
    [
        "That's not what I asked",
        "Das stimmt nicht",
        "La respuesta es incorrecta",
        "Ce n'est pas ce que j'ai demandé",
    ],
)
def test_a_comment_saying_the_answer_was_wrong_needs_a_look_whatever_the_score(agent, comment):
    ticket, _rating = resolved(agent)
    satisfaction.rate(token_in(Outbound.objects.get(ticket=ticket).body), score=4, comment=comment)
    rating = SatisfactionRating.objects.get(ticket=ticket)
    assert rating.says_wrong and rating.needs_look


def test_a_score_outside_one_to_five_is_refused_and_stores_nothing(agent):
    ticket, rating = resolved(agent)
    with pytest.raises(ValueError, match="1 to 5"):
        satisfaction.rate(token_in(Outbound.objects.get(ticket=ticket).body), score=6)
    assert SatisfactionRating.objects.get(pk=rating.pk).score is None


def test_metrics_show_csat_and_response_rate_by_how_the_reply_was_made(agent):
    rated_ticket, _ = resolved(agent)
    resolved(agent, body="Second question about invoices")  # asked, never rated
    satisfaction.rate(token_in(Outbound.objects.get(ticket=rated_ticket).body), score=5)
    now = timezone.now()
    result = metrics.satisfaction(start=now - timedelta(days=1), end=now + timedelta(days=1))
    (by_hand,) = result["origin"]
    assert by_hand == {
        "key": "written by hand",
        "asked": 2,
        "rated": 1,
        "response_rate": 0.5,
        "csat": 1.0,
        "mean": 5.0,
    }
    assert [r["key"] for r in result["agent"]] == ["ann"]
    assert [(r["key"], r["asked"]) for r in result["team"]] == [("Billing", 2)]
