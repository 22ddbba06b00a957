"""The spine: claim a ticket, run the stages in order, each committing what it decided.

No transaction spans the run. ``triage.lifecycle.claim_for_processing`` gives the ticket to one
worker for a lease longer than a task may live; every stage commits its output together with its
event, and skips itself when its event for this run exists. A task that dies half-way is retried
(or its lease runs out) and the next attempt continues the same run from the first stage that
did not commit; two workers handed the same ticket produce one classification, one draft and one
set of events. Engines and the embedding model run with no transaction open.
"""

from __future__ import annotations

import logging

from knowledge.embeddings import embed_text
from triage import lifecycle
from triage.pipeline.assess import assess_ticket
from triage.pipeline.classify import classify_ticket, ticket_text
from triage.pipeline.draft import draft_reply
from triage.pipeline.events import record_failure, start_run
from triage.pipeline.guard import guard_draft
from triage.pipeline.handoff import write_handoff
from triage.pipeline.preprocess import preprocess_ticket
from triage.pipeline.retrieve import retrieve_sources
from triage.pipeline.route import route_ticket

logger = logging.getLogger(__name__)


def run_pipeline(*, ticket_id: int) -> bool:
    """Process the ticket if it waits for processing. Returns False when there was nothing to do."""
    claim = lifecycle.claim_for_processing(ticket_id=ticket_id)
    if claim is None:  # gone, done already, or held by another live worker
        return False
    ticket, run = claim
    start_run(ticket_id=ticket.pk, run=run)
    current_stage = "preprocess"
    try:
        preprocess_ticket(ticket=ticket, run=run)
        text = ticket_text(ticket)
        vector = embed_text(text)  # one embedding, shared by classification and retrieval
        current_stage = "classify"
        classification = classify_ticket(ticket=ticket, run=run, vector=vector)
        current_stage = "assess"
        assessment = assess_ticket(ticket=ticket, run=run, classification=classification, text=text)
        current_stage = "retrieve"
        sources = retrieve_sources(
            ticket=ticket, run=run, classification=classification, vector=vector, text=text
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
            ticket_id=ticket_id, tier=assessment.tier, has_draft=bool(draft.text)
        )
    except Exception as exc:
        logger.exception("pipeline failed for ticket %s at %s", ticket_id, current_stage)
        record_failure(
            ticket_id=ticket_id,
            stage_name=current_stage,
            error=f"{type(exc).__name__}: {exc}",
            run=run,
        )
        lifecycle.release_claim(ticket_id=ticket_id)
        raise
    return True
