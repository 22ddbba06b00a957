"""API clients for admins: make one (its token shown once), set its reply webhook, make a new
signing secret or token, revoke it."""

from __future__ import annotations

from datetime import timedelta

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from dashboard.access import require_admin
from triage.ingest import clients
from triage.models import ApiClient


def _page(request: HttpRequest, *, status: int = 200, **extra) -> HttpResponse:
    context = {"clients": ApiClient.objects.all(), **extra}
    return render(request, "dashboard/api_clients.html", context, status=status)


@login_required
def api_clients(request: HttpRequest) -> HttpResponse:
    require_admin(request.user)
    if request.method != "POST":
        return _page(request)
    try:
        client, token = clients.create_client(name=request.POST.get("name", ""))
    except clients.ClientError as exc:
        return _page(request, status=422, error=str(exc), name=request.POST.get("name", ""))
    return _page(request, created=client, token=token)


@login_required
@require_POST
def api_client_webhook(request: HttpRequest, pk: int) -> HttpResponse:
    require_admin(request.user)
    client = get_object_or_404(ApiClient, pk=pk)
    try:
        clients.set_reply_webhook(
            client=client,
            url=request.POST.get("reply_webhook_url", ""),
            status_events=request.POST.get("status_events") == "on",
            new_secret=request.POST.get("new_secret") == "on",
        )
    except clients.ClientError as exc:
        return _page(request, status=422, error=f"{client.name}: {exc}")
    return redirect("dashboard:api_clients")


@login_required
@require_POST
def api_client_token(request: HttpRequest, pk: int) -> HttpResponse:
    require_admin(request.user)
    client = get_object_or_404(ApiClient, pk=pk, active=True)
    token = clients.rotate_token(client=client, grace=timedelta(hours=24))
    return _page(request, created=client, token=token, rotated=True)


@login_required
@require_POST
def api_client_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    require_admin(request.user)
    clients.revoke(client=get_object_or_404(ApiClient, pk=pk))
    return redirect("dashboard:api_clients")
