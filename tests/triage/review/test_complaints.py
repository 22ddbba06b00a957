"""Complaints become evaluation cases: a ticket reopened after a machine draft went out, a customer
saying the answer was wrong; the reviewer says what went wrong; ``evaluate --cases`` tells which
would still fail."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command

from tests.conftest import make_ticket, make_user
from tests.dashboard.conftest import run_outbox
from triage.evaluation.cases import replay
from triage.ingest.service import CustomerInput, TicketInput, add_reply
from triage.models import EvaluationCase, Ticket
from triage.pipeline.run import run_pipeline
from triage.review import complaints
from triage.review.decisions import Then, do_reply

ASKED = "I was charged twice for my subscription this month, please help."


def answered(*, by_hand: bool = False) -> Ticket:
    """A processed billing ticket answered (its draft sent as it was, or a reply by hand) and
    resolved."""
    agent = make_user("ann", "agent", ["billing"])
    ticket = make_ticket(
        body=ASKED,
        subject="Charged twice",
        customer=CustomerInput(email="jane@customer.example", name="Jane Doe"),
    )
    if by_hand:  # no draft needed: the ticket goes straight to review
        Ticket.objects.filter(pk=ticket.pk).update(status=Ticket.Status.IN_REVIEW)
    else:
        run_pipeline(ticket_id=ticket.pk)
    ticket.refresh_from_db()
    draft = ticket.drafts.first()
    do_reply(
        ticket=ticket,
        user=agent,
        final_text="Hi Jane Doe, we will look at it." if by_hand else draft.text,
        seconds_spent=20,
        draft=None if by_hand else draft,
        then=Then.RESOLVE,
        acknowledged=None,
    )
    run_outbox()
    ticket.refresh_from_db()
    assert ticket.status == Ticket.Status.RESOLVED
    return ticket


def customer_writes(ticket: Ticket, body: str) -> None:
    add_reply(
        ticket=ticket,
        data=TicketInput(channel="email", body=body, subject="Re: Charged twice"),
        customer=ticket.customer,
    )


def test_a_reopened_ticket_and_that_was_wrong_after_a_machine_draft_become_cases(knowledge):
    ticket = answered()
    customer_writes(ticket, "That's not what I asked. Jane Doe")
    made = {c.origin: c for c in EvaluationCase.objects.filter(ticket=ticket)}
    assert set(made) == {"reopened", "said_wrong"}
    case = made["said_wrong"]
    assert case.predicted["draft"] == ticket.drafts.first().text
    assert case.predicted["prompt_version"] and case.predicted["engine"] == "local"
    assert "Jane" not in case.final_reply and "Jane" not in case.labels["customer_said"]
    assert case.labels["customer_said"].startswith("That's not what I asked.")
    customer_writes(ticket, "Still wrong!")  # the same reply: no second case of a kind
    assert EvaluationCase.objects.filter(ticket=ticket, origin="said_wrong").count() == 1


@pytest.mark.parametrize(
    "body", ["Das stimmt nicht.", "No es correcto.", "Ce n'est pas ce que j'ai demandé."]
)
def test_that_was_wrong_is_read_in_german_spanish_and_french(body):
    assert complaints.says_wrong(body)
    assert not complaints.says_wrong("Thanks, that worked!")


def test_a_reply_written_by_hand_makes_no_case(config):
    ticket = answered(by_hand=True)
    customer_writes(ticket, "That's not what I asked.")
    assert not EvaluationCase.objects.filter(ticket=ticket).exists()


def test_the_reviewer_says_what_went_wrong(config):
    ticket = make_ticket(body=ASKED)
    case = complaints.complaint_case(
        ticket=ticket, origin="said_wrong", review=None, said={"customer_said": "wrong answer"}
    )
    lead = make_user("lee", "lead", ["billing"])
    complaints.set_failure_kind(case=case, kind="wrong_facts", user=lead)
    case.refresh_from_db()
    assert (case.failure_kind, case.kind_set_by) == ("wrong_facts", lead)
    with pytest.raises(ValueError, match="unknown failure kind"):
        complaints.set_failure_kind(case=case, kind="bad_luck", user=lead)


def test_evaluate_cases_reports_which_complaints_would_still_fail(knowledge):
    ticket = answered()
    customer_writes(ticket, "That's not what I asked.")
    repeated = EvaluationCase.objects.get(ticket=ticket, origin="said_wrong")
    differs = EvaluationCase.objects.get(ticket=ticket, origin="reopened")
    # The answer complained about in one case is what the engine drafts today for this ticket;
    # in the other, something else.
    per_case, _summary = replay(engine="local")
    today = next(c for c in per_case if c["case"] == repeated.pk)["draft"]["draft_now"]
    repeated.predicted = {**repeated.predicted, "draft": today}
    repeated.save()
    differs.predicted = {**differs.predicted, "draft": "Hello, please restart your router."}
    differs.save()
    out = io.StringIO()
    call_command("evaluate", "--cases", stdout=out)
    text = out.getvalue()
    assert (
        f"case {repeated.pk} (said_wrong, ticket {ticket.pk}): still fails: the draft repeats "
        "the answer complained about (distance 0.00; not yet judged)"
    ) in text
    assert f"case {differs.pk} (" not in text  # the current draft is another answer
