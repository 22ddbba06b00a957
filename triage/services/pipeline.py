"""Run the pipeline stages on one ticket, in order, under a row lock.

The whole run is one transaction: a stage that fails rolls back everything the run did,
then a failure event is recorded on its own, and the task's retry starts clean.
"""

from __future__ import annotations

import logging

from django.db import transaction

from knowledge.embeddings import embed_text
from triage.drafting.service import draft_reply, guard_draft, retrieve_sources
from triage.models import Ticket
from triage.services.assess import assess_ticket
from triage.services.classify import classify_ticket, ticket_text
from triage.services.events import record_failure
from triage.services.preprocess import preprocess_ticket
from triage.services.route import route_ticket

logger = logging.getLogger(__name__)

PROCESSABLE = (Ticket.Status.NEW, Ticket.Status.REOPENED)


def run_pipeline(*, ticket_id: int) -> bool:
    """Process the ticket if it waits for processing. Returns False when there was nothing to do."""
    current_stage = "pipeline"
    try:
        with transaction.atomic():
            ticket = (
                Ticket.objects.select_for_update(skip_locked=True, of=("self",))
                .filter(pk=ticket_id, status__in=PROCESSABLE)
                .select_related("customer")
                .first()
            )
            if ticket is None:  # gone, done already, or being processed by another worker
                return False
            current_stage = "preprocess"
            preprocess_ticket(ticket=ticket)
            text = ticket_text(ticket)
            vector = embed_text(text)  # one embedding, shared by classification and retrieval
            current_stage = "classify"
            classification = classify_ticket(ticket=ticket, vector=vector)
            current_stage = "assess"
            assessment = assess_ticket(ticket=ticket, classification=classification, text=text)
            current_stage = "retrieve"
            sources = retrieve_sources(ticket=ticket, classification=classification, vector=vector)
            current_stage = "draft"
            draft = draft_reply(ticket=ticket, classification=classification, assessment=assessment, sources=sources)
            current_stage = "guard"
            guard_draft(ticket=ticket, draft=draft, assessment=assessment)
            current_stage = "route"
            route_ticket(ticket=ticket, classification=classification, assessment=assessment, draft=draft)
            if assessment.tier >= 3:
                ticket.status = Ticket.Status.ESCALATED
            elif draft.text:
                ticket.status = Ticket.Status.IN_REVIEW
            else:
                ticket.status = Ticket.Status.TRIAGED
            ticket.save(update_fields=["status", "updated_at"])
    except Exception as exc:
        logger.exception("pipeline failed for ticket %s at %s", ticket_id, current_stage)
        record_failure(ticket_id=ticket_id, stage_name=current_stage, error=f"{type(exc).__name__}: {exc}")
        raise
    return True
