"""What agents and leads do to a ticket besides replying or deciding on a draft: wait, resume,
resolve, close (spam, not ours) or merge a duplicate, write an internal note, reassign, record an
action."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.utils import timezone

from triage import lifecycle, queueing, search
from triage.models import Draft, Message, Note, Outbound, PiiVault, Team, Ticket, TicketAction
from triage.pipeline.guard import recheck_open_draft
from triage.review.decisions import ReviewError
from triage.review.feedback import learn_from_ticket
from triage.text.pii import mask_pii

MAX_NOTE_CHARS = 10_000
NOTE_DEDUP = timedelta(minutes=2)


def do_wait_on_customer(*, ticket: Ticket, user: AbstractBaseUser | None = None) -> Ticket:
    """Pause the SLA until the customer answers."""
    with transaction.atomic():
        ticket = lifecycle.lock(ticket.pk)
        try:
            lifecycle.wait_on_customer(ticket=ticket, by=user)
        except lifecycle.TransitionError as exc:
            raise ReviewError(str(exc)) from None
    return ticket


def do_resume(*, ticket: Ticket, user: AbstractBaseUser | None = None) -> Ticket:
    """The customer answered outside the helpdesk: back to review, the SLA moved by the wait."""
    with transaction.atomic():
        ticket = lifecycle.lock(ticket.pk)
        try:
            lifecycle.resume(ticket=ticket, by=user)
        except lifecycle.TransitionError as exc:
            raise ReviewError(str(exc)) from None
    return ticket


def do_resolve(*, ticket: Ticket, user: AbstractBaseUser | None = None) -> Ticket:
    """Close the case; an approved reply becomes knowledge (the feedback loop)."""
    with transaction.atomic():
        ticket = lifecycle.lock(ticket.pk)
        try:
            lifecycle.resolve(ticket=ticket, by=user)
        except lifecycle.TransitionError as exc:
            raise ReviewError(str(exc)) from None
    learn_from_ticket(ticket=ticket)
    return ticket


def do_close(*, ticket: Ticket, user: AbstractBaseUser, reason: str) -> Ticket:
    """Close without a reply (spam, not ours / no action needed). An open draft is superseded;
    nothing is sent and nothing is learnt."""
    if reason == Ticket.CloseReason.DUPLICATE:
        raise ReviewError("a duplicate is closed by merging it into the other ticket")
    with transaction.atomic():
        ticket = lifecycle.lock(ticket.pk)
        _check_nothing_in_flight(ticket)
        try:
            lifecycle.close(ticket=ticket, reason=reason, by=user)
        except lifecycle.TransitionError as exc:
            raise ReviewError(str(exc)) from None
        ticket.drafts.filter(status=Draft.Status.PROPOSED).update(status=Draft.Status.SUPERSEDED)
    return ticket


def merge_candidates(*, ticket: Ticket, limit: int = 10) -> list[Ticket]:
    """The same customer's other tickets a duplicate can be merged into, newest first."""
    if ticket.customer_id is None:
        return []
    return list(
        Ticket.objects.filter(customer_id=ticket.customer_id)
        .exclude(pk=ticket.pk)
        .exclude(status=Ticket.Status.CLOSED)
        .order_by("-created_at")[:limit]
    )


def do_merge(*, ticket: Ticket, into_id: int, user: AbstractBaseUser) -> Ticket:
    """Merge a duplicate into another ticket of the same customer: its messages move (masked
    again with the target's placeholders), its notes move, and it closes with a link. The
    target reopens if it had been answered, and is then queued for the pipeline. Returns the
    target."""
    if into_id == ticket.pk:
        raise ReviewError("a ticket cannot be merged into itself")
    with transaction.atomic():
        # Lock both in id order: two agents merging the pair both ways cannot deadlock.
        locked = {
            t.pk: t
            for t in Ticket.objects.select_for_update(of=("self",))
            .filter(pk__in=[ticket.pk, into_id])
            .order_by("pk")
        }
        duplicate, target = locked.get(ticket.pk), locked.get(into_id)
        if duplicate is None or target is None:
            raise ReviewError(f"there is no ticket #{into_id}")
        if duplicate.customer_id is None or duplicate.customer_id != target.customer_id:
            raise ReviewError(f"#{into_id} belongs to another customer; merge only their own")
        if target.status == Ticket.Status.CLOSED:
            raise ReviewError(f"#{into_id} is closed; merge into an open ticket")
        _check_nothing_in_flight(duplicate)
        try:
            lifecycle.close(
                ticket=duplicate, reason=Ticket.CloseReason.DUPLICATE, by=user, merged_into=target
            )
        except lifecycle.TransitionError as exc:
            raise ReviewError(str(exc)) from None
        duplicate.drafts.filter(status=Draft.Status.PROPOSED).update(status=Draft.Status.SUPERSEDED)
        _move_messages(duplicate, target)
        Note.objects.filter(ticket=duplicate).update(ticket=target)
        Note.objects.create(
            ticket=target,
            author=user,
            body=f"Merged #{duplicate.pk} ({duplicate.title}) into this ticket.",
        )
        lifecycle.customer_replied(ticket=target)
        search.refresh_documents([duplicate.pk, target.pk])
        if target.status in lifecycle.PROCESSABLE:
            queueing.enqueue_ticket(ticket_id=target.pk)
    return target


def _move_messages(duplicate: Ticket, target: Ticket) -> None:
    vault, _ = PiiVault.objects.get_or_create(ticket=target)
    mapping = vault.mapping
    messages = list(Message.objects.filter(ticket=duplicate))
    for message in messages:
        masked = mask_pii(message.body, mapping)
        mapping = masked.mapping
        message.ticket, message.masked_body = target, masked.text
    Message.objects.bulk_update(messages, ["ticket", "masked_body"])
    if mapping != vault.mapping:
        vault.mapping = mapping
        vault.save(update_fields=["mapping"])


def _check_nothing_in_flight(ticket: Ticket) -> None:
    if ticket.outbounds.filter(status__in=Outbound.IN_FLIGHT).exists():
        raise ReviewError("a reply to this ticket is still on its way; wait until it is sent")


def do_add_note(*, ticket: Ticket, user: AbstractBaseUser, body: str) -> Note:
    """An internal note for the team and the handoff: never sent, never learnt from."""
    body = body.strip()[:MAX_NOTE_CHARS]
    if not body:
        raise ReviewError("the note is empty")
    with transaction.atomic():
        ticket = lifecycle.lock(ticket.pk)
        # A double submit of the same note stores it once.
        last = ticket.notes.filter(author=user).order_by("-created_at", "-pk").first()
        if last is not None and last.body == body and timezone.now() - last.created_at < NOTE_DEDUP:
            return last
        return Note.objects.create(ticket=ticket, author=user, body=body)


def do_record_action(
    *,
    ticket: Ticket,
    user: AbstractBaseUser,
    kind: str,
    note: str = "",
    amount: Decimal | None = None,
    currency: str = "",
) -> TicketAction:
    """Record what was actually done, then re-check the open draft's claims against the actions."""
    if kind not in TicketAction.Kind.values:
        raise ReviewError(f"unknown action {kind!r}")
    action = TicketAction.objects.create(
        ticket=ticket, kind=kind, note=note, amount=amount, currency=currency.upper()[:3], by=user
    )
    recheck_open_draft(ticket=ticket)
    return action


def check_member(*, team: Team, reviewer: AbstractBaseUser | None) -> None:
    """A ticket goes to a team's own member (or to nobody in it)."""
    if reviewer is not None and not team.members.filter(pk=reviewer.pk).exists():
        raise ReviewError(f"{reviewer.get_username()} is not a member of {team.name}.")


def do_reassign(*, ticket: Ticket, team: Team, reviewer: AbstractBaseUser | None) -> Ticket:
    check_member(team=team, reviewer=reviewer)
    with transaction.atomic():
        ticket = lifecycle.lock(ticket.pk)
        ticket.team, ticket.reviewer = team, reviewer
        ticket.assigned_by_hand = True
        ticket.save(update_fields=["team", "reviewer", "assigned_by_hand", "updated_at"])
    return ticket
