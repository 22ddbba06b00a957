"""Reads of the knowledge base: retrieval for drafting and classification, curation lists and stats.

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


def rank_score(*, distance: float, resolved_at: datetime | None, is_gold: bool, now: datetime, half_life_days: float) -> float:
    return (1.0 - distance) + RECENCY_WEIGHT * recency_factor(resolved_at, now=now, half_life_days=half_life_days) + (GOLD_BOOST if is_gold else 0.0)


def _set_search_params(*, filtered: bool) -> None:
    """Per-transaction HNSW settings. With a filter, iterative scans keep walking the graph
    until enough rows pass it, so a rare category still yields k results (pgvector >= 0.8)."""
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL hnsw.ef_search = %s", [EF_SEARCH])
        if filtered:
            cursor.execute("SET LOCAL hnsw.iterative_scan = strict_order")
            cursor.execute("SET LOCAL hnsw.max_scan_tuples = %s", [MAX_SCAN_TUPLES])


def _distance(vector: np.ndarray, *, exact: bool):
    """Cosine distance; the ``exact`` form (+ 0) does not match the index, so the planner sorts instead."""
    distance = CosineDistance("embedding", vector)
    return distance + Value(0.0) if exact else distance


def nearest_entries(vector: np.ndarray, *, category: str | None, limit: int) -> list[KnowledgeEntry]:
    """Live entries nearest to ``vector`` through the HNSW index, each with ``.distance``."""
    with transaction.atomic():
        _set_search_params(filtered=True)
        qs = KnowledgeEntry.objects.filter(retired=False, embedding__isnull=False)
        exact = False
        if category:
            qs = qs.filter(category=category)
            exact = qs.count() <= EXACT_FILTER_MAX_ROWS
        rows = list(qs.defer("embedding").annotate(distance=_distance(vector, exact=exact)).order_by("distance")[:limit])
    return rows


def nearest_chunks(vector: np.ndarray, *, category: str | None, limit: int) -> list[KBChunk]:
    with transaction.atomic():
        _set_search_params(filtered=True)
        qs = KBChunk.objects.filter(article__retired=False, embedding__isnull=False)
        exact = False
        if category:
            qs = qs.filter(article__category__in=[category, ""])
            exact = qs.count() <= EXACT_FILTER_MAX_ROWS
        rows = list(qs.select_related("article").defer("embedding").annotate(distance=_distance(vector, exact=exact)).order_by("distance")[:limit])
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
    """The k best sources for masked ``text`` (or a ready ``vector``), ranked by similarity, recency and gold."""
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
                    kind="entry", id=entry.pk, version=entry.version, title=entry.text[:80], text=entry.text,
                    response=entry.response, category=entry.category, distance=float(entry.distance), is_gold=entry.is_gold,
                    language=entry.language or "en",
                    score=rank_score(distance=float(entry.distance), resolved_at=entry.resolved_at, is_gold=entry.is_gold, now=now, half_life_days=half_life),
                )
            )
    if include_chunks:
        for chunk in nearest_chunks(vector, category=category, limit=candidates):
            article = chunk.article
            sources.append(
                Source(
                    kind="chunk", id=chunk.pk, version=chunk.article_version, title=chunk.heading or article.title, text=chunk.text,
                    response="", category=article.category, distance=float(chunk.distance), is_gold=article.is_gold,
                    article_id=article.pk, article_kind=article.kind,
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
        return list(qs.annotate(distance=CosineDistance("embedding", vector)).order_by("distance").values_list("pk", flat=True)[:k])


# --- Curation ---------------------------------------------------------------------------

# A draft whose final text differs from it by more than this (normalised Levenshtein) was
# "heavily edited": its sources did not carry it.
HEAVY_EDIT_THRESHOLD = 0.4
# How many bad outcomes (rejections or heavy edits) flag an entry for review.
BAD_OUTCOMES_FOR_REVIEW = 3


@dataclass(frozen=True)
class SourceStats:
    retrieved: int = 0
    used: int = 0
    approved_unchanged: int = 0
    approved_edited: int = 0
    rejected: int = 0
    heavy_edits: int = 0
    mean_edit_distance: float | None = None
    flagged_inaccurate: int = 0

    @property
    def bad_outcomes(self) -> int:
        return self.rejected + self.heavy_edits

    @property
    def needs_review(self) -> bool:
        return self.bad_outcomes >= BAD_OUTCOMES_FOR_REVIEW or self.flagged_inaccurate > 0


def source_stats(*, entry_ids: list[int] | None = None, article_ids: list[int] | None = None) -> dict[int, SourceStats]:
    """Per entry (or per article) usage and outcome figures, in one query."""
    from django.db.models import Avg, Count, Q

    from knowledge.models import SourceUsage

    key = "entry" if entry_ids is not None else "article"
    ids = entry_ids if entry_ids is not None else article_ids
    if not ids:
        return {}
    reviews = "draft__reviews"
    used = Q(used=True)  # outcomes count only for drafts that rested on the source
    rows = (
        SourceUsage.objects.filter(**{f"{key}__in": ids})
        .values(key)
        .annotate(
            retrieved=Count("draft", distinct=True),
            used_by=Count("draft", distinct=True, filter=used),  # not "used": that name is the field the filters read
            approved_unchanged=Count("draft", distinct=True, filter=used & Q(**{f"{reviews}__decision": "approved_unchanged"})),
            approved_edited=Count("draft", distinct=True, filter=used & Q(**{f"{reviews}__decision": "approved_edited"})),
            rejected=Count("draft", distinct=True, filter=used & Q(**{f"{reviews}__decision": "rejected"})),
            heavy_edits=Count("draft", distinct=True, filter=used & Q(**{f"{reviews}__decision": "approved_edited", f"{reviews}__edit_distance__gt": HEAVY_EDIT_THRESHOLD})),
            mean_edit_distance=Avg(f"{reviews}__edit_distance", filter=used & Q(**{f"{reviews}__decision__in": ["approved_unchanged", "approved_edited"]})),
            flagged_inaccurate=Count("id", filter=Q(flagged_inaccurate=True)),
        )
    )
    return {row.pop(key): SourceStats(used=row.pop("used_by"), **row) for row in rows}


def search_entries(*, q: str = "", category: str = "", gold: bool | None = None, include_retired: bool = False, limit: int = 50):
    """Curation list: text search over request, resolution and reply (PostgreSQL full text, then substring)."""
    from django.contrib.postgres.search import SearchQuery, SearchVector
    from django.db.models import Q

    qs = KnowledgeEntry.objects.defer("embedding")
    if not include_retired:
        qs = qs.filter(retired=False)
    if category:
        qs = qs.filter(category=category)
    if gold is not None:
        qs = qs.filter(is_gold=gold)
    if q:
        vector = SearchVector("text", "resolution", "response", config="simple")
        qs = qs.annotate(search=vector).filter(
            Q(search=SearchQuery(q, config="simple", search_type="websearch")) | Q(text__icontains=q) | Q(response__icontains=q)
        )
    return qs.order_by("-resolved_at", "-pk")[:limit]


def similar_entries(*, entry: KnowledgeEntry, k: int = 10) -> list[KnowledgeEntry]:
    """Entries nearest to ``entry`` (itself excluded), for "similar to this"."""
    if entry.embedding is None:
        return []
    return [row for row in nearest_entries(np.asarray(entry.embedding), category=None, limit=k + 1) if row.pk != entry.pk][:k]


def stale_articles(*, now: datetime | None = None):
    from datetime import timedelta

    from knowledge.models import KBArticle

    today = (now or timezone.now()).date()
    return KBArticle.objects.filter(retired=False, last_reviewed__lt=today - timedelta(days=settings.KB_STALE_AFTER_DAYS)).order_by("last_reviewed")


def entries_needing_review(*, limit: int = 100) -> list[tuple[KnowledgeEntry, SourceStats]]:
    """Entries whose drafts were rejected or heavily edited repeatedly, or that a reviewer flagged."""
    from django.db.models import Count, Q

    from knowledge.models import SourceUsage

    candidates = (
        SourceUsage.objects.filter(entry__isnull=False, entry__retired=False, used=True)
        .values("entry")
        .annotate(
            bad=Count("draft", distinct=True, filter=Q(draft__reviews__decision="rejected") | Q(draft__reviews__decision="approved_edited", draft__reviews__edit_distance__gt=HEAVY_EDIT_THRESHOLD)),
            flags=Count("id", filter=Q(flagged_inaccurate=True)),
        )
        .filter(Q(bad__gte=BAD_OUTCOMES_FOR_REVIEW) | Q(flags__gt=0))
        .values_list("entry", flat=True)[:limit]
    )
    ids = list(candidates)
    stats = source_stats(entry_ids=ids)
    entries = KnowledgeEntry.objects.defer("embedding").in_bulk(ids)
    return [(entries[i], stats[i]) for i in ids if i in entries and i in stats]


def knowledge_generation() -> tuple[int, str]:
    """Changes whenever live labelled entries change; caches built from them compare against it."""
    from django.db.models import Count, Max

    agg = KnowledgeEntry.objects.filter(retired=False).aggregate(n=Count("id"), last=Max("updated_at"))
    return agg["n"], agg["last"].isoformat() if agg["last"] else ""
