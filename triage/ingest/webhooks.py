"""Helpdesk webhooks: verify the vendor's signature, then map its payload to a TicketInput.

- Zendesk: base64 HMAC-SHA256 over timestamp + body, headers X-Zendesk-Webhook-Signature and
  X-Zendesk-Webhook-Signature-Timestamp.
- Intercom: ``X-Hub-Signature: sha1=<hex HMAC-SHA1 of the body>``; the notification's
  ``created_at`` (Unix time) is the timestamp.
- Freshdesk: a shared secret in the X-Freshdesk-Webhook-Secret header (Freshdesk sends custom
  headers, not signatures).
A delivery whose timestamp is older than WEBHOOK_MAX_AGE_SECONDS is refused (replay protection).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import math
import re
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from django.conf import settings

from triage.ingest.service import CustomerInput, IngestError, TicketInput


class SignatureError(ValueError):
    """The delivery is not authentic or not fresh; answered with 401 and the reason."""


def _check_age(timestamp: float, now: float) -> None:
    # NaN compares false with everything and would pass both checks below; inf overflows int().
    if not math.isfinite(timestamp):
        raise SignatureError("the delivery's timestamp is not a finite number")
    age = now - timestamp
    if age > settings.WEBHOOK_MAX_AGE_SECONDS:
        raise SignatureError(
            f"the delivery is {int(age)} s old; deliveries older than "
            f"{settings.WEBHOOK_MAX_AGE_SECONDS} s are refused"
        )
    if age < -settings.WEBHOOK_MAX_AGE_SECONDS:
        raise SignatureError("the delivery's timestamp is in the future")


def _parse_timestamp(value: str) -> float:
    if re.fullmatch(r"\s*[+-]?\d+(?:\.\d+)?\s*", value):
        return float(value)  # Unix time; "nan", "inf" and "1e999" are not
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00")).timestamp()
    except (ValueError, OverflowError):
        raise SignatureError("the timestamp header is not a Unix time or ISO 8601 date") from None


def _secret(name: str, vendor: str) -> bytes:
    """The vendor's secret; a turned-off integration (the setting is ``disabled``) refuses every
    delivery: an empty key would let anyone sign."""
    secret = getattr(settings, name)
    if not secret:
        raise SignatureError(f"{vendor} webhooks are turned off here ({name} is 'disabled')")
    return secret.encode()


def verify_zendesk(headers: Mapping[str, str], body: bytes, *, now: float) -> None:
    signature = headers.get("X-Zendesk-Webhook-Signature")
    timestamp = headers.get("X-Zendesk-Webhook-Signature-Timestamp")
    if not signature or not timestamp:
        raise SignatureError(
            "missing X-Zendesk-Webhook-Signature or X-Zendesk-Webhook-Signature-Timestamp"
        )
    expected = base64.b64encode(
        hmac.new(
            _secret("ZENDESK_WEBHOOK_SECRET", "Zendesk"),
            timestamp.encode() + body,
            hashlib.sha256,
        ).digest()
    ).decode()
    if not hmac.compare_digest(expected, signature.strip()):
        raise SignatureError("the Zendesk signature does not match")
    _check_age(_parse_timestamp(timestamp), now)


def verify_intercom_signature(headers: Mapping[str, str], body: bytes) -> None:
    key = _secret("INTERCOM_WEBHOOK_SECRET", "Intercom")
    signature = headers.get("X-Hub-Signature", "")
    if not signature.startswith("sha1="):
        raise SignatureError("missing X-Hub-Signature (sha1=...)")
    expected = "sha1=" + hmac.new(key, body, hashlib.sha1).hexdigest()
    if not hmac.compare_digest(expected, signature.strip()):
        raise SignatureError("the Intercom signature does not match")


def verify_intercom_age(payload: dict, *, now: float) -> None:
    created = payload.get("created_at")
    if not isinstance(created, int | float) or isinstance(created, bool):
        raise SignatureError("the notification has no created_at timestamp")
    _check_age(float(created), now)


def verify_freshdesk(headers: Mapping[str, str]) -> None:
    expected = _secret("FRESHDESK_WEBHOOK_SECRET", "Freshdesk")
    secret = headers.get("X-Freshdesk-Webhook-Secret")
    if not secret:
        raise SignatureError("missing X-Freshdesk-Webhook-Secret")
    if not hmac.compare_digest(secret.encode(), expected):
        raise SignatureError("the Freshdesk secret does not match")


def _str(
    data: Mapping[str, Any], key: str, *, where: str, required: bool = False, default: str = ""
) -> str:
    """A string field; ids (keys named id or ending in _id) may be whole numbers, as the vendors
    send them."""
    value = data.get(key, None)
    if value is None:
        if required:
            raise IngestError(f"{where}.{key} is missing")
        return default
    if (
        (key == "id" or key.endswith("_id"))
        and isinstance(value, int)
        and not isinstance(value, bool)
    ):
        return str(value)
    if not isinstance(value, str):
        raise IngestError(f"{where}.{key} must be a string, not {type(value).__name__}")
    return value


def _obj(data: Mapping[str, Any], key: str, *, where: str) -> Mapping[str, Any]:
    value = data.get(key)
    if not isinstance(value, dict):
        raise IngestError(f"{where}.{key} must be an object")
    return value


def zendesk_ticket(payload: dict) -> TicketInput:
    ticket = _obj(payload, "ticket", where="payload")
    requester = ticket.get("requester") or {}
    if not isinstance(requester, dict):
        raise IngestError("ticket.requester must be an object")
    return TicketInput(
        channel="zendesk",
        source="zendesk",
        external_id=_str(ticket, "id", where="ticket", required=True),
        subject=_str(ticket, "subject", where="ticket"),
        body=_str(ticket, "description", where="ticket", required=True),
        customer=CustomerInput(
            email=_str(requester, "email", where="ticket.requester") or None,
            name=_str(requester, "name", where="ticket.requester"),
            external_id=_str(requester, "id", where="ticket.requester") or None,
        ),
    )


def intercom_ticket(payload: dict) -> TicketInput:
    data = _obj(payload, "data", where="payload")
    item = _obj(data, "item", where="data")
    source = item.get("source") or {}
    if not isinstance(source, dict):
        raise IngestError("data.item.source must be an object")
    author = source.get("author") or {}
    if not isinstance(author, dict):
        raise IngestError("data.item.source.author must be an object")
    return TicketInput(
        channel="intercom",
        source="intercom",
        external_id=_str(item, "id", where="data.item", required=True),
        subject=_str(source, "subject", where="data.item.source"),
        body=_str(source, "body", where="data.item.source", required=True),
        customer=CustomerInput(
            email=_str(author, "email", where="author") or None,
            name=_str(author, "name", where="author"),
            external_id=_str(author, "id", where="author") or None,
        ),
    )


def freshdesk_ticket(payload: dict) -> TicketInput:
    hook = _obj(payload, "freshdesk_webhook", where="payload")
    return TicketInput(
        channel="freshdesk",
        source="freshdesk",
        external_id=_str(hook, "ticket_id", where="freshdesk_webhook", required=True),
        subject=_str(hook, "ticket_subject", where="freshdesk_webhook"),
        body=_str(hook, "ticket_description", where="freshdesk_webhook", required=True),
        customer=CustomerInput(
            email=_str(hook, "requester_email", where="freshdesk_webhook") or None,
            name=_str(hook, "requester_name", where="freshdesk_webhook"),
        ),
    )


def now_ts() -> float:
    return datetime.now(UTC).timestamp()
