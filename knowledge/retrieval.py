"""Retrieval: the nearest resolved tickets and KB chunks to a vector, through the HNSW index,
re-ranked.

Ranking (documented in the README): ``score = similarity + RECENCY_WEIGHT * 0.5 ** (age_days /
half_life) + GOLD_BOOST * is_gold``, where similarity is ``1 - cosine distance``. Recency only
tips the balance between sources of similar distance; gold entries get a fixed nudge.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import numpy as np
from django.conf import settings
from django.db import connection, transaction
from django.db.models import Value
from django.utils import timezone
from pgvector.django import CosineDistance

from knowledge.embeddings import embed_text
from knowledge.models import KBChunk, KnowledgeEntry

RECENCY_WEIGHT = 0.05
GOLD_BOOST = 0.05
# Candidates fetched per kind before re-ranking: enough for recency and gold to reorder
# the top k, few enough that one query stays in the low milliseconds.
CANDIDATE_FACTOR = 4
MIN_CANDIDATES = 20
EF_SEARCH = 100
# A category this small is searched exactly: its btree index and a sort of at most this many
# distances (about 10 ms) beat an approximate walk, whose recall drops when the category's
# rows lie far from the query in the graph.
EXACT_FILTER_MAX_ROWS = 20_000
# Larger filtered searches walk the graph until this many tuples were visited.
MAX_SCAN_TUPLES = 100_000


@dataclass(frozen=True)
class Source:
    """One retrieved source: a resolved ticket ("entry") or an article chunk ("chunk")."""

    kind: str
    id: int
    version: int
    title: str
    text: str
    response: str
    category: str
    distance: float
    score: float
    is_gold: bool
    article_id: int | None = None
    article_kind: str = ""
    language: str = "en"

    def as_citation(self) -> dict:
        return {
            "kind": self.kind,
            "id": self.id,
            "version": self.version,
            "title": self.title,
            "distance": round(self.distance, 4),
            "score": round(self.score, 4),
            "article_id": self.article_id,
        }


def recency_factor(when: datetime | None, *, now: datetime, half_life_days: float) -> float:
    if when is None:
        return 0.0
    age_days = max(0.0, (now - when).total_seconds() / 86400)
    return 0.5 ** (age_days / half_life_days)


def rank_score(
    *,
    distance: float,
    resolved_at: datetime | None,
    is_gold: bool,
    now: datetime,
    half_life_days: float,
) -> float:
    return (
        (1.0 - distance)
        + RECENCY_WEIGHT * recency_factor(resolved_at, now=now, half_life_days=half_life_days)
        + (GOLD_BOOST if is_gold else 0.0)
    )


def _set_search_params(*, filtered: bool) -> None:
    """Per-transaction HNSW settings. With a filter, iterative scans keep walking the graph
    until enough rows pass it, so a rare category still yields k results (pgvector >= 0.8)."""
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL hnsw.ef_search = %s", [EF_SEARCH])
        if filtered:
            cursor.execute("SET LOCAL hnsw.iterative_scan = strict_order")
            cursor.execute("SET LOCAL hnsw.max_scan_tuples = %s", [MAX_SCAN_TUPLES])


def _distance(vector: np.ndarray, *, exact: bool):
    """Cosine distance; the ``exact`` form (+ 0) does not match the index, so the planner sorts
    instead."""
    distance = CosineDistance("embedding", vector)
    return distance + Value(0.0) if exact else distance


def nearest_entries(
    vector: np.ndarray, *, category: str | None, limit: int
) -> list[KnowledgeEntry]:
    """Live entries nearest to ``vector`` through the HNSW index, each with ``.distance``."""
    with transaction.atomic():
        _set_search_params(filtered=True)
        qs = KnowledgeEntry.objects.filter(retired=False, embedding__isnull=False)
        exact = False
        if category:
            qs = qs.filter(category=category)
            exact = qs.count() <= EXACT_FILTER_MAX_ROWS
        rows = list(
            qs.defer("embedding")
            .annotate(distance=_distance(vector, exact=exact))
            .order_by("distance")[:limit]
        )
    return rows


def nearest_chunks(vector: np.ndarray, *, category: str | None, limit: int) -> list[KBChunk]:
    with transaction.atomic():
        _set_search_params(filtered=True)
        # Passages marked internal are for agents: no draft engine ever sees them.
        qs = KBChunk.objects.filter(article__retired=False, embedding__isnull=False, internal=False)
        exact = False
        if category:
            qs = qs.filter(article__category__in=[category, ""])
            exact = qs.count() <= EXACT_FILTER_MAX_ROWS
        rows = list(
            qs.select_related("article")
            .defer("embedding")
            .annotate(distance=_distance(vector, exact=exact))
            .order_by("distance")[:limit]
        )
    return rows


def retrieve(
    text: str | None = None,
    category: str | None = None,
    k: int = 5,
    *,
    vector: np.ndarray | None = None,
    include_entries: bool = True,
    include_chunks: bool = True,
    half_life_days: float | None = None,
    now: datetime | None = None,
) -> list[Source]:
    """The k best sources for masked ``text`` (or a ready ``vector``), ranked by similarity, recency
    and gold."""
    if vector is None:
        if not text or not text.strip():
            return []
        vector = embed_text(text)
    now = now or timezone.now()
    half_life = half_life_days or settings.RETRIEVAL_HALF_LIFE_DAYS
    candidates = max(k * CANDIDATE_FACTOR, MIN_CANDIDATES)
    sources: list[Source] = []
    if include_entries:
        for entry in nearest_entries(vector, category=category, limit=candidates):
            sources.append(
                Source(
                    kind="entry",
                    id=entry.pk,
                    version=entry.version,
                    title=entry.text[:80],
                    text=entry.text,
                    response=entry.response,
                    category=entry.category,
                    distance=float(entry.distance),
                    is_gold=entry.is_gold,
                    language=entry.language or "en",
                    score=rank_score(
                        distance=float(entry.distance),
                        resolved_at=entry.resolved_at,
                        is_gold=entry.is_gold,
                        now=now,
                        half_life_days=half_life,
                    ),
                )
            )
    if include_chunks:
        for chunk in nearest_chunks(vector, category=category, limit=candidates):
            article = chunk.article
            sources.append(
                Source(
                    kind="chunk",
                    id=chunk.pk,
                    version=chunk.article_version,
                    title=chunk.heading or article.title,
                    text=chunk.text,
                    response="",
                    category=article.category,
                    distance=float(chunk.distance),
                    is_gold=article.is_gold,
                    article_id=article.pk,
                    article_kind=article.kind,
                    # Articles are kept current by review, not by age: no recency term.
                    score=(1.0 - float(chunk.distance)) + (GOLD_BOOST if article.is_gold else 0.0),
                )
            )
    sources.sort(key=lambda s: s.score, reverse=True)
    return sources[:k]


def exact_nearest_entry_ids(vector: np.ndarray, *, category: str | None, k: int) -> list[int]:
    """Exact (sequential) search, the ground truth for recall measurements."""
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL enable_indexscan = off")
        qs = KnowledgeEntry.objects.filter(retired=False, embedding__isnull=False)
        if category:
            qs = qs.filter(category=category)
        return list(
            qs.annotate(distance=CosineDistance("embedding", vector))
            .order_by("distance")
            .values_list("pk", flat=True)[:k]
        )


# --- Curation ---------------------------------------------------------------------------

# A draft whose final text differs from it by more than this (normalised Levenshtein) was
# "heavily edited": its sources did not carry it.
