"""Writes to the knowledge base. Every text that is embedded here is masked text."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

from django.db import connection, transaction
from django.utils import timezone

from knowledge.chunking import chunk_markdown
from knowledge.embeddings import MODEL_NAME, embed_texts
from knowledge.models import (
    KBArticle,
    KBArticleVersion,
    KBChunk,
    KnowledgeEntry,
    KnowledgeEntryVersion,
    KnowledgeProposal,
)
from triage.text.language import UNKNOWN, detect_language

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
    """Embed and insert ``entries`` in one transaction; rows whose external id exists already are
    left out.

    Returns the rows created, with their primary keys.
    """
    wanted = [e.external_id for e in entries if e.external_id]
    existing = (
        set(
            KnowledgeEntry.objects.filter(external_id__in=wanted).values_list(
                "external_id", flat=True
            )
        )
        if wanted
        else set()
    )
    seen: set[str] = set()
    fresh = []
    for entry in entries:
        if entry.external_id and (entry.external_id in existing or entry.external_id in seen):
            continue
        if entry.external_id:
            seen.add(entry.external_id)
        fresh.append(entry)
    if not fresh:
        return []
    vectors = embed_texts(
        [entry_embedding_text(text=e.text, resolution=e.resolution) for e in fresh]
    )
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
        for e, vector in zip(fresh, vectors, strict=True)
    ]
    with transaction.atomic():
        return KnowledgeEntry.objects.bulk_create(rows)


def refresh_statistics() -> None:
    """``ANALYZE`` the entries after a bulk import, so the planner and the hybrid search's common
    words (``retrieval.common_lexemes``) reflect them without waiting for autovacuum."""
    with connection.cursor() as cursor:
        cursor.execute(f"ANALYZE {KnowledgeEntry._meta.db_table}")


def language_of(text: str) -> str:
    """The language knowledge in ``text`` is indexed in: English when it cannot be told."""
    detected, _ = detect_language(text)
    return "en" if detected == UNKNOWN else detected


def save_article(
    *,
    slug: str,
    title: str,
    body: str,
    kind: str,
    category: str = "",
    last_reviewed: date | None = None,
    is_gold: bool = False,
    edited_by=None,
    language: str | None = None,
) -> KBArticle:
    """Create or update an article and re-chunk it. An edit of title or body keeps the old version
    and bumps it. Without ``language`` it is told from the body (English when it cannot be)."""
    chunks = chunk_markdown(title, body)
    language = language or language_of(body)
    vectors = embed_texts([f"{chunk.heading}\n{chunk.text}" for chunk in chunks])
    with transaction.atomic():
        article = KBArticle.objects.select_for_update().filter(slug=slug).first()
        if article is None:
            article = KBArticle(slug=slug, version=1)
        elif article.title != title or article.body != body:
            KBArticleVersion.objects.create(
                article=article,
                version=article.version,
                title=article.title,
                body=article.body,
                edited_by=edited_by,
            )
            article.version += 1
        article.title = title
        article.body = body
        article.kind = kind
        article.category = category
        article.language = language
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
                internal=chunk.internal,
                language=language,
                embedding=vector,
                embedding_model=MODEL_NAME,
            )
            for index, (chunk, vector) in enumerate(zip(chunks, vectors, strict=True))
        )
    return article


def edit_entry(
    *,
    entry: KnowledgeEntry,
    text: str,
    resolution: str,
    response: str,
    category: str,
    subcategory: str = "",
    edited_by=None,
) -> KnowledgeEntry:
    """Save an edit: the previous content becomes a KnowledgeEntryVersion, the version goes up, the
    text is re-embedded."""
    text_changed = text != entry.text
    if (text, resolution, response, category, subcategory) == (
        entry.text,
        entry.resolution,
        entry.response,
        entry.category,
        entry.subcategory,
    ):
        return entry
    vector = (
        embed_texts([entry_embedding_text(text=text, resolution=resolution)])[0]
        if text_changed
        else None
    )
    with transaction.atomic():
        locked = KnowledgeEntry.objects.select_for_update().get(pk=entry.pk)
        KnowledgeEntryVersion.objects.create(
            entry=locked,
            version=locked.version,
            text=locked.text,
            resolution=locked.resolution,
            response=locked.response,
            category=locked.category,
            edited_by=edited_by,
        )
        locked.text, locked.resolution, locked.response = text, resolution, response
        locked.category, locked.subcategory = category, subcategory
        locked.version += 1
        if vector is not None:
            locked.embedding = vector
            locked.embedding_model = MODEL_NAME
        locked.save()
    return locked


def set_gold(*, entry: KnowledgeEntry, gold: bool) -> KnowledgeEntry:
    """Mark or unmark gold; confirming a proposal clears it."""
    entry.is_gold = gold
    entry.gold_proposed = False
    entry.save(update_fields=["is_gold", "gold_proposed", "updated_at"])
    return entry


def set_retired(*, entry: KnowledgeEntry, retired: bool) -> KnowledgeEntry:
    """Retired entries are never retrieved nor used by the local classifier."""
    entry.retired = retired
    if retired:
        entry.is_gold = False
    entry.save(update_fields=["retired", "is_gold", "updated_at"])
    return entry


def mark_article_reviewed(*, article: KBArticle) -> KBArticle:
    article.last_reviewed = timezone.localdate()
    article.save(update_fields=["last_reviewed", "updated_at"])
    return article


def accept_proposal(*, proposal: KnowledgeProposal, response: str, user) -> KnowledgeEntry:
    """An admin accepts a proposed reply (as edited): it becomes the ticket's knowledge entry."""
    response = response.strip()
    if not response:
        raise ValueError("the reply to learn is empty")
    vector = embed_texts([entry_embedding_text(text=proposal.text)])[0]
    with transaction.atomic():
        proposal = KnowledgeProposal.objects.select_for_update().get(pk=proposal.pk)
        if proposal.outcome != KnowledgeProposal.Outcome.PENDING:
            raise ValueError(f"this proposal was already {proposal.outcome}")
        entry, _ = KnowledgeEntry.objects.update_or_create(
            source_ticket_id=proposal.source_ticket_id,
            defaults={
                "text": proposal.text,
                "response": response,
                "category": proposal.category,
                "subcategory": proposal.subcategory,
                "urgency": proposal.urgency,
                "sentiment": proposal.sentiment,
                "language": proposal.language,
                "resolved_at": timezone.now(),
                "embedding": vector,
                "embedding_model": MODEL_NAME,
            },
        )
        proposal.outcome = KnowledgeProposal.Outcome.ACCEPTED
        proposal.response = response
        proposal.entry = entry
        proposal.decided_by = user
        proposal.decided_at = timezone.now()
        proposal.save()
    return entry


def dismiss_proposal(*, proposal: KnowledgeProposal, user) -> KnowledgeProposal:
    with transaction.atomic():
        proposal = KnowledgeProposal.objects.select_for_update().get(pk=proposal.pk)
        if proposal.outcome != KnowledgeProposal.Outcome.PENDING:
            raise ValueError(f"this proposal was already {proposal.outcome}")
        proposal.outcome = KnowledgeProposal.Outcome.DISMISSED
        proposal.decided_by = user
        proposal.decided_at = timezone.now()
        proposal.save()
    return proposal
