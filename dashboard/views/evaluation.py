"""Evaluation runs for admins: what the pipeline gets right on production's cases, and how two runs
differ."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from dashboard.access import require_admin
from dashboard.http import parse_id
from triage.evaluation import cases
from triage.models import EvaluationCase, EvaluationRun
from triage.review import complaints


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
        "complaints": [
            (case, _said(case))
            for case in EvaluationCase.objects.filter(origin__in=COMPLAINT_ORIGINS)
            .select_related("kind_set_by")
            .order_by("-created_at")[:50]
        ],
        "failure_kinds": EvaluationCase.FailureKind.choices,
        "in_progress": any(
            r.status in (EvaluationRun.Status.QUEUED, EvaluationRun.Status.RUNNING)
            for r in all_runs
        ),
    }
    return render(request, "dashboard/evaluation.html", context, status=422 if error else 200)


def _said(case: EvaluationCase) -> str:
    """What the customer (or the reviewer rejecting the draft) said, in a line."""
    labels = case.labels or {}
    rating = f"{labels['rating']}/5 " if labels.get("rating") else ""
    words = (
        labels.get("comment")
        or labels.get("customer_said")
        or (f"rejected: {case.predicted.get('reason')}" if case.predicted.get("reason") else "")
    )
    return f"{rating}{words}".strip()


COMPLAINT_ORIGINS = (
    EvaluationCase.Origin.LOW_RATING,
    EvaluationCase.Origin.REOPENED,
    EvaluationCase.Origin.SAID_WRONG,
    EvaluationCase.Origin.REJECTED_DRAFT,
)


@login_required
@require_POST
def case_kind(request: HttpRequest, pk: int) -> HttpResponse:
    """The reviewer's judgement of what went wrong in a complaint's case."""
    require_admin(request.user)
    case = get_object_or_404(EvaluationCase, pk=pk)
    try:
        complaints.set_failure_kind(
            case=case, kind=request.POST.get("kind", "")[:40], user=request.user
        )
    except ValueError as exc:
        return render(request, "dashboard/_error.html", {"message": f"{exc}."}, status=422)
    return redirect("dashboard:evaluation")


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
