"""Programs that post tickets through the API (a chat widget, a mobile app, a social inbox)."""

from __future__ import annotations

import uuid

from django.db import models
from django.utils import timezone


class ApiClient(models.Model):
    """One API client and its token, stored as a SHA-256 hash (tokens are long random strings, so
    a fast hash is enough; the token itself is shown once, when it is made).

    Rotating keeps the previous token valid until ``previous_valid_until``, so a client can switch
    without a gap; revoking (``active`` false) refuses both at once.
    """

    name = models.CharField(max_length=100, unique=True)
    token_hash = models.CharField(max_length=64, unique=True)
    token_prefix = models.CharField(
        max_length=12, help_text="The token's first characters, to tell tokens apart in lists."
    )
    previous_token_hash = models.CharField(max_length=64, blank=True, db_index=True)
    previous_valid_until = models.DateTimeField(null=True, blank=True)
    active = models.BooleanField(default=True)
    created_at = models.DateTimeField(default=timezone.now)
    rotated_at = models.DateTimeField(null=True, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    reply_webhook_url = models.URLField(
        max_length=500,
        blank=True,
        help_text="Where replies to this client's tickets are POSTed as signed JSON events.",
    )
    webhook_secret = models.CharField(
        max_length=64,
        blank=True,
        help_text="Signs each event (HMAC-SHA256 over timestamp + body); shown to the admin.",
    )
    status_events = models.BooleanField(
        default=False, help_text="Also POST an event when one of its tickets changes status."
    )

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class ClientEvent(models.Model):
    """A status change of a ticket, owed to the API client that posted it (replies go through the
    outbox, ``Outbound``). Written in the transaction that changed the status, delivered by a
    worker with the same id on every attempt; internal notes are never events."""

    class Status(models.TextChoices):
        PENDING = "pending"
        SENT = "sent"
        FAILED = "failed", "Failed (no tries left)"

    MAX_ATTEMPTS = 5

    client = models.ForeignKey(ApiClient, on_delete=models.CASCADE, related_name="events")
    ticket = models.ForeignKey(
        "triage.Ticket", on_delete=models.CASCADE, related_name="client_events"
    )
    kind = models.CharField(max_length=40)
    data = models.JSONField(default=dict)
    event_id = models.UUIDField(default=uuid.uuid4, unique=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField(default=timezone.now)
    last_error = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at", "pk"]
        indexes = [
            models.Index(
                fields=["next_attempt_at"],
                name="client_event_due",
                condition=models.Q(status="pending"),
            )
        ]

    def __str__(self) -> str:
        return f"{self.kind} for ticket {self.ticket_id} to {self.client_id}"
