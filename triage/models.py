"""The core domain: customers, tickets and their threads, what the pipeline decided, what humans decided.

Configuration that people tune (taxonomy, teams, personas, escalation rules) is data too:
it lives here, is editable in the admin, and every change bumps a ``ConfigVersion`` that
later stages record next to their output.
"""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.db.models import Q
from django.utils import timezone


class Urgency(models.TextChoices):
    P1 = "P1", "P1 · critical"
    P2 = "P2", "P2 · high"
    P3 = "P3", "P3 · normal"
    P4 = "P4", "P4 · low"


class Sentiment(models.TextChoices):
    ANGRY = "angry", "Angry"
    FRUSTRATED = "frustrated", "Frustrated"
    NEUTRAL = "neutral", "Neutral"
    POSITIVE = "positive", "Positive"


class Channel(models.TextChoices):
    EMAIL = "email", "Email"
    CHAT = "chat", "Chat"
    WEB_FORM = "web_form", "Web form"
    API = "api", "API"
    ZENDESK = "zendesk", "Zendesk"
    INTERCOM = "intercom", "Intercom"
    FRESHDESK = "freshdesk", "Freshdesk"


# --- Configuration as data -------------------------------------------------------------


class ConfigVersion(models.Model):
    """A counter per kind of configuration; bumped by every change (see ``triage.signals``)."""

    class Kind(models.TextChoices):
        TAXONOMY = "taxonomy"
        ROUTING = "routing"
        PERSONAS = "personas"
        RULES = "rules"

    kind = models.CharField(max_length=20, choices=Kind.choices, unique=True)
    version = models.PositiveIntegerField(default=1)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"{self.kind} v{self.version}"


class TaxonomyCategory(models.Model):
    """A top-level category of the taxonomy the classifiers choose from."""

    slug = models.SlugField(max_length=60, unique=True)
    name = models.CharField(max_length=100)
    description = models.TextField(help_text="Shown to the LLM classifier; say what belongs here and what does not.")
    subcategories = ArrayField(models.SlugField(max_length=60), default=list, blank=True)
    escalate_immediately = models.BooleanField(default=False, help_text="Skip drafting: straight to a human.")
    auto_send_enabled = models.BooleanField(default=False, help_text="Allow tier-0 drafts of this category to be sent without review.")
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["slug"]
        verbose_name_plural = "taxonomy categories"

    def __str__(self) -> str:
        return self.slug


class Team(models.Model):
    """A support team: which categories it owns, its SLA hours per urgency and its members."""

    slug = models.SlugField(max_length=60, unique=True)
    name = models.CharField(max_length=100)
    categories = ArrayField(models.SlugField(max_length=60), default=list, blank=True)
    skills = ArrayField(models.SlugField(max_length=60), default=list, blank=True)
    is_escalation_team = models.BooleanField(default=False)
    escalation_team = models.ForeignKey("self", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    sla_hours = models.JSONField(default=dict, help_text='Hours to first response per urgency, e.g. {"P1": 1, "P2": 4, "P3": 24, "P4": 72}.')
    business_hours = models.JSONField(
        null=True, blank=True, help_text='Optional: {"days": [0,1,2,3,4], "start": "09:00", "end": "17:00"} (0 = Monday, in TIME_ZONE).'
    )
    members = models.ManyToManyField(settings.AUTH_USER_MODEL, through="TeamMembership", related_name="teams", blank=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def sla_for(self, urgency: str) -> timedelta:
        default = {"P1": 1, "P2": 4, "P3": 24, "P4": 72}
        return timedelta(hours=float(self.sla_hours.get(urgency, default.get(urgency, 24))))


class TeamMembership(models.Model):
    """A user in a team, with the skills and availability routing balances load over."""

    team = models.ForeignKey(Team, on_delete=models.CASCADE)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE)
    skills = ArrayField(models.SlugField(max_length=60), default=list, blank=True)
    available = models.BooleanField(default=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["team", "user"], name="unique_team_member")]

    def __str__(self) -> str:
        return f"{self.user} in {self.team}"


class Persona(models.Model):
    """The voice of replies for one customer tier; templates per language code."""

    tier = models.CharField(max_length=20, unique=True)
    name = models.CharField(max_length=100)
    voice = models.CharField(max_length=20, choices=[("formal", "Formal"), ("friendly", "Friendly"), ("technical", "Technical")])
    greetings = models.JSONField(default=dict, help_text='Per language: {"en": "Dear {name},", "de": "..."}')
    signoffs = models.JSONField(default=dict, help_text='Per language: {"en": "Kind regards,\\nLedgerly Support"}')
    phrases = models.JSONField(default=dict, blank=True, help_text="Per language: acknowledgements, next-step lines and the escalation path.")
    max_words = models.PositiveIntegerField(default=180)
    cite_sources = models.BooleanField(default=False)

    def __str__(self) -> str:
        return f"{self.name} ({self.tier})"


class EscalationRule(models.Model):
    """A deterministic escalation signal or rule. Patterns are regular expressions per language."""

    class Kind(models.TextChoices):
        SIGNAL = "signal", "Signal pattern"
        RULE = "rule", "Explicit rule"

    slug = models.SlugField(max_length=60, unique=True)
    name = models.CharField(max_length=100)
    kind = models.CharField(max_length=10, choices=Kind.choices)
    patterns = models.JSONField(default=dict, blank=True, help_text='{"en": ["\\\\blawyer\\\\b"], "de": ["anwalt"]}')
    tier = models.PositiveSmallIntegerField(default=2, help_text="Tier this rule raises a ticket to (0-3).")
    params = models.JSONField(default=dict, blank=True)
    enabled = models.BooleanField(default=True)

    class Meta:
        ordering = ["slug"]

    def __str__(self) -> str:
        return self.slug


# --- Customers and tickets ---------------------------------------------------------------


class Customer(models.Model):
    """Someone who writes to support; tier drives persona and SLA."""

    class Tier(models.TextChoices):
        ENTERPRISE = "enterprise"
        BUSINESS = "business"
        SELF_SERVE = "self_serve"
        DEVELOPER = "developer"

    name = models.CharField(max_length=200, blank=True)
    email = models.EmailField(max_length=254, null=True, blank=True, unique=True)
    organisation = models.CharField(max_length=200, blank=True)
    tier = models.CharField(max_length=20, choices=Tier.choices, default=Tier.SELF_SERVE)
    plan = models.CharField(max_length=60, blank=True)
    account_created = models.DateField(null=True, blank=True)
    tone_preference = models.CharField(max_length=20, blank=True, help_text="formal, friendly or technical; overrides the tier's persona.")
    external_ids = models.JSONField(default=dict, blank=True, help_text='{"zendesk": "123", "intercom": "abc"}')
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return self.name or self.email or f"customer {self.pk}"


# Tickets waiting for a reviewer (kept in step with dashboard.selectors.QUEUE_STATUSES).
REVIEW_QUEUE = Q(status__in=["triaged", "in_review", "escalated", "reopened"], queue_rank_at__isnull=False)


class Ticket(models.Model):
    """One support request and its thread; the unit the pipeline and reviewers work on."""

    class Status(models.TextChoices):
        NEW = "new"
        TRIAGED = "triaged"
        DRAFTED = "drafted"
        IN_REVIEW = "in_review"
        WAITING_ON_CUSTOMER = "waiting_on_customer"
        SENT = "sent"
        ESCALATED = "escalated"
        RESOLVED = "resolved"
        REOPENED = "reopened"
        CLOSED = "closed"

    OPEN_STATUSES = (Status.NEW, Status.TRIAGED, Status.DRAFTED, Status.IN_REVIEW, Status.ESCALATED, Status.REOPENED)

    source = models.CharField(max_length=20, choices=Channel.choices)
    # NULL, not "", for "no external id": the unique constraint must not treat two of them as equal.
    external_id = models.CharField(max_length=200, null=True, blank=True)  # noqa: DJ001
    channel = models.CharField(max_length=20, choices=Channel.choices)
    customer = models.ForeignKey(Customer, null=True, blank=True, on_delete=models.SET_NULL, related_name="tickets")
    subject = models.CharField(max_length=300, blank=True)
    raw_body = models.TextField()
    cleaned_text = models.TextField(blank=True)
    masked_subject = models.CharField(max_length=300, blank=True)
    masked_text = models.TextField(blank=True)
    language = models.CharField(max_length=10, blank=True)
    status = models.CharField(max_length=30, choices=Status.choices, default=Status.NEW, db_index=True)
    team = models.ForeignKey(Team, null=True, blank=True, on_delete=models.SET_NULL, related_name="tickets")
    reviewer = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="assigned_tickets")
    needs_human_triage = models.BooleanField(default=False, db_index=True)
    difficulty = models.PositiveSmallIntegerField(default=0, help_text="Set by routing; reviewer load is the sum over open tickets.")
    # Read model for the queue, written by the pipeline and by corrections: filtering and
    # ordering 100k tickets must not join the classification history.
    urgency = models.CharField(max_length=2, blank=True)
    category = models.CharField(max_length=100, blank=True)
    sentiment = models.CharField(max_length=12, blank=True)
    tier = models.PositiveSmallIntegerField(null=True, blank=True)
    confidence = models.FloatField(null=True, blank=True)
    escalation_codes = ArrayField(models.CharField(max_length=60), default=list, blank=True)
    flag_codes = ArrayField(models.CharField(max_length=60), default=list, blank=True)
    queue_rank_at = models.DateTimeField(null=True, blank=True, help_text="SLA due time, brought forward for urgency and escalation: the queue's order.")
    sla_due_at = models.DateTimeField(null=True, blank=True, db_index=True)
    sla_paused_at = models.DateTimeField(null=True, blank=True)
    first_response_at = models.DateTimeField(null=True, blank=True)
    reopen_count = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["source", "external_id"], condition=Q(external_id__isnull=False), name="unique_ticket_source_external_id"
            ),
        ]
        indexes = [
            models.Index(fields=["status", "sla_due_at"], name="ticket_status_sla"),
            # The review queue walks these in order and stops after one page.
            models.Index(fields=["queue_rank_at", "id"], name="ticket_review_queue", condition=REVIEW_QUEUE),
            models.Index(fields=["team", "queue_rank_at", "id"], name="ticket_team_review_queue", condition=REVIEW_QUEUE),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.subject[:60]}"

    def sla_state(self, now: timezone.datetime | None = None) -> str:
        """on_track, at_risk (under a quarter of the window left, or under an hour) or breached."""
        remaining = self.sla_remaining(now)
        if remaining is None:
            return "none"
        if remaining.total_seconds() < 0:
            return "breached"
        window = (self.sla_due_at - self.created_at).total_seconds() if self.sla_due_at else 0
        if remaining.total_seconds() < max(3600, window * 0.25):
            return "at_risk"
        return "on_track"

    def sla_remaining(self, now: timezone.datetime | None = None) -> timedelta | None:
        """Time left until the SLA is due; frozen while the ticket waits on the customer."""
        if self.sla_due_at is None:
            return None
        reference = self.sla_paused_at or now or timezone.now()
        return self.sla_due_at - reference


class PiiVault(models.Model):
    """Placeholder to original value for one ticket, kept apart from every text the models see."""

    ticket = models.OneToOneField(Ticket, on_delete=models.CASCADE, related_name="pii_vault")
    mapping = models.JSONField(default=dict)

    def __str__(self) -> str:
        return f"PII for ticket {self.ticket_id}"


class Message(models.Model):
    """One inbound or outbound message in a ticket's thread."""

    class Direction(models.TextChoices):
        INBOUND = "inbound"
        OUTBOUND = "outbound"

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="messages")
    direction = models.CharField(max_length=10, choices=Direction.choices)
    author = models.CharField(max_length=200, blank=True)
    body = models.TextField()
    masked_body = models.TextField(blank=True)
    message_id = models.CharField(max_length=300, null=True, blank=True, unique=True)  # noqa: DJ001 -- NULLs never collide
    in_reply_to = models.CharField(max_length=300, blank=True)
    attachments = models.JSONField(default=list, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return f"{self.direction} message on ticket {self.ticket_id}"


# --- What the pipeline decided -----------------------------------------------------------


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
    alternatives = models.JSONField(default=list, blank=True, help_text="The runner-up categories with their scores.")
    engine = models.CharField(max_length=20)
    model = models.CharField(max_length=120, blank=True)
    prompt_version = models.CharField(max_length=40, blank=True)
    taxonomy_version = models.PositiveIntegerField(default=1)
    corrected_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(condition=Q(confidence__gte=0) & Q(confidence__lte=1), name="classification_confidence_0_1"),
        ]

    def __str__(self) -> str:
        return f"{self.urgency} {self.category} ({self.engine})"


class Assessment(models.Model):
    """The escalation tier (0-3) and every reason that triggered it."""

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="assessments")
    tier = models.PositiveSmallIntegerField()
    reasons = models.JSONField(default=list)
    needs_clarification = models.BooleanField(default=False)
    auto_send_allowed = models.BooleanField(default=False, help_text="Tier 0 in a category an admin opened for auto-send; guard flags still block it.")
    rules_version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [models.CheckConstraint(condition=Q(tier__lte=3), name="assessment_tier_0_3")]

    def __str__(self) -> str:
        return f"tier {self.tier} for ticket {self.ticket_id}"


class TicketAction(models.Model):
    """Something a person actually did for the customer (refund, credit, ...). Draft claims are checked against these."""

    class Kind(models.TextChoices):
        REFUND = "refund"
        CREDIT = "credit"
        CANCEL = "cancel"
        ESCALATE = "escalate"
        RESET = "reset", "Reset (password, 2FA, suspension)"
        CHANGE = "change", "Account or plan change"
        INVESTIGATE = "investigate", "Checked / investigated"

    ticket = models.ForeignKey("Ticket", on_delete=models.CASCADE, related_name="actions")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    amount = models.DecimalField(max_digits=12, decimal_places=2, null=True, blank=True)
    currency = models.CharField(max_length=3, blank=True)
    note = models.TextField(blank=True)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at"]

    def __str__(self) -> str:
        return f"{self.kind} on ticket {self.ticket_id}"


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
    text = models.TextField(blank=True, help_text="Masked: placeholders are restored for the reviewer and in the sent reply.")
    language = models.CharField(max_length=10, blank=True)
    sources = models.JSONField(default=list, blank=True, help_text="[{kind, id, version, title, distance}]")
    context = models.JSONField(default=dict, blank=True, help_text="Exactly what the engine was given.")
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


class Review(models.Model):
    """A reviewer's decision on a draft, with how much they changed and how long it took."""

    class Decision(models.TextChoices):
        APPROVED_UNCHANGED = "approved_unchanged"
        APPROVED_EDITED = "approved_edited"
        REJECTED = "rejected"
        ESCALATED = "escalated"

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="reviews")
    draft = models.ForeignKey(Draft, null=True, blank=True, on_delete=models.SET_NULL, related_name="reviews")
    decision = models.CharField(max_length=20, choices=Decision.choices)
    final_text = models.TextField(blank=True)
    edit_distance = models.FloatField(default=0.0, help_text="Normalised Levenshtein distance between draft and final text (0-1).")
    token_ratio = models.FloatField(default=100.0, help_text="rapidfuzz token_set_ratio between draft and final text (0-100).")
    reviewer = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="reviews")
    seconds_spent = models.PositiveIntegerField(default=0)
    reason = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.decision} on ticket {self.ticket_id}"


class PipelineEvent(models.Model):
    """One stage run on one ticket: what went in, what came out, how long, with which versions."""

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="events")
    stage = models.CharField(max_length=30)
    started_at = models.DateTimeField()
    finished_at = models.DateTimeField()
    inputs = models.JSONField(default=dict, blank=True)
    outputs = models.JSONField(default=dict, blank=True)
    versions = models.JSONField(default=dict, blank=True)
    error = models.TextField(blank=True)

    class Meta:
        ordering = ["started_at", "pk"]
        indexes = [models.Index(fields=["ticket", "stage"], name="event_ticket_stage")]

    def __str__(self) -> str:
        return f"{self.stage} on ticket {self.ticket_id}"

    @property
    def duration_ms(self) -> float:
        return (self.finished_at - self.started_at).total_seconds() * 1000




class Outbound(models.Model):
    """One reply on its way to the customer. One per review: a double submit cannot send twice."""

    class Status(models.TextChoices):
        PENDING = "pending"
        SENT = "sent"
        FAILED = "failed"

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="outbounds")
    review = models.OneToOneField(Review, null=True, blank=True, on_delete=models.SET_NULL, related_name="outbound")
    via = models.CharField(max_length=20, help_text="email, or the helpdesk the ticket came from")
    wait_for_customer = models.BooleanField(default=False, help_text="A clarification request: once sent, the SLA pauses until the customer replies.")
    body = models.TextField(help_text="The text as the customer receives it (placeholders restored).")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.TextField(blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.status} reply on ticket {self.ticket_id}"


class EvaluationCase(models.Model):
    """A case production taught us: a corrected classification, a rejected or heavily edited draft."""

    class Origin(models.TextChoices):
        CORRECTION = "correction"
        REJECTED_DRAFT = "rejected_draft"
        HEAVY_EDIT = "heavy_edit"

    ticket = models.ForeignKey(Ticket, null=True, on_delete=models.SET_NULL, related_name="evaluation_cases")
    origin = models.CharField(max_length=20, choices=Origin.choices)
    masked_text = models.TextField()
    labels = models.JSONField(default=dict, help_text="The corrected labels: urgency, category, sentiment, ...")
    predicted = models.JSONField(default=dict, help_text="What the pipeline had said.")
    final_reply = models.TextField(blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.origin} case from ticket {self.ticket_id}"


class EvaluationRun(models.Model):
    """One replay of the pipeline's classification on the evaluation cases (or a CSV), for comparing changes."""

    kind = models.CharField(max_length=10, choices=[("cases", "Evaluation cases"), ("csv", "Labelled CSV")])
    name = models.CharField(max_length=200, blank=True)
    engine = models.CharField(max_length=20)
    versions = models.JSONField(default=dict)
    summary = models.JSONField(default=dict, help_text="Per field: accuracy, macro_f1, coverage, accuracy_at_threshold.")
    per_case = models.JSONField(default=list, help_text="[{case, field: {expected, got, ok}}] for case runs.")
    n = models.PositiveIntegerField(default=0)
    seconds = models.FloatField(default=0.0)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.kind} run {self.pk} ({self.engine})"
