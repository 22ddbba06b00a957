"""SLA clocks: due times in the team's calendar (pausing while waiting on the customer is in
``triage.lifecycle``).

A team's calendar (``Team.business_hours``) is its working days, one or more shifts a day (split
shifts: the clock stops over lunch), a time zone and holidays (a date, or a day and month that
recurs every year). The clock runs only inside a shift of a working day that is not a holiday;
P1 runs around the clock. Stored as JSON::

    {"timezone": "Europe/Berlin", "days": [0, 1, 2, 3, 4],
     "shifts": [["09:00", "12:30"], ["13:30", "17:00"]],
     "holidays": [{"date": "2026-12-24", "yearly": false, "name": "Christmas Eve"},
                  {"date": "2026-12-25", "yearly": true, "name": "Christmas Day"}]}

(``"start"``/``"end"`` instead of ``"shifts"``: one shift, as teams stored it before.)
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.conf import settings

from triage.models import Team

MAX_DAYS_SCANNED = 400
DAY_NAMES = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_HHMM = re.compile(r"^([01]?\d|2[0-3]):([0-5]\d)$|^24:00$")


class CalendarError(ValueError):
    """A calendar that cannot be used; the message says what to fix."""


@dataclass(frozen=True)
class Holiday:
    day: date
    yearly: bool = False
    name: str = ""

    def falls_on(self, day: date) -> bool:
        if self.yearly:
            return (day.month, day.day) == (self.day.month, self.day.day)
        return day == self.day

    def as_json(self) -> dict:
        return {"date": self.day.isoformat(), "yearly": self.yearly, "name": self.name}


@dataclass(frozen=True)
class Calendar:
    zone: ZoneInfo
    days: frozenset[int]
    shifts: tuple[tuple[time, time], ...]  # ordered, not overlapping; time.max stands for 24:00
    holidays: tuple[Holiday, ...] = ()

    def holiday_on(self, day: date) -> Holiday | None:
        return next((h for h in self.holidays if h.falls_on(day)), None)

    def windows_on(self, day: date) -> list[tuple[datetime, datetime]]:
        """The day's shifts as UTC (start, end); none on a day off or a holiday."""
        if day.weekday() not in self.days or self.holiday_on(day) is not None:
            return []
        windows = []
        for start, end in self.shifts:
            opens = datetime.combine(day, start, tzinfo=self.zone).astimezone(UTC)
            closes = (
                datetime.combine(day + timedelta(days=1), time(0), tzinfo=self.zone)
                if end == time.max
                else datetime.combine(day, end, tzinfo=self.zone)
            ).astimezone(UTC)
            windows.append((opens, closes))
        return windows

    def next_opening(self, at: datetime) -> datetime | None:
        """None while a shift runs at ``at``; else when the next one starts."""
        day = at.astimezone(self.zone).date()
        for _ in range(MAX_DAYS_SCANNED):
            for opens, closes in self.windows_on(day):
                if opens <= at < closes:
                    return None
                if opens > at:
                    return opens
            day += timedelta(days=1)
        raise CalendarError("the calendar leaves no working time in the next year")

    def add(self, start: datetime, hours: float) -> datetime:
        """``start`` plus ``hours`` of working time."""
        remaining = timedelta(hours=hours)
        cursor = start.astimezone(UTC)
        day = start.astimezone(self.zone).date()
        for _ in range(MAX_DAYS_SCANNED):
            for opens, closes in self.windows_on(day):
                if closes <= cursor:
                    continue
                cursor = max(cursor, opens)
                available = closes - cursor
                if remaining <= available:
                    return cursor + remaining
                remaining -= available
                cursor = closes
            day += timedelta(days=1)
        raise CalendarError("the calendar leaves no working time in the next year")

    def as_json(self) -> dict:
        return {
            "timezone": self.zone.key,
            "days": sorted(self.days),
            "shifts": [[_hhmm(a), _hhmm(b)] for a, b in self.shifts],
            "holidays": [h.as_json() for h in self.holidays],
        }

    def describe(self) -> str:
        days = ", ".join(DAY_NAMES[d] for d in sorted(self.days))
        shifts = " and ".join(f"{_hhmm(a)}–{_hhmm(b)}" for a, b in self.shifts)
        return f"{days} {shifts} ({self.zone.key})"


def _hhmm(value: time) -> str:
    return "24:00" if value == time.max else value.strftime("%H:%M")


def _time(value: str) -> time:
    value = str(value).strip()
    if not _HHMM.match(value):
        raise CalendarError(f"{value!r} is not a time of day like 09:00 or 17:30")
    if value == "24:00":
        return time.max
    hours, minutes = value.split(":")
    return time(int(hours), int(minutes))


def parse_calendar(data: dict | None) -> Calendar | None:
    """The calendar stored on a team (None: the clock runs around the clock). Raises
    CalendarError for one that cannot be used."""
    if not data:
        return None
    if not isinstance(data, dict):
        raise CalendarError("business hours must be an object")
    name = data.get("timezone") or settings.TIME_ZONE
    try:
        zone = ZoneInfo(str(name))
    except (ZoneInfoNotFoundError, ValueError):
        raise CalendarError(f"unknown time zone {name!r} (use a name like Europe/Berlin)") from None
    try:
        days = frozenset(int(d) for d in data.get("days", [0, 1, 2, 3, 4]))
    except (TypeError, ValueError):
        raise CalendarError("working days are numbers from 0 (Monday) to 6 (Sunday)") from None
    if not days or not days <= set(range(7)):
        raise CalendarError("choose at least one working day, from 0 (Monday) to 6 (Sunday)")
    raw = data.get("shifts") or [[data.get("start", "09:00"), data.get("end", "17:00")]]
    try:
        shifts = sorted((_time(a), _time(b)) for a, b in raw)
    except (TypeError, ValueError) as exc:
        if isinstance(exc, CalendarError):
            raise
        raise CalendarError("each shift is a start and an end, like 09:00-12:30") from None
    for start, end in shifts:
        if end <= start:
            raise CalendarError(f"a shift ends before it starts ({_hhmm(start)}–{_hhmm(end)})")
    for (_, end), (start, _) in zip(shifts, shifts[1:], strict=False):
        if start < end:
            raise CalendarError(f"shifts overlap at {_hhmm(start)}")
    holidays = []
    for item in data.get("holidays", []):
        try:
            day = date.fromisoformat(str(item["date"]))
        except (KeyError, TypeError, ValueError):
            raise CalendarError(f"a holiday needs a date like 2026-12-25, not {item!r}") from None
        holidays.append(Holiday(day, bool(item.get("yearly")), str(item.get("name", ""))[:100]))
    return Calendar(zone=zone, days=days, shifts=tuple(shifts), holidays=tuple(holidays))


def add_business_hours(start: datetime, hours: float, business_hours: dict | None) -> datetime:
    """``start`` plus ``hours`` of working time; plain wall-clock time without a calendar."""
    calendar = parse_calendar(business_hours)
    if calendar is None:
        return start + timedelta(hours=hours)
    return calendar.add(start, hours)


def sla_due(*, team: Team, urgency: str, start: datetime) -> datetime:
    """P1 runs around the clock; other urgencies in the team's calendar when it has one."""
    hours = team.sla_for(urgency).total_seconds() / 3600
    return add_business_hours(start, hours, None if urgency == "P1" else team.business_hours)


def next_opening(team: Team, *, at: datetime) -> datetime | None:
    """When the team's clocks start again (None while they run, or with no calendar)."""
    calendar = parse_calendar(team.business_hours)
    return calendar.next_opening(at) if calendar is not None else None
