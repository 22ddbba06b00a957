"""The retrieve stage: the closest resolved tickets and KB chunks, in the predicted category and
outside it."""

from __future__ import annotations

import numpy as np
from django.conf import settings

from knowledge.embeddings import MODEL_NAME
from knowledge.retrieval import Ask, Source, resolve_mode, retrieve_many
from triage.config import snapshot
from triage.models import Classification, Ticket
from triage.pipeline.events import completed, stage

RETRIEVE_K = 5
UNFILTERED_K = 3  # a few sources outside the predicted category, in case the category is wrong


def find_sources_many(
    items: list[tuple[Classification, np.ndarray, str, str]],
) -> list[tuple[list[Source], bool]]:
    """For each (classification, vector, masked text, language): the ranked sources
    (deduplicated), and whether the category filter was applied. All of them in one
    ``retrieve_many`` (a query per kind of source for a whole batch)."""
    categories = snapshot.categories()
    asks: list[Ask] = []
    for classification, vector, text, language in items:
        query = {"vector": vector, "text": text, "language": language}
        if classification.category in categories:
            asks.append(Ask(**query, category=classification.category, k=RETRIEVE_K))
            asks.append(Ask(**query, k=UNFILTERED_K))
        else:
            asks.append(Ask(**query, k=RETRIEVE_K))
    found = iter(retrieve_many(asks))
    out = []
    for classification, *_ in items:
        known = classification.category in categories
        filtered, extra = next(found), next(found) if known else []
        seen, sources = set(), []
        for source in sorted([*filtered, *extra], key=lambda s: s.score, reverse=True):
            if (source.kind, source.id) not in seen:
                seen.add((source.kind, source.id))
                sources.append(source)
        out.append((sources, known))
    return out


def retrieve_sources(
    *,
    ticket: Ticket,
    run: int,
    classification: Classification,
    found: tuple[list[Source], bool],
    batch: int,
) -> list[Source]:
    """Record the retrieve stage with the sources ``find_sources_many`` found for the ticket with
    its batch of ``batch`` tickets (the event's time is then only its own share). Retrieval only
    reads, so a repeated run searches again but records the stage once."""
    language = ticket.language or ""
    sources, known = found
    if completed(ticket, "retrieve", run=run):
        return sources
    with stage(ticket, "retrieve", run=run) as record:
        record.inputs = {
            "category": classification.category if known else None,
            "k": RETRIEVE_K,
            "language": language,
            "batch": batch,
        }
        record.outputs = {"sources": [s.as_citation() for s in sources]}
        record.versions = {
            "embedding_model": MODEL_NAME,
            "retrieval_mode": resolve_mode(settings.RETRIEVAL_MODE, language),
            "half_life_days": settings.RETRIEVAL_HALF_LIFE_DAYS,
        }
    return sources
