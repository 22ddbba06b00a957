"""Who else is on a ticket: each open ticket page reports every few seconds whether its user is
typing a reply; the page and the queue show the others. Sending warns when someone else replied,
wrote a note, corrected or moved the ticket, or the customer wrote again, since the sender opened
it, and says what changed.

Presence lives in the database (``TicketPresence``): no external service, and every web process
sees the same rows.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.contrib.auth.models import AbstractBaseUser
from django.utils import timezone

from triage.models import (
    Classification,
    Message,
    Note,
    Review,
    StatusChange,
    Ticket,
    TicketPresence,
)

# A page reports every POLL_SECONDS; one not heard from for AWAY_SECONDS has been closed.
POLL_SECONDS = 5
AWAY_SECONDS = 20
# Typing shows for this long after the last keystroke reported.
TYPING_SECONDS = 12


@dataclass(frozen=True)
class Other:
    username: str
    typing: bool


def report(
    *, ticket: Ticket, user: AbstractBaseUser, typing: bool, now: datetime | None = None
) -> None:
    """This user has the ticket open (and is typing a reply, or not)."""
    now = now or timezone.now()
    defaults: dict = {"seen_at": now}
    if typing:
        defaults["typing_at"] = now
    TicketPresence.objects.update_or_create(ticket=ticket, user=user, defaults=defaults)


def leave(*, ticket: Ticket, user: AbstractBaseUser) -> None:
    TicketPresence.objects.filter(ticket=ticket, user=user).delete()


def others_on(
    *, ticket_ids: list[int], user: AbstractBaseUser, now: datetime | None = None
) -> dict[int, list[Other]]:
    """For each ticket, the other people who have it open, typing first."""
    if not ticket_ids:
        return {}
    now = now or timezone.now()
    rows = (
        TicketPresence.objects.filter(
            ticket_id__in=ticket_ids, seen_at__gte=now - timedelta(seconds=AWAY_SECONDS)
        )
        .exclude(user=user)
        .select_related("user")
        .order_by("user__username")
    )
    found: dict[int, list[Other]] = {}
    for row in rows:
        typing = row.typing_at is not None and row.typing_at >= now - timedelta(
            seconds=TYPING_SECONDS
        )
        found.setdefault(row.ticket_id, []).append(Other(row.user.get_username(), typing))
    for others in found.values():
        others.sort(key=lambda o: (not o.typing, o.username))
    return found


def changes_since(
    *, ticket: Ticket, since: datetime, user: AbstractBaseUser, limit: int = 10
) -> list[str]:
    """What others did on the ticket since ``since``, oldest first, in words."""
    changes: list[tuple[datetime, str]] = []
    for review in (
        Review.objects.filter(ticket=ticket, created_at__gt=since)
        .exclude(reviewer=user)
        .select_related("reviewer")
    ):
        who = review.reviewer.get_username() if review.reviewer else "someone"
        if review.decision in (Review.Decision.REJECTED, Review.Decision.ESCALATED):
            what = f"{who} {review.get_decision_display().lower()} the draft"
        else:
            what = f"{who} sent a reply: “{_short(review.final_text)}”"
        changes.append((review.created_at, what))
    # (the message that opened the ticket is not news, however early the page says it opened)
    for message in Message.objects.filter(
        ticket=ticket, direction="inbound", created_at__gt=max(since, ticket.created_at)
    ):
        changes.append(
            (message.created_at, f"the customer wrote again: “{_short(message.masked_body)}”")
        )
    for note in Note.objects.filter(ticket=ticket, created_at__gt=since).exclude(author=user):
        who = note.author.get_username() if note.author else "someone"
        changes.append((note.created_at, f"{who} added a note: “{_short(note.body)}”"))
    for change in StatusChange.objects.filter(ticket=ticket, at__gt=since).exclude(by=user):
        if change.by_id is None:
            continue  # the pipeline's own moves, and those of a reply above
        changes.append(
            (
                change.at,
                f"{change.by.get_username()} moved it from {change.get_from_status_display()} "
                f"to {change.get_to_status_display()}",
            )
        )
    for corrected in Classification.objects.filter(
        ticket=ticket, created_at__gt=since, corrected_by__isnull=False
    ).exclude(corrected_by=user):
        changes.append(
            (
                corrected.created_at,
                f"{corrected.corrected_by.get_username()} set it to {corrected.category} / "
                f"{corrected.urgency}",
            )
        )
    changes.sort(key=lambda c: c[0])
    return [f"{timezone.localtime(at):%H:%M}: {what}" for at, what in changes[:limit]]


def _short(text: str, size: int = 80) -> str:
    text = " ".join((text or "").split())
    return text if len(text) <= size else text[: size - 1] + "…"
