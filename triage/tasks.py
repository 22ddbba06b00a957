"""Celery tasks: each takes ids, re-fetches, returns quietly when the row is gone, and calls a service."""

from __future__ import annotations

from celery import shared_task
from django.db import transaction

from triage.services.pipeline import run_pipeline


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
    """Run the pipeline for one ticket. Idempotent: a redelivered or retried task finds nothing left to do."""
    return run_pipeline(ticket_id=ticket_id)


def enqueue_processing(*, ticket_id: int) -> None:
    """Queue the pipeline once the surrounding transaction has committed (the worker must see the row)."""
    transaction.on_commit(lambda: process_ticket.delay(ticket_id))
