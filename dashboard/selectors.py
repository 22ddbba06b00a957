"""Reads for the dashboard pages. Each returns a bounded number of queries whatever the row count."""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.auth.models import AbstractBaseUser
from django.db.models import OuterRef, QuerySet, Subquery

from dashboard.access import tickets_for
from triage.models import Assessment, Classification, Ticket

QUEUE_PAGE_SIZE = 50


@dataclass(frozen=True)
class QueueFilters:
    status: str = ""
    team: str = ""
    urgency: str = ""
    category: str = ""
    q: str = ""


def queue_tickets(*, user: AbstractBaseUser, filters: QueueFilters, limit: int = QUEUE_PAGE_SIZE) -> QuerySet[Ticket]:
    """Open tickets the user may see, soonest SLA first, annotated with the current classification and tier."""
    latest = Classification.objects.filter(ticket=OuterRef("pk")).order_by("-created_at", "-pk")
    latest_assessment = Assessment.objects.filter(ticket=OuterRef("pk")).order_by("-created_at", "-pk")
    tickets = (
        tickets_for(user)
        .select_related("customer", "team", "reviewer")
        .annotate(
            urgency=Subquery(latest.values("urgency")[:1]),
            category=Subquery(latest.values("category")[:1]),
            sentiment=Subquery(latest.values("sentiment")[:1]),
            tier=Subquery(latest_assessment.values("tier")[:1]),
        )
    )
    if filters.status:
        tickets = tickets.filter(status=filters.status)
    else:
        tickets = tickets.filter(status__in=Ticket.OPEN_STATUSES)
    if filters.team:
        tickets = tickets.filter(team__slug=filters.team)
    if filters.urgency:
        tickets = tickets.filter(urgency=filters.urgency)
    if filters.category:
        tickets = tickets.filter(category=filters.category)
    if filters.q:
        tickets = tickets.filter(subject__icontains=filters.q)
    return tickets.order_by("sla_due_at", "pk")[:limit]
