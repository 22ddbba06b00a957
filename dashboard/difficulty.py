"""Difficulty concentration: what automation leaves to the people. Per week, the share of tickets
handled by auto-send or a draft approved unchanged, and for the tickets that reached a person
(edited, written by hand, rejected, escalated): how hard they were (difficulty, tier, escalation
reasons, sentiment, thread length, out-of-scope score, handling time), and each agent's share of
the hardest fifth of them."""

from __future__ import annotations

import math
import statistics
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from django.db.models import Count, OuterRef, Subquery
from django.utils import timezone

from triage.models import Classification, Review, Ticket

HARDEST_SHARE = 0.2
NEGATIVE = {"angry", "frustrated"}


@dataclass
class Handled:
    """One ticket decided in the period: how, by whom, and how hard it was."""

    pk: int
    week: date
    automated: bool
    agent: str
    difficulty: int
    tier: int
    reasons: int
    negative: bool
    thread: int
    scope: float | None
    minutes: float


@dataclass
class Week:
    start: date
    handled: int = 0
    automated: int = 0
    median_difficulty: float | None = None
    median_tier: float | None = None
    escalated_share: float | None = None  # of the tickets a person handled: with a reason
    negative_share: float | None = None
    median_thread: float | None = None
    median_scope: float | None = None
    median_minutes: float | None = None

    @property
    def by_person(self) -> int:
        return self.handled - self.automated

    @property
    def automated_share(self) -> float | None:
        return self.automated / self.handled if self.handled else None


@dataclass
class AgentShare:
    agent: str
    handled: int
    hardest: int
    share_of_hardest: float | None
    share_of_handled: float | None


@dataclass
class Report:
    weeks: list[Week]
    agents: list[AgentShare]
    hardest: int  # how many tickets the hardest fifth holds
    hardest_from: int | None  # the lowest difficulty in it
    headline: str = ""
    tickets: list[Handled] = field(default_factory=list)


def _week(moment: datetime) -> date:
    day = timezone.localtime(moment).date()
    return day - timedelta(days=day.weekday())


def _median(values: list[float]) -> float | None:
    return statistics.median(values) if values else None


def handled_tickets(*, start: datetime, end: datetime, teams=None) -> list[Handled]:
    """Every ticket whose first decision falls in the period, with how it was handled."""
    reviews = Review.objects.filter(created_at__gte=start, created_at__lt=end)
    if teams is not None:
        reviews = reviews.filter(ticket__team__in=teams)
    by_ticket: dict[int, list[tuple]] = defaultdict(list)
    for row in reviews.values_list(
        "ticket_id", "created_at", "decision", "auto_sent", "seconds_spent", "reviewer__username"
    ).order_by("created_at", "pk"):
        by_ticket[row[0]].append(row)
    latest_scope = Classification.objects.filter(ticket=OuterRef("pk")).order_by(
        "-created_at", "-pk"
    )
    facts = {
        row[0]: row[1:]
        for row in Ticket.objects.filter(pk__in=list(by_ticket))
        .annotate(
            thread=Count("messages"),
            scope=Subquery(latest_scope.values("scope_score")[:1]),
        )
        .values_list("pk", "difficulty", "tier", "escalation_codes", "sentiment", "thread", "scope")
    }
    found = []
    for pk, rows in by_ticket.items():
        difficulty, tier, codes, sentiment, thread, scope = facts[pk]
        automated = all(
            auto or decision == Review.Decision.APPROVED_UNCHANGED
            for _t, _c, decision, auto, _s, _u in rows
        )
        people = [r for r in rows if not r[3]]
        found.append(
            Handled(
                pk=pk,
                week=_week(rows[0][1]),
                automated=automated,
                agent=(people[-1][5] or "nobody") if people else "auto-send",
                difficulty=difficulty or 0,
                tier=tier or 0,
                reasons=len(codes or []),
                negative=sentiment in NEGATIVE,
                thread=thread,
                scope=scope,
                minutes=sum(r[4] for r in rows) / 60,
            )
        )
    return found


def hardest_fifth(tickets: list[Handled]) -> list[Handled]:
    """The hardest fifth (rounded up) of the tickets a person handled: by difficulty, then tier,
    then handling time."""
    people = [t for t in tickets if not t.automated]
    ranked = sorted(people, key=lambda t: (t.difficulty, t.tier, t.minutes, t.pk), reverse=True)
    return ranked[: math.ceil(len(ranked) * HARDEST_SHARE)]


def report(*, start: datetime, end: datetime, teams=None) -> Report:
    tickets = handled_tickets(start=start, end=end, teams=teams)
    weeks: dict[date, Week] = {}
    day = _week(start)
    while day < timezone.localtime(end).date():
        weeks[day] = Week(start=day)
        day += timedelta(days=7)
    for ticket in tickets:
        week = weeks.setdefault(ticket.week, Week(start=ticket.week))
        week.handled += 1
        week.automated += ticket.automated
    for key, week in weeks.items():
        people = [t for t in tickets if t.week == key and not t.automated]
        if not people:
            continue
        week.median_difficulty = _median([t.difficulty for t in people])
        week.median_tier = _median([t.tier for t in people])
        week.escalated_share = sum(t.reasons > 0 for t in people) / len(people)
        week.negative_share = sum(t.negative for t in people) / len(people)
        week.median_thread = _median([t.thread for t in people])
        week.median_scope = _median([t.scope for t in people if t.scope is not None])
        week.median_minutes = _median([t.minutes for t in people])
    hardest = hardest_fifth(tickets)
    people = [t for t in tickets if not t.automated]
    agents = sorted({t.agent for t in people})
    shares = [
        AgentShare(
            agent=agent,
            handled=sum(t.agent == agent for t in people),
            hardest=sum(t.agent == agent for t in hardest),
            share_of_hardest=sum(t.agent == agent for t in hardest) / len(hardest)
            if hardest
            else None,
            share_of_handled=sum(t.agent == agent for t in people) / len(people),
        )
        for agent in agents
    ]
    shares.sort(key=lambda a: (-(a.share_of_hardest or 0), a.agent))
    ordered = [weeks[k] for k in sorted(weeks)]
    return Report(
        weeks=ordered,
        agents=shares,
        hardest=len(hardest),
        hardest_from=min((t.difficulty for t in hardest), default=None),
        headline=headline(ordered),
        tickets=tickets,
    )


def headline(weeks: list[Week]) -> str:
    """The last week with decisions against the first, in one sentence."""
    decided = [w for w in weeks if w.handled]
    if not decided:
        return "No ticket was decided in this period."
    last, first = decided[-1], decided[0]
    text = (
        f"In the week of {last.start:%d %b}, automation (auto-send or a draft approved unchanged) "
        f"handled {last.automated_share:.0%} of {last.handled} tickets"
    )
    if first is not last and first.automated_share is not None:
        points = (last.automated_share - first.automated_share) * 100
        text += f" ({points:+.0f} points against the week of {first.start:%d %b})"
    if last.median_tier is None:
        return text + "; none reached a person."
    text += (
        f"; the median ticket reaching a person was tier {last.median_tier:g}, difficulty "
        f"{last.median_difficulty:g}, and took {last.median_minutes:.0f} min"
    )
    if first is not last and first.median_minutes:
        change = (last.median_minutes / first.median_minutes - 1) * 100
        text += f" ({change:+.0f} % against the week of {first.start:%d %b})"
    return text + "."
