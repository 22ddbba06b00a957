"""Leads edit their teams' business hours, shifts, time zone and holidays in the app; the SLA
board says when stopped clocks start again."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.utils import timezone

from dashboard import selectors
from tests.conftest import make_ticket
from triage.models import Team, Ticket
from triage.pipeline.sla import add_business_hours

FORM = {
    "days": ["0", "1", "2", "3", "4"],
    "shifts": "09:00-12:00, 13:00-17:00",
    "timezone": "Europe/Berlin",
    "holidays": "2026-12-24 Christmas Eve\n2025-12-25 yearly Christmas Day",
}


def test_a_lead_saves_split_shifts_and_holidays_and_running_clocks_follow(client, people):
    team = Team.objects.get(slug="billing")
    ticket = make_ticket(body="Where are my invoices?")
    created = timezone.now() - timedelta(minutes=5)
    Ticket.objects.filter(pk=ticket.pk).update(
        team=team,
        urgency="P3",
        status=Ticket.Status.IN_REVIEW,
        created_at=created,
        sla_due_at=created + timedelta(days=30),
    )
    client.force_login(people["lead"])
    page = client.post(f"/sla/calendars/{team.pk}/", FORM, follow=True).content.decode()
    assert "Hours of Billing saved; 1 running SLA clock re-timed." in page
    team.refresh_from_db()
    assert team.business_hours == {
        "timezone": "Europe/Berlin",
        "days": [0, 1, 2, 3, 4],
        "shifts": [["09:00", "12:00"], ["13:00", "17:00"]],
        "holidays": [
            {"date": "2026-12-24", "yearly": False, "name": "Christmas Eve"},
            {"date": "2025-12-25", "yearly": True, "name": "Christmas Day"},
        ],
    }
    hours = team.sla_for("P3").total_seconds() / 3600
    assert Ticket.objects.get(pk=ticket.pk).sla_due_at == add_business_hours(
        created, hours, team.business_hours
    )
    assert "Mon, Tue, Wed, Thu, Fri 09:00–12:00 and 13:00–17:00 (Europe/Berlin)" in page
    assert "2025-12-25 yearly Christmas Day" in page  # the form shows what was saved


def test_hours_that_cannot_be_used_are_refused_with_the_reason(client, people):
    team = Team.objects.get(slug="billing")
    before = team.business_hours
    client.force_login(people["lead"])
    for change, reason in (
        ({"shifts": "09:00-13:00, 12:00-17:00"}, "Shifts overlap at 12:00."),
        ({"timezone": "Mars/Olympus"}, "Unknown time zone"),
        ({"holidays": "Christmas"}, "Write each holiday as a date"),
        ({"shifts": "nine to five"}, "Write each shift as start-end"),
    ):
        response = client.post(f"/sla/calendars/{team.pk}/", {**FORM, **change})
        assert response.status_code == 422 and reason in response.content.decode(), change
    team.refresh_from_db()
    assert team.business_hours == before


def test_around_the_clock_removes_the_calendar(client, people):
    team = Team.objects.get(slug="technical")
    client.force_login(people["lead"])
    client.post(f"/sla/calendars/{team.pk}/", {"around_the_clock": "on"})
    team.refresh_from_db()
    assert team.business_hours is None


def test_only_leads_of_the_team_and_admins_edit_its_hours(client, people):
    account = Team.objects.get(slug="account")  # the lead leads billing and technical only
    client.force_login(people["lead"])
    assert client.post(f"/sla/calendars/{account.pk}/", FORM).status_code == 404
    assert "calendar-account" not in client.get("/sla/calendars/").content.decode()
    client.force_login(people["agent"])
    assert client.get("/sla/calendars/").status_code == 404
    client.force_login(people["admin"])
    assert client.post(f"/sla/calendars/{account.pk}/", FORM).status_code == 302


def test_the_board_shows_when_stopped_clocks_start_again(client, people):
    team = Team.objects.get(slug="billing")
    zone = ZoneInfo("Europe/Berlin")
    today = timezone.localtime(timezone.now(), zone).date()
    team.business_hours = {
        "timezone": "Europe/Berlin",
        "days": list(range(7)),
        "shifts": [["08:00", "18:00"]],
        "holidays": [{"date": today.isoformat(), "yearly": False, "name": "Founders' Day"}],
    }
    team.save()
    board = next(b for b in selectors.sla_board(user=people["lead"]) if b.team == team)
    assert board.opens_at == datetime.combine(today + timedelta(days=1), time(8), tzinfo=zone)
    assert board.closed_for == "Founders' Day"
    client.force_login(people["lead"])
    page = client.get("/sla/").content.decode()
    assert "Clocks stopped (Founders&#x27; Day) until" in page
