"""The queue's read model (``triage.lifecycle``): whatever public service changes what a field is
computed from, the ticket row says what a fresh computation says."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone
from hypothesis import HealthCheck, given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

from tests.conftest import make_ticket
from triage import lifecycle
from triage.ingest.service import CustomerInput, TicketInput, ingest_ticket
from triage.models import Outbound, Ticket
from triage.pipeline.run import run_pipeline
from triage.review import decisions, operations
from triage.review.decisions import ReviewError
from triage.review.outbound import send_outbound


def stored(ticket: Ticket) -> dict:
    ticket.refresh_from_db()
    return {name: getattr(ticket, name) for name in lifecycle.READ_MODEL_FIELDS}


def customer_writes(ticket: Ticket, body: str) -> None:
    """The customer answers in the same thread (same address, same subject)."""
    ingest_ticket(
        data=TicketInput(
            channel="email",
            body=body,
            subject=f"Re: {ticket.subject}",
            customer=CustomerInput(email=ticket.customer.email, name=ticket.customer.name),
        ),
        thread=True,
        process=False,
    )


def queue_order(client, user) -> list[int]:
    client.force_login(user)
    page = client.get("/").content.decode()
    return [int(i) for i in re.findall(r'data-ticket-id="(\d+)"', page)]


@pytest.mark.django_db
def test_resuming_a_paused_sla_moves_the_ticket_in_the_queue_order(client, knowledge, people):
    first, second = (
        make_ticket(body=f"I was charged twice for invoice {n}.", subject=f"Charged {n}")
        for n in (1, 2)
    )
    for ticket in (first, second):
        run_pipeline(ticket_id=ticket.pk)
    first.refresh_from_db()
    second.refresh_from_db()
    Ticket.objects.filter(pk=second.pk).update(
        sla_due_at=first.sla_due_at + timedelta(minutes=30),
        queue_rank_at=first.queue_rank_at + timedelta(minutes=30),
    )
    assert queue_order(client, people["lead"])[:2] == [first.pk, second.pk]
    operations.do_wait_on_customer(ticket=first)
    # Two hours pass while the customer is asked (the pause began two hours ago).
    Ticket.objects.filter(pk=first.pk).update(sla_paused_at=timezone.now() - timedelta(hours=2))
    operations.do_resume(ticket=first)
    first.refresh_from_db()
    assert first.queue_rank_at == lifecycle.queue_rank(first)
    assert queue_order(client, people["lead"])[:2] == [second.pk, first.pk]


@pytest.mark.django_db
def test_a_reguard_after_the_customer_replies_changes_the_queues_flag_badge(
    client, people, billing_ticket
):
    draft = billing_ticket.drafts.first()
    draft.text += "\n\nYour order 58213 left our warehouse on 3 March."
    draft.save(update_fields=["text"])
    operations.do_record_action(ticket=billing_ticket, user=people["agent"], kind="investigate")
    assert "unsupported_fact" in stored(billing_ticket)["flag_codes"]
    client.force_login(people["agent"])
    assert "unsupported_fact" in client.get("/?flagged=1").content.decode()

    operations.do_wait_on_customer(ticket=billing_ticket)
    customer_writes(billing_ticket, "It is order 58213, it left your warehouse on 3 March.")
    billing_ticket.refresh_from_db()
    assert billing_ticket.status == Ticket.Status.IN_REVIEW
    assert "unsupported_fact" not in stored(billing_ticket)["flag_codes"]
    assert "unsupported_fact" not in client.get("/?flagged=1").content.decode()
    assert stored(billing_ticket) == lifecycle.fresh_read_model(billing_ticket)


# --- Every input of every field, through the public services, in any order ------------------

URGENCIES = ["P1", "P2", "P3", "P4"]
CATEGORIES = ["billing", "technical", "account", "general"]
SENTIMENTS = ["angry", "frustrated", "neutral", "positive"]


def _correct(field: str, values: list[str]):
    def step(ticket, people, value_index: int) -> None:
        decisions.do_correct_classification(
            ticket=ticket, user=people["lead"], **{field: values[value_index % len(values)]}
        )

    return step


def _record_action(ticket, people, _: int) -> None:
    operations.do_record_action(ticket=ticket, user=people["lead"], kind="refund", amount=None)


def _wait_and_resume(ticket, people, hours: int) -> None:
    operations.do_wait_on_customer(ticket=ticket)
    Ticket.objects.filter(pk=ticket.pk).update(
        sla_paused_at=timezone.now() - timedelta(hours=1 + hours % 5)
    )
    operations.do_resume(ticket=ticket)


def _wait_then_customer_writes(ticket, people, n: int) -> None:
    operations.do_wait_on_customer(ticket=ticket)
    customer_writes(ticket, f"Here is the invoice number you asked for: INV-{1000 + n}.")


def _reply_then_customer_writes(ticket, people, n: int) -> None:
    """Answered and sent; the customer writes again, the ticket reopens and the pipeline runs
    again (a new classification, assessment and draft)."""
    decisions.do_reply(
        ticket=ticket,
        user=people["lead"],
        final_text="Thanks, we are looking into it.",
        seconds_spent=5,
        acknowledged=None,
    )
    send_outbound(outbound_id=Outbound.objects.filter(ticket=ticket).latest("pk").pk)
    customer_writes(ticket, f"Still charged twice, attempt {n}. This is urgent!!")
    run_pipeline(ticket_id=ticket.pk)


def _escalate(ticket, people, _: int) -> None:
    decisions.do_escalate(
        ticket=ticket, user=people["lead"], note="Needs the escalation team.", seconds_spent=3
    )


STEPS = {
    "correct urgency": _correct("urgency", URGENCIES),
    "correct category": _correct("category", CATEGORIES),
    "correct sentiment": _correct("sentiment", SENTIMENTS),
    "record an action (re-guard)": _record_action,
    "wait, then resume (SLA moves)": _wait_and_resume,
    "wait, then the customer writes (SLA moves, re-guard)": _wait_then_customer_writes,
    "reply, then the customer writes (re-run)": _reply_then_customer_writes,
    "escalate": _escalate,
}


@pytest.mark.django_db
@hsettings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    database=None,
)
@given(
    steps=st.lists(
        st.tuples(st.sampled_from(sorted(STEPS)), st.integers(0, 10)), min_size=1, max_size=6
    )
)
def test_the_row_matches_a_fresh_computation_after_any_sequence_of_services(
    knowledge, people, steps
):
    ticket = make_ticket(
        body="I was charged twice for my subscription this month, please help.",
        subject="Charged twice",
        customer=CustomerInput(email="jane@customer.example", name="Jane Doe"),
    )
    run_pipeline(ticket_id=ticket.pk)
    assert stored(ticket) == lifecycle.fresh_read_model(ticket)
    for name, value in steps:
        try:
            STEPS[name](ticket, people, value)
        except ReviewError:
            continue  # not allowed in the ticket's current state: nothing changed
        assert stored(ticket) == lifecycle.fresh_read_model(ticket), name
