"""Leases a worker holds on rows it is working on, kept alive by a heartbeat.

A worker that claims tickets for the pipeline, or a reply to deliver, holds each for a short lease
(``CLAIM_LEASE_SECONDS``); while the process lives, a heartbeat thread renews every lease it holds
every ``HEARTBEAT_SECONDS``. A live worker, however slow, never loses what it holds; a killed one
stops renewing, its leases run out within ``CLAIM_LEASE_SECONDS``, and the recovery sweep hands
the rows to another worker.

The heartbeat thread starts with the first lease a process takes (``LEASE_HEARTBEAT`` off: none,
as in the tests' own process); it uses a database connection of its own, closed after each beat.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager

from django.conf import settings
from django.db import connections
from django.utils import timezone

from triage.lifecycle import claim_lease as lease
from triage.models import Outbound, Ticket

logger = logging.getLogger(__name__)

_lock = threading.Lock()
_tickets: dict[int, int] = {}  # id -> how many holders in this process
_outbound: dict[int, int] = {}
_thread: threading.Thread | None = None


def _add(held: dict[int, int], ids: Iterable[int]) -> None:
    for ident in ids:
        held[ident] = held.get(ident, 0) + 1


def _remove(held: dict[int, int], ids: Iterable[int]) -> None:
    for ident in ids:
        held[ident] -= 1
        if held[ident] <= 0:
            del held[ident]


@contextmanager
def holding(*, tickets: Iterable[int] = (), outbound: Iterable[int] = ()) -> Iterator[None]:
    """Keep the leases on these rows alive while the block runs."""
    tickets, outbound = list(tickets), list(outbound)
    with _lock:
        _add(_tickets, tickets)
        _add(_outbound, outbound)
    _ensure_heartbeat()
    try:
        yield
    finally:
        with _lock:
            _remove(_tickets, tickets)
            _remove(_outbound, outbound)


def renew() -> tuple[int, int]:
    """One beat: push out the lease of every row this process holds (rows whose claim was
    released or whose reply was finished are left alone). Returns the rows renewed."""
    with _lock:
        tickets, outbound = list(_tickets), list(_outbound)
    until = timezone.now() + lease()
    renewed_tickets = (
        Ticket.objects.filter(pk__in=tickets, claimed_until__isnull=False).update(
            claimed_until=until
        )
        if tickets
        else 0
    )
    renewed_outbound = (
        Outbound.objects.filter(pk__in=outbound, status=Outbound.Status.SENDING).update(
            sending_until=until
        )
        if outbound
        else 0
    )
    return renewed_tickets, renewed_outbound


def _beat_forever() -> None:
    while True:
        threading.Event().wait(settings.HEARTBEAT_SECONDS)
        try:
            renew()
        except Exception:  # noqa: BLE001 -- a missed beat is made up by the next one
            logger.exception("lease heartbeat failed")
        finally:
            connections.close_all()  # this thread's own connection, never kept between beats


def _ensure_heartbeat() -> None:
    global _thread
    if not settings.LEASE_HEARTBEAT:
        return
    with _lock:
        if _thread is not None and _thread.is_alive():
            return
        _thread = threading.Thread(target=_beat_forever, name="lease-heartbeat", daemon=True)
        _thread.start()
