"""Metrics for leads and admins, over a period, grouped by team, category, engine or prompt
version."""

from __future__ import annotations

import statistics
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from django.db.models import Count, F, Q
from django.utils import timezone

from triage.models import (
    Classification,
    Draft,
    EvaluationCase,
    Review,
    SatisfactionRating,
    SourceUsage,
    StatusChange,
    Ticket,
)

GROUPS = {
    "team": "ticket__team__name",
    "category": "ticket__category",
    "engine": "draft__engine",
    "prompt": "draft__prompt_version",
    "source": "ticket__source",
}
EDIT_BUCKETS = [
    (0.0, 0.0, "unchanged"),
    (0.0, 0.1, "≤ 0.10"),
    (0.1, 0.25, "0.10–0.25"),
    (0.25, 0.5, "0.25–0.50"),
    (0.5, 1.01, "> 0.50"),
]


@dataclass
class GroupRow:
    key: str
    decided: int = 0
    unchanged: int = 0
    edited: int = 0
    rejected: int = 0
    escalated: int = 0
    written: int = 0  # replies written by hand, with no draft: not a verdict on a draft
    over_flags: int = 0  # replies sent over acknowledged guard flags
    auto_sent: int = 0  # replies sent by auto-send, no person reviewing
    mean_edit_distance: float | None = None

    @property
    def replies(self) -> int:
        return self.unchanged + self.edited + self.written

    @property
    def over_flags_rate(self) -> float | None:
        return self.over_flags / self.replies if self.replies else None

    @property
    def drafts_decided(self) -> int:
        return self.decided - self.written

    @property
    def acceptance(self) -> float | None:
        decided = self.drafts_decided
        return (self.unchanged + self.edited) / decided if decided else None


@dataclass
class Metrics:
    start: datetime
    end: datetime
    group_by: str
    rows: list[GroupRow]
    edit_histogram: list[tuple[str, int]]
    tickets: int
    escalation_rate: float | None
    reopen_rate: float | None
    median_first_response_minutes: float | None
    sla_attainment: float | None
    correction_rate: float | None
    closed: dict[str, int] = field(default_factory=dict)
    confusion: dict[str, dict] = field(default_factory=dict)
    sources: list[dict] = field(default_factory=list)
    recent: list[Review] = field(default_factory=list)
    # CSAT by each dimension ("team", "agent", …): rows of key, asked, rated, response rate,
    # CSAT (share rated 4-5) and mean score.
    satisfaction: dict[str, list[dict]] = field(default_factory=dict)


SATISFACTION_DIMENSIONS = {
    "team": "team",
    "agent": "agent",
    "category": "category",
    "engine": "draft engine",
    "prompt": "prompt version",
    "origin": "how the reply was made",
}


def _origin(review: Review | None) -> str:
    if review is None:
        return "unknown"
    if review.auto_sent:
        return "auto-sent"
    return {
        Review.Decision.APPROVED_UNCHANGED: "machine draft, unchanged",
        Review.Decision.APPROVED_EDITED: "machine draft, edited",
        Review.Decision.WRITTEN: "written by hand",
    }.get(review.decision, review.decision)


def satisfaction(*, start: datetime, end: datetime, teams=None) -> dict[str, list[dict]]:
    """CSAT and the response rate of the ratings asked in the period, by team, agent, category,
    draft engine, prompt version and how the reply was made."""
    asked = SatisfactionRating.objects.filter(asked_at__gte=start, asked_at__lt=end)
    if teams is not None:
        asked = asked.filter(ticket__team__in=teams)
    asked = asked.select_related("ticket__team", "review__reviewer", "review__draft")
    groups: dict[str, dict[str, list[int | None]]] = {
        d: defaultdict(list) for d in SATISFACTION_DIMENSIONS
    }
    for rating in asked:
        review = rating.review
        draft = review.draft if review is not None else None
        keys = {
            "team": rating.ticket.team.name if rating.ticket.team else "no team",
            "agent": review.reviewer.get_username() if review and review.reviewer else "nobody",
            "category": rating.ticket.category or "none",
            "engine": draft.engine if draft else "no draft",
            "prompt": (draft.prompt_version or "none") if draft else "no draft",
            "origin": _origin(review),
        }
        for dimension, key in keys.items():
            groups[dimension][key].append(rating.score)
    result = {}
    for dimension, by_key in groups.items():
        rows = []
        for key, scores in sorted(by_key.items()):
            rated = [x for x in scores if x is not None]
            rows.append(
                {
                    "key": key,
                    "asked": len(scores),
                    "rated": len(rated),
                    "response_rate": len(rated) / len(scores) if scores else None,
                    "csat": sum(1 for x in rated if x >= 4) / len(rated) if rated else None,
                    "mean": statistics.fmean(rated) if rated else None,
                }
            )
        result[dimension] = rows
    return result


def reviews_in(start: datetime, end: datetime, teams=None):
    reviews = Review.objects.filter(created_at__gte=start, created_at__lt=end)
    if teams is not None:
        reviews = reviews.filter(ticket__team__in=teams)
    return reviews


def compute(*, start: datetime, end: datetime, group_by: str = "team", teams=None) -> Metrics:
    group_field = GROUPS.get(group_by, GROUPS["team"])
    reviews = reviews_in(start, end, teams)
    rows: dict[str, GroupRow] = {}
    distances: dict[str, list[float]] = defaultdict(list)
    all_distances: list[float] = []
    for key, decision, distance, over, auto in reviews.values_list(
        group_field, "decision", "edit_distance", "sent_over_flags", "auto_sent"
    ):
        row = rows.setdefault(str(key or "—"), GroupRow(key=str(key or "—")))
        row.decided += 1
        row.over_flags += bool(over)
        row.auto_sent += auto
        if decision == Review.Decision.APPROVED_UNCHANGED:
            row.unchanged += 1
        elif decision == Review.Decision.APPROVED_EDITED:
            row.edited += 1
        elif decision == Review.Decision.REJECTED:
            row.rejected += 1
        elif decision == Review.Decision.WRITTEN:
            row.written += 1
        else:
            row.escalated += 1
        if decision in (Review.Decision.APPROVED_UNCHANGED, Review.Decision.APPROVED_EDITED):
            distances[row.key].append(distance)
            all_distances.append(distance)
    for key, values in distances.items():
        rows[key].mean_edit_distance = sum(values) / len(values)
    histogram = [
        (label, sum(1 for d in all_distances if (d == 0.0 if hi == 0.0 else lo < d <= hi)))
        for lo, hi, label in EDIT_BUCKETS
    ]

    tickets = Ticket.objects.filter(created_at__gte=start, created_at__lt=end)
    if teams is not None:
        tickets = tickets.filter(team__in=teams)
    counts = tickets.aggregate(
        total=Count("id"),
        routed=Count("id", filter=Q(tier__isnull=False)),
        escalated=Count("id", filter=Q(tier__gte=2)),
        answered=Count("id", filter=Q(first_response_at__isnull=False)),
        reopened=Count("id", filter=Q(reopen_count__gt=0)),
        within_sla=Count(
            "id",
            filter=Q(
                first_response_at__isnull=False,
                sla_due_at__isnull=False,
                first_response_at__lte=F("sla_due_at"),
            ),
        ),
        # a ticket counts once it was answered or its due time has passed: one still inside its
        # SLA and unanswered has not been decided either way
        with_sla=Count(
            "id",
            filter=Q(sla_due_at__isnull=False)
            & (Q(first_response_at__isnull=False) | Q(sla_due_at__lt=min(end, timezone.now()))),
        ),
    )
    response_minutes = [
        (answered - created).total_seconds() / 60
        for created, answered in tickets.filter(first_response_at__isnull=False).values_list(
            "created_at", "first_response_at"
        )[:50000]
    ]
    # corrections are counted among the classified tickets a person decided (reviewed or
    # corrected): a rate over tickets nobody has looked at yet would read as "all right"
    classified = (
        Classification.objects.filter(ticket__in=tickets)
        .filter(Q(ticket__reviews__isnull=False) | Q(ticket__classifications__engine="human"))
        .values("ticket")
        .distinct()
        .count()
    )
    corrected = (
        Classification.objects.filter(ticket__in=tickets, engine="human")
        .values("ticket")
        .distinct()
        .count()
    )
    return Metrics(
        start=start,
        end=end,
        group_by=group_by if group_by in GROUPS else "team",
        rows=sorted(rows.values(), key=lambda r: -r.decided),
        edit_histogram=histogram,
        tickets=counts["total"],
        escalation_rate=counts["escalated"] / counts["routed"] if counts["routed"] else None,
        reopen_rate=counts["reopened"] / counts["answered"] if counts["answered"] else None,
        median_first_response_minutes=statistics.median(response_minutes)
        if response_minutes
        else None,
        sla_attainment=counts["within_sla"] / counts["with_sla"] if counts["with_sla"] else None,
        correction_rate=corrected / classified if classified else None,
        closed=closed_without_reply(start=start, end=end, teams=teams),
        confusion=confusion_matrices(start=start, end=end, teams=teams),
        sources=source_acceptance(start=start, end=end, teams=teams),
        satisfaction=satisfaction(start=start, end=end, teams=teams),
        recent=list(
            reviews.select_related("ticket", "reviewer", "draft").order_by("-created_at")[:20]
        ),
    )


def closed_without_reply(*, start: datetime, end: datetime, teams=None) -> dict[str, int]:
    """Tickets closed with no reply in the period, by reason (spam, not ours, duplicate)."""
    changes = StatusChange.objects.filter(to_status=Ticket.Status.CLOSED, at__gte=start, at__lt=end)
    if teams is not None:
        changes = changes.filter(ticket__team__in=teams)
    counts = dict(changes.values_list("ticket__close_reason").annotate(n=Count("id")).order_by())
    return {str(label): counts.get(value, 0) for value, label in Ticket.CloseReason.choices}


def confusion_matrices(*, start: datetime, end: datetime, teams=None) -> dict[str, dict]:
    """Per field: labels, and counts of (predicted, corrected) from the corrections in the
    period."""
    cases = EvaluationCase.objects.filter(
        origin=EvaluationCase.Origin.CORRECTION, created_at__gte=start, created_at__lt=end
    )
    if teams is not None:
        cases = cases.filter(ticket__team__in=teams)
    result = {}
    for name in ("category", "urgency", "sentiment"):
        pairs = Counter(
            (c.predicted.get(name, "?"), c.labels.get(name, "?"))
            for c in cases.only("predicted", "labels")[:5000]
        )
        labels = sorted({p for p, _ in pairs} | {a for _, a in pairs})
        if labels:
            result[name] = {
                "labels": labels,
                "cells": [[pairs.get((p, a), 0) for a in labels] for p in labels],
            }
    return result


def source_acceptance(*, start: datetime, end: datetime, teams=None, limit: int = 15) -> list[dict]:
    usages = SourceUsage.objects.filter(
        used=True, draft__reviews__created_at__gte=start, draft__reviews__created_at__lt=end
    )
    if teams is not None:
        usages = usages.filter(draft__ticket__team__in=teams)
    rows = (
        usages.values("entry_id", "article_id", "entry__text", "article__title")
        .annotate(
            used=Count("draft", distinct=True),
            accepted=Count(
                "draft",
                distinct=True,
                filter=Q(draft__reviews__decision__in=["approved_unchanged", "approved_edited"]),
            ),
        )
        .order_by("-used")[:limit]
    )
    return [
        {
            "kind": "entry" if r["entry_id"] else "article",
            "id": r["entry_id"] or r["article_id"],
            "title": (r["entry__text"] or r["article__title"] or "")[:80],
            "used": r["used"],
            "accepted": r["accepted"],
            "rate": r["accepted"] / r["used"] if r["used"] else None,
        }
        for r in rows
    ]


CSV_COLUMNS = [
    "review_id",
    "ticket_id",
    "team",
    "category",
    "urgency",
    "engine",
    "prompt_version",
    "decision",
    "edit_distance",
    "token_ratio",
    "seconds_spent",
    "reviewer",
    "decided_at",
]


def csv_rows(*, start: datetime, end: datetime, teams=None):
    reviews = (
        reviews_in(start, end, teams)
        .select_related("ticket__team", "draft", "reviewer")
        .order_by("created_at")
    )
    for review in reviews.iterator(chunk_size=2000):
        draft: Draft | None = review.draft
        yield [
            review.pk,
            review.ticket_id,
            review.ticket.team.name if review.ticket.team else "",
            review.ticket.category,
            review.ticket.urgency,
            draft.engine if draft else "",
            draft.prompt_version if draft else "",
            review.decision,
            f"{review.edit_distance:.4f}",
            f"{review.token_ratio:.2f}",
            review.seconds_spent,
            review.reviewer.get_username() if review.reviewer else "",
            review.created_at.isoformat(),
        ]


# --- Trends: the same measures per day or week ---

TREND_STEPS = ("day", "week")
TREND_COLUMNS = [
    "period_start",
    "tickets",
    "tickets_by_channel",
    "median_first_response_minutes",
    "sla_attainment",
    "acceptance",
    "mean_edit_distance",
    "csat",
    "ratings",
    "auto_sent_share",
]


@dataclass
class TrendPoint:
    start: date
    tickets: int = 0
    by_channel: dict[str, int] = field(default_factory=dict)
    median_first_response_minutes: float | None = None
    sla_attainment: float | None = None
    acceptance: float | None = None
    mean_edit_distance: float | None = None
    csat: float | None = None
    ratings: int = 0
    auto_sent_share: float | None = None

    def csv_row(self) -> list:
        def fmt(value: float | None, digits: int = 4) -> str:
            return "" if value is None else f"{value:.{digits}f}"

        return [
            self.start.isoformat(),
            self.tickets,
            " ".join(f"{k}={v}" for k, v in sorted(self.by_channel.items())),
            fmt(self.median_first_response_minutes, 1),
            fmt(self.sla_attainment),
            fmt(self.acceptance),
            fmt(self.mean_edit_distance),
            fmt(self.csat),
            self.ratings,
            fmt(self.auto_sent_share),
        ]


def _bucket(moment: datetime, step: str) -> date:
    day = timezone.localtime(moment).date()
    return day - timedelta(days=day.weekday()) if step == "week" else day


def trends(*, start: datetime, end: datetime, step: str = "day", teams=None) -> list[TrendPoint]:
    """Per day or week (Monday first) of the period, in the server's time zone: tickets by
    channel, median first response, SLA attainment, draft acceptance, mean edit distance, CSAT
    (share rated 4-5) and the share of replies auto-sent. A point with nothing to measure says
    None, not 0."""
    step = step if step in TREND_STEPS else "day"
    points: dict[date, TrendPoint] = {}
    first, last = _bucket(start, step), _bucket(end - timedelta(microseconds=1), step)
    day = first
    while day <= last:
        points[day] = TrendPoint(start=day)
        day += timedelta(days=7 if step == "week" else 1)
    tickets = Ticket.objects.filter(created_at__gte=start, created_at__lt=end)
    if teams is not None:
        tickets = tickets.filter(team__in=teams)
    responses: dict[date, list[float]] = defaultdict(list)
    sla: dict[date, list[bool]] = defaultdict(list)
    now = timezone.now()
    for created, channel, answered, due in tickets.values_list(
        "created_at", "channel", "first_response_at", "sla_due_at"
    ).iterator(chunk_size=5000):
        point = points[_bucket(created, step)]
        point.tickets += 1
        point.by_channel[channel] = point.by_channel.get(channel, 0) + 1
        if answered is not None:
            responses[point.start].append((answered - created).total_seconds() / 60)
        if due is not None and (answered is not None or due < min(end, now)):
            sla[point.start].append(answered is not None and answered <= due)
    decisions: dict[date, Counter] = defaultdict(Counter)
    distances: dict[date, list[float]] = defaultdict(list)
    for created, decision, distance, auto in (
        reviews_in(start, end, teams)
        .values_list("created_at", "decision", "edit_distance", "auto_sent")
        .iterator(chunk_size=5000)
    ):
        key = _bucket(created, step)
        decisions[key][decision] += 1
        decisions[key]["auto_sent"] += auto
        if decision in (Review.Decision.APPROVED_UNCHANGED, Review.Decision.APPROVED_EDITED):
            distances[key].append(distance)
    ratings = SatisfactionRating.objects.filter(
        rated_at__gte=start, rated_at__lt=end, score__isnull=False
    )
    if teams is not None:
        ratings = ratings.filter(ticket__team__in=teams)
    scores: dict[date, list[int]] = defaultdict(list)
    for rated, score in ratings.values_list("rated_at", "score"):
        scores[_bucket(rated, step)].append(score)
    for key, point in points.items():
        if responses[key]:
            point.median_first_response_minutes = statistics.median(responses[key])
        if sla[key]:
            point.sla_attainment = sum(sla[key]) / len(sla[key])
        counts = decisions[key]
        approved = counts["approved_unchanged"] + counts["approved_edited"]
        drafts_decided = approved + counts["rejected"] + counts["escalated"]
        replies = approved + counts["written"]
        point.acceptance = approved / drafts_decided if drafts_decided else None
        point.auto_sent_share = counts["auto_sent"] / replies if replies else None
        if distances[key]:
            point.mean_edit_distance = statistics.fmean(distances[key])
        if scores[key]:
            point.ratings = len(scores[key])
            point.csat = sum(1 for s in scores[key] if s >= 4) / len(scores[key])
    return list(points.values())
