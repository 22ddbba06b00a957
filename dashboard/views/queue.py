from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from dashboard.access import role_of, teams_for, ticket_for_user
from dashboard.selectors import QueueFilters, queue_tickets
from triage.models import Ticket, Urgency


@login_required
def queue(request: HttpRequest) -> HttpResponse:
    filters = QueueFilters(
        status=request.GET.get("status", ""),
        team=request.GET.get("team", ""),
        urgency=request.GET.get("urgency", ""),
        category=request.GET.get("category", ""),
        q=request.GET.get("q", "").strip(),
    )
    context = {
        "tickets": queue_tickets(user=request.user, filters=filters),
        "filters": filters,
        "teams": teams_for(request.user),
        "statuses": Ticket.Status.choices,
        "urgencies": Urgency.choices,
        "role": role_of(request.user),
    }
    template = "dashboard/queue.html#queue-table" if getattr(request, "htmx", False) else "dashboard/queue.html"
    return render(request, template, context)


@login_required
def ticket_detail(request: HttpRequest, pk: int) -> HttpResponse:
    ticket = ticket_for_user(request.user, pk)
    context = {
        "ticket": ticket,
        "messages_": ticket.messages.all(),
        "classification": ticket.classifications.first(),
        "assessment": ticket.assessments.first(),
        "draft": ticket.drafts.first(),
        "events": ticket.events.all(),
        "role": role_of(request.user),
    }
    return render(request, "dashboard/ticket.html", context)
