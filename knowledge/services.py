"""Writes to the knowledge base. Every text that is embedded here is masked text."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime

from django.db import transaction
from django.utils import timezone

from knowledge.chunking import chunk_markdown
from knowledge.embeddings import MODEL_NAME, embed_texts
from knowledge.models import KBArticle, KBChunk, KnowledgeEntry

# Rows embedded and written per round trip: 256 texts take ~1 s to embed on two cores and
# a few MB of memory, small enough for a progress bar to move and a crash to lose little.
ENTRY_BATCH_SIZE = 256


@dataclass(frozen=True)
class EntryInput:
    text: str
    category: str
    resolution: str = ""
    response: str = ""
    subcategory: str = ""
    urgency: str = ""
    sentiment: str = ""
    language: str = "en"
    resolved_at: datetime | None = None
    external_id: str | None = None
    is_gold: bool = False


def entry_embedding_text(*, text: str, resolution: str = "") -> str:
    """What an entry is searched by: the customer's request, which is what new tickets resemble."""
    return text


def create_entries(*, entries: Sequence[EntryInput]) -> list[KnowledgeEntry]:
    """Embed and insert ``entries`` in one transaction. Rows whose external id exists already are skipped."""
    if not entries:
        return []
    vectors = embed_texts([entry_embedding_text(text=e.text, resolution=e.resolution) for e in entries])
    rows = [
        KnowledgeEntry(
            external_id=e.external_id,
            text=e.text,
            resolution=e.resolution,
            response=e.response,
            category=e.category,
            subcategory=e.subcategory,
            urgency=e.urgency,
            sentiment=e.sentiment,
            language=e.language,
            resolved_at=e.resolved_at or timezone.now(),
            is_gold=e.is_gold,
            embedding=vector,
            embedding_model=MODEL_NAME,
        )
        for e, vector in zip(entries, vectors, strict=True)
    ]
    with transaction.atomic():
        return KnowledgeEntry.objects.bulk_create(rows, ignore_conflicts=True)


def save_article(
    *,
    slug: str,
    title: str,
    body: str,
    kind: str,
    category: str = "",
    last_reviewed: date | None = None,
    is_gold: bool = False,
) -> KBArticle:
    """Create or update an article and re-chunk it. An edit of title or body bumps its version."""
    chunks = chunk_markdown(title, body)
    vectors = embed_texts([f"{chunk.heading}\n{chunk.text}" for chunk in chunks])
    with transaction.atomic():
        article = KBArticle.objects.select_for_update().filter(slug=slug).first()
        if article is None:
            article = KBArticle(slug=slug, version=1)
        elif article.title != title or article.body != body:
            article.version += 1
        article.title = title
        article.body = body
        article.kind = kind
        article.category = category
        article.is_gold = is_gold
        article.last_reviewed = last_reviewed or timezone.localdate()
        article.save()
        article.chunks.all().delete()
        KBChunk.objects.bulk_create(
            KBChunk(
                article=article,
                article_version=article.version,
                ordinal=index,
                heading=chunk.heading,
                text=chunk.text,
                embedding=vector,
                embedding_model=MODEL_NAME,
            )
            for index, (chunk, vector) in enumerate(zip(chunks, vectors, strict=True))
        )
    return article


def batched(items: Sequence, size: int) -> Iterable[Sequence]:
    for start in range(0, len(items), size):
        yield items[start : start + size]
