"""Programs that post tickets through the API (a chat widget, a mobile app, a social inbox)."""

from __future__ import annotations

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

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name
