"""Signing in: who is asking (the client's address, through trusted proxies only), how a lock-out
after too many wrong passwords is told, and how an admin lifts one.

Locks are per username *and* address together (django-axes, ``AXES_LOCKOUT_PARAMETERS``): five
wrong passwords for one user from one address lock that pair only, so nobody can lock a colleague
out, and agents behind one proxy do not share a lock.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from datetime import datetime

from axes.models import AccessAttempt
from axes.utils import reset
from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

# Usernames are at most 150 characters (Django's user model); a longer one is nobody's, and is
# cut before it is recorded.
MAX_USERNAME = 150


def _trusted(address: str) -> bool:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in ipaddress.ip_network(net, strict=False) for net in settings.TRUSTED_PROXIES)


def client_ip(request: HttpRequest) -> str:
    """The address a request came from. ``X-Forwarded-For`` is read only when the connection comes
    from a trusted proxy (``TRUSTED_PROXIES``), and then from the right, skipping the trusted
    proxies in the chain: the first address no trusted proxy vouches for is the client. Anyone
    else's header is ignored, so it cannot be used to pose as another address."""
    remote = (request.META.get("REMOTE_ADDR") or "").strip()
    if not _trusted(remote):
        return remote
    chain = [a.strip() for a in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
    for address in reversed([a for a in chain if a]):
        try:
            ipaddress.ip_address(address)
        except ValueError:
            return remote  # a garbled chain: the proxy's own address is all we know
        if not _trusted(address):
            return address
    return remote


def username_of(request: HttpRequest, credentials: dict | None = None) -> str:
    """The username a login attempt names, as django-axes records it (cut to the longest real
    one)."""
    name = (credentials or {}).get("username") or request.POST.get("username", "")
    return str(name)[:MAX_USERNAME]


@dataclass(frozen=True)
class Lockout:
    username: str
    ip_address: str
    failures: int
    until: datetime


def lockouts(*, now: datetime | None = None) -> list[Lockout]:
    """The username and address pairs locked out now, the longest first."""
    now = now or timezone.now()
    since = now - settings.AXES_COOLOFF_TIME
    rows = AccessAttempt.objects.filter(
        failures_since_start__gte=settings.AXES_FAILURE_LIMIT, attempt_time__gt=since
    ).order_by("-attempt_time")
    return [
        Lockout(
            username=row.username or "",
            ip_address=row.ip_address or "",
            failures=row.failures_since_start,
            until=row.attempt_time + settings.AXES_COOLOFF_TIME,
        )
        for row in rows
    ]


def lockout_until(*, username: str, ip_address: str) -> datetime | None:
    row = (
        AccessAttempt.objects.filter(username=username, ip_address=ip_address)
        .order_by("-attempt_time")
        .first()
    )
    return row.attempt_time + settings.AXES_COOLOFF_TIME if row is not None else None


def unlock(*, username: str, ip_address: str) -> int:
    """Lift a lock-out at once; the number of attempt records removed."""
    return reset(username=username, ip=ip_address)


def locked_out(
    request: HttpRequest, original_response=None, credentials: dict | None = None
) -> HttpResponse:
    """The lock-out page (django-axes' ``AXES_LOCKOUT_CALLABLE``): says until when, and that an
    admin can unlock it."""
    username = username_of(request, credentials)
    until = lockout_until(username=username, ip_address=client_ip(request))
    return render(
        request,
        "registration/locked_out.html",
        {
            "failure_limit": settings.AXES_FAILURE_LIMIT,
            "username": username,
            "until": until,
            "minutes": max(1, round((until - timezone.now()).total_seconds() / 60))
            if until
            else None,
        },
        status=429,
    )
