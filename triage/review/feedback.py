"""The feedback loop: a resolved ticket whose reply went out clean becomes knowledge.

A reply sent over acknowledged guard flags, or a draft heavily edited, is not learnt on its own:
it becomes a proposal on the admin's "needs review" list. What is learnt is the reply's body
(greeting and sign-off removed) with its case-specific facts made placeholders
(``triage.text.facts.generalize``), so a later draft cannot repeat this customer's numbers.
"""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from knowledge.embeddings import MODEL_NAME, embed_texts
from knowledge.models import KnowledgeEntry, KnowledgeProposal
from knowledge.services import entry_embedding_text
from triage.models import HEAVY_EDIT_THRESHOLD, Persona, Review, Ticket
from triage.text.cleaning import without_closing
from triage.text.facts import generalize
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


def reply_body(text: str) -> str:
    """The reply without the persona's greeting line and sign-off: what a later draft reuses."""
    paragraphs = [p for p in text.strip().split("\n\n") if p.strip()]
    if (
        len(paragraphs) > 1
        and len(paragraphs[0].split()) <= 8
        and paragraphs[0].rstrip()[-1:] in ",:"
    ):
        paragraphs = paragraphs[1:]
    signoffs = {
        signoff.strip()
        for persona in Persona.objects.all()
        for signoff in (persona.signoffs or {}).values()
        if signoff
    }
    while len(paragraphs) > 1 and paragraphs[-1].strip() in signoffs:
        paragraphs = paragraphs[:-1]
    return "\n\n".join(paragraphs).strip()


def not_learnable_why(review: Review) -> str:
    """Why a sent reply must not become knowledge on its own ("" when it may)."""
    if review.sent_over_flags:
        codes = ", ".join(dict.fromkeys(f.get("code", "") for f in review.sent_over_flags))
        return f"sent over acknowledged guard flags ({codes})"
    if review.decision != Review.Decision.WRITTEN and review.edit_distance > HEAVY_EDIT_THRESHOLD:
        return f"the draft was heavily edited (edit distance {review.edit_distance:.2f})"
    return ""


def learn_from_ticket(*, ticket: Ticket) -> KnowledgeEntry | None:
    """Create or refresh the ticket's knowledge entry from its reply and final labels.

    Nothing is learnt from a closed ticket, or when the last decision was a rejection or an
    escalation. A reply sent over flags or a heavily edited draft becomes a proposal for the
    admin instead (``KnowledgeProposal``). Idempotent: one entry (or proposal) per ticket.
    """
    if ticket.status == Ticket.Status.CLOSED:
        return None  # spam, not ours, a merged duplicate: never knowledge
    review = ticket.reviews.order_by("-created_at", "-pk").first()
    if review is None or review.decision not in LEARNABLE:
        return None
    classification = ticket.classifications.order_by("-created_at", "-pk").first()
    if classification is None or not ticket.masked_text:
        return None
    response = generalize(reply_body(mask_pii(review.final_text, ticket.pii_mapping()).text))
    text = without_closing(ticket.masked_text)  # a closing is not part of the question
    labels = {
        "text": text,
        "response": response,
        **classification.labels(),
        "language": ticket.language or "en",
    }
    why = not_learnable_why(review)
    if why:
        KnowledgeProposal.objects.update_or_create(
            source_ticket=ticket,
            defaults={**labels, "why": why, "flags": review.sent_over_flags},
        )
        return None
    vector = embed_texts([entry_embedding_text(text=text)])[0]
    propose_gold = review.decision != Review.Decision.WRITTEN and (
        review.decision == Review.Decision.APPROVED_UNCHANGED
        or review.edit_distance <= GOLD_PROPOSAL_MAX_EDIT
    )
    with transaction.atomic():
        entry, _created = KnowledgeEntry.objects.update_or_create(
            source_ticket=ticket,
            defaults={
                **labels,
                "resolution": review.reason,
                "resolved_at": timezone.now(),
                "gold_proposed": propose_gold,
                "embedding": vector,
                "embedding_model": MODEL_NAME,
            },
        )
    return entry
