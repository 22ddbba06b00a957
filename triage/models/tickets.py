"""Customers, tickets and their threads."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.contrib.postgres.indexes import GinIndex
from django.contrib.postgres.search import SearchVectorField
from django.db import models
from django.db.models import Q
from django.utils import timezone

from triage.models.config import Team


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
    tone_preference = models.CharField(
        max_length=20,
        blank=True,
        help_text="formal, friendly or technical; overrides the tier's persona.",
    )
    external_ids = models.JSONField(
        default=dict, blank=True, help_text='{"zendesk": "123", "intercom": "abc"}'
    )
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return self.name or self.email or f"customer {self.pk}"


class TicketStatus(models.TextChoices):
    """Where a ticket is; only ``triage.lifecycle`` moves it."""

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


# Tickets a reviewer works on (``triage.lifecycle.QUEUE_STATUSES``), and the queue's partial
# indexes: one list for both.
QUEUE_STATUSES = (
    TicketStatus.TRIAGED,
    TicketStatus.IN_REVIEW,
    TicketStatus.ESCALATED,
    TicketStatus.REOPENED,
)
REVIEW_QUEUE = Q(status__in=QUEUE_STATUSES, queue_rank_at__isnull=False)


class Ticket(models.Model):
    """One support request and its thread; the unit the pipeline and reviewers work on."""

    Status = TicketStatus

    class CloseReason(models.TextChoices):
        SPAM = "spam", "Spam"
        NOT_OURS = "not_ours", "Not ours / no action needed"
        DUPLICATE = "duplicate", "Duplicate (merged)"
        NO_REPLY_NEEDED = "no_reply_needed", "No reply needed (thanks or confirmation)"

    OPEN_STATUSES = (
        Status.NEW,
        Status.TRIAGED,
        Status.DRAFTED,
        Status.IN_REVIEW,
        Status.ESCALATED,
        Status.REOPENED,
    )

    source = models.CharField(max_length=20, choices=Channel.choices)
    # NULL, not "", for "no external id": the unique constraint must not treat two of them as equal.
    external_id = models.CharField(max_length=200, null=True, blank=True)  # noqa: DJ001
    channel = models.CharField(max_length=20, choices=Channel.choices)
    customer = models.ForeignKey(
        Customer, null=True, blank=True, on_delete=models.SET_NULL, related_name="tickets"
    )
    api_client = models.ForeignKey(
        "triage.ApiClient",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="tickets",
        help_text="The API client that posted the ticket: its reply webhook is a reply route.",
    )
    subject = models.CharField(max_length=300, blank=True)
    raw_body = models.TextField()
    cleaned_text = models.TextField(blank=True)
    masked_subject = models.CharField(max_length=300, blank=True)
    masked_text = models.TextField(blank=True)
    language = models.CharField(max_length=10, blank=True)
    status = models.CharField(
        max_length=30, choices=Status.choices, default=Status.NEW, db_index=True
    )
    team = models.ForeignKey(
        Team, null=True, blank=True, on_delete=models.SET_NULL, related_name="tickets"
    )
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="assigned_tickets",
    )
    needs_human_triage = models.BooleanField(default=False, db_index=True)
    assigned_by_hand = models.BooleanField(
        default=False,
        help_text="A person chose the team or reviewer: a corrected category no longer re-routes.",
    )
    difficulty = models.PositiveSmallIntegerField(
        default=0, help_text="Set by routing; reviewer load is the sum over open tickets."
    )
    # Read model for the queue, written by the pipeline and by corrections: filtering and
    # ordering 100k tickets must not join the classification history.
    urgency = models.CharField(max_length=2, blank=True)
    category = models.CharField(max_length=100, blank=True)
    sentiment = models.CharField(max_length=12, blank=True)
    tier = models.PositiveSmallIntegerField(null=True, blank=True)
    confidence = models.FloatField(null=True, blank=True)
    escalation_codes = ArrayField(models.CharField(max_length=60), default=list, blank=True)
    flag_codes = ArrayField(models.CharField(max_length=60), default=list, blank=True)
    queue_rank_at = models.DateTimeField(
        null=True,
        blank=True,
        help_text="SLA due time, brought forward for urgency and escalation: the queue's order.",
    )
    sla_due_at = models.DateTimeField(null=True, blank=True, db_index=True)
    sla_paused_at = models.DateTimeField(null=True, blank=True)
    first_response_at = models.DateTimeField(null=True, blank=True)
    reopen_count = models.PositiveIntegerField(default=0)
    close_reason = models.CharField(max_length=20, choices=CloseReason.choices, blank=True)
    merged_into = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="merged_tickets"
    )
    # Full-text search over subject, messages and customer (see triage.search), in the text-search
    # configuration of the ticket's language.
    search_document = SearchVectorField(null=True, blank=True, editable=False)
    # The pipeline's claim (see triage.lifecycle.claim_for_processing): the run it is on, and until
    # when the worker that took it holds it. A claim past its time belongs to a dead worker.
    pipeline_run = models.PositiveIntegerField(default=0)
    claimed_until = models.DateTimeField(null=True, blank=True)
    queued_at = models.DateTimeField(
        null=True, blank=True, help_text="When its pipeline task was last queued (triage.recovery)."
    )
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["source", "external_id"],
                condition=Q(external_id__isnull=False),
                name="unique_ticket_source_external_id",
            ),
        ]
        indexes = [
            models.Index(fields=["status", "sla_due_at"], name="ticket_status_sla"),
            # The review queue walks these in order and stops after one page.
            models.Index(
                fields=["queue_rank_at", "id"], name="ticket_review_queue", condition=REVIEW_QUEUE
            ),
            models.Index(
                fields=["team", "queue_rank_at", "id"],
                name="ticket_team_review_queue",
                condition=REVIEW_QUEUE,
            ),
            GinIndex(fields=["search_document"], name="ticket_search_document"),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.subject[:60]}"

    @property
    def title(self) -> str:
        return ticket_title(self.subject, self.masked_text, self.channel)

    def sla_state(self, now: timezone.datetime | None = None) -> str:
        return sla_state(self.sla_due_at, self.sla_paused_at, self.created_at, now)

    def thread(self) -> list[Message]:
        """The messages, oldest first. One query, or none when the pipeline prefetched them for its
        batch: the stages read the thread through this, not through queries of their own."""
        return sorted(self.messages.all(), key=lambda m: (m.created_at, m.pk))

    def latest_inbound(self) -> Message | None:
        """What the customer wrote last."""
        inbound = [m for m in self.thread() if m.direction == Message.Direction.INBOUND]
        return inbound[-1] if inbound else None

    def pii_mapping(self) -> dict[str, str]:
        """Placeholder to original value for this ticket's masked text (empty before
        preprocessing)."""
        vault = PiiVault.objects.filter(ticket=self).first()
        return vault.mapping if vault else {}

    def sla_remaining(self, now: timezone.datetime | None = None) -> timedelta | None:
        return sla_remaining(self.sla_due_at, self.sla_paused_at, now)


def ticket_title(subject: str, masked_text: str | None, channel: str) -> str:
    """What lists show of a ticket: the subject, else the start of the (masked) text, else the
    channel."""
    if subject.strip():
        return subject.strip()
    text = " ".join((masked_text or "").split())
    if text:
        return text if len(text) <= 70 else text[:69].rstrip() + "…"
    return f"{Channel(channel).label if channel in Channel.values else channel} message"


def sla_remaining(
    due_at: timezone.datetime | None,
    paused_at: timezone.datetime | None,
    now: timezone.datetime | None = None,
) -> timedelta | None:
    """Time left until the SLA is due; frozen while the ticket waits on the customer."""
    if due_at is None:
        return None
    return due_at - (paused_at or now or timezone.now())


def sla_state(
    due_at: timezone.datetime | None,
    paused_at: timezone.datetime | None,
    created_at: timezone.datetime | None,
    now: timezone.datetime | None = None,
) -> str:
    """on_track, at_risk (under a quarter of the window left, or under an hour) or breached."""
    remaining = sla_remaining(due_at, paused_at, now)
    if remaining is None:
        return "none"
    if remaining.total_seconds() < 0:
        return "breached"
    window = (due_at - created_at).total_seconds() if created_at else 0
    if remaining.total_seconds() < max(3600, window * 0.25):
        return "at_risk"
    return "on_track"


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


class StatusChange(models.Model):
    """One move of a ticket's status (written only by ``triage.lifecycle``): the history shows
    them."""

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="status_changes")
    from_status = models.CharField(max_length=30, choices=Ticket.Status.choices)
    to_status = models.CharField(max_length=30, choices=Ticket.Status.choices)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    note = models.CharField(max_length=300, blank=True)
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["at", "pk"]
        indexes = [models.Index(fields=["to_status", "at"], name="status_change_to_at")]

    def __str__(self) -> str:
        return f"#{self.ticket_id} {self.from_status} → {self.to_status}"
