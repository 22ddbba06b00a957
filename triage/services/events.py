"""Recording one PipelineEvent per stage run."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import timedelta

from django.utils import timezone

from triage.models import PipelineEvent, Ticket


@dataclass
class StageRecord:
    """What a stage fills in while it runs; written as a PipelineEvent when it ends."""

    inputs: dict = field(default_factory=dict)
    outputs: dict = field(default_factory=dict)
    versions: dict = field(default_factory=dict)
    error: str = ""


@contextmanager
def stage(ticket: Ticket, name: str) -> Iterator[StageRecord]:
    """Time the block and record it. Inputs and outputs must be summaries of masked text only."""
    record = StageRecord()
    started = timezone.now()
    clock = time.perf_counter()
    yield record
    elapsed = time.perf_counter() - clock
    PipelineEvent.objects.create(
        ticket=ticket,
        stage=name,
        started_at=started,
        finished_at=started + timedelta(seconds=elapsed),
        inputs=record.inputs,
        outputs=record.outputs,
        versions=record.versions,
        error=record.error,
    )


def record_failure(*, ticket_id: int, stage_name: str, error: str) -> None:
    """An event for a run that failed and was rolled back, so the trail shows why nothing changed."""
    now = timezone.now()
    ticket = Ticket.objects.filter(pk=ticket_id).first()
    if ticket is None:
        return
    PipelineEvent.objects.create(ticket=ticket, stage=stage_name, started_at=now, finished_at=now, error=error[:2000])
