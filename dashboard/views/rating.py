"""The customer's rating page: no login, reached by the signed link in the reply that resolved
their ticket (``triage.review.satisfaction``)."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import formats
from django.views.decorators.http import require_http_methods

from dashboard.http import parse_id
from triage.review import satisfaction

STATUS = {"forged": 400, "used": 410, "expired": 410}


@require_http_methods(["GET", "POST"])
def rate(request: HttpRequest, token: str) -> HttpResponse:
    try:
        rating = satisfaction.open_link(token)
    except satisfaction.RatingError as exc:
        t = satisfaction.texts(exc.language)
        context = {"t": t, "language": exc.language, "error": t[exc.kind]}
        return render(request, "rating/rate.html", context, status=STATUS[exc.kind])
    t = satisfaction.texts(rating.language)
    context = {"t": t, "language": rating.language, "token": token, "rating": rating}
    if request.method == "GET":
        return render(request, "rating/rate.html", context)
    score = parse_id(request.POST.get("score"))
    if score is None or not 1 <= score <= 5:
        context["error"] = t["choose"]
        context["comment"] = request.POST.get("comment", "")[: satisfaction.COMMENT_MAX]
        return render(request, "rating/rate.html", context, status=422)
    try:
        rated = satisfaction.rate(token, score=score, comment=request.POST.get("comment", ""))
    except satisfaction.RatingError as exc:  # the same link used meanwhile
        context["error"] = t[exc.kind]
        return render(request, "rating/rate.html", context, status=STATUS[exc.kind])
    context.update(
        rating=rated.rating,
        token=rated.change_token,
        thanks=t["thanks"].format(score=rated.rating.score),
        change=t["change"].format(
            until=formats.date_format(rated.change_until, "DATE_FORMAT", use_l10n=False)
        ),
    )
    return render(request, "rating/rate.html", context)
