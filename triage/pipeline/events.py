"""Recording one PipelineEvent per stage and run, in the same transaction as the stage's output.

A stage does its slow work (an engine call, an embedding) with no transaction open, then
saves what it decided and its event together in one short transaction. The event is unique
per (ticket, stage, run) when it succeeded, so a stage that already committed in this run is
never written twice: a retried run skips it and reads its output back instead.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone

from triage.models import PipelineEvent, Ticket


@dataclass
class StageRecord:
    """What a stage fills in while it runs; written as a PipelineEvent by ``saving()``."""

    ticket: Ticket
    name: str
    run: int
    inputs: dict = field(default_factory=dict)
    outputs: dict = field(default_factory=dict)
    versions: dict = field(default_factory=dict)
    error: str = ""
    started: datetime = field(default_factory=timezone.now)
    clock: float = field(default_factory=time.perf_counter)
    saved: bool = False

    @contextmanager
    def saving(self) -> Iterator[StageRecord]:
        """One transaction for the stage's writes and its event. Inputs and outputs: summaries of
        masked text only."""
        with transaction.atomic():
            yield self
            self._write_event()
        self.saved = True

    def _write_event(self) -> None:
        event = PipelineEvent.objects.create(
            ticket=self.ticket,
            stage=self.name,
            run=self.run,
            started_at=self.started,
            finished_at=self.started + timedelta(seconds=time.perf_counter() - self.clock),
            inputs=self.inputs,
            outputs=self.outputs,
            versions=self.versions,
            error=self.error,
        )
        done = _done.get((self.ticket.pk, self.run))
        if done is not None and not self.error:
            done[self.name] = event


@contextmanager
def stage(ticket: Ticket, name: str, *, run: int) -> Iterator[StageRecord]:
    """Time a stage. Its writes go in ``record.saving()``; a stage that writes nothing is recorded
    on exit."""
    record = StageRecord(ticket=ticket, name=name, run=run)
    yield record
    if not record.saved:
        with record.saving():
            pass


# The successful events of the runs this process works on, read once per run: while a ticket is
# claimed, only its claimant writes its events, and ``start_run`` forgets what an earlier claim of
# the same run (perhaps in another process) left here.
_done: dict[tuple[int, int], dict[str, PipelineEvent]] = {}
_MAX_RUNS_REMEMBERED = 256


def start_run(*, ticket_id: int, run: int) -> None:
    """Called when a claim is taken: the run's committed stages are read afresh."""
    _done.pop((ticket_id, run), None)


def completed(ticket: Ticket, name: str, *, run: int) -> PipelineEvent | None:
    """The successful event of ``name`` in this run, if the stage already committed (one query
    per run, not one per stage)."""
    key = (ticket.pk, run)
    if key not in _done:
        if len(_done) >= _MAX_RUNS_REMEMBERED:
            _done.clear()
        _done[key] = {
            e.stage: e
            for e in PipelineEvent.objects.filter(ticket=ticket, run=run, error="").order_by("pk")
        }
    return _done[key].get(name)


def record_failure(*, ticket_id: int, stage_name: str, error: str, run: int = 0) -> None:
    """An event for a stage that failed, so the trail shows why nothing changed."""
    now = timezone.now()
    ticket = Ticket.objects.filter(pk=ticket_id).first()
    if ticket is None:
        return
    PipelineEvent.objects.create(
        ticket=ticket,
        stage=stage_name,
        run=run,
        started_at=now,
        finished_at=now,
        error=error[:2000],
    )
