"""Pages for team leads and admins: the SLA board and the metrics."""

from __future__ import annotations

import csv
from datetime import date, datetime, timedelta
from zoneinfo import available_timezones

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.dateparse import parse_date
from django.views.decorators.http import require_POST

from dashboard import difficulty, metrics, selectors
from dashboard.access import is_admin, require_lead, teams_for
from dashboard.charts import bar_chart, line_chart
from dashboard.forms import CalendarForm
from triage.models import EvaluationCase, SatisfactionRating
from triage.pipeline.sla import CalendarError, parse_calendar
from triage.review import complaints, satisfaction
from triage.review.teams import set_calendar, set_hard_share_cap

MAX_PERIOD_DAYS = 366


@login_required
def sla_board(request: HttpRequest) -> HttpResponse:
    require_lead(request.user)
    boards = selectors.sla_board(user=request.user)
    context = {
        "boards": boards,
        "now": timezone.now(),
        "failure_kinds": EvaluationCase.FailureKind.choices,
    }
    template = "dashboard/sla_board.html#boards" if request.htmx else "dashboard/sla_board.html"
    return render(request, template, context)


@login_required
@require_POST
def rating_looked(request: HttpRequest, pk: int) -> HttpResponse:
    """A lead has looked at an unhappy customer's rating: it leaves the list."""
    require_lead(request.user)
    rating = get_object_or_404(SatisfactionRating, pk=pk, ticket__team__in=teams_for(request.user))
    kind = request.POST.get("kind", "")
    if kind and kind not in EvaluationCase.FailureKind.values:
        messages.error(request, f"Unknown failure kind {kind[:40]!r}: nothing was changed.")
        return redirect("dashboard:sla_board")
    satisfaction.mark_looked_at(rating=rating, user=request.user)
    case = EvaluationCase.objects.filter(
        ticket_id=rating.ticket_id, origin=EvaluationCase.Origin.LOW_RATING
    ).last()
    if kind and case is not None:
        complaints.set_failure_kind(case=case, kind=kind, user=request.user)
    messages.success(
        request,
        f"Rating on #{rating.ticket_id} marked as looked at"
        + (f" ({EvaluationCase.FailureKind(kind).label.lower()})." if kind else "."),
    )
    return redirect("dashboard:sla_board")


@login_required
def difficulty_page(request: HttpRequest) -> HttpResponse:
    """What automation leaves to people, per week, and who carries the hardest tickets; the cap
    on any one reviewer's share of them, per team."""
    require_lead(request.user)
    start, end, error = _period(request)
    teams = None if is_admin(request.user) else teams_for(request.user)
    data = difficulty.report(start=start, end=end, teams=teams)
    labels = [w.start.isoformat() for w in data.weeks]
    context = {
        "r": data,
        "error": error,
        "from": start.date().isoformat(),
        "to": (end.date() - timedelta(days=1)).isoformat(),
        "teams": teams_for(request.user).filter(is_escalation_team=False).order_by("name"),
        "automation_chart": line_chart(
            labels,
            [("handled by automation", _percent([w.automated_share for w in data.weeks]))],
            label="Tickets handled by auto-send or a draft approved unchanged (%)",
            unit="%",
            max_value=100,
        ),
        "difficulty_chart": line_chart(
            labels,
            [
                ("median difficulty", [w.median_difficulty for w in data.weeks]),
                ("median tier", [w.median_tier for w in data.weeks]),
            ],
            label="The tickets that reached a person: median difficulty and tier",
        ),
        "minutes_chart": line_chart(
            labels,
            [("median minutes", [w.median_minutes for w in data.weeks])],
            label="The tickets that reached a person: median handling time (minutes)",
            unit=" min",
        ),
        "hardest_chart": bar_chart(
            [(a.agent, round((a.share_of_hardest or 0) * 100)) for a in data.agents],
            unit="%",
            max_value=100,
            label="Each agent's share of the hardest fifth (%)",
        ),
    }
    return render(request, "dashboard/difficulty.html", context, status=422 if error else 200)


@login_required
@require_POST
def difficulty_cap(request: HttpRequest, pk: int) -> HttpResponse:
    require_lead(request.user)
    team = get_object_or_404(teams_for(request.user), pk=pk)
    raw = request.POST.get("cap", "").strip().rstrip("%").strip()
    if not raw:
        set_hard_share_cap(team=team, cap=None)
        messages.success(request, f"{team.name}: no cap on the hardest tickets.")
        return redirect("dashboard:difficulty")
    try:
        percent = float(raw)
        if not 0 < percent <= 100:
            raise ValueError
    except ValueError:
        messages.error(
            request, f"The cap is a percentage above 0 and at most 100, not {raw[:20]!r}."
        )
        return redirect("dashboard:difficulty")
    set_hard_share_cap(team=team, cap=percent / 100)
    messages.success(
        request,
        f"{team.name}: nobody is given more than {percent:g} % of the open hardest tickets while "
        "someone else is below it.",
    )
    return redirect("dashboard:difficulty")


@login_required
def sla_calendars(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    """Each of the lead's teams with its business hours, shifts, time zone and holidays; saving
    one re-times the team's running clocks."""
    require_lead(request.user)
    teams = list(teams_for(request.user).filter(is_escalation_team=False).order_by("name"))
    forms = {team.pk: CalendarForm(initial=CalendarForm.initial_for(team)) for team in teams}
    status = 200
    if request.method == "POST":
        team = get_object_or_404(teams_for(request.user), pk=pk or 0)
        form = CalendarForm(request.POST)
        forms[team.pk] = form
        if form.is_valid():
            try:
                retimed = set_calendar(
                    team=team,
                    business_hours=form.cleaned_data["business_hours"],
                    user=request.user,
                )
            except CalendarError as exc:  # validated by the form; a race left it unusable
                form.add_error(None, str(exc))
            else:
                messages.success(
                    request,
                    f"Hours of {team.name} saved; {retimed} running SLA clock"
                    f"{'s' if retimed != 1 else ''} re-timed.",
                )
                return redirect("dashboard:sla_calendars")
        status = 422
    rows = []
    for team in teams:
        try:
            calendar = parse_calendar(team.business_hours)
        except CalendarError as exc:
            calendar, described = None, f"unusable ({exc}): fix it below"
        else:
            described = calendar.describe() if calendar else "around the clock"
        rows.append({"team": team, "form": forms[team.pk], "described": described})
    context = {"rows": rows, "zones": sorted(available_timezones())}
    return render(request, "dashboard/sla_calendars.html", context, status=status)


def _period(request: HttpRequest) -> tuple[datetime, datetime, str]:
    """(start, end, error). Defaults to the last 30 days."""
    today = timezone.localdate()
    start_day = (
        _parse_day(request.GET.get("from", ""))
        if request.GET.get("from")
        else today - timedelta(days=30)
    )
    end_day = _parse_day(request.GET.get("to", "")) if request.GET.get("to") else today
    if start_day is None or end_day is None:
        return _bounds(today - timedelta(days=30), today) + ("Dates must look like 2026-01-31.",)
    if start_day > end_day:
        return _bounds(today - timedelta(days=30), today) + (
            "The start date is after the end date.",
        )
    if (end_day - start_day).days > MAX_PERIOD_DAYS:
        return _bounds(end_day - timedelta(days=MAX_PERIOD_DAYS), end_day) + (
            f"Periods are limited to {MAX_PERIOD_DAYS} days.",
        )
    return _bounds(start_day, end_day) + ("",)


def _parse_day(value: str):
    """A day, or None for what is not one: malformed, impossible (2026-13-01), or at the end of
    the calendar (9999-12-31 has no next day to end the period on)."""
    try:
        day = parse_date(value.strip())
    except ValueError:  # well-formed but impossible, like 2026-13-01
        return None
    return day if day is not None and day < date.max else None


def _bounds(start_day, end_day) -> tuple[datetime, datetime]:
    tz = timezone.get_current_timezone()
    start = timezone.make_aware(datetime.combine(start_day, datetime.min.time()), tz)
    end = timezone.make_aware(
        datetime.combine(end_day + timedelta(days=1), datetime.min.time()), tz
    )
    return start, end


@login_required
def metrics_page(request: HttpRequest) -> HttpResponse:
    require_lead(request.user)
    start, end, error = _period(request)
    group_by = request.GET.get("group", "team")
    teams = None if is_admin(request.user) else teams_for(request.user)
    data = metrics.compute(start=start, end=end, group_by=group_by, teams=teams)
    context = {
        "m": data,
        "error": error,
        "group_by": data.group_by,
        "groups": list(metrics.GROUPS),
        "from": (start.date()).isoformat(),
        "to": (end.date() - timedelta(days=1)).isoformat(),
        "acceptance_chart": bar_chart(
            [(r.key, round((r.acceptance or 0) * 100)) for r in data.rows],
            unit="%",
            max_value=100,
            label="Drafts approved (%)",
        ),
        "edit_chart": bar_chart(data.edit_histogram, label="Approved drafts by edit distance"),
        **_trend_charts(request, start=start, end=end, teams=teams),
    }
    return render(request, "dashboard/metrics.html", context, status=422 if error else 200)


def _percent(values: list[float | None]) -> list[float | None]:
    return [None if v is None else round(v * 100, 1) for v in values]


def _trend_charts(request: HttpRequest, *, start: datetime, end: datetime, teams) -> dict:
    """The trends section: the measures per day or week, each as a line chart."""
    step = request.GET.get("step", "day")
    step = step if step in metrics.TREND_STEPS else "day"
    points = metrics.trends(start=start, end=end, step=step, teams=teams)
    labels = [p.start.isoformat() for p in points]
    channels = sorted({c for p in points for c in p.by_channel})

    def line(name: str, values: list, **kwargs):
        return line_chart(labels, [(name, values)], label=name, **kwargs)

    return {
        "step": step,
        "steps": metrics.TREND_STEPS,
        "trend_points": points,
        "trend_charts": [
            line_chart(
                labels,
                [(c, [p.by_channel.get(c, 0) for p in points]) for c in channels],
                label=f"Tickets per {step} by channel",
            ),
            line(
                f"Median first response per {step} (minutes)",
                [p.median_first_response_minutes for p in points],
                unit=" min",
            ),
            line(
                "SLA attainment (%)",
                _percent([p.sla_attainment for p in points]),
                unit="%",
                max_value=100,
            ),
            line(
                "Drafts approved (%)",
                _percent([p.acceptance for p in points]),
                unit="%",
                max_value=100,
            ),
            line(
                "Mean edit distance of approved drafts",
                [p.mean_edit_distance for p in points],
                max_value=1,
            ),
            line(
                "CSAT: rated 4 or 5 (%)",
                _percent([p.csat for p in points]),
                unit="%",
                max_value=100,
            ),
            line(
                "Replies auto-sent (%)",
                _percent([p.auto_sent_share for p in points]),
                unit="%",
                max_value=100,
            ),
        ],
    }


@login_required
def metrics_trends_csv(request: HttpRequest) -> HttpResponse:
    """The trends as CSV: one row per day or week."""
    require_lead(request.user)
    start, end, error = _period(request)
    if error:
        return HttpResponse(error, status=422, content_type="text/plain")
    step = request.GET.get("step", "day")
    if step not in metrics.TREND_STEPS:
        return HttpResponse("step must be day or week", status=422, content_type="text/plain")
    teams = None if is_admin(request.user) else teams_for(request.user)
    points = metrics.trends(start=start, end=end, step=step, teams=teams)
    writer = csv.writer(_Echo())
    rows = (writer.writerow(r) for r in [metrics.TREND_COLUMNS, *(p.csv_row() for p in points)])
    response = StreamingHttpResponse(rows, content_type="text/csv")
    response["Content-Disposition"] = f'attachment; filename="deskpilot-trends-{step}.csv"'
    return response


class _Echo:
    def write(self, value: str) -> str:
        return value


@login_required
def metrics_csv(request: HttpRequest) -> HttpResponse:
    require_lead(request.user)
    start, end, error = _period(request)
    if error:
        return HttpResponse(error, status=422, content_type="text/plain")
    teams = None if is_admin(request.user) else teams_for(request.user)
    writer = csv.writer(_Echo())
    rows = (
        writer.writerow(row)
        for row in [metrics.CSV_COLUMNS, *metrics.csv_rows(start=start, end=end, teams=teams)]
    )
    response = StreamingHttpResponse(rows, content_type="text/csv")
    response["Content-Disposition"] = (
        f'attachment; filename="reviews-{start.date()}-{end.date() - timedelta(days=1)}.csv"'
    )
    return response
