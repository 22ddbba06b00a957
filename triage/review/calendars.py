"""A team's SLA calendar changed by a lead: saved, and the running clocks of its open tickets
re-timed to it (``triage.pipeline.sla`` holds the calendar arithmetic)."""

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
