"""Sign-in locks for admins: who is locked out, until when, and unlocking at once."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from dashboard import signin
from dashboard.access import require_admin


@login_required
def lockouts(request: HttpRequest) -> HttpResponse:
    require_admin(request.user)
    return render(request, "dashboard/lockouts.html", {"lockouts": signin.lockouts()})


@login_required
@require_POST
def unlock(request: HttpRequest) -> HttpResponse:
    require_admin(request.user)
    username = request.POST.get("username", "")[: signin.MAX_USERNAME]
    address = request.POST.get("ip_address", "")[:45]
    if signin.unlock(username=username, ip_address=address):
        messages.success(request, f"{username or 'The user'} can sign in from {address} again.")
    else:
        messages.info(request, "That sign-in was not locked (any more).")
    return redirect("dashboard:lockouts")
