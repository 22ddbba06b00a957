"""Template context every page needs."""

from __future__ import annotations

from django.http import HttpRequest

from dashboard.access import role_of


def role(request: HttpRequest) -> dict[str, str | None]:
    """The signed-in user's role (agent, lead, admin), for the navigation."""
    user = getattr(request, "user", None)
    return {"role": role_of(user) if user is not None else None}
