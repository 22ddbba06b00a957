"""Celery tasks: each takes ids, re-fetches, returns quietly when the row is gone, and calls one
service. Nothing here queues work: services do, through ``triage.queueing``."""

from __future__ import annotations

from celery import shared_task
from django.utils import timezone

from triage import recovery
from triage.evaluation.cases import run_replay
from triage.models import Outbound
from triage.pipeline.run import run_batch
from triage.review import auto_send
from triage.review import outbound as outbound_service
from triage.review.outbound import send_outbound


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
    ``triage.pipeline.run.run_batch``, which queues auto-send and the retries of the batch's other
    failures itself). Idempotent: a redelivered or retried task finds nothing left to do.

    The ticket's own failure is raised, so the task retries with backoff."""
    outcome = run_batch(first_id=ticket_id)
    if ticket_id in outcome.failed:
        raise outcome.failed[ticket_id]
    return ticket_id in outcome.processed


@shared_task(acks_late=True, soft_time_limit=50, time_limit=60)
def auto_send_ticket(ticket_id: int) -> bool:
    """Send the ticket's fresh draft without review where its category and team earned it
    (``triage.review.auto_send``); the send is queued by the decision."""
    return auto_send.try_auto_send(ticket_id=ticket_id) is not None


@shared_task(
    bind=True,
    acks_late=True,
    max_retries=Outbound.MAX_ATTEMPTS,
    soft_time_limit=150,
    time_limit=180,
)
def send_reply(self, outbound_id: int) -> str:
    """Deliver one reply from the outbox; a failed or unconfirmed delivery is tried (or checked)
    again at the time the outbox row says."""
    outbound = send_outbound(outbound_id=outbound_id)
    if outbound is None:
        return "nothing to do"
    if (
        outbound.status in (Outbound.Status.FAILED, Outbound.Status.CHECKING)
        and outbound.next_attempt_at is not None
    ):
        countdown = max(0.0, (outbound.next_attempt_at - timezone.now()).total_seconds())
        raise self.retry(countdown=countdown, max_retries=Outbound.MAX_ATTEMPTS)
    return outbound.status


@shared_task(acks_late=True, soft_time_limit=110, time_limit=120)
def deliver_client_events() -> dict:
    """POST the API clients' due status events (``triage.review.outbound``)."""
    return outbound_service.deliver_client_events()


@shared_task(acks_late=True, soft_time_limit=50, time_limit=60)
def sweep_stuck_work() -> dict:
    """Queue again the tickets and replies whose task was lost (``triage.recovery``)."""
    return recovery.requeue_stuck()


@shared_task(acks_late=True, soft_time_limit=3500, time_limit=3600)
def replay_cases(run_id: int) -> None:
    """Replay the pipeline on the evaluation cases for a queued EvaluationRun, updating its
    progress."""
    run_replay(run_id=run_id)
