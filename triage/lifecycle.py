"""Every ticket status transition, and the predicates views and templates ask.

Nothing else assigns ``Ticket.status``. Transitions take a ticket the caller has locked
(``select_for_update``) inside its transaction and save only the fields they change; they raise
``TransitionError`` when the ticket's current status does not allow the move.

    new / reopened ──claim──▶ (processing) ──finish──▶ triaged | in_review | escalated
    triaged / in_review / reopened ──reply sent──▶ sent | waiting_on_customer
    any open ──escalate──▶ escalated
    open ──wait──▶ waiting_on_customer ──customer replies / resume──▶ in_review
    sent / waiting / escalated / reopened ──resolve──▶ resolved
    sent / resolved ──customer replies──▶ reopened
    any open ──close (spam, not ours, duplicate merged)──▶ closed

Every move is recorded as a ``StatusChange`` (who, from, to, why): the ticket's history shows it.

The queue's read model (urgency, category, sentiment, confidence, tier, escalation and flag codes,
and the rank the queue is ordered by) is copied onto the ticket row so the queue never joins the
pipeline's history. It is owned here: every transition and every SLA change re-ranks the ticket,
and every writer of a classification, an assessment or a draft's flags refreshes it through
``refresh_read_model`` (``fresh_read_model`` computes it from scratch, for checking).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.utils import timezone

from triage.models import (
    Assessment,
    Classification,
    ClientEvent,
    Draft,
    StatusChange,
    Ticket,
)
from triage.models.tickets import QUEUE_STATUSES as QUEUE_STATUSES  # re-exported: pages ask it

Status = Ticket.Status

PROCESSABLE = (Status.NEW, Status.REOPENED)
RESOLVABLE = (Status.SENT, Status.WAITING_ON_CUSTOMER, Status.ESCALATED, Status.REOPENED)
FINISHED = (Status.RESOLVED, Status.CLOSED)


class TransitionError(ValueError):
    """The move is not allowed from the ticket's current status; the message says why."""


def claim_lease() -> timedelta:
    """How long a claim (a ticket in the pipeline, a reply being delivered) lasts without renewal.
    A live worker renews its claims every ``HEARTBEAT_SECONDS`` (``triage.leases``), so it never
    loses one, however slow; a dead worker's run out within this."""
    return timedelta(seconds=settings.CLAIM_LEASE_SECONDS)


def lock(ticket_id: int) -> Ticket:
    """The ticket's row, locked until the surrounding transaction ends (inside ``atomic``)."""
    return Ticket.objects.select_for_update(of=("self",)).get(pk=ticket_id)


# --- Predicates -----------------------------------------------------------------------------


def is_decidable(draft: Draft | None) -> bool:
    """A draft a reviewer can approve or reject: proposed, with text."""
    return draft is not None and draft.status == Draft.Status.PROPOSED and bool(draft.text)


def can_escalate(ticket: Ticket) -> bool:
    return ticket.status not in (Status.ESCALATED, *FINISHED)


def can_wait(ticket: Ticket) -> bool:
    return ticket.status not in (Status.WAITING_ON_CUSTOMER, *FINISHED)


def can_resume(ticket: Ticket) -> bool:
    return ticket.status == Status.WAITING_ON_CUSTOMER


def can_resolve(ticket: Ticket) -> bool:
    return ticket.status in RESOLVABLE


def can_reply(ticket: Ticket) -> bool:
    """An agent may write to the customer on any ticket the pipeline is done with and that is not
    closed (a resolved ticket can get a follow-up)."""
    return ticket.status not in (Status.NEW, Status.CLOSED)


def can_close(ticket: Ticket) -> bool:
    """Spam, not ours, or a duplicate: any ticket not already finished, once out of the
    pipeline."""
    return ticket.status not in (*FINISHED, Status.NEW)


class SlaFields(Protocol):
    """What shows_sla reads: a Ticket, or a read model's row of one."""

    sla_due_at: datetime | None
    first_response_at: datetime | None
    status: str


def shows_sla(ticket: SlaFields) -> bool:
    """The SLA clock matters until someone answered or the ticket is finished."""
    return (
        ticket.sla_due_at is not None
        and ticket.first_response_at is None
        and ticket.status not in FINISHED
    )


@dataclass(frozen=True)
class TicketActions:
    """What the ticket page may offer, asked once in the view so templates hold no status rules."""

    decidable: bool
    can_escalate: bool
    can_wait: bool
    can_resume: bool
    can_resolve: bool
    can_reply: bool
    can_close: bool


def actions_for(ticket: Ticket, draft: Draft | None) -> TicketActions:
    return TicketActions(
        decidable=is_decidable(draft) and can_reply(ticket),
        can_reply=can_reply(ticket),
        can_close=can_close(ticket),
        can_escalate=can_escalate(ticket),
        can_wait=can_wait(ticket),
        can_resume=can_resume(ticket),
        can_resolve=can_resolve(ticket),
    )


# --- The queue's read model -----------------------------------------------------------------

# The queue is ordered by SLA due time brought forward by these: an escalated P1 with two
# hours left comes before a calm P3 with one hour left.
RANK_ADVANCE_PER_TIER = timedelta(minutes=30)
RANK_ADVANCE_BY_URGENCY = {"P1": timedelta(hours=2), "P2": timedelta(minutes=30)}

READ_MODEL_FIELDS = [
    "urgency",
    "category",
    "sentiment",
    "confidence",
    "tier",
    "escalation_codes",
    "flag_codes",
    "queue_rank_at",
]


def queue_rank(ticket: Ticket) -> datetime | None:
    """Where the ticket stands in the queue: its SLA due time, brought forward for its tier and
    urgency; None (not in the queue's order) without a due time."""
    if ticket.sla_due_at is None:
        return None
    return (
        ticket.sla_due_at
        - RANK_ADVANCE_PER_TIER * (ticket.tier or 0)
        - RANK_ADVANCE_BY_URGENCY.get(ticket.urgency, timedelta(0))
    )


def flag_codes(draft: Draft | None) -> list[str]:
    """The distinct codes of a draft's flags (guard flags and engine notes), sorted."""
    if draft is None:
        return []
    return sorted({f.get("code", "") for f in draft.guard_flags if isinstance(f, dict)} - {""})


def refresh_read_model(
    *,
    ticket: Ticket,
    classification: Classification | None = None,
    assessment: Assessment | None = None,
    draft: Draft | None = None,
) -> list[str]:
    """Copy what the queue filters and sorts on from the given classification, assessment and
    draft onto the ticket row, and re-rank it; returns the fields to save (not saved here)."""
    if classification is not None:
        ticket.urgency, ticket.category, ticket.sentiment = (
            classification.urgency,
            classification.category,
            classification.sentiment,
        )
        ticket.confidence = classification.confidence
    if assessment is not None:
        ticket.tier = assessment.tier
        ticket.escalation_codes = sorted({r["code"] for r in assessment.reasons})
    if draft is not None:
        ticket.flag_codes = flag_codes(draft)
    ticket.queue_rank_at = queue_rank(ticket)
    return READ_MODEL_FIELDS


def save_flag_codes(*, ticket_id: int, draft: Draft) -> None:
    """A writer of a draft's flags (the guard stage, a re-check) refreshes the queue's badge."""
    Ticket.objects.filter(pk=ticket_id).update(flag_codes=flag_codes(draft))


def fresh_read_model(ticket: Ticket) -> dict:
    """The read model computed from scratch from the ticket's latest classification, assessment
    and draft and its SLA due time: what the row must hold once the pipeline has routed it."""
    classification = ticket.classifications.first()
    assessment = ticket.assessments.first()
    draft = ticket.drafts.first()
    probe = Ticket(
        sla_due_at=ticket.sla_due_at,
        urgency=classification.urgency if classification else "",
        tier=assessment.tier if assessment else None,
    )
    return {
        "urgency": classification.urgency if classification else "",
        "category": classification.category if classification else "",
        "sentiment": classification.sentiment if classification else "",
        "confidence": classification.confidence if classification else None,
        "tier": assessment.tier if assessment else None,
        "escalation_codes": sorted({r["code"] for r in assessment.reasons}) if assessment else [],
        "flag_codes": flag_codes(draft),
        "queue_rank_at": queue_rank(probe),
    }


# --- Transitions ------------------------------------------------------------------------------


def claim_for_processing(
    *, ticket_id: int, now: datetime | None = None
) -> tuple[Ticket, int] | None:
    """Take a ticket that waits for the pipeline: (ticket, run number), or None when there is
    nothing to do.

    A ticket another worker holds (its lease has not run out) is left alone. A fresh claim
    starts a new run; a claim taken over from a dead worker continues its run, so the stages
    it committed are not repeated. Commits at once: the pipeline runs outside any transaction.
    """
    now = now or timezone.now()
    with transaction.atomic():
        ticket = (
            Ticket.objects.select_for_update(skip_locked=True, of=("self",))
            .filter(pk=ticket_id, status__in=PROCESSABLE)
            .select_related("customer")
            .first()
        )
        if ticket is None:
            return None
        if ticket.claimed_until is not None and ticket.claimed_until > now:
            return None
        if ticket.claimed_until is None:
            ticket.pipeline_run += 1
        ticket.claimed_until = now + claim_lease()
        ticket.save(update_fields=["pipeline_run", "claimed_until", "updated_at"])
    return ticket, ticket.pipeline_run


def claim_ready(
    *, limit: int, first_id: int | None = None, now: datetime | None = None
) -> list[tuple[Ticket, int]]:
    """Take up to ``limit`` tickets for one batch: ``first_id`` as ``claim_for_processing`` would
    take it, then the fresh tickets that wait longest (new or reopened, never claimed in their
    current run), each under its row lock, skipping rows another worker holds. One transaction,
    committed at once. When ``first_id`` is named but not there to take (done, or another worker
    holds it), nothing is taken: its task was a hint that is already acted on.

    A ticket whose run failed half-way (its claim released) is left to its own task's retry or to
    the recovery sweep, never to another batch, so one bad ticket costs its own retries only.
    """
    now = now or timezone.now()
    with transaction.atomic():
        ready = Ticket.objects.select_for_update(skip_locked=True, of=("self",)).filter(
            status__in=PROCESSABLE
        )
        tickets: list[Ticket] = []
        if first_id is not None:
            first = ready.filter(pk=first_id).select_related("customer").first()
            if first is None or (first.claimed_until is not None and first.claimed_until > now):
                return []
            tickets.append(first)
        if len(tickets) < limit:
            tickets += list(
                ready.filter(claimed_until__isnull=True)
                .exclude(pk__in=[t.pk for t in tickets])
                .select_related("customer")
                .order_by("queued_at", "pk")[: limit - len(tickets)]
            )
        for ticket in tickets:
            if ticket.claimed_until is None:
                ticket.pipeline_run += 1
            ticket.claimed_until = now + claim_lease()
            ticket.updated_at = now
        if tickets:
            Ticket.objects.bulk_update(tickets, ["pipeline_run", "claimed_until", "updated_at"])
    return [(ticket, ticket.pipeline_run) for ticket in tickets]


def release_claim(*, ticket_id: int) -> None:
    """Let the next attempt take the ticket at once (after a failure); it continues the same run.
    The failed task's own retry is on its way, so the ticket counts as queued now: the recovery
    sweep leaves it to that retry (and takes over only if the retry is lost)."""
    now = timezone.now()
    Ticket.objects.filter(pk=ticket_id, claimed_until__isnull=False).update(
        claimed_until=now, queued_at=now
    )


def finish_processing(*, ticket_id: int, tier: int, has_draft: bool) -> Ticket:
    """The pipeline is done: escalated (tier 3), in review (a draft waits) or triaged (no draft);
    the claim ends."""
    with transaction.atomic():
        ticket = lock(ticket_id)
        if ticket.status not in PROCESSABLE:
            raise TransitionError(
                f"ticket {ticket.pk} is {ticket.status}, not waiting for processing"
            )
        _finish(ticket, tier=tier, has_draft=has_draft)
    return ticket


def _finish(ticket: Ticket, *, tier: int, has_draft: bool) -> None:
    if tier >= 3:
        to, note = Status.ESCALATED, "tier 3 from the pipeline"
    elif has_draft:
        to, note = Status.IN_REVIEW, "a draft waits for review"
    else:
        to, note = Status.TRIAGED, "no draft"
    ticket.claimed_until = None
    _move(ticket, to, "claimed_until", note=note)


def customer_replied(*, ticket: Ticket) -> None:
    """A new inbound message: waiting resumes review (SLA moved by the wait), answered tickets
    reopen."""
    if ticket.status == Status.WAITING_ON_CUSTOMER:
        _resume_sla(ticket)
        _move(ticket, Status.IN_REVIEW, "sla_due_at", "sla_paused_at", note="the customer replied")
    elif ticket.status in (Status.SENT, Status.RESOLVED):
        ticket.reopen_count += 1
        _move(ticket, Status.REOPENED, "reopen_count", note="the customer replied")


def reply_sent(
    *, ticket: Ticket, wait_for_customer: bool, at: datetime, resolve: bool = False
) -> None:
    """A reply reached the customer: the first response is stamped; a question pauses the SLA;
    "send and resolve" resolves."""
    if ticket.first_response_at is None:
        ticket.first_response_at = at
    fields = ("first_response_at", "sla_paused_at")
    if ticket.status == Status.CLOSED:
        ticket.save(update_fields=[*fields, "updated_at"])
    elif resolve:
        _move(ticket, Status.RESOLVED, *fields, note="reply sent, resolved")
    elif wait_for_customer:
        _pause_sla(ticket)
        _move(ticket, Status.WAITING_ON_CUSTOMER, *fields, note="reply sent, waiting on customer")
    elif ticket.status == Status.RESOLVED:
        ticket.save(update_fields=[*fields, "updated_at"])
    else:
        _move(ticket, Status.SENT, *fields, note="reply sent")


def reply_accepted(*, ticket: Ticket, wait_for_customer: bool) -> None:
    """A reply was accepted for delivery: a question to the customer pauses the SLA now, not
    when the outbox gets it out (the team has answered; the clock is the customer's)."""
    if wait_for_customer and ticket.sla_paused_at is None and ticket.status in QUEUE_STATUSES:
        _pause_sla(ticket)
        ticket.queue_rank_at = queue_rank(ticket)
        ticket.save(update_fields=["sla_paused_at", "queue_rank_at", "updated_at"])


def reply_undelivered(*, ticket: Ticket) -> None:
    """A reply's tries ran out: a pause it started ends, and the clock runs on from where it
    stopped (the customer is still waiting on us)."""
    if ticket.sla_paused_at is not None and ticket.status != Status.WAITING_ON_CUSTOMER:
        _resume_sla(ticket)
        ticket.queue_rank_at = queue_rank(ticket)
        ticket.save(update_fields=["sla_due_at", "sla_paused_at", "queue_rank_at", "updated_at"])


def escalate(*, ticket: Ticket, by: AbstractBaseUser | None = None, note: str = "") -> None:
    if not can_escalate(ticket):
        raise TransitionError(
            f"a ticket that is {ticket.get_status_display().lower()} cannot be escalated"
        )
    _move(ticket, Status.ESCALATED, "team", "reviewer", by=by, note=note)


def wait_on_customer(*, ticket: Ticket, by: AbstractBaseUser | None = None) -> None:
    if not can_wait(ticket):
        raise TransitionError(
            f"a ticket that is {ticket.get_status_display().lower()} cannot wait on the customer"
        )
    _pause_sla(ticket)
    _move(ticket, Status.WAITING_ON_CUSTOMER, "sla_paused_at", by=by)


def resume(*, ticket: Ticket, by: AbstractBaseUser | None = None) -> None:
    if not can_resume(ticket):
        raise TransitionError("only a ticket waiting on the customer can be resumed")
    _resume_sla(ticket)
    _move(ticket, Status.IN_REVIEW, "sla_due_at", "sla_paused_at", by=by)


def resolve(*, ticket: Ticket, by: AbstractBaseUser | None = None) -> None:
    if not can_resolve(ticket):
        raise TransitionError("only a ticket that was answered or escalated can be resolved")
    _move(ticket, Status.RESOLVED, by=by)


def close(
    *,
    ticket: Ticket,
    reason: str,
    by: AbstractBaseUser | None = None,
    merged_into: Ticket | None = None,
) -> None:
    """Close without a reply: spam, not ours / no action needed, or a duplicate merged into
    ``merged_into``. Closed tickets leave every queue, pause nothing and never become knowledge."""
    if reason not in Ticket.CloseReason.values:
        raise TransitionError(f"unknown close reason {reason!r}")
    if not can_close(ticket):
        raise TransitionError(
            f"a ticket that is {ticket.get_status_display().lower()} cannot be closed"
        )
    if (reason == Ticket.CloseReason.DUPLICATE) != (merged_into is not None):
        raise TransitionError("a duplicate is closed by merging it into another ticket")
    ticket.close_reason = reason
    ticket.merged_into = merged_into
    note = f"merged into #{merged_into.pk}" if merged_into else Ticket.CloseReason(reason).label
    _move(ticket, Status.CLOSED, "close_reason", "merged_into", by=by, note=note)


def _move(
    ticket: Ticket,
    to: str,
    *fields: str,
    by: AbstractBaseUser | None = None,
    note: str = "",
) -> None:
    """Set the status, save it with ``fields`` and the queue rank (the SLA may have moved), and
    record the change."""
    before = ticket.status
    ticket.status = to
    ticket.queue_rank_at = queue_rank(ticket)
    ticket.save(update_fields=["status", *fields, "queue_rank_at", "updated_at"])
    if before != to:
        StatusChange.objects.create(
            ticket=ticket, from_status=before, to_status=to, by=by, note=note[:300]
        )
        _owe_client_event(ticket, before, to)


def _owe_client_event(ticket: Ticket, before: str, to: str) -> None:
    """An API client that asked for status changes is owed one for its ticket (written here, in
    the same transaction; a worker delivers it, ``triage.review.outbound``)."""
    client = ticket.api_client if ticket.api_client_id else None
    if client is None or not (client.active and client.status_events and client.reply_webhook_url):
        return
    ClientEvent.objects.create(
        client=client,
        ticket=ticket,
        kind="ticket.status_changed",
        data={"status": {"from": before, "to": to}},
    )


def _pause_sla(ticket: Ticket) -> None:
    if ticket.sla_paused_at is None:
        ticket.sla_paused_at = timezone.now()


def _resume_sla(ticket: Ticket) -> None:
    """Move the due time by the time spent waiting on the customer."""
    if ticket.sla_paused_at is not None:
        if ticket.sla_due_at is not None:
            ticket.sla_due_at += timezone.now() - ticket.sla_paused_at
        ticket.sla_paused_at = None
