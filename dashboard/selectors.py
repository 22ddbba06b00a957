"""Reads for the dashboard pages. Each runs a bounded number of queries whatever the row count."""

from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import datetime

from django.contrib.auth.models import AbstractBaseUser
from django.db.models import Count, Prefetch, Q, QuerySet, Sum
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from dashboard.access import teams_for, tickets_for
from triage.models import Classification, Ticket

QUEUE_PAGE_SIZE = 50
QUEUE_STATUSES = (Ticket.Status.TRIAGED, Ticket.Status.IN_REVIEW, Ticket.Status.ESCALATED, Ticket.Status.REOPENED)


@dataclass(frozen=True)
class QueueFilters:
    team: str = ""
    urgency: str = ""
    category: str = ""
    status: str = ""
    sentiment: str = ""
    channel: str = ""
    language: str = ""
    flagged: bool = False
    q: str = ""

    @classmethod
    def from_query(cls, query) -> QueueFilters:
        values = {f.name: (query.get(f.name) or "").strip()[:100] for f in fields(cls) if f.name != "flagged"}
        return cls(**values, flagged=query.get("flagged") == "1")

    def as_query(self) -> dict[str, str]:
        data = {f.name: getattr(self, f.name) for f in fields(self) if f.name != "flagged" and getattr(self, f.name)}
        if self.flagged:
            data["flagged"] = "1"
        return data


def encode_cursor(ticket: Ticket) -> str:
    return f"{ticket.queue_rank_at.isoformat()}|{ticket.pk}"


def decode_cursor(value: str) -> tuple[datetime, int] | None:
    rank, _, pk = value.partition("|")
    when = parse_datetime(rank) if rank else None
    return (when, int(pk)) if when is not None and pk.isdigit() else None


def filtered_tickets(*, user: AbstractBaseUser, filters: QueueFilters) -> QuerySet[Ticket]:
    tickets = tickets_for(user)
    tickets = tickets.filter(status=filters.status) if filters.status else tickets.filter(status__in=QUEUE_STATUSES)
    for name in ("urgency", "category", "sentiment", "channel", "language"):
        if getattr(filters, name):
            tickets = tickets.filter(**{name: getattr(filters, name)})
    if filters.team:
        tickets = tickets.filter(team__slug=filters.team)
    if filters.flagged:
        tickets = tickets.exclude(flag_codes=[])
    if filters.q:
        tickets = tickets.filter(Q(subject__icontains=filters.q) | Q(customer__email__icontains=filters.q) | Q(customer__name__icontains=filters.q))
    return tickets


def queue_page(*, user: AbstractBaseUser, filters: QueueFilters, after: str = "", limit: int = QUEUE_PAGE_SIZE) -> tuple[list[Ticket], str]:
    """One page of the queue, highest SLA risk first (keyset pagination on queue rank and id).

    Served by the partial indexes on the review queue: the scan walks them in order and stops
    after one page, whatever the number of tickets.
    """
    # Tickets waiting for human triage stay in the queue too (tagged): an urgent one must not hide.
    tickets = filtered_tickets(user=user, filters=filters).filter(queue_rank_at__isnull=False)
    cursor = decode_cursor(after) if after else None
    if cursor is not None:
        rank, pk = cursor
        tickets = tickets.filter(Q(queue_rank_at__gt=rank) | Q(queue_rank_at=rank, pk__gt=pk))
    rows = list(
        tickets.select_related("customer", "team", "reviewer").defer("raw_body", "cleaned_text").order_by("queue_rank_at", "pk")[: limit + 1]
    )
    next_cursor = encode_cursor(rows[limit - 1]) if len(rows) > limit else ""
    return rows[:limit], next_cursor


def triage_queue(*, user: AbstractBaseUser, limit: int = 100) -> list[Ticket]:
    """Low-confidence tickets waiting for a human to confirm the category, with their classification."""
    latest = Classification.objects.order_by("-created_at", "-pk")
    return list(
        tickets_for(user).filter(needs_human_triage=True, status__in=QUEUE_STATUSES)
        .select_related("customer", "team")
        .prefetch_related(Prefetch("classifications", queryset=latest))
        .order_by("queue_rank_at", "pk")[:limit]
    )


def processing_count(*, user: AbstractBaseUser) -> int:
    return tickets_for(user).filter(status=Ticket.Status.NEW).count()


@dataclass
class TeamBoard:
    team: object
    on_track: int
    at_risk: int
    breached: int
    tickets: list[Ticket]
    load: list[dict]


def sla_board(*, user: AbstractBaseUser, now: datetime | None = None, limit: int = 200) -> list[TeamBoard]:
    """Per team: open tickets by SLA state, soonest first, and the load per reviewer."""
    now = now or timezone.now()
    teams = list(teams_for(user).order_by("name").prefetch_related("members"))
    open_tickets = list(
        Ticket.objects.filter(team__in=teams, status__in=Ticket.OPEN_STATUSES, sla_due_at__isnull=False, sla_paused_at__isnull=True)
        .select_related("reviewer", "customer").order_by("sla_due_at", "pk")[: limit * max(1, len(teams))]
    )
    loads = (
        Ticket.objects.filter(team__in=teams, status__in=Ticket.OPEN_STATUSES, reviewer__isnull=False)
        .values("team_id", "reviewer_id", "reviewer__username")
        .annotate(count=Count("id"), difficulty=Sum("difficulty"))
        .order_by("team_id", "-difficulty")
    )
    by_team: dict[int, list[dict]] = {}
    for row in loads:
        by_team.setdefault(row["team_id"], []).append(row)
    boards = []
    for team in teams:
        mine = [t for t in open_tickets if t.team_id == team.pk]
        states = [t.sla_state(now) for t in mine]
        boards.append(TeamBoard(team=team, on_track=states.count("on_track"), at_risk=states.count("at_risk"),
                                breached=states.count("breached"), tickets=mine[:limit], load=by_team.get(team.pk, [])))
    return boards
