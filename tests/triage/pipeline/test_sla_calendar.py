"""SLA calendars: split shifts, time zones and holidays stop the clock; the board says when it
starts again. Every time here is fixed (a frozen clock): arrival times and "now" are given."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from tests.conftest import make_ticket
from triage.models import Classification, Team, Ticket
from triage.pipeline.route import route_ticket
from triage.pipeline.sla import CalendarError, add_business_hours, next_opening, parse_calendar

BERLIN = ZoneInfo("Europe/Berlin")
OFFICE = {
    "timezone": "Europe/Berlin",
    "days": [0, 1, 2, 3, 4],
    "shifts": [["09:00", "12:00"], ["13:00", "17:00"]],
    "holidays": [
        {"date": "2026-12-24", "yearly": False, "name": "Christmas Eve"},
        {"date": "2025-12-25", "yearly": True, "name": "Christmas Day"},
    ],
}


def at(*args: int) -> datetime:
    return datetime(*args, tzinfo=BERLIN)


def test_a_ticket_arriving_on_a_holiday_evening_is_due_at_the_next_opening_plus_the_sla():
    # Thursday 24 December 2026, 19:00: Christmas Eve, then Christmas Day (yearly), a weekend.
    due = add_business_hours(at(2026, 12, 24, 19, 0), 4, OFFICE)
    # Monday 28 December opens at 09:00; 3 hours to lunch, 1 hour after it.
    assert due == at(2026, 12, 28, 14, 0)


def test_split_shifts_pause_the_clock_over_lunch():
    assert add_business_hours(at(2026, 12, 1, 11, 0), 2, OFFICE) == at(2026, 12, 1, 14, 0)
    # Arriving during lunch, the clock starts at 13:00.
    assert add_business_hours(at(2026, 12, 1, 12, 30), 1, OFFICE) == at(2026, 12, 1, 14, 0)


def test_a_yearly_holiday_recurs_and_a_dated_one_does_not():
    calendar = parse_calendar(OFFICE)
    assert calendar.holiday_on(at(2027, 12, 25, 0, 0).date()).name == "Christmas Day"
    assert calendar.holiday_on(at(2030, 12, 25, 0, 0).date()) is not None
    assert calendar.holiday_on(at(2027, 12, 24, 0, 0).date()) is None  # dated 2026 only
    # Wednesday 25 December 2030 is closed: a ticket of the evening before is due Thursday.
    assert add_business_hours(at(2030, 12, 24, 18, 0), 1, OFFICE) == at(2030, 12, 26, 10, 0)


def test_the_clock_runs_in_the_teams_time_zone_across_a_daylight_saving_change():
    # Friday 27 March 2026, 16:00 Berlin; clocks go forward on Sunday 29 March.
    due = add_business_hours(at(2026, 3, 27, 16, 0), 2, OFFICE)
    assert due == at(2026, 3, 30, 10, 0)  # 08:00 UTC: summer time (not 09:00 UTC)
    assert due - at(2026, 3, 27, 16, 0) == timedelta(days=2, hours=17)


def test_the_next_opening_is_known_while_the_clock_is_stopped():
    calendar = parse_calendar(OFFICE)
    assert calendar.next_opening(at(2026, 12, 1, 10, 0)) is None  # open
    assert calendar.next_opening(at(2026, 12, 1, 12, 15)) == at(2026, 12, 1, 13, 0)
    assert calendar.next_opening(at(2026, 12, 24, 8, 0)) == at(2026, 12, 28, 9, 0)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"timezone": "Mars/Olympus"}, "unknown time zone"),
        ({"days": []}, "at least one working day"),
        ({"days": [7]}, "at least one working day"),
        ({"shifts": [["17:00", "09:00"]]}, "ends before it starts"),
        ({"shifts": [["09:00", "13:00"], ["12:00", "17:00"]]}, "overlap"),
        ({"shifts": [["9am", "5pm"]]}, "not a time of day"),
        ({"holidays": [{"date": "2026-02-30"}]}, "a holiday needs a date"),
    ],
)
def test_a_calendar_that_cannot_be_used_says_why(change, message):
    with pytest.raises(CalendarError, match=message):
        parse_calendar({**OFFICE, **change})


def test_routing_sets_the_due_time_from_the_teams_calendar(config):
    team = Team.objects.get(slug="billing")
    team.business_hours = OFFICE
    team.save()
    ticket = make_ticket(body="Where can I download last year's invoices?")
    Ticket.objects.filter(pk=ticket.pk).update(created_at=at(2026, 12, 24, 19, 0))
    ticket.refresh_from_db()
    classification = Classification.objects.create(
        ticket=ticket, urgency="P3", category="billing", sentiment="neutral", confidence=0.95
    )
    assessment = ticket.assessments.create(tier=0, reasons=[])
    routed = route_ticket(
        ticket=ticket, run=1, classification=classification, assessment=assessment
    )
    hours = team.sla_for("P3").total_seconds() / 3600
    assert routed.sla_due_at == add_business_hours(at(2026, 12, 28, 9, 0), hours, OFFICE)
    assert next_opening(team, at=at(2026, 12, 25, 10, 0)) == at(2026, 12, 28, 9, 0)
