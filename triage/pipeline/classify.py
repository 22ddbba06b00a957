"""The classify stage: the configured engine, with a visible fallback to ``local``.

The engine runs with no transaction open (an OpenAI-compatible call can take minutes); only
the result and its event are written, together, in one short transaction.
"""

from __future__ import annotations

import numpy as np
from django.conf import settings

from knowledge.embeddings import embed_text
from triage.config import snapshot
from triage.engines import classify_local, classify_openai
from triage.engines.types import ClassificationResult, EngineError
from triage.models import Classification, Ticket
from triage.pipeline.events import completed, stage
from triage.text.cleaning import without_closing


def ticket_text(ticket: Ticket) -> str:
    """What the engines see: the masked subject and body, without the body's closing (the
    sign-off and the name under it, which the visible text keeps)."""
    return f"{ticket.masked_subject}\n{without_closing(ticket.masked_text)}".strip()


def run_engine(
    text: str, *, engine: str, vector: np.ndarray | None = None
) -> tuple[ClassificationResult, str]:
    """(result, fallback reason or ""). Whatever engine labels the ticket, the local engine judges
    its scope (an out-of-scope ticket goes to a person)."""
    threshold = settings.ROUTING_CONFIDENCE_THRESHOLD
    if engine == "openai":
        vector = embed_text(text) if vector is None else vector
        try:
            result = classify_openai.classify(
                text, taxonomy=snapshot.active_taxonomy(), threshold=threshold
            )
        except EngineError as exc:
            fallback = f"openai engine failed ({exc}); fell back to local"
            result = classify_local.classify(text, vector=vector)
            result.notes.append(fallback)
            return result, fallback
        result.scope = classify_local.judge_scope(text, vector=vector)
        if result.out_of_scope:
            result.notes.append(f"out of scope: {result.scope['reason']}")
        return result, ""
    return classify_local.classify(text, vector=vector), ""


def classify_batch(texts: list[str], vectors: np.ndarray) -> list[ClassificationResult] | None:
    """The local engine's results for a batch of tickets in one call (one matrix product for the
    batch), or None when another engine is configured: that one is asked per ticket."""
    if settings.CLASSIFIER_ENGINE != "local" or not texts:
        return None
    return classify_local.classify_vectors(
        texts,
        vectors,
        model=classify_local.current_model(),
        threshold=settings.ROUTING_CONFIDENCE_THRESHOLD,
    )


def classify_ticket(
    *,
    ticket: Ticket,
    run: int,
    vector: np.ndarray | None = None,
    prepared: ClassificationResult | None = None,
    batch: int = 1,
) -> Classification:
    """Classify the ticket's masked text and store the result with the versions it used
    (``prepared``: the local engine's result from ``classify_batch`` for a batch of ``batch``
    tickets). Idempotent per run."""
    done = completed(ticket, "classify", run=run)
    if done is not None:
        return Classification.objects.get(pk=done.outputs["classification_id"])
    with stage(ticket, "classify", run=run) as record:
        text = ticket_text(ticket)
        vector = embed_text(text) if vector is None else vector
        versions = snapshot.versions()
        if prepared is not None:
            result, fallback = prepared, ""
        else:
            result, fallback = run_engine(
                text,
                engine=settings.CLASSIFIER_ENGINE,
                vector=vector,
            )
        with record.saving():
            classification = Classification.objects.create(
                ticket=ticket,
                urgency=result.urgency,
                category=result.category,
                secondary_category=result.secondary_category,
                subcategory=result.subcategory,
                sentiment=result.sentiment,
                summary=result.summary,
                escalation_risk=result.escalation_risk,
                confidence=max(0.0, min(1.0, result.confidence)),
                needs_human_review=result.needs_human_review,
                alternatives=result.alternatives,
                out_of_scope=result.out_of_scope,
                scope_score=result.scope["score"] if result.scope else None,
                scope_reason=result.scope["reason"][:200] if result.scope else "",
                nearest=result.scope["nearest"] if result.scope else [],
                embedding=vector.tolist() if result.out_of_scope else None,
                engine=result.engine,
                model=result.model,
                prompt_version=result.prompt_version,
                taxonomy_version=versions["taxonomy"],
            )
            record.inputs = {
                "chars": len(text),
                "engine_requested": settings.CLASSIFIER_ENGINE,
                "batch": batch,
            }
            record.outputs = {
                "classification_id": classification.pk,
                "urgency": result.urgency,
                "category": result.category,
                "secondary_category": result.secondary_category,
                "subcategory": result.subcategory,
                "sentiment": result.sentiment,
                "confidence": result.confidence,
                "needs_human_review": result.needs_human_review,
                "alternatives": result.alternatives,
                "scope": result.scope,
                "notes": result.notes,
            }
            if fallback:
                record.outputs["fallback"] = fallback
            record.versions = {
                "engine": result.engine,
                "model": result.model,
                "prompt": result.prompt_version,
                "taxonomy": versions["taxonomy"],
            }
    return classification
