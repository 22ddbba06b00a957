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

from django.conf import settings
from django.db.models import prefetch_related_objects

from knowledge.embeddings import embed_texts
from knowledge.retrieval import Source
from triage import lifecycle
from triage.config import snapshot
from triage.engines.types import ClassificationResult
from triage.models import Assessment, Classification, Ticket
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
    return run_claimed(claims)


def run_claimed(claims: list[tuple[Ticket, int]]) -> BatchOutcome:
    """Run the claimed tickets through every stage: preprocess each, one embedding call and one
    classifier call for all, classify and assess each, one retrieval for all, then the remaining
    stages ticket by ticket. The configuration they
    read (taxonomy, rules, personas, versions) is read once for the batch."""
    with snapshot.batch_snapshot():
        return _run_claimed(claims)


def _run_claimed(claims: list[tuple[Ticket, int]]) -> BatchOutcome:
    outcome = BatchOutcome()
    # Each ticket's thread and recorded actions, read once for the batch (two queries), then
    # shared by the stages.
    prefetch_related_objects([ticket for ticket, _ in claims], "messages", "actions")
    ready: list[tuple[Ticket, int]] = []
    for ticket, run in claims:
        start_run(ticket_id=ticket.pk, run=run)
        try:
            preprocess_ticket(ticket=ticket, run=run)
        except Exception as exc:  # noqa: BLE001 -- recorded on the ticket, raised by its own task
            _failed(outcome, ticket.pk, run, "preprocess", exc)
        else:
            ready.append((ticket, run))
    if not ready:
        return outcome
    texts = [ticket_text(ticket) for ticket, _ in ready]
    try:
        # One embedding per ticket, shared by classification and retrieval.
        vectors = embed_texts(texts)
    except Exception as exc:  # noqa: BLE001
        for ticket, run in ready:
            _failed(outcome, ticket.pk, run, "preprocess", exc)
        return outcome
    try:
        prepared: list[ClassificationResult | None] = classify_batch(texts, vectors) or [
            None
        ] * len(ready)
    except Exception as exc:  # noqa: BLE001
        for ticket, run in ready:
            _failed(outcome, ticket.pk, run, "classify", exc)
        return outcome
    # Classification and assessment ticket by ticket, retrieval for all the batch's tickets at once
    # (a query per kind of source), then the rest ticket by ticket.
    assessed = []
    for (ticket, run), text, vector, result in zip(ready, texts, vectors, prepared, strict=True):
        current_stage = "classify"
        try:
            classification = classify_ticket(
                ticket=ticket, run=run, vector=vector, prepared=result, batch=len(ready)
            )
            current_stage = "assess"
            assessment = assess_ticket(
                ticket=ticket, run=run, classification=classification, text=text
            )
        except Exception as exc:  # noqa: BLE001 -- recorded on the ticket, raised by its own task
            _failed(outcome, ticket.pk, run, current_stage, exc)
        else:
            assessed.append((ticket, run, text, vector, classification, assessment))
    try:
        found = find_sources_many(
            [(c, vector, text, ticket.language or "") for ticket, _, text, vector, c, _ in assessed]
        )
    except Exception as exc:  # noqa: BLE001
        for ticket, run, *_ in assessed:
            _failed(outcome, ticket.pk, run, "retrieve", exc)
        return outcome
    for (ticket, run, _, _, classification, assessment), sources in zip(
        assessed, found, strict=True
    ):
        failure = _run_stages(
            ticket,
            run,
            classification=classification,
            assessment=assessment,
            found=sources,
            batch=len(assessed),
        )
        if failure is not None:
            _failed(outcome, ticket.pk, run, *failure)
        else:
            outcome.processed.append(ticket.pk)
    return outcome


def _run_stages(
    ticket: Ticket,
    run: int,
    *,
    classification: Classification,
    assessment: Assessment,
    found: tuple[list[Source], bool],
    batch: int,
) -> None | tuple[str, Exception]:
    """Retrieve (its sources found with the batch) to finish for one ticket: None when it
    finished, else (stage, error)."""
    current_stage = "retrieve"
    try:
        sources = retrieve_sources(
            ticket=ticket, run=run, classification=classification, found=found, batch=batch
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
        lifecycle.finish_processing(
            ticket_id=ticket.pk, tier=assessment.tier, has_draft=bool(draft.text)
        )
    except Exception as exc:  # noqa: BLE001 -- recorded on the ticket, raised by its own task
        return current_stage, exc
    return None


def _failed(
    outcome: BatchOutcome, ticket_id: int, run: int, stage_name: str, exc: Exception
) -> None:
    logger.error("pipeline failed for ticket %s at %s", ticket_id, stage_name, exc_info=exc)
    record_failure(
        ticket_id=ticket_id, stage_name=stage_name, error=f"{type(exc).__name__}: {exc}", run=run
    )
    lifecycle.release_claim(ticket_id=ticket_id)
    outcome.failed[ticket_id] = exc
