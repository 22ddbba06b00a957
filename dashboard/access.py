"""Who may see what. Every view (and every partial) goes through these helpers.

Roles are Django groups: agent, lead, admin. Superusers count as admins. Another team's
ticket, or a page above one's role, is a 404: we do not confirm that it exists.
"""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.contrib.postgres.aggregates import ArrayAgg
from django.db.models import Q, QuerySet
from django.http import Http404

from triage.models import Team, TeamMembership, Ticket

ROLES = ("agent", "lead", "admin")


def role_of(user: AbstractBaseUser | AnonymousUser) -> str | None:
    """The highest role the user holds, or None.

    Remembered on the user object: a page asks several times (views, selectors, access checks),
    and request.user lives for one request only.
    """
    if not user.is_authenticated:
        return None
    if user.is_superuser:
        return "admin"
    if not hasattr(user, "_deskpilot_role"):
        _remember_role(user, [group.name for group in user.groups.all()])
    return user._deskpilot_role


def _remember_role(user: AbstractBaseUser, group_names: list[str]) -> None:
    names = set(group_names)
    user._deskpilot_role = next((role for role in reversed(ROLES) if role in names), None)


class AccessBackend(ModelBackend):
    """Django's model backend, except that the signed-in user of each request is read with their
    role and team ids in the same query (one query instead of three on every page)."""

    def get_user(self, user_id):
        users = get_user_model()._default_manager.annotate(
            deskpilot_groups=ArrayAgg(
                "groups__name", distinct=True, filter=Q(groups__isnull=False), default=[]
            ),
            deskpilot_teams=ArrayAgg(
                "teammembership__team_id",
                distinct=True,
                filter=Q(teammembership__isnull=False),
                default=[],
            ),
        )
        try:
            user = users.get(pk=user_id)
        except users.model.DoesNotExist:
            return None
        _remember_role(user, user.deskpilot_groups)
        user._deskpilot_team_ids = list(user.deskpilot_teams)
        return user if self.user_can_authenticate(user) else None


def is_admin(user: AbstractBaseUser | AnonymousUser) -> bool:
    return role_of(user) == "admin"


def is_lead_or_admin(user: AbstractBaseUser | AnonymousUser) -> bool:
    return role_of(user) in {"lead", "admin"}


def teams_for(user: AbstractBaseUser) -> QuerySet[Team]:
    """The teams whose tickets this user may see: all for an admin, their own otherwise."""
    if is_admin(user):
        return Team.objects.all()
    return Team.objects.filter(pk__in=_team_ids(user))


def tickets_for(user: AbstractBaseUser) -> QuerySet[Ticket]:
    """Tickets the user may see. Unrouted tickets are visible to admins only."""
    if is_admin(user):
        return Ticket.objects.all()
    if role_of(user) is None:
        return Ticket.objects.none()
    # A list of ids, not a join: the planner then knows how selective it is.
    return Ticket.objects.filter(team_id__in=_team_ids(user))


def _team_ids(user: AbstractBaseUser) -> list[int]:
    """The ids of the user's teams, remembered on the user object like the role (one request)."""
    if not hasattr(user, "_deskpilot_team_ids"):
        user._deskpilot_team_ids = list(
            TeamMembership.objects.filter(user=user).values_list("team_id", flat=True)
        )
    return user._deskpilot_team_ids


def ticket_for_user(user: AbstractBaseUser, pk: int) -> Ticket:
    """The ticket, if the user may see it; 404 otherwise."""
    try:
        return tickets_for(user).select_related("customer", "team", "reviewer").get(pk=pk)
    except Ticket.DoesNotExist:
        raise Http404("No such ticket") from None


def require_admin(user: AbstractBaseUser) -> None:
    if not is_admin(user):
        raise Http404("Not found")


def require_lead(user: AbstractBaseUser) -> None:
    if not is_lead_or_admin(user):
        raise Http404("Not found")


def can_view_pii(user: AbstractBaseUser, ticket: Ticket) -> bool:
    """The original text (with PII) is for leads, admins and the ticket's assigned reviewer; others
    see it masked."""
    return is_lead_or_admin(user) or (
        ticket.reviewer_id is not None and ticket.reviewer_id == user.pk
    )
