"""Reads of the knowledge base for curation: search, similar entries, stale articles, generation."""

from __future__ import annotations

from datetime import datetime, timedelta

import numpy as np
from django.conf import settings
from django.contrib.postgres.search import SearchQuery, SearchVector
from django.db.models import Count, Max, Q
from django.utils import timezone

from knowledge.models import KBArticle, KBChunk, KnowledgeEntry
from knowledge.retrieval import nearest_entries


def search_entries(
    *,
    q: str = "",
    category: str = "",
    gold: bool | None = None,
    include_retired: bool = False,
    limit: int = 50,
):
    """Curation list: text search over request, resolution and reply (PostgreSQL full text, then
    substring)."""
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
            Q(search=SearchQuery(q, config="simple", search_type="websearch"))
            | Q(text__icontains=q)
            | Q(response__icontains=q)
        )
    return qs.order_by("-resolved_at", "-pk")[:limit]


def similar_entries(*, entry: KnowledgeEntry, k: int = 10) -> list[KnowledgeEntry]:
    """Entries nearest to ``entry`` (itself excluded), for "similar to this"."""
    if entry.embedding is None:
        return []
    return [
        row
        for row in nearest_entries(np.asarray(entry.embedding), category=None, limit=k + 1)
        if row.pk != entry.pk
    ][:k]


def stale_articles(*, now: datetime | None = None):
    today = (now or timezone.now()).date()
    return KBArticle.objects.filter(
        retired=False, last_reviewed__lt=today - timedelta(days=settings.KB_STALE_AFTER_DAYS)
    ).order_by("last_reviewed")


def knowledge_generation() -> tuple[int, str]:
    """Changes whenever live labelled entries change; caches built from them compare against it."""
    agg = KnowledgeEntry.objects.filter(retired=False).aggregate(
        n=Count("id"), last=Max("updated_at")
    )
    return agg["n"], agg["last"].isoformat() if agg["last"] else ""


def search_articles(*, q: str = "", include_retired: bool = False, limit: int = 100):
    """KB articles for browsing: all (by title), or those whose title or body match ``q``."""
    qs = KBArticle.objects.all()
    if not include_retired:
        qs = qs.filter(retired=False)
    if q:
        vector = SearchVector("title", "body", config="simple")
        qs = qs.annotate(search=vector).filter(
            Q(search=SearchQuery(q, config="simple", search_type="websearch"))
            | Q(title__icontains=q)
            | Q(body__icontains=q)
        )
    return qs.order_by("title", "pk")[:limit]


def search_chunks(*, q: str, limit: int = 10) -> list[KBChunk]:
    """Sections of live articles whose heading or text match ``q`` (for inserting into a reply)."""
    if not q.strip():
        return []
    vector = SearchVector("heading", "text", config="simple")
    return list(
        KBChunk.objects.filter(article__retired=False, internal=False)
        .select_related("article")
        .defer("embedding")
        .annotate(search=vector)
        .filter(
            Q(search=SearchQuery(q, config="simple", search_type="websearch"))
            | Q(heading__icontains=q)
            | Q(text__icontains=q)
        )
        .order_by("article__title", "ordinal")[:limit]
    )
