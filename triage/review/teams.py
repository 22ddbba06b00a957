"""What leads set on their teams: the SLA calendar (saved, and the running clocks of the team's
open tickets re-timed to it; ``triage.pipeline.sla`` holds the calendar arithmetic) and the cap on
any one reviewer's share of the hardest tickets (``triage.pipeline.route.choose_reviewer``)."""

from __future__ import annotations

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.utils import timezone

from triage import lifecycle
from triage.models import Team, Ticket
from triage.pipeline.sla import parse_calendar, sla_due


def set_calendar(*, team: Team, business_hours: dict | None, user: AbstractBaseUser) -> int:
    """Save ``business_hours`` (None: the clock runs around the clock) and re-time every open,
    unanswered ticket of the team whose clock runs (not paused, not yet due) from its arrival.
    Returns how many were re-timed. Raises CalendarError for a calendar that cannot be used."""
    calendar = parse_calendar(business_hours)
    now = timezone.now()
    with transaction.atomic():
        team = Team.objects.select_for_update().get(pk=team.pk)
        team.business_hours = calendar.as_json() if calendar is not None else None
        team.save(update_fields=["business_hours"])
        running = Ticket.objects.select_for_update().filter(
            team=team,
            status__in=Ticket.OPEN_STATUSES,
            first_response_at__isnull=True,
            sla_paused_at__isnull=True,
            sla_due_at__gt=now,
        )
        retimed = 0
        for ticket in running:
            due = sla_due(team=team, urgency=ticket.urgency or "P3", start=ticket.created_at)
            if due != ticket.sla_due_at:
                ticket.sla_due_at = due
                fields = lifecycle.refresh_read_model(ticket=ticket)
                ticket.save(update_fields=["sla_due_at", "updated_at", *fields])
                retimed += 1
    return retimed


def set_hard_share_cap(*, team: Team, cap: float | None) -> Team:
    """Cap any one reviewer's share of the team's open hardest tickets (0 < cap <= 1), or remove
    the cap (None)."""
    if cap is not None and not 0 < cap <= 1:
        raise ValueError("the cap is a share above 0 and at most 1")
    team.hard_share_cap = cap
    team.save(update_fields=["hard_share_cap"])  # a routing change: its version moves on
    return team
