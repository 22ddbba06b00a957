"""What agents and leads do to a ticket besides deciding on a draft: wait, resume, resolve,
reassign, record an action."""

from __future__ import annotations

from decimal import Decimal

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction

from triage import lifecycle
from triage.models import Team, Ticket, TicketAction
from triage.pipeline.guard import recheck_open_draft
from triage.review.decisions import ReviewError
from triage.review.feedback import learn_from_ticket


def do_wait_on_customer(*, ticket: Ticket) -> Ticket:
    """Pause the SLA until the customer answers."""
    with transaction.atomic():
        ticket = lifecycle.lock(ticket.pk)
        try:
            lifecycle.wait_on_customer(ticket=ticket)
        except lifecycle.TransitionError as exc:
            raise ReviewError(str(exc)) from None
    return ticket


def do_resume(*, ticket: Ticket) -> Ticket:
    """The customer answered outside the helpdesk: back to review, the SLA moved by the wait."""
    with transaction.atomic():
        ticket = lifecycle.lock(ticket.pk)
        try:
            lifecycle.resume(ticket=ticket)
        except lifecycle.TransitionError as exc:
            raise ReviewError(str(exc)) from None
    return ticket


def do_resolve(*, ticket: Ticket) -> Ticket:
    """Close the case; an approved reply becomes knowledge (the feedback loop)."""
    with transaction.atomic():
        ticket = lifecycle.lock(ticket.pk)
        try:
            lifecycle.resolve(ticket=ticket)
        except lifecycle.TransitionError as exc:
            raise ReviewError(str(exc)) from None
    learn_from_ticket(ticket=ticket)
    return ticket


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


def do_reassign(*, ticket: Ticket, team: Team, reviewer: AbstractBaseUser | None) -> Ticket:
    if reviewer is not None and not team.members.filter(pk=reviewer.pk).exists():
        raise ReviewError(f"{reviewer.get_username()} is not a member of {team.name}")
    with transaction.atomic():
        ticket = lifecycle.lock(ticket.pk)
        ticket.team, ticket.reviewer = team, reviewer
        ticket.save(update_fields=["team", "reviewer", "updated_at"])
    return ticket
