"""The knowledge base: resolved tickets and KB articles, embedded with all-MiniLM-L6-v2 in pgvector.

Only masked text is stored in the embedded fields. Editing an entry keeps its previous
version, so a draft can say exactly which version of each source it used.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.postgres.indexes import GinIndex
from django.contrib.postgres.search import SearchVectorField
from django.db import models
from django.db.models.expressions import Func
from django.utils import timezone
from pgvector.django import HnswIndex, VectorField

from triage.text.language import search_config_sql

EMBEDDING_DIMENSIONS = 384


class LanguageSearchVector(Func):
    """``to_tsvector`` of the text columns in the text-search configuration of the row's language
    column (en, de, es, fr stemmed; ``simple`` otherwise): the lexical side of hybrid retrieval.
    The first expression is the language column, the rest are joined with spaces."""

    output_field = SearchVectorField()

    def as_sql(self, compiler, connection, **extra_context):
        compiled = [compiler.compile(e) for e in self.get_source_expressions()]
        (language_sql, params), texts = compiled[0], compiled[1:]
        params = list(params)
        joined = " || ' ' || ".join(f"coalesce({sql}, '')" for sql, _ in texts)
        for _, text_params in texts:
            params.extend(text_params)
        return f"to_tsvector({search_config_sql(language_sql)}, {joined})", params


class KnowledgeEntry(models.Model):
    """A resolved ticket: what the customer asked, how it was resolved, and the reply that went
    out."""

    external_id = models.CharField(
        max_length=200,
        null=True,
        blank=True,
        unique=True,
        help_text="Id in the system it was imported from.",
    )  # noqa: DJ001 -- NULLs never collide
    source_ticket = models.OneToOneField(
        "triage.Ticket",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="knowledge_entry",
    )
    text = models.TextField(help_text="The customer's (masked) request.")
    resolution = models.TextField(blank=True, help_text="Internal note: what fixed it.")
    response = models.TextField(blank=True, help_text="The reply that was sent.")
    category = models.CharField(max_length=100, db_index=True)
    subcategory = models.CharField(max_length=60, blank=True)
    urgency = models.CharField(max_length=2, blank=True)
    sentiment = models.CharField(max_length=12, blank=True)
    language = models.CharField(max_length=10, blank=True, default="en")
    resolved_at = models.DateTimeField(default=timezone.now)
    is_gold = models.BooleanField(default=False)
    gold_proposed = models.BooleanField(
        default=False, help_text="Suggested as gold by the feedback loop; an admin confirms."
    )
    retired = models.BooleanField(default=False)
    version = models.PositiveIntegerField(default=1)
    embedding = VectorField(dimensions=EMBEDDING_DIMENSIONS, null=True, blank=True)
    embedding_model = models.CharField(max_length=100, blank=True)
    search_document = models.GeneratedField(
        expression=LanguageSearchVector("language", "text"),
        output_field=SearchVectorField(),
        db_persist=True,
        help_text="The request's words, stemmed in its language (hybrid retrieval).",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name_plural = "knowledge entries"
        ordering = ["-resolved_at", "-pk"]
        indexes = [
            HnswIndex(
                name="entry_embedding_hnsw",
                fields=["embedding"],
                m=16,
                ef_construction=64,
                opclasses=["vector_cosine_ops"],
            ),
            GinIndex(name="entry_search_gin", fields=["search_document"]),
        ]

    def __str__(self) -> str:
        return f"entry {self.pk}: {self.text[:60]}"


class KnowledgeEntryVersion(models.Model):
    """A previous version of a knowledge entry, kept when it is edited."""

    entry = models.ForeignKey(KnowledgeEntry, on_delete=models.CASCADE, related_name="versions")
    version = models.PositiveIntegerField()
    text = models.TextField()
    resolution = models.TextField(blank=True)
    response = models.TextField(blank=True)
    category = models.CharField(max_length=100)
    edited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-version"]
        constraints = [
            models.UniqueConstraint(fields=["entry", "version"], name="unique_entry_version")
        ]

    def __str__(self) -> str:
        return f"entry {self.entry_id} v{self.version}"


class KBArticle(models.Model):
    """A policy or how-to article; split into chunks that keep their headings."""

    class Kind(models.TextChoices):
        POLICY = "policy"
        HOWTO = "howto", "How-to"

    slug = models.SlugField(max_length=120, unique=True)
    title = models.CharField(max_length=200)
    body = models.TextField(help_text="Markdown.")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    category = models.CharField(max_length=100, blank=True)
    language = models.CharField(
        max_length=10, default="en", help_text="ISO 639-1 code of the article's language."
    )
    last_reviewed = models.DateField(default=timezone.localdate)
    is_gold = models.BooleanField(default=False)
    retired = models.BooleanField(default=False)
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["title"]
        verbose_name = "KB article"

    def __str__(self) -> str:
        return self.title


class KBChunk(models.Model):
    """A piece of an article under its heading path, embedded on its own."""

    article = models.ForeignKey(KBArticle, on_delete=models.CASCADE, related_name="chunks")
    article_version = models.PositiveIntegerField()
    ordinal = models.PositiveIntegerField()
    heading = models.CharField(max_length=300, blank=True)
    text = models.TextField()
    internal = models.BooleanField(
        default=False,
        help_text="For agents only (a section or paragraph marked internal): never given to a "
        "draft engine or inserted into a reply.",
    )
    language = models.CharField(max_length=10, default="en", help_text="The article's.")
    embedding = VectorField(dimensions=EMBEDDING_DIMENSIONS, null=True, blank=True)
    embedding_model = models.CharField(max_length=100, blank=True)
    search_document = models.GeneratedField(
        expression=LanguageSearchVector("language", "heading", "text"),
        output_field=SearchVectorField(),
        db_persist=True,
    )

    class Meta:
        ordering = ["article", "ordinal"]
        constraints = [
            models.UniqueConstraint(fields=["article", "ordinal"], name="unique_chunk_ordinal")
        ]
        indexes = [
            HnswIndex(
                name="chunk_embedding_hnsw",
                fields=["embedding"],
                m=16,
                ef_construction=64,
                opclasses=["vector_cosine_ops"],
            ),
            GinIndex(name="chunk_search_gin", fields=["search_document"]),
        ]

    def __str__(self) -> str:
        return f"{self.article.title} · {self.heading or self.ordinal}"


class KBArticleVersion(models.Model):
    """A previous version of an article, kept when it is edited."""

    article = models.ForeignKey(KBArticle, on_delete=models.CASCADE, related_name="versions")
    version = models.PositiveIntegerField()
    title = models.CharField(max_length=200)
    body = models.TextField()
    edited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-version"]
        constraints = [
            models.UniqueConstraint(fields=["article", "version"], name="unique_article_version")
        ]

    def __str__(self) -> str:
        return f"{self.article_id} v{self.version}"


class ReembedProgress(models.Model):
    """Where a full `reembed --all` pass has got to, per table, so an interrupted pass resumes."""

    table = models.CharField(max_length=40, unique=True)
    model_name = models.CharField(max_length=100)
    last_id = models.BigIntegerField(default=0)
    started_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"{self.table} up to {self.last_id}"


class KnowledgeProposal(models.Model):
    """A reply that is not learnt on its own: sent over guard flags, or a heavily edited draft.
    It waits on the admin's "needs review" list; accepted, it becomes a knowledge entry."""

    class Outcome(models.TextChoices):
        PENDING = "pending"
        ACCEPTED = "accepted"
        DISMISSED = "dismissed"

    source_ticket = models.OneToOneField(
        "triage.Ticket", on_delete=models.CASCADE, related_name="knowledge_proposal"
    )
    text = models.TextField(help_text="The customer's (masked) request.")
    response = models.TextField(help_text="The reply as sent, case facts made placeholders.")
    category = models.CharField(max_length=100)
    subcategory = models.CharField(max_length=60, blank=True)
    urgency = models.CharField(max_length=2, blank=True)
    sentiment = models.CharField(max_length=12, blank=True)
    language = models.CharField(max_length=10, blank=True, default="en")
    why = models.TextField(help_text="Why it was not learnt on its own.")
    flags = models.JSONField(default=list, blank=True)
    outcome = models.CharField(max_length=10, choices=Outcome.choices, default=Outcome.PENDING)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    entry = models.ForeignKey(
        KnowledgeEntry, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["outcome", "-created_at"], name="proposal_outcome")]

    def __str__(self) -> str:
        return f"proposal {self.pk} from ticket {self.source_ticket_id}"
