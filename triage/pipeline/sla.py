"""SLA clocks: due times in the team's business hours (pausing while waiting on the customer is in
``triage.lifecycle``)."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings

from triage.models import Team

MAX_DAYS_SCANNED = 400


def _parse_hhmm(value: str) -> tuple[int, int]:
    hours, minutes = value.split(":")
    return int(hours), int(minutes)


def add_business_hours(start: datetime, hours: float, business_hours: dict | None) -> datetime:
    """``start`` plus ``hours`` of working time; plain wall-clock time without business hours."""
    if not business_hours:
        return start + timedelta(hours=hours)
    zone = ZoneInfo(business_hours.get("timezone") or settings.TIME_ZONE)
    days = set(business_hours.get("days", [0, 1, 2, 3, 4]))
    open_h, open_m = _parse_hhmm(business_hours.get("start", "09:00"))
    close_h, close_m = _parse_hhmm(business_hours.get("end", "17:00"))
    remaining = timedelta(hours=hours)
    cursor = start.astimezone(zone)
    for _ in range(MAX_DAYS_SCANNED):
        if cursor.weekday() in days:
            window_open = cursor.replace(hour=open_h, minute=open_m, second=0, microsecond=0)
            window_close = cursor.replace(hour=close_h, minute=close_m, second=0, microsecond=0)
            cursor = max(cursor, window_open)
            if cursor < window_close:
                available = window_close - cursor
                if remaining <= available:
                    return cursor + remaining
                remaining -= available
        cursor = (cursor + timedelta(days=1)).replace(hour=0, minute=0, second=0, microsecond=0)
    raise ValueError("business hours leave no working time in the next year")


def sla_due(*, team: Team, urgency: str, start: datetime) -> datetime:
    """P1 runs around the clock; other urgencies in the team's business hours when it has them."""
    hours = team.sla_for(urgency).total_seconds() / 3600
    return add_business_hours(start, hours, None if urgency == "P1" else team.business_hours)
