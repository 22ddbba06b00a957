"""The review queue and the human triage queue."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from dashboard import selectors
from dashboard.access import ticket_for_user
from dashboard.http import HtmxHttpRequest
from triage.models import TaxonomyCategory
from triage.review import decisions


@login_required
def queue(request: HtmxHttpRequest) -> HttpResponse:
    context = selectors.queue_page_context(
        user=request.user, params=request.GET, path=request.get_full_path()
    )
    template = "dashboard/queue.html#queue-table" if request.htmx else "dashboard/queue.html"
    return render(request, template, context)


@login_required
def triage_queue(request: HtmxHttpRequest) -> HttpResponse:
    return render(
        request, "dashboard/triage.html", {"rows": selectors.triage_rows(user=request.user)}
    )


@login_required
@require_POST
def triage_accept(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    ticket = ticket_for_user(request.user, pk)
    category = request.POST.get("category", "")
    if not TaxonomyCategory.objects.filter(slug=category, active=True).exists():
        return render(
            request,
            "dashboard/_error.html",
            {"message": f"Unknown category {category!r}."},
            status=422,
        )
    decisions.do_confirm_triage(ticket=ticket, user=request.user, category=category)
    return redirect("dashboard:triage")
