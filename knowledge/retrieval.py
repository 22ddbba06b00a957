"""Retrieval: the resolved tickets and KB chunks closest to a ticket, dense or hybrid, re-ranked.

Dense: the nearest vectors through the HNSW index. Hybrid (``RETRIEVAL_MODE``): the same dense
list and a full-text list (each row's ``search_document``, stemmed in the row's language; the
query's words stemmed in the ticket's language and OR-ed, ranked by ``ts_rank_cd`` through the
GIN index) fused by reciprocal rank fusion. all-MiniLM-L6-v2 is English-only: the words find a
German entry for a German ticket that the vector alone ranks below unrelated ones.

Ranking (documented in the README): ``score = relevance + RECENCY_WEIGHT * 0.5 ** (age_days /
half_life) + GOLD_BOOST * is_gold``. Relevance is ``1 - cosine distance`` when dense, and the
fused ``sum(1 / (RRF_K + rank))`` scaled so that first in both lists is 1 when hybrid. Recency
only tips the balance between sources of similar relevance; gold entries get a fixed nudge. The
category filter applies to both lists. ``distance`` is always the cosine distance: the draft
engine's similarity floor reads it.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache

import numpy as np
from django.conf import settings
from django.contrib.postgres.search import SearchQuery, SearchRank
from django.db import connection, transaction
from django.db.models import F, Value
from django.utils import timezone
from pgvector.django import CosineDistance

from knowledge.embeddings import embed_text
from knowledge.models import KBChunk, KnowledgeEntry
from triage.text.language import search_config

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
RETRIEVAL_MODES = ("dense", "hybrid")
# ``auto``: hybrid for a ticket in another language than English, dense for English (measured:
# on Bitext, English, dense is as good or slightly better; the English-only embedding misses
# German paraphrases the words find).
AUTO = "auto"
# Reciprocal rank fusion's constant (Cormack et al. 2009): a row's share from one list is
# 1 / (RRF_K + rank).
RRF_K = 60
_RRF_SCALE = (RRF_K + 1) / 2  # first in both lists: relevance 1
# The query's longest words (longer words are rarer): enough for a long ticket's topic, few
# enough that the OR-query's GIN scan and ranking stay in milliseconds at 100k entries.
MAX_QUERY_LEXEMES = 24
# A word in more of the documents than this says nothing about which one is meant.
COMMON_SHARE = 0.2
_PLACEHOLDER = re.compile(r"\[[A-Z]+_\d+\]")


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
    matched: str = "dense"  # which list found it: dense, words, or both

    def as_citation(self) -> dict:
        return {
            "kind": self.kind,
            "id": self.id,
            "version": self.version,
            "title": self.title,
            "distance": round(self.distance, 4),
            "score": round(self.score, 4),
            "article_id": self.article_id,
            "matched": self.matched,
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
    relevance: float | None = None,
) -> float:
    """Relevance (``1 - distance`` unless a fused one is given) plus recency and gold."""
    return (
        (1.0 - distance if relevance is None else relevance)
        + RECENCY_WEIGHT * recency_factor(resolved_at, now=now, half_life_days=half_life_days)
        + (GOLD_BOOST if is_gold else 0.0)
    )


def query_lexemes(text: str, language: str | None) -> list[str]:
    """The text's words stemmed in ``language``'s configuration, without its stop words: at most
    ``MAX_QUERY_LEXEMES``, the longest. Remembered per text and configuration (the pipeline
    retrieves twice for one ticket, with and without the category filter)."""
    return list(_lexemes(_PLACEHOLDER.sub(" ", text), search_config(language)))


@lru_cache(maxsize=256)
def _lexemes(text: str, config: str) -> tuple[str, ...]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT tsvector_to_array(to_tsvector(%s::regconfig, %s))", [config, text])
        lexemes = cursor.fetchone()[0] or []
    return tuple(sorted(lexemes, key=lambda x: (-len(x), x))[:MAX_QUERY_LEXEMES])


def common_lexemes(table: str) -> set[str]:
    return _remembered(("common", table), lambda: _common_lexemes(table))


def _common_lexemes(table: str) -> set[str]:
    """Words in more than ``COMMON_SHARE`` of ``table``'s documents, from the planner's statistics
    (``ANALYZE`` keeps the most common elements of a tsvector column with their frequencies):
    the knowledge base's own stop words ("wurde", "warum" are not on PostgreSQL's German list).
    Empty before the table was first analysed."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT most_common_elems::text::text[], most_common_elem_freqs FROM pg_stats "
            "WHERE schemaname = current_schema() AND tablename = %s "
            "AND attname = 'search_document'",
            [table],
        )
        row = cursor.fetchone()
    if not row or not row[0]:
        return set()
    elems, freqs = row
    return {e for e, f in zip(elems, freqs, strict=False) if f > COMMON_SHARE}


def lexical_query(lexemes: list[str], *, table: str) -> SearchQuery | None:
    """The lexemes OR-ed, the table's common ones left out; None when none is left."""
    common = common_lexemes(table)
    kept = [x for x in lexemes if x not in common]
    if not kept:
        return None
    # Already stemmed: parsed with ``simple`` (lower-casing only), each quoted as a tsquery term.
    raw = " | ".join("'" + x.replace("\\", "\\\\").replace("'", "''") + "'" for x in kept)
    return SearchQuery(raw, search_type="raw", config="simple")


def fuse(*ranked: list) -> list[tuple[object, float, str]]:
    """Reciprocal rank fusion of ranked lists of rows (dense first, then words): each row once
    with its scaled fused relevance and which list(s) found it, best first."""
    names = ("dense", "words")
    fused: dict[int, list] = {}
    for name, rows in zip(names, ranked, strict=False):
        for rank, row in enumerate(rows, start=1):
            slot = fused.setdefault(row.pk, [row, 0.0, set()])
            slot[1] += _RRF_SCALE / (RRF_K + rank)
            slot[2].add(name)
    result = [
        (row, score, "both" if len(found) > 1 else found.pop())
        for row, score, found in fused.values()
    ]
    result.sort(key=lambda item: item[1], reverse=True)
    return result


def set_search_params(connection, **_: object) -> None:
    """The HNSW settings, for the whole session of each new database connection (Django's
    ``connection_created``): iterative scans keep walking the graph until enough rows pass a
    filter, so a rare category still yields k results (pgvector >= 0.8); without a filter they
    change nothing. Set once per connection, not once per search."""
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT set_config('hnsw.ef_search', %s, false), "
            "set_config('hnsw.iterative_scan', 'strict_order', false), "
            "set_config('hnsw.max_scan_tuples', %s, false)",
            [str(EF_SEARCH), str(MAX_SCAN_TUPLES)],
        )


def _distance(vector: np.ndarray, *, exact: bool):
    """Cosine distance; the ``exact`` form (+ 0) does not match the index, so the planner sorts
    instead."""
    distance = CosineDistance("embedding", vector)
    return distance + Value(0.0) if exact else distance


def _live_entries(category: str | None):
    qs = KnowledgeEntry.objects.filter(retired=False, embedding__isnull=False)
    return (qs.filter(category=category) if category else qs).defer("embedding", "search_document")


def _live_chunks(category: str | None):
    # Passages marked internal are for agents: no draft engine ever sees them.
    qs = KBChunk.objects.filter(article__retired=False, embedding__isnull=False, internal=False)
    if category:
        qs = qs.filter(article__category__in=[category, ""])
    return qs.select_related("article").defer("embedding", "search_document")


# What a Source is built from, read as plain values (no model instances).
_ROW_COLUMNS = {
    "entry": (
        "pk", "version", "text", "response", "category", "is_gold", "language", "resolved_at",
    ),
    "chunk": (
        "pk", "article_version", "heading", "text", "language", "article_id", "article__title",
        "article__category", "article__is_gold", "article__kind",
    ),
}  # fmt: skip
_LIVE = {"entry": _live_entries, "chunk": _live_chunks}
_TABLE = {"entry": KnowledgeEntry._meta.db_table, "chunk": KBChunk._meta.db_table}


# Remembered a minute per process: how many rows a category filter leaves (it only chooses between
# an exact scan and the graph walk, both right) and the knowledge base's common words (they change
# with ANALYZE); a value a minute old costs at most some speed or one more word in a query.
MEMO_SECONDS = 60.0
_memo: dict[tuple, tuple[float, object]] = {}


def _remembered(key: tuple, compute):
    now = time.monotonic()
    cached = _memo.get(key)
    if cached is None or cached[0] < now:
        if len(_memo) > 1024:
            _memo.clear()
        cached = (now + MEMO_SECONDS, compute())
        _memo[key] = cached
    return cached[1]


def forget_memos() -> None:
    """Forget what was remembered (a switch to another schema, a test)."""
    _memo.clear()
    _lexemes.cache_clear()


def _filtered_count(qs, category: str) -> int:
    return _remembered(("count", qs.model._meta.label, category), qs.count)


def _nearest(qs, vector: np.ndarray, *, category: str | None, limit: int):
    """The rows of ``qs`` nearest to ``vector`` through the HNSW index (exactly for a small
    filtered set), each with ``distance``: a query, not yet run."""
    exact = bool(category) and _filtered_count(qs, category) <= EXACT_FILTER_MAX_ROWS
    return qs.annotate(distance=_distance(vector, exact=exact)).order_by("distance")[:limit]


def _by_words(qs, query: SearchQuery, vector: np.ndarray, *, limit: int):
    """The rows of ``qs`` matching the words through the GIN index, best ``ts_rank_cd`` first,
    each with its cosine ``distance`` to ``vector``: a query, not yet run."""
    return (
        qs.filter(search_document=query)
        .annotate(
            words_rank=SearchRank(F("search_document"), query, cover_density=True),
            distance=_distance(vector, exact=True),
        )
        .order_by("-words_rank", "pk")[:limit]
    )


def nearest_entries(
    vector: np.ndarray, *, category: str | None, limit: int
) -> list[KnowledgeEntry]:
    """Live entries nearest to ``vector`` through the HNSW index, each with ``.distance``."""
    return list(_nearest(_live_entries(category), vector, category=category, limit=limit))


def _candidates_many(kind: str, asks: list[tuple]) -> list[list]:
    """For each (vector, word query or None, category, limit): its candidate rows of ``kind``, as
    (row, fused relevance or None, matched), best first; dense alone without a word query.

    Every list of every ask is one parenthesised ``SELECT … ORDER BY … LIMIT`` of a single
    ``UNION ALL``: one round trip for a whole batch of tickets, each list still served by its
    own index scan (HNSW, exact, or GIN)."""
    parts = []
    for i, (vector, query, category, limit) in enumerate(asks):
        rows = _LIVE[kind](category)
        dense = _nearest(rows, vector, category=category, limit=limit)
        parts.append(dense.annotate(words_rank=Value(0.0), ask=Value(i), found=Value("dense")))
        if query is not None:
            words = _by_words(rows, query, vector, limit=limit)
            parts.append(words.annotate(ask=Value(i), found=Value("words")))
    columns = (*_ROW_COLUMNS[kind], "distance", "words_rank", "ask", "found")
    parts = [part.values_list(*columns, named=True) for part in parts]
    found = parts[0].union(*parts[1:], all=True) if len(parts) > 1 else parts[0]
    lists: list[dict[str, list]] = [{"dense": [], "words": []} for _ in asks]
    for row in found:
        lists[row.ask][row.found].append(row)
    out = []
    for (_vector, query, _category, limit), ranked in zip(asks, lists, strict=True):
        # A UNION ALL keeps no order of its own: each list is put back in its query's order.
        dense = sorted(ranked["dense"], key=lambda row: (row.distance, row.pk))
        if query is None:
            out.append([(row, None, "dense") for row in dense])
        else:
            words = sorted(ranked["words"], key=lambda row: (-row.words_rank, row.pk))
            out.append(fuse(dense, words)[:limit])
    return out


def resolve_mode(mode: str, language: str | None) -> str:
    """``dense`` or ``hybrid`` for a ticket in ``language`` (``auto`` decides by language)."""
    if mode == AUTO:
        known = (language or "")[:2].lower()
        return "hybrid" if known and known not in {"en", "un"} else "dense"
    if mode not in RETRIEVAL_MODES:
        raise ValueError(f"retrieval mode {mode!r} is not one of dense, hybrid, auto")
    return mode


@dataclass(frozen=True)
class Ask:
    """One retrieval: the k best sources for a masked text (and/or its ready vector) in a
    language, within a category or not."""

    vector: np.ndarray
    text: str | None = None
    category: str | None = None
    k: int = 5
    language: str | None = None


def retrieve(
    text: str | None = None,
    category: str | None = None,
    k: int = 5,
    *,
    vector: np.ndarray | None = None,
    language: str | None = None,
    mode: str | None = None,
    include_entries: bool = True,
    include_chunks: bool = True,
    half_life_days: float | None = None,
    now: datetime | None = None,
) -> list[Source]:
    """The k best sources for masked ``text`` (and/or its ready ``vector``) in ``language``,
    ranked by relevance, recency and gold. ``mode`` (default ``RETRIEVAL_MODE``) is dense or
    hybrid; hybrid needs the text and is dense without it."""
    if not text or not text.strip():
        if vector is None:
            return []
        text = None
    if vector is None:
        vector = embed_text(text)
    return retrieve_many(
        [Ask(vector=vector, text=text, category=category, k=k, language=language)],
        mode=mode,
        include_entries=include_entries,
        include_chunks=include_chunks,
        half_life_days=half_life_days,
        now=now,
    )[0]


def retrieve_many(
    asks: list[Ask],
    *,
    mode: str | None = None,
    include_entries: bool = True,
    include_chunks: bool = True,
    half_life_days: float | None = None,
    now: datetime | None = None,
) -> list[list[Source]]:
    """``retrieve`` for each ask, in one query per kind of source (resolved tickets, article
    chunks) whatever the number of asks: a worker's batch retrieves for all its tickets at once.
    Each ask's sources are the ones ``retrieve`` alone would give."""
    if not asks:
        return []
    now = now or timezone.now()
    half_life = half_life_days or settings.RETRIEVAL_HALF_LIFE_DAYS
    candidates = [max(ask.k * CANDIDATE_FACTOR, MIN_CANDIDATES) for ask in asks]
    lexemes = [
        query_lexemes(ask.text, ask.language)
        if ask.text and resolve_mode(mode or settings.RETRIEVAL_MODE, ask.language) == "hybrid"
        else []
        for ask in asks
    ]
    sources: list[list[Source]] = [[] for _ in asks]
    for kind, included in (("entry", include_entries), ("chunk", include_chunks)):
        if not included:
            continue
        found = _candidates_many(
            kind,
            [
                (
                    ask.vector,
                    lexical_query(words, table=_TABLE[kind]) if words else None,
                    ask.category,
                    limit,
                )
                for ask, words, limit in zip(asks, lexemes, candidates, strict=True)
            ],
        )
        for i, rows in enumerate(found):
            sources[i] += [
                _source(kind, row, relevance, matched, now=now, half_life_days=half_life)
                for row, relevance, matched in rows
            ]
    out = []
    for ask, found_sources in zip(asks, sources, strict=True):
        found_sources.sort(key=lambda s: s.score, reverse=True)
        out.append(found_sources[: ask.k])
    return out


def _source(
    kind: str, row, relevance: float | None, matched: str, *, now: datetime, half_life_days: float
) -> Source:
    distance = float(row.distance)
    if kind == "entry":
        return Source(
            kind="entry",
            id=row.pk,
            version=row.version,
            title=row.text[:80],
            text=row.text,
            response=row.response,
            category=row.category,
            distance=distance,
            is_gold=row.is_gold,
            language=row.language or "en",
            matched=matched,
            score=rank_score(
                distance=distance,
                resolved_at=row.resolved_at,
                is_gold=row.is_gold,
                now=now,
                half_life_days=half_life_days,
                relevance=relevance,
            ),
        )
    return Source(
        kind="chunk",
        id=row.pk,
        version=row.article_version,
        title=row.heading or row.article__title,
        text=row.text,
        response="",
        category=row.article__category,
        distance=distance,
        is_gold=row.article__is_gold,
        article_id=row.article_id,
        article_kind=row.article__kind,
        language=row.language or "en",
        matched=matched,
        # Articles are kept current by review, not by age: no recency term.
        score=(1.0 - distance if relevance is None else relevance)
        + (GOLD_BOOST if row.article__is_gold else 0.0),
    )


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
