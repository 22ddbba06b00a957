"""The feedback loop: a resolved ticket with an approved reply becomes knowledge."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from knowledge.embeddings import MODEL_NAME, embed_texts
from knowledge.models import KnowledgeEntry
from knowledge.services import entry_embedding_text
from triage.models import HEAVY_EDIT_THRESHOLD, Review, Ticket
from triage.text.pii import mask_pii

# An approved reply this close to the draft (normalised Levenshtein) is proposed as gold.
GOLD_PROPOSAL_MAX_EDIT = 0.05
# A reply an agent wrote by hand is learnt from too (it is the team's own answer), never proposed
# as gold on its own. Internal notes are never learnt from.
LEARNABLE = (
    Review.Decision.APPROVED_UNCHANGED,
    Review.Decision.APPROVED_EDITED,
    Review.Decision.WRITTEN,
)


def learn_from_ticket(*, ticket: Ticket) -> KnowledgeEntry | None:
    """Create or refresh the ticket's knowledge entry from its approved reply and final labels.

    Nothing is learnt from a closed ticket, when the last decision was a rejection or an
    escalation, or when a draft was heavily edited (its sources did not carry it).
    Idempotent: one entry per ticket.
    """
    if ticket.status == Ticket.Status.CLOSED:
        return None  # spam, not ours, a merged duplicate: never knowledge
    review = ticket.reviews.order_by("-created_at", "-pk").first()
    if review is None or review.decision not in LEARNABLE:
        return None
    if review.decision != Review.Decision.WRITTEN and review.edit_distance > HEAVY_EDIT_THRESHOLD:
        return None
    classification = ticket.classifications.order_by("-created_at", "-pk").first()
    if classification is None or not ticket.masked_text:
        return None
    response = mask_pii(review.final_text, ticket.pii_mapping()).text
    vector = embed_texts([entry_embedding_text(text=ticket.masked_text)])[0]
    propose_gold = review.decision != Review.Decision.WRITTEN and (
        review.decision == Review.Decision.APPROVED_UNCHANGED
        or review.edit_distance <= GOLD_PROPOSAL_MAX_EDIT
    )
    with transaction.atomic():
        entry, _created = KnowledgeEntry.objects.update_or_create(
            source_ticket=ticket,
            defaults={
                "text": ticket.masked_text,
                "response": response,
                "resolution": review.reason,
                "category": classification.category,
                "subcategory": classification.subcategory,
                "urgency": classification.urgency,
                "sentiment": classification.sentiment,
                "language": ticket.language or "en",
                "resolved_at": timezone.now(),
                "gold_proposed": propose_gold,
                "embedding": vector,
                "embedding_model": MODEL_NAME,
            },
        )
    return entry
