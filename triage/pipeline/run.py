"""The spine: claim tickets, run the stages in order, each committing what it decided.

No transaction spans the run. ``triage.lifecycle`` gives a ticket to one worker for a lease longer
than a task may live; every stage commits its output together with its event, and skips itself
when its event for this run exists. A task that dies half-way is retried (or its lease runs out)
and the next attempt continues the same run from the first stage that did not commit; two workers
handed the same ticket produce one classification, one draft and one set of events. Engines and
the embedding model run with no transaction open.

A worker runs tickets in batches (``run_batch``): it takes the ticket its task names and the other
fresh tickets that wait (up to ``PIPELINE_BATCH_SIZE``, waiting at most
``PIPELINE_BATCH_WAIT_SECONDS`` while more arrive), embeds them in one call, classifies them in
one call and retrieves their sources in one query per kind of source; every stage still commits
per ticket, so each ticket keeps its own claim, events and failure: one ticket failing never holds
back the others.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import prefetch_related_objects

from knowledge.embeddings import embed_texts
from knowledge.retrieval import Source
from triage import leases, lifecycle, queueing
from triage.config import snapshot
from triage.engines.types import ClassificationResult
from triage.models import Assessment, Classification, Draft, Ticket
from triage.pipeline.assess import assess_ticket
from triage.pipeline.classify import classify_batch, classify_ticket, ticket_text
from triage.pipeline.draft import draft_reply
from triage.pipeline.events import record_failure, start_run
from triage.pipeline.guard import guard_draft
from triage.pipeline.handoff import write_handoff
from triage.pipeline.preprocess import preprocess_ticket
from triage.pipeline.retrieve import find_sources_many, retrieve_sources
from triage.pipeline.route import route_ticket

logger = logging.getLogger(__name__)

# Between two looks for more tickets while a batch fills.
POLL_SECONDS = 0.05
# A ticket that failed inside another ticket's batch is tried again on its own after this long.
RETRY_FAILED_AFTER_SECONDS = 5


@dataclass
class BatchOutcome:
    """What a batch did: the tickets it finished, and the error of each that failed (its claim is
    released, so its task's retry or the recovery sweep continues its run)."""

    processed: list[int] = field(default_factory=list)
    failed: dict[int, Exception] = field(default_factory=dict)


def run_pipeline(*, ticket_id: int) -> bool:
    """Process one ticket if it waits for processing; its error is raised. Returns False when there
    was nothing to do."""
    claim = lifecycle.claim_for_processing(ticket_id=ticket_id)
    if claim is None:  # gone, done already, or held by another live worker
        return False
    outcome = run_claimed([claim])
    if ticket_id in outcome.failed:
        raise outcome.failed[ticket_id]
    return True


def run_batch(
    *, first_id: int | None = None, limit: int | None = None, wait: float | None = None
) -> BatchOutcome:
    """Claim ``first_id`` and the fresh tickets waiting longest, up to ``limit``; while the batch
    is not full and more keep arriving, look again every 50 ms for at most ``wait`` seconds; then
    run them. Nothing is claimed (and nothing waited for) when ``first_id`` is not there to take."""
    limit = limit or settings.PIPELINE_BATCH_SIZE
    wait = settings.PIPELINE_BATCH_WAIT_SECONDS if wait is None else wait
    claims = lifecycle.claim_ready(limit=limit, first_id=first_id)
    deadline = time.monotonic() + wait
    while claims and len(claims) < limit and time.monotonic() < deadline:
        time.sleep(POLL_SECONDS)
        more = lifecycle.claim_ready(limit=limit - len(claims))
        if not more:  # the stream paused: run what we have
            break
        claims += more
    outcome = run_claimed(claims)
    # The named ticket's failure is its caller's to retry; every other failed ticket of the batch
    # gets a task of its own, with its own retries.
    for failed_id in outcome.failed:
        if failed_id != first_id:
            queueing.enqueue_ticket(ticket_id=failed_id, countdown=RETRY_FAILED_AFTER_SECONDS)
    return outcome


def run_claimed(claims: list[tuple[Ticket, int]]) -> BatchOutcome:
    """Run the claimed tickets through every stage: preprocess each, one embedding call and one
    classifier call for all, classify and assess each, one retrieval for all, then the remaining
    stages ticket by ticket. The configuration they read (taxonomy, rules, personas, versions) is
    read once for the batch; the claims are renewed by the heartbeat while it runs."""
    with (
        leases.holding(tickets=[ticket.pk for ticket, _ in claims]),
        snapshot.batch_snapshot(),
    ):
        return _run_claimed(claims)


@dataclass
class _Work:
    """One claimed ticket on its way through the batch: what each step hands to the next."""

    ticket: Ticket
    run: int
    text: str = ""
    vector: Any = None
    prepared: ClassificationResult | None = None
    classification: Classification | None = None
    assessment: Assessment | None = None
    found: tuple[list[Source], bool] = ([], False)


def _run_claimed(claims: list[tuple[Ticket, int]]) -> BatchOutcome:
    outcome = BatchOutcome()
    batch = [_Work(ticket=ticket, run=run) for ticket, run in claims]
    # Each ticket's thread and recorded actions, read once for the batch (two queries), then
    # shared by the stages.
    prefetch_related_objects([work.ticket for work in batch], "messages", "actions")
    for step in (_preprocess, _embed, _classify_and_assess, _retrieve):
        batch = step(batch, outcome)
        if not batch:
            return outcome
    for work in batch:
        _finish_one(work, outcome, batch_size=len(batch))
    return outcome


def _preprocess(batch: list[_Work], outcome: BatchOutcome) -> list[_Work]:
    """Clean, mask and read each ticket; the ones that fail leave the batch."""
    ready = []
    for work in batch:
        start_run(ticket_id=work.ticket.pk, run=work.run)
        try:
            preprocess_ticket(ticket=work.ticket, run=work.run)
        except Exception as exc:  # noqa: BLE001 -- recorded on the ticket, raised by its own task
            _failed(outcome, work, "preprocess", exc)
        else:
            work.text = ticket_text(work.ticket)
            ready.append(work)
    return ready


def _embed(batch: list[_Work], outcome: BatchOutcome) -> list[_Work]:
    """One embedding call for the batch (shared by classification and retrieval), then one
    classifier call."""
    texts = [work.text for work in batch]
    try:
        vectors = embed_texts(texts)
    except Exception as exc:  # noqa: BLE001
        return _all_failed(batch, outcome, "preprocess", exc)
    try:
        prepared = classify_batch(texts, vectors) or [None] * len(batch)
    except Exception as exc:  # noqa: BLE001
        return _all_failed(batch, outcome, "classify", exc)
    for work, vector, result in zip(batch, vectors, prepared, strict=True):
        work.vector, work.prepared = vector, result
    return batch


def _classify_and_assess(batch: list[_Work], outcome: BatchOutcome) -> list[_Work]:
    """Each ticket's classification (from the batch's classifier call) and assessment."""
    assessed = []
    for work in batch:
        current_stage = "classify"
        try:
            work.classification = classify_ticket(
                ticket=work.ticket,
                run=work.run,
                vector=work.vector,
                prepared=work.prepared,
                batch=len(batch),
            )
            current_stage = "assess"
            work.assessment = assess_ticket(
                ticket=work.ticket, run=work.run, classification=work.classification, text=work.text
            )
        except Exception as exc:  # noqa: BLE001 -- recorded on the ticket, raised by its own task
            _failed(outcome, work, current_stage, exc)
        else:
            assessed.append(work)
    return assessed


def _retrieve(batch: list[_Work], outcome: BatchOutcome) -> list[_Work]:
    """Sources for every ticket of the batch at once: one query per kind of source."""
    try:
        found = find_sources_many(
            [
                (work.classification, work.vector, work.text, work.ticket.language or "")
                for work in batch
            ]
        )
    except Exception as exc:  # noqa: BLE001
        return _all_failed(batch, outcome, "retrieve", exc)
    for work, sources in zip(batch, found, strict=True):
        work.found = sources
    return batch


def _finish_one(work: _Work, outcome: BatchOutcome, *, batch_size: int) -> None:
    """Retrieve (its sources found with the batch), draft, guard, route, hand off and finish one
    ticket; a failure is recorded against the stage it happened in."""
    ticket, run = work.ticket, work.run
    classification, assessment = work.classification, work.assessment
    assert classification is not None and assessment is not None  # set by the steps before
    current_stage = "retrieve"
    try:
        sources = retrieve_sources(
            ticket=ticket,
            run=run,
            classification=classification,
            found=work.found,
            batch=batch_size,
        )
        current_stage = "draft"
        draft = draft_reply(
            ticket=ticket,
            run=run,
            classification=classification,
            assessment=assessment,
            sources=sources,
        )
        current_stage = "guard"
        guard_draft(ticket=ticket, run=run, draft=draft, assessment=assessment)
        current_stage = "route"
        ticket = route_ticket(
            ticket=ticket,
            run=run,
            classification=classification,
            assessment=assessment,
            draft=draft,
        )
        current_stage = "handoff"
        write_handoff(
            ticket=ticket,
            run=run,
            classification=classification,
            assessment=assessment,
            draft=draft,
        )
        current_stage = "finish"
        with transaction.atomic():
            lifecycle.finish_processing(
                ticket_id=ticket.pk, tier=assessment.tier, has_draft=bool(draft.text)
            )
            if may_auto_send(assessment=assessment, draft=draft):
                queueing.enqueue_auto_send(ticket_id=ticket.pk)
    except Exception as exc:  # noqa: BLE001 -- recorded on the ticket, raised by its own task
        _failed(outcome, work, current_stage, exc)
    else:
        outcome.processed.append(ticket.pk)


def may_auto_send(*, assessment: Assessment, draft: Draft) -> bool:
    """Whether auto-send should look at this draft at all: a tier-0 ticket whose reply draft the
    guards left clean (``triage.review.auto_send`` judges the rest: the rule and its evidence)."""
    return (
        assessment.auto_send_allowed
        and draft.kind == Draft.Kind.REPLY
        and bool(draft.text)
        and not draft.guard_flags
    )


def _all_failed(
    batch: list[_Work], outcome: BatchOutcome, stage_name: str, exc: Exception
) -> list[_Work]:
    for work in batch:
        _failed(outcome, work, stage_name, exc)
    return []


def _failed(outcome: BatchOutcome, work: _Work, stage_name: str, exc: Exception) -> None:
    ticket_id = work.ticket.pk
    logger.error("pipeline failed for ticket %s at %s", ticket_id, stage_name, exc_info=exc)
    record_failure(
        ticket_id=ticket_id,
        stage_name=stage_name,
        error=f"{type(exc).__name__}: {exc}",
        run=work.run,
    )
    lifecycle.release_claim(ticket_id=ticket_id)
    outcome.failed[ticket_id] = exc
