"""Trends: the metrics per day or week, as SVG line charts and CSV, computed as the test computes
them by hand."""

from __future__ import annotations

import csv
import io
from datetime import date, datetime, timedelta

from django.utils import timezone

from dashboard import metrics
from dashboard.charts import line_chart
from tests.conftest import make_ticket
from triage.models import Review, SatisfactionRating, Ticket


def at(day: int, hour: int = 10) -> datetime:
    return timezone.make_aware(datetime(2026, 11, day, hour, 0))


def ticket_on(day: int, channel: str, *, answered_after: int | None, due_after: int = 60):
    ticket = make_ticket(body=f"question {day} {channel}")
    Ticket.objects.filter(pk=ticket.pk).update(
        created_at=at(day),
        channel=channel,
        first_response_at=at(day) + timedelta(minutes=answered_after)
        if answered_after is not None
        else None,
        sla_due_at=at(day) + timedelta(minutes=due_after),
    )
    return Ticket.objects.get(pk=ticket.pk)


def review(ticket: Ticket, decision: str, distance: float = 0.0, *, auto: bool = False) -> Review:
    return Review.objects.create(
        ticket=ticket,
        decision=decision,
        edit_distance=distance,
        auto_sent=auto,
        created_at=ticket.created_at + timedelta(minutes=5),
    )


def test_trends_per_day_match_the_tickets_decisions_and_ratings(config):
    a = ticket_on(2, "email", answered_after=30)  # within the SLA
    b = ticket_on(2, "chat", answered_after=90)  # late
    c = ticket_on(2, "email", answered_after=None)  # its due time has passed: missed
    d = ticket_on(4, "api", answered_after=10)
    review(a, "approved_unchanged", auto=True)
    review(b, "approved_edited", 0.4)
    review(c, "rejected")
    review(d, "written")
    rated = review(d, "approved_edited", 0.2)
    SatisfactionRating.objects.create(
        ticket=d, review=rated, nonce="x", score=5, rated_at=at(4, 12)
    )
    SatisfactionRating.objects.create(
        ticket=a, review=rated, nonce="y", score=2, rated_at=at(4, 13)
    )
    points = metrics.trends(start=at(2, 0), end=at(5, 0), step="day")
    assert [p.start for p in points] == [date(2026, 11, 2), date(2026, 11, 3), date(2026, 11, 4)]
    first, empty, third = points
    assert (first.tickets, first.by_channel) == (3, {"email": 2, "chat": 1})
    assert first.median_first_response_minutes == 60  # of 30 and 90
    assert first.sla_attainment == 1 / 3
    assert first.acceptance == 2 / 3 and first.mean_edit_distance == 0.2
    assert first.auto_sent_share == 1 / 2  # of the two replies that went out
    assert (empty.tickets, empty.acceptance, empty.csat, empty.sla_attainment) == (
        0,
        None,
        None,
        None,
    )
    assert (third.csat, third.ratings) == (0.5, 2)
    assert third.auto_sent_share == 0.0 and third.acceptance == 1.0


def test_weeks_start_on_monday(config):
    ticket_on(1, "email", answered_after=5)  # Sunday 1 November 2026
    ticket_on(2, "email", answered_after=5)  # Monday
    weeks = metrics.trends(start=at(1, 0), end=at(10, 0), step="week")
    assert [(p.start, p.tickets) for p in weeks] == [
        (date(2026, 10, 26), 1),
        (date(2026, 11, 2), 1),
        (date(2026, 11, 9), 0),
    ]


def test_a_line_chart_breaks_where_there_is_no_value_and_escapes_its_names():
    svg = line_chart(
        ["d1", "d2", "d3", "d4"], [("<b>", [1.0, 2.0, None, 3.0])], label="x", unit="%"
    )
    assert svg.count("<polyline") == 1 and svg.count("<circle") == 3
    assert "&lt;b&gt;" in svg and "<b>" not in svg
    assert "No data" in line_chart(["d1"], [("a", [None])], label="x")


def test_the_metrics_page_draws_the_trends_and_the_csv_has_one_row_per_day(client, people):
    ticket_on(2, "email", answered_after=30)
    client.force_login(people["lead"])
    page = client.get("/metrics/?from=2026-11-01&to=2026-11-03&step=day").content.decode()
    assert "Trends per day" in page and 'class="chart line-chart"' not in page  # not their team
    body = b"".join(
        client.get("/metrics-trends.csv?from=2026-11-01&to=2026-11-03&step=day").streaming_content
    ).decode()
    rows = list(csv.reader(io.StringIO(body)))
    assert rows[0] == metrics.TREND_COLUMNS
    assert [r[0] for r in rows[1:]] == ["2026-11-01", "2026-11-02", "2026-11-03"]
    assert rows[2][1] == "0"  # the lead sees their teams' tickets only: this one has no team
    assert client.get("/metrics-trends.csv?step=hour").status_code == 422
    client.force_login(people["admin"])
    page = client.get("/metrics/?from=2026-11-01&to=2026-11-03&step=day").content.decode()
    # tickets by channel, first response and SLA attainment have a value; the rest say so
    assert page.count('class="chart line-chart"') == 3 and "No data in this period." in page
    body = b"".join(
        client.get("/metrics-trends.csv?from=2026-11-01&to=2026-11-03&step=day").streaming_content
    ).decode()
    assert list(csv.reader(io.StringIO(body)))[2][1:3] == ["1", "email=1"]
