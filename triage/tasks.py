"""Celery tasks: each takes ids, re-fetches, returns quietly when the row is gone, and calls a
service."""

from __future__ import annotations

import logging

from celery import shared_task
from django.db import transaction
from django.utils import timezone

from triage import recovery
from triage.evaluation.cases import run_replay
from triage.models import Outbound, Ticket
from triage.pipeline.run import run_batch
from triage.review import auto_send
from triage.review.outbound import send_outbound

logger = logging.getLogger(__name__)


@shared_task(
    bind=True,
    acks_late=True,
    autoretry_for=(Exception,),
    retry_backoff=5,
    retry_backoff_max=300,
    max_retries=5,
    soft_time_limit=240,
    time_limit=300,
)
def process_ticket(self, ticket_id: int) -> bool:
    """Run the pipeline for the ticket and the other fresh tickets waiting with it (one batch,
    ``triage.pipeline.run.run_batch``), then auto-send each draft where the category has earned it.
    Idempotent: a redelivered or retried task finds nothing left to do.

    The ticket's own failure is raised (the task retries with backoff); another ticket of the batch
    that failed gets a task of its own, with its own retries."""
    outcome = run_batch(first_id=ticket_id)
    for processed_id in outcome.processed:
        review = auto_send.try_auto_send(ticket_id=processed_id)
        if review is not None and review.outbound is not None and review.outbound.in_flight:
            enqueue_send(outbound_id=review.outbound.pk)
    for failed_id in outcome.failed:
        if failed_id != ticket_id:
            process_ticket.apply_async(args=[failed_id], countdown=5)
    if ticket_id in outcome.failed:
        raise outcome.failed[ticket_id]
    return ticket_id in outcome.processed


@shared_task(
    bind=True,
    acks_late=True,
    max_retries=Outbound.MAX_ATTEMPTS,
    soft_time_limit=150,
    time_limit=180,
)
def send_reply(self, outbound_id: int) -> str:
    """Deliver one reply from the outbox; a failed delivery is tried again at the time the outbox
    row says."""
    outbound = send_outbound(outbound_id=outbound_id)
    if outbound is None:
        return "nothing to do"
    if outbound.status == Outbound.Status.FAILED and outbound.next_attempt_at is not None:
        countdown = max(0.0, (outbound.next_attempt_at - timezone.now()).total_seconds())
        raise self.retry(countdown=countdown, max_retries=Outbound.MAX_ATTEMPTS)
    return outbound.status


@shared_task(acks_late=True, soft_time_limit=50, time_limit=60)
def sweep_stuck_work() -> dict:
    """Queue again the tickets and replies whose task was lost (``triage.recovery``)."""
    stuck = recovery.find_stuck()
    for ticket_id in stuck.tickets:
        process_ticket.delay(ticket_id)
    for outbound_id in stuck.outbound:
        send_reply.delay(outbound_id)
    if stuck.tickets or stuck.outbound:
        logger.warning(
            "recovery sweep queued %d ticket(s) and %d repl(ies) again",
            len(stuck.tickets),
            len(stuck.outbound),
        )
    return {"tickets": len(stuck.tickets), "outbound": len(stuck.outbound)}


@shared_task(acks_late=True, soft_time_limit=3500, time_limit=3600)
def replay_cases(run_id: int) -> None:
    """Replay the pipeline on the evaluation cases for a queued EvaluationRun, updating its
    progress."""
    run_replay(run_id=run_id)


def enqueue_processing(*, ticket_id: int) -> None:
    """Queue the pipeline once the surrounding transaction has committed (the worker must see the
    row). If the message is lost, the recovery sweep queues it again."""
    Ticket.objects.filter(pk=ticket_id).update(queued_at=timezone.now())
    transaction.on_commit(lambda: process_ticket.delay(ticket_id))


def enqueue_send(*, outbound_id: int) -> None:
    """Queue the delivery of a reply once the decision that wrote it has committed."""
    transaction.on_commit(lambda: send_reply.delay(outbound_id))


def enqueue_replay(*, run_id: int) -> None:
    transaction.on_commit(lambda: replay_cases.delay(run_id))
