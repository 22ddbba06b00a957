"""Ticket status transitions and the predicates the pages ask, all in triage.lifecycle."""

from datetime import timedelta

import pytest
from django.db import transaction
from django.utils import timezone

from tests.conftest import make_ticket
from triage import lifecycle
from triage.models import Draft, Ticket


def _locked(ticket: Ticket) -> Ticket:
    return Ticket.objects.select_for_update().get(pk=ticket.pk)


@pytest.mark.django_db
def test_sla_pauses_while_waiting_on_the_customer():
    ticket = make_ticket()
    due = timezone.now() + timedelta(hours=4)
    Ticket.objects.filter(pk=ticket.pk).update(
        sla_due_at=due,
        sla_paused_at=timezone.now() - timedelta(hours=1),
        status=Ticket.Status.WAITING_ON_CUSTOMER,
    )
    ticket.refresh_from_db()
    lifecycle.resume(ticket=ticket)
    assert ticket.sla_paused_at is None
    assert abs((ticket.sla_due_at - (due + timedelta(hours=1))).total_seconds()) < 5
    lifecycle.wait_on_customer(ticket=ticket)
    assert ticket.sla_paused_at is not None
    ticket.refresh_from_db()
    assert ticket.status == Ticket.Status.WAITING_ON_CUSTOMER and ticket.sla_paused_at is not None


@pytest.mark.django_db
def test_a_claim_is_exclusive_until_its_lease_runs_out():
    ticket = make_ticket()
    first = lifecycle.claim_for_processing(ticket_id=ticket.pk)
    assert first is not None and first[1] == 1
    assert lifecycle.claim_for_processing(ticket_id=ticket.pk) is None  # held by a live worker
    later = timezone.now() + lifecycle.claim_lease() + timedelta(seconds=1)
    taken_over = lifecycle.claim_for_processing(ticket_id=ticket.pk, now=later)
    assert (
        taken_over is not None and taken_over[1] == 1
    )  # a dead worker's run continues, not a new one


@pytest.mark.django_db
def test_a_batch_claim_takes_the_named_ticket_then_the_fresh_ones_waiting_longest():
    tickets = [make_ticket(body=f"Question number {i}", external_id=f"b{i}") for i in range(5)]
    now = timezone.now()
    for age, ticket in zip([1, 5, 3, 4, 2], tickets, strict=True):
        Ticket.objects.filter(pk=ticket.pk).update(queued_at=now - timedelta(minutes=age))
    answered = tickets[0]
    Ticket.objects.filter(pk=answered.pk).update(status=Ticket.Status.TRIAGED)

    claims = lifecycle.claim_ready(limit=3, first_id=tickets[4].pk)

    assert [t.pk for t, _ in claims] == [tickets[4].pk, tickets[1].pk, tickets[3].pk]
    assert all(run == 1 for _, run in claims)
    held = Ticket.objects.filter(pk__in=[t.pk for t, _ in claims])
    assert all(t.claimed_until > now for t in held)
    # The rest of the batch is held: the next claim gets what is left.
    assert [t.pk for t, _ in lifecycle.claim_ready(limit=3)] == [tickets[2].pk]
    assert lifecycle.claim_ready(limit=3) == []


@pytest.mark.django_db
def test_a_batch_claim_takes_nothing_when_its_named_ticket_is_held_or_done():
    named, waiting = make_ticket(body="First"), make_ticket(body="Second", external_id="w")
    assert lifecycle.claim_for_processing(ticket_id=named.pk) is not None
    assert lifecycle.claim_ready(limit=5, first_id=named.pk) == []
    assert Ticket.objects.get(pk=waiting.pk).claimed_until is None  # left for its own task


@pytest.mark.django_db
def test_a_ticket_whose_run_failed_is_left_to_its_own_retry_not_to_other_batches():
    failed = make_ticket(body="First")
    assert lifecycle.claim_for_processing(ticket_id=failed.pk) is not None
    lifecycle.release_claim(ticket_id=failed.pk)  # what a failed run does
    assert lifecycle.claim_ready(limit=5) == []
    retried = lifecycle.claim_ready(limit=5, first_id=failed.pk)
    assert [(t.pk, run) for t, run in retried] == [(failed.pk, 1)]  # the same run continues


@pytest.mark.django_db
def test_finishing_sets_the_status_from_tier_and_draft_and_ends_the_claim():
    for tier, has_draft, status in [
        (3, True, "escalated"),
        (1, True, "in_review"),
        (1, False, "triaged"),
    ]:
        ticket = make_ticket()
        lifecycle.claim_for_processing(ticket_id=ticket.pk)
        finished = lifecycle.finish_processing(ticket_id=ticket.pk, tier=tier, has_draft=has_draft)
        assert finished.status == status and finished.claimed_until is None
        with pytest.raises(lifecycle.TransitionError):
            lifecycle.finish_processing(ticket_id=ticket.pk, tier=tier, has_draft=has_draft)


@pytest.mark.django_db
def test_customer_reply_reopens_an_answered_ticket_and_resumes_a_waiting_one():
    ticket = make_ticket()
    Ticket.objects.filter(pk=ticket.pk).update(status=Ticket.Status.SENT)
    with transaction.atomic():
        locked = _locked(ticket)
        lifecycle.customer_replied(ticket=locked)
    assert locked.status == Ticket.Status.REOPENED and locked.reopen_count == 1
    Ticket.objects.filter(pk=ticket.pk).update(
        status=Ticket.Status.WAITING_ON_CUSTOMER, sla_paused_at=timezone.now()
    )
    with transaction.atomic():
        locked = _locked(ticket)
        lifecycle.customer_replied(ticket=locked)
    assert locked.status == Ticket.Status.IN_REVIEW and locked.sla_paused_at is None


@pytest.mark.django_db
def test_predicates_follow_the_status():
    ticket = make_ticket()
    for status, resolvable, escalatable, waitable in [
        ("in_review", False, True, True),
        ("sent", True, True, True),
        ("escalated", True, False, True),
        ("waiting_on_customer", True, True, False),
        ("resolved", False, False, False),
        ("closed", False, False, False),
    ]:
        ticket.status = status
        assert lifecycle.can_resolve(ticket) is resolvable, status
        assert lifecycle.can_escalate(ticket) is escalatable, status
        assert lifecycle.can_wait(ticket) is waitable, status
    with pytest.raises(lifecycle.TransitionError):
        ticket.status = Ticket.Status.IN_REVIEW
        lifecycle.resolve(ticket=ticket)


def test_only_a_proposed_draft_with_text_is_decidable():
    assert lifecycle.is_decidable(Draft(status=Draft.Status.PROPOSED, text="Hello"))
    assert not lifecycle.is_decidable(Draft(status=Draft.Status.PROPOSED, text=""))
    assert not lifecycle.is_decidable(Draft(status=Draft.Status.APPROVED, text="Hello"))
    assert not lifecycle.is_decidable(None)


@pytest.mark.django_db
def test_the_sla_clock_is_shown_only_until_the_first_response():
    ticket = make_ticket()
    ticket.sla_due_at = timezone.now() + timedelta(hours=2)
    assert lifecycle.shows_sla(ticket)
    ticket.first_response_at = timezone.now()
    assert not lifecycle.shows_sla(ticket)
    ticket.first_response_at = None
    ticket.status = Ticket.Status.RESOLVED
    assert not lifecycle.shows_sla(ticket)


@pytest.mark.django_db
def test_every_move_is_recorded_with_who_and_why(django_user_model):
    agent = django_user_model.objects.create_user("closer")
    ticket = make_ticket()
    Ticket.objects.filter(pk=ticket.pk).update(status=Ticket.Status.TRIAGED)
    ticket.refresh_from_db()
    lifecycle.close(ticket=ticket, reason="spam", by=agent)
    change = ticket.status_changes.get()
    assert (change.from_status, change.to_status, change.by, change.note) == (
        "triaged",
        "closed",
        agent,
        "Spam",
    )
    assert ticket.close_reason == "spam"


@pytest.mark.django_db
def test_close_needs_a_known_reason_and_a_target_only_for_duplicates():
    ticket = make_ticket()
    other = make_ticket(body="Another one about the charge.", subject="Other")
    Ticket.objects.filter(pk__in=[ticket.pk, other.pk]).update(status=Ticket.Status.TRIAGED)
    ticket.refresh_from_db()
    with pytest.raises(lifecycle.TransitionError, match="unknown close reason"):
        lifecycle.close(ticket=ticket, reason="boring")
    with pytest.raises(lifecycle.TransitionError, match="merging"):
        lifecycle.close(ticket=ticket, reason="duplicate")
    with pytest.raises(lifecycle.TransitionError, match="merging"):
        lifecycle.close(ticket=ticket, reason="spam", merged_into=other)
    lifecycle.close(ticket=ticket, reason="duplicate", merged_into=other)
    assert ticket.merged_into == other and not lifecycle.can_reply(ticket)
    with pytest.raises(lifecycle.TransitionError, match="cannot be closed"):
        lifecycle.close(ticket=ticket, reason="spam")


@pytest.mark.django_db
def test_send_and_resolve_resolves_once_the_reply_is_out():
    ticket = make_ticket()
    Ticket.objects.filter(pk=ticket.pk).update(status=Ticket.Status.TRIAGED)
    ticket.refresh_from_db()
    lifecycle.reply_sent(ticket=ticket, wait_for_customer=False, at=timezone.now(), resolve=True)
    ticket.refresh_from_db()
    assert ticket.status == Ticket.Status.RESOLVED and ticket.first_response_at is not None
    # a follow-up on a resolved ticket keeps it resolved
    lifecycle.reply_sent(ticket=ticket, wait_for_customer=False, at=timezone.now())
    ticket.refresh_from_db()
    assert ticket.status == Ticket.Status.RESOLVED
