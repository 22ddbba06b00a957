"""The retrieve stage: the closest resolved tickets and KB chunks, in the predicted category and
outside it."""

from __future__ import annotations

import numpy as np
from django.conf import settings

from knowledge.embeddings import MODEL_NAME
from knowledge.retrieval import Source, resolve_mode, retrieve
from triage.config import snapshot
from triage.models import Classification, Ticket
from triage.pipeline.events import completed, stage

RETRIEVE_K = 5
UNFILTERED_K = 3  # a few sources outside the predicted category, in case the category is wrong


def find_sources(
    *, classification: Classification, vector: np.ndarray, text: str, language: str
) -> tuple[list[Source], bool]:
    """The ranked sources (deduplicated), and whether the category filter was applied."""
    known = classification.category in snapshot.categories()
    query = {"text": text, "vector": vector, "language": language}
    filtered = retrieve(**query, category=classification.category if known else None, k=RETRIEVE_K)
    extra = retrieve(**query, k=UNFILTERED_K) if known else []
    seen, sources = set(), []
    for source in sorted([*filtered, *extra], key=lambda s: s.score, reverse=True):
        if (source.kind, source.id) not in seen:
            seen.add((source.kind, source.id))
            sources.append(source)
    return sources, known


def retrieve_sources(
    *, ticket: Ticket, run: int, classification: Classification, vector: np.ndarray, text: str
) -> list[Source]:
    """Sources for the draft (``text``: the masked text ``vector`` embeds). Retrieval only reads,
    so a repeated run searches again but records the stage once."""
    query = {"classification": classification, "vector": vector, "text": text}
    language = ticket.language or ""
    if completed(ticket, "retrieve", run=run):
        return find_sources(**query, language=language)[0]
    with stage(ticket, "retrieve", run=run) as record:
        sources, known = find_sources(**query, language=language)
        record.inputs = {
            "category": classification.category if known else None,
            "k": RETRIEVE_K,
            "language": language,
        }
        record.outputs = {"sources": [s.as_citation() for s in sources]}
        record.versions = {
            "embedding_model": MODEL_NAME,
            "retrieval_mode": resolve_mode(settings.RETRIEVAL_MODE, language),
            "half_life_days": settings.RETRIEVAL_HALF_LIFE_DAYS,
        }
    return sources
