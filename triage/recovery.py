"""Work to do lives in the database; the broker only carries hints.

Two kinds of lost work are queued again:

- abandoned: a worker took it and died. Its claim ran out (a live worker renews its claims every
  few seconds, ``triage.leases``), and nothing queued it since the claim was taken: queued at once.
- lost in the broker: a ticket waiting for the pipeline (``new`` or ``reopened``) that no live
  worker holds, or a reply that should be on its way (``pending``, ``failed`` or ``checking`` past
  its retry time), with no task queued for longer than ``SWEEP_AFTER_SECONDS``.

Redelivery is harmless: the pipeline claims a ticket under a row lock and skips stages already
committed; the outbox takes a reply under a lease, never sends a sent one, and checks what a
dead or timed-out attempt left before it sends again.

The sweep runs every ``SWEEP_INTERVAL_SECONDS`` (Celery beat) and when a worker starts.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from triage import queueing
from triage.lifecycle import PROCESSABLE
from triage.models import ClientEvent, Outbound, Ticket

logger = logging.getLogger(__name__)

BATCH = 500


@dataclass(frozen=True)
class Stuck:
    tickets: list[int]
    outbound: list[int]


def sweep_after() -> timedelta:
    return timedelta(seconds=settings.SWEEP_AFTER_SECONDS)


def find_stuck(*, now: datetime | None = None) -> Stuck:
    """The tickets and replies whose queued task was lost (or never sent), marked as queued again
    now so the next sweep leaves them alone for a while."""
    now = now or timezone.now()
    before = now - sweep_after()
    not_queued_since = Q(queued_at__isnull=True) | Q(queued_at__lt=before)
    with transaction.atomic():
        abandoned_ticket = Q(claimed_until__lt=now) & (
            Q(queued_at__isnull=True) | Q(queued_at__lt=F("claimed_until"))
        )
        lost_ticket = (
            (Q(claimed_until__isnull=True) | Q(claimed_until__lt=now))
            & Q(created_at__lt=before)
            & not_queued_since
        )
        tickets = list(
            Ticket.objects.select_for_update(skip_locked=True)
            .filter(status__in=PROCESSABLE)
            .filter(abandoned_ticket | lost_ticket)
            .order_by("created_at", "pk")
            .values_list("pk", flat=True)[:BATCH]
        )
        Ticket.objects.filter(pk__in=tickets).update(queued_at=now)
        abandoned_reply = Q(status=Outbound.Status.SENDING, sending_until__lt=now) & (
            Q(queued_at__isnull=True) | Q(queued_at__lt=F("sending_until"))
        )
        lost_reply = (
            Q(status=Outbound.Status.SENDING, sending_until__lt=now)
            | Q(status=Outbound.Status.PENDING, created_at__lt=before)
            | Q(
                status__in=[Outbound.Status.FAILED, Outbound.Status.CHECKING],
                next_attempt_at__lt=before,
            )
        ) & not_queued_since
        outbound = list(
            Outbound.objects.select_for_update(skip_locked=True)
            .filter(abandoned_reply | lost_reply)
            .order_by("pk")
            .values_list("pk", flat=True)[:BATCH]
        )
        Outbound.objects.filter(pk__in=outbound).update(queued_at=now)
    return Stuck(tickets=tickets, outbound=outbound)


def requeue_stuck(*, now: datetime | None = None) -> dict[str, int]:
    """Find the lost work (``find_stuck``) and queue it again; returns how much."""
    stuck = find_stuck(now=now)
    for ticket_id in stuck.tickets:
        queueing.enqueue_ticket(ticket_id=ticket_id)
    for outbound_id in stuck.outbound:
        queueing.enqueue_send(outbound_id=outbound_id)
    if ClientEvent.objects.filter(
        status=ClientEvent.Status.PENDING, next_attempt_at__lte=now or timezone.now()
    ).exists():
        queueing.enqueue_client_events()  # status events due: the sweep is their clock
    if stuck.tickets or stuck.outbound:
        logger.warning(
            "recovery sweep queued %d ticket(s) and %d repl(ies) again",
            len(stuck.tickets),
            len(stuck.outbound),
        )
    return {"tickets": len(stuck.tickets), "outbound": len(stuck.outbound)}
