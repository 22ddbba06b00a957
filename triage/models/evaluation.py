"""What production taught us (evaluation cases) and replays of the pipeline on them."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone

from triage.models.tickets import Ticket


class EvaluationCase(models.Model):
    """A case production taught us: a corrected classification, a rejected or heavily edited
    draft."""

    class Origin(models.TextChoices):
        CORRECTION = "correction"
        REJECTED_DRAFT = "rejected_draft"
        HEAVY_EDIT = "heavy_edit"
        LOW_RATING = "low_rating", "Low customer rating"
        REOPENED = "reopened", "Reopened after a machine draft went out"
        SAID_WRONG = "said_wrong", "The customer said the answer was wrong"

    class FailureKind(models.TextChoices):
        WRONG_FACTS = "wrong_facts", "Wrong facts"
        WRONG_TONE = "wrong_tone", "Wrong tone"
        WRONG_POLICY = "wrong_policy", "Wrong policy"
        DID_NOT_ANSWER = "did_not_answer", "Did not answer the question"
        CLAIMED_ACTION = "claimed_action", "Claimed an action nobody took"

    ticket = models.ForeignKey(
        Ticket, null=True, on_delete=models.SET_NULL, related_name="evaluation_cases"
    )
    origin = models.CharField(max_length=20, choices=Origin.choices)
    masked_text = models.TextField()
    labels = models.JSONField(
        default=dict, help_text="The corrected labels: urgency, category, sentiment, ..."
    )
    predicted = models.JSONField(default=dict, help_text="What the pipeline had said.")
    final_reply = models.TextField(blank=True)
    failure_kind = models.CharField(
        max_length=20,
        choices=FailureKind.choices,
        blank=True,
        help_text="What went wrong, as the reviewer judged it (empty until someone says).",
    )
    kind_set_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.origin} case from ticket {self.ticket_id}"


class EvaluationRun(models.Model):
    """One replay of the pipeline's classification on the evaluation cases (or a CSV), for comparing
    changes."""

    class Status(models.TextChoices):
        QUEUED = "queued"
        RUNNING = "running"
        DONE = "done"
        FAILED = "failed"

    kind = models.CharField(
        max_length=10, choices=[("cases", "Evaluation cases"), ("csv", "Labelled CSV")]
    )
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.DONE)
    progress = models.PositiveIntegerField(default=0, help_text="Cases replayed so far.")
    total = models.PositiveIntegerField(default=0, help_text="Cases to replay.")
    error = models.TextField(blank=True)
    name = models.CharField(max_length=200, blank=True)
    engine = models.CharField(max_length=20)
    versions = models.JSONField(default=dict)
    summary = models.JSONField(
        default=dict, help_text="Per field: accuracy, macro_f1, coverage, accuracy_at_threshold."
    )
    per_case = models.JSONField(
        default=list, help_text="[{case, field: {expected, got, ok}}] for case runs."
    )
    n = models.PositiveIntegerField(default=0)
    seconds = models.FloatField(default=0.0)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.kind} run {self.pk} ({self.engine})"
