"""What the pipeline decided: classifications, assessments, drafts, the sources they used,
events."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from pgvector.django import VectorField

from knowledge.models import EMBEDDING_DIMENSIONS, KBArticle, KnowledgeEntry
from triage.models.tickets import Sentiment, Ticket, Urgency


class Classification(models.Model):
    """The structured classification of a ticket by one engine; the newest is current."""

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="classifications")
    urgency = models.CharField(max_length=2, choices=Urgency.choices)
    category = models.CharField(max_length=60)
    secondary_category = models.CharField(max_length=60, blank=True)
    subcategory = models.CharField(max_length=60, blank=True)
    sentiment = models.CharField(max_length=12, choices=Sentiment.choices)
    summary = models.TextField(blank=True)
    escalation_risk = models.FloatField(default=0.0)
    confidence = models.FloatField()
    needs_human_review = models.BooleanField(default=False)
    alternatives = models.JSONField(
        default=list, blank=True, help_text="The runner-up categories with their scores."
    )
    out_of_scope = models.BooleanField(
        default=False,
        db_index=True,
        help_text="Unlike anything in the taxonomy: goes to human triage, is not drafted.",
    )
    scope_score = models.FloatField(
        null=True,
        blank=True,
        help_text="The share of the taxonomy's own held-out examples that look less unusual "
        "(none when the knowledge base is too small to judge).",
    )
    scope_reason = models.CharField(max_length=200, blank=True)
    nearest = models.JSONField(
        default=list,
        blank=True,
        help_text="The closest labelled entries when judged: entry id, category, similarity.",
    )
    embedding = VectorField(
        dimensions=EMBEDDING_DIMENSIONS,
        null=True,
        blank=True,
        help_text="The ticket's embedding, kept when it is out of scope (to group such tickets).",
    )
    engine = models.CharField(max_length=20)
    model = models.CharField(max_length=120, blank=True)
    prompt_version = models.CharField(max_length=40, blank=True)
    taxonomy_version = models.PositiveIntegerField(default=1)
    corrected_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(confidence__gte=0) & Q(confidence__lte=1),
                name="classification_confidence_0_1",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.urgency} {self.category} ({self.engine})"

    # The labels a person can correct (and an evaluation case records).
    LABEL_FIELDS = ("urgency", "category", "subcategory", "sentiment")

    def labels(self) -> dict[str, str]:
        return {name: getattr(self, name) for name in self.LABEL_FIELDS}


class Assessment(models.Model):
    """The escalation tier (0-3) and every reason that triggered it."""

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="assessments")
    tier = models.PositiveSmallIntegerField()
    reasons = models.JSONField(default=list)
    needs_clarification = models.BooleanField(default=False)
    auto_send_allowed = models.BooleanField(
        default=False,
        help_text="Tier 0 in a category an admin opened for auto-send; guard flags still block it.",
    )
    rules_version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [models.CheckConstraint(condition=Q(tier__lte=3), name="assessment_tier_0_3")]

    def __str__(self) -> str:
        return f"tier {self.tier} for ticket {self.ticket_id}"

    # The reason code of a message that only thanks or confirms: no draft, "close: no reply
    # needed".
    NO_REPLY_NEEDED = "no_reply_needed"

    def has_reason(self, code: str) -> bool:
        return any(r.get("code") == code for r in self.reasons)

    @property
    def no_reply_needed(self) -> bool:
        return self.has_reason(self.NO_REPLY_NEEDED)


class Draft(models.Model):
    """A proposed reply; never sent by itself."""

    class Kind(models.TextChoices):
        REPLY = "reply"
        CLARIFICATION = "clarification", "Clarification request"
        NONE = "none", "No draft"

    class Status(models.TextChoices):
        PROPOSED = "proposed"
        NO_ANSWER = "no_answer"
        APPROVED = "approved"
        REJECTED = "rejected"
        SUPERSEDED = "superseded"

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="drafts")
    kind = models.CharField(max_length=20, choices=Kind.choices, default=Kind.REPLY)
    text = models.TextField(
        blank=True,
        help_text="Masked: placeholders are restored for the reviewer and in the sent reply.",
    )
    language = models.CharField(max_length=10, blank=True)
    sources = models.JSONField(
        default=list, blank=True, help_text="[{kind, id, version, title, distance}]"
    )
    context = models.JSONField(
        default=dict, blank=True, help_text="Exactly what the engine was given."
    )
    engine = models.CharField(max_length=20)
    model = models.CharField(max_length=120, blank=True)
    prompt_version = models.CharField(max_length=40, blank=True)
    persona_version = models.PositiveIntegerField(default=1)
    guard_flags = models.JSONField(default=list, blank=True)
    no_answer_reason = models.TextField(blank=True)
    handoff_note = models.TextField(blank=True)
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.PROPOSED)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"draft {self.pk} for ticket {self.ticket_id}"


class PipelineEvent(models.Model):
    """One stage run on one ticket: what went in, what came out, how long, with which versions."""

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="events")
    stage = models.CharField(max_length=30)
    run = models.PositiveIntegerField(
        default=0,
        help_text="The ticket's pipeline run this stage belonged to (0: before runs were counted).",
    )
    started_at = models.DateTimeField()
    finished_at = models.DateTimeField()
    inputs = models.JSONField(default=dict, blank=True)
    outputs = models.JSONField(default=dict, blank=True)
    versions = models.JSONField(default=dict, blank=True)
    error = models.TextField(blank=True)

    class Meta:
        ordering = ["started_at", "pk"]
        indexes = [models.Index(fields=["ticket", "stage"], name="event_ticket_stage")]
        constraints = [
            # A stage commits once per run: a redelivered or racing task cannot record it twice.
            models.UniqueConstraint(
                fields=["ticket", "stage", "run"],
                condition=Q(error="", run__gt=0),
                name="one_event_per_stage_and_run",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.stage} on ticket {self.ticket_id}"

    @property
    def duration_ms(self) -> float:
        return (self.finished_at - self.started_at).total_seconds() * 1000


class SourceUsage(models.Model):
    """A source retrieved for a draft (``used`` when the draft rests on it), with its version: the
    basis of per-source stats."""

    draft = models.ForeignKey(Draft, on_delete=models.CASCADE, related_name="source_usages")
    entry = models.ForeignKey(
        KnowledgeEntry, null=True, blank=True, on_delete=models.CASCADE, related_name="usages"
    )
    article = models.ForeignKey(
        KBArticle, null=True, blank=True, on_delete=models.CASCADE, related_name="usages"
    )
    version = models.PositiveIntegerField()
    rank = models.PositiveSmallIntegerField()
    distance = models.FloatField()
    used = models.BooleanField(
        default=True, help_text="The draft's text rests on this source (not only retrieved)."
    )
    flagged_inaccurate = models.BooleanField(
        default=False, help_text="A reviewer said this source was wrong or misleading."
    )
    flag_note = models.TextField(blank=True)

    class Meta:
        ordering = ["draft", "rank"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(entry__isnull=False, article__isnull=True)
                | models.Q(entry__isnull=True, article__isnull=False),
                name="usage_entry_xor_article",
            )
        ]

    def __str__(self) -> str:
        return f"usage by draft {self.draft_id}"
