"""What people decided and did: reviews of drafts, actions taken for the customer, replies on their
way out."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone

from triage.models.pipeline import Draft
from triage.models.tickets import Ticket

# A reply whose normalised edit distance from its draft is above this was heavily edited: it
# becomes an evaluation case, is not learnt from, and counts against the sources it rested on.
HEAVY_EDIT_THRESHOLD = 0.4


class TicketAction(models.Model):
    """Something a person actually did for the customer (refund, credit, ...). Draft claims are
    checked against these."""

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
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at"]

    def __str__(self) -> str:
        return f"{self.kind} on ticket {self.ticket_id}"


class Review(models.Model):
    """A reviewer's decision on a draft, with how much they changed and how long it took."""

    class Decision(models.TextChoices):
        APPROVED_UNCHANGED = "approved_unchanged"
        APPROVED_EDITED = "approved_edited"
        REJECTED = "rejected"
        ESCALATED = "escalated"
        WRITTEN = "written", "Written by hand (no draft)"

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="reviews")
    draft = models.ForeignKey(
        Draft, null=True, blank=True, on_delete=models.SET_NULL, related_name="reviews"
    )
    decision = models.CharField(max_length=20, choices=Decision.choices)
    final_text = models.TextField(blank=True)
    edit_distance = models.FloatField(
        default=0.0, help_text="Normalised Levenshtein distance between draft and final text (0-1)."
    )
    token_ratio = models.FloatField(
        default=100.0, help_text="rapidfuzz token_set_ratio between draft and final text (0-100)."
    )
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="reviews"
    )
    seconds_spent = models.PositiveIntegerField(default=0)
    reason = models.TextField(blank=True)
    submission_key = models.CharField(
        max_length=64,
        null=True,
        blank=True,
        unique=True,
        help_text="The form it came from: a double submit is recognised and stores nothing twice.",
    )
    sent_over_flags = models.JSONField(
        default=list,
        blank=True,
        help_text="Guard flags on the text as sent that the reviewer acknowledged: "
        '[{"code": "unsupported_fact", "message": ..., "quote": ...}]. Empty: sent clean.',
    )
    auto_sent = models.BooleanField(
        default=False, help_text="Sent by auto-send, with no person reviewing the draft."
    )
    inserted = models.JSONField(
        default=list,
        blank=True,
        help_text='What the agent inserted from the composer: [{"kind": "article", "id": 3}, ...].',
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.decision} on ticket {self.ticket_id}"


class Note(models.Model):
    """An internal note: the team and the handoff see it; it is never sent and never becomes
    knowledge."""

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="notes")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    body = models.TextField()
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return f"note on ticket {self.ticket_id}"


class Outbound(models.Model):
    """One reply in the outbox. One per review: a double submit cannot send twice.

    pending → sending → sent; failed (the other side refused or was never reached: sent again with
    backoff until ``MAX_ATTEMPTS``); checking (the outcome is unknown: a timeout, a dead worker; the
    next attempt first looks whether the reply arrived, and sends only if it did not). A row is
    ``sending`` while one worker delivers it; a row left ``sending`` past its lease belongs to a
    worker that died and is checked, then perhaps sent, with the same idempotency key.
    """

    class Status(models.TextChoices):
        PENDING = "pending"
        SENDING = "sending", "Sending…"
        SENT = "sent"
        FAILED = "failed"
        CHECKING = "checking", "Checking whether it arrived…"

    MAX_ATTEMPTS = 5
    # Not delivered yet and not given up on.
    IN_FLIGHT = (Status.PENDING, Status.SENDING, Status.CHECKING)

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="outbounds")
    review = models.OneToOneField(
        Review, null=True, blank=True, on_delete=models.SET_NULL, related_name="outbound"
    )
    via = models.CharField(max_length=20, help_text="email, or the helpdesk the ticket came from")
    wait_for_customer = models.BooleanField(
        default=False,
        help_text="A clarification request: once sent, the SLA pauses until the customer replies.",
    )
    resolve_when_sent = models.BooleanField(
        default=False, help_text="Send and resolve: the ticket is resolved once the reply is out."
    )
    body = models.TextField(
        help_text="The text as the customer receives it (placeholders restored)."
    )
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    idempotency_key = models.UUIDField(
        default=uuid.uuid4,
        unique=True,
        help_text="Sent to helpdesk APIs and as the e-mail's Message-ID: a retried send is "
        "recognised.",
    )
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.TextField(blank=True)
    next_attempt_at = models.DateTimeField(
        null=True,
        blank=True,
        help_text="When a failed send is tried again; empty once attempts run out.",
    )
    queued_at = models.DateTimeField(
        null=True, blank=True, help_text="When its send task was last queued by the recovery sweep."
    )
    sending_until = models.DateTimeField(
        null=True, blank=True, help_text="The lease of the worker delivering it."
    )
    sent_at = models.DateTimeField(null=True, blank=True)
    handed_at = models.DateTimeField(
        null=True,
        blank=True,
        help_text="When the mail server was handed the end of the message (from then on it may "
        "have accepted it: it is never sent again).",
    )
    check_first = models.BooleanField(
        default=False,
        help_text="The last attempt's outcome is unknown: look whether the reply arrived before "
        "sending it again.",
    )
    delivery_note = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.status} reply on ticket {self.ticket_id}"

    @property
    def in_flight(self) -> bool:
        """Not delivered yet and not given up on: the page shows "sending…" and keeps asking."""
        return self.status in self.IN_FLIGHT


class SatisfactionRating(models.Model):
    """The customer's rating (1-5, CSAT) of the reply that resolved their ticket, asked by a signed
    link in that reply: one per ticket, the link good for one rating, the rating changeable for
    ``CHANGE_DAYS`` days from the page that thanks for it (``triage.review.satisfaction``)."""

    CHANGE_DAYS = 7

    ticket = models.OneToOneField(Ticket, on_delete=models.CASCADE, related_name="satisfaction")
    review = models.ForeignKey(
        Review,
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="The reply that resolved the ticket and asked for the rating.",
    )
    language = models.CharField(max_length=10, default="en")
    nonce = models.CharField(
        max_length=32, help_text="The current link's; a link that was used is replaced."
    )
    score = models.PositiveSmallIntegerField(null=True, blank=True)
    comment = models.TextField(blank=True)
    says_wrong = models.BooleanField(
        default=False, help_text="The comment says the answer was wrong or missed the question."
    )
    needs_look = models.BooleanField(default=False, db_index=True)
    looked_at = models.DateTimeField(null=True, blank=True)
    looked_at_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    asked_at = models.DateTimeField(default=timezone.now)
    rated_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=models.Q(score__isnull=True) | models.Q(score__gte=1, score__lte=5),
                name="satisfaction_score_1_5",
            ),
        ]

    def __str__(self) -> str:
        return f"rating {self.score or '–'} for ticket {self.ticket_id}"


class TicketPresence(models.Model):
    """Who has a ticket open, and who is typing a reply in it: each open ticket page reports every
    few seconds (``triage.review.presence``); a row not seen for a while is nobody."""

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="presence")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    seen_at = models.DateTimeField(default=timezone.now)
    typing_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["ticket", "user"], name="presence_ticket_user"),
        ]
        indexes = [models.Index(fields=["ticket", "seen_at"], name="presence_ticket_seen")]

    def __str__(self) -> str:
        return f"{self.user_id} on ticket {self.ticket_id}"
