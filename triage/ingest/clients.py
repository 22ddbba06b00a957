"""API clients and their tokens: made, rotated and revoked here; a request's token is checked by
``authenticate``.

A token is ``dp_`` and 43 random URL-safe characters (256 bits); only its SHA-256 is stored. A
token from the ``API_TOKENS`` setting (development, or a static token an operator set) is
accepted too, compared in constant time.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import IntegrityError, transaction
from django.utils import timezone

from triage.models import ApiClient

TOKEN_PREFIX = "dp_"
DEFAULT_ROTATION_GRACE = timedelta(hours=24)
# last_used_at is written at most this often per client: one UPDATE, not one per request.
LAST_USED_RESOLUTION = timedelta(minutes=1)


class ClientError(ValueError):
    """The client cannot be made or changed as asked; the message says why."""


@dataclass(frozen=True)
class Caller:
    """Who sent an API request: a client record, or a static token from the settings."""

    client: ApiClient | None
    label: str


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _new_token() -> str:
    return TOKEN_PREFIX + secrets.token_urlsafe(32)


def create_client(*, name: str) -> tuple[ApiClient, str]:
    """A new client and its token (shown once: only its hash is kept)."""
    name = name.strip()
    if not name or len(name) > 100:
        raise ClientError("a client needs a name of 1 to 100 characters")
    token = _new_token()
    try:
        with transaction.atomic():
            client = ApiClient.objects.create(
                name=name, token_hash=token_hash(token), token_prefix=token[:10]
            )
    except IntegrityError:
        raise ClientError(f"there is already a client named {name!r}") from None
    return client, token


def rotate_token(*, client: ApiClient, grace: timedelta = DEFAULT_ROTATION_GRACE) -> str:
    """A new token for the client; the current one keeps working for ``grace`` (zero: at once
    refused)."""
    token = _new_token()
    now = timezone.now()
    with transaction.atomic():
        client = ApiClient.objects.select_for_update().get(pk=client.pk)
        client.previous_token_hash = client.token_hash if grace > timedelta(0) else ""
        client.previous_valid_until = now + grace if grace > timedelta(0) else None
        client.token_hash, client.token_prefix = token_hash(token), token[:10]
        client.rotated_at = now
        client.save(
            update_fields=[
                "previous_token_hash",
                "previous_valid_until",
                "token_hash",
                "token_prefix",
                "rotated_at",
            ]
        )
    return token


def revoke(*, client: ApiClient) -> None:
    """Refuse the client's tokens from now on (its tickets stay)."""
    ApiClient.objects.filter(pk=client.pk).update(
        active=False, previous_token_hash="", previous_valid_until=None
    )


def authenticate(token: str) -> Caller | None:
    """The caller a bearer token belongs to, or None. A static token from ``API_TOKENS`` is
    compared in constant time with each one; a client's token is found by its hash (the hash of a
    256-bit secret leaks nothing by its look-up time)."""
    token = token.strip()
    if not token:
        return None
    if any(hmac.compare_digest(token.encode(), t.encode()) for t in settings.API_TOKENS):
        return Caller(client=None, label="API_TOKENS")
    if not token.startswith(TOKEN_PREFIX) or len(token) > 200:
        return None
    digest = token_hash(token)
    now = timezone.now()
    client = ApiClient.objects.filter(active=True, token_hash=digest).first()
    if client is None:
        client = ApiClient.objects.filter(
            active=True, previous_token_hash=digest, previous_valid_until__gt=now
        ).first()
    if client is None:
        return None
    if client.last_used_at is None or now - client.last_used_at > LAST_USED_RESOLUTION:
        ApiClient.objects.filter(pk=client.pk).update(last_used_at=now)
    return Caller(client=client, label=client.name)


def set_reply_webhook(
    *, client: ApiClient, url: str, status_events: bool = False, new_secret: bool = False
) -> ApiClient:
    """Where replies to the client's tickets go (``url``; "" removes it) and whether their status
    changes are sent too. A signing secret is made with the first URL and kept after that, unless
    ``new_secret`` (the client must then verify with the new one)."""
    url = url.strip()
    if url:
        validator = URLValidator(schemes=["http", "https"])
        try:
            validator(url)
        except ValidationError:
            raise ClientError(f"{url!r} is not an http(s) URL") from None
        if len(url) > 500:
            raise ClientError("the webhook URL is longer than 500 characters")
    with transaction.atomic():
        client = ApiClient.objects.select_for_update().get(pk=client.pk)
        client.reply_webhook_url = url
        client.status_events = bool(url) and status_events
        if url and (new_secret or not client.webhook_secret):
            client.webhook_secret = secrets.token_hex(32)
        client.save(update_fields=["reply_webhook_url", "status_events", "webhook_secret"])
    return client
