"""Evaluation runs for admins: what the pipeline gets right on production's cases, and how two runs
differ."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from dashboard.access import require_admin
from dashboard.http import parse_id
from triage.evaluation import cases
from triage.models import EvaluationCase, EvaluationRun


@login_required
def runs(request: HttpRequest) -> HttpResponse:
    require_admin(request.user)
    all_runs = list(EvaluationRun.objects.order_by("-created_at")[:50])
    comparison = None
    error = ""
    a, b = request.GET.get("a", ""), request.GET.get("b", "")
    if a or b:
        ids = [i for i in (parse_id(a), parse_id(b)) if i is not None]
        chosen = {str(r.pk): r for r in EvaluationRun.objects.filter(pk__in=ids)}
        if a in chosen and b in chosen:
            comparison = cases.compare_runs(chosen[a], chosen[b])
        else:
            error = "Choose two recorded runs to compare."
    context = {
        "runs": all_runs,
        "comparison": comparison,
        "error": error,
        "a": a,
        "b": b,
        "cases": EvaluationCase.objects.count(),
        "in_progress": any(
            r.status in (EvaluationRun.Status.QUEUED, EvaluationRun.Status.RUNNING)
            for r in all_runs
        ),
    }
    return render(request, "dashboard/evaluation.html", context, status=422 if error else 200)


@login_required
@require_POST
def replay(request: HttpRequest) -> HttpResponse:
    """Queue a replay of the current pipeline on the cases; a worker runs it and the page shows its
    progress."""
    require_admin(request.user)
    if not EvaluationCase.objects.exists():
        return render(
            request,
            "dashboard/_error.html",
            {"message": "There are no evaluation cases yet."},
            status=422,
        )
    cases.queue_replay(name=request.POST.get("name", "")[:200], user=request.user)
    return redirect("dashboard:evaluation")
