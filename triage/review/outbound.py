"""The outbox: a reply goes out once, by a worker, back to the helpdesk the ticket came from or by
email.

pending → sending → sent, or failed and retried with backoff. ``send_outbound`` marks the row
``sending`` (a lease) in one short transaction, delivers with no transaction open, then records
the outcome in another; a second worker given the same row while it is ``sending`` does nothing,
and a row whose lease ran out (its worker died) is delivered again with the same idempotency key.

Helpdesk adapters make one HTTP call to the vendor's API at a configured base URL:
- Zendesk: PUT {ZENDESK_API_URL}/api/v2/tickets/{id}.json with a public comment.
- Intercom: POST {INTERCOM_API_URL}/conversations/{id}/reply as an admin comment.
- Freshdesk: POST {FRESHDESK_API_URL}/api/v2/tickets/{id}/reply.
Without a configured base URL, helpdesk tickets are answered by email.

Each call carries the outbox row's idempotency key (``Idempotency-Key`` header to the helpdesks;
the e-mail's Message-ID), so an API that honours it ignores a repeated delivery.
"""

from __future__ import annotations

import base64
import json
import urllib.error
import urllib.request
from datetime import datetime, timedelta

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import transaction
from django.utils import timezone

from triage import lifecycle, queueing
from triage.models import Message, Outbound, Ticket
from triage.review.feedback import learn_from_ticket
from triage.text.pii import mask_pii

HTTP_TIMEOUT_SECONDS = 15
# How long a worker may hold a reply it is delivering: well past the HTTP timeout and SMTP's.
SEND_LEASE = timedelta(seconds=120)
MAX_BACKOFF = timedelta(hours=1)


class SendError(RuntimeError):
    """The reply did not go out; the message says why, for the reviewer."""


def _http(method: str, url: str, payload: dict, headers: dict[str, str], *, key: str) -> None:
    headers = {"Content-Type": "application/json", "Idempotency-Key": key, **headers}
    request = urllib.request.Request(
        url, data=json.dumps(payload).encode(), method=method, headers=headers
    )
    try:
        with urllib.request.urlopen(request, timeout=HTTP_TIMEOUT_SECONDS) as response:
            if response.status >= 300:
                raise SendError(f"{url} answered {response.status}")
    except urllib.error.HTTPError as exc:
        raise SendError(
            f"{url} answered {exc.code}: {exc.read()[:200].decode(errors='replace')}"
        ) from None
    except (urllib.error.URLError, TimeoutError, OSError) as exc:
        raise SendError(f"{url} could not be reached: {getattr(exc, 'reason', exc)}") from None


def _zendesk(ticket: Ticket, body: str, key: str) -> None:
    token = base64.b64encode(
        f"{settings.ZENDESK_API_USER}/token:{settings.ZENDESK_API_TOKEN}".encode()
    ).decode()
    _http(
        "PUT",
        f"{settings.ZENDESK_API_URL.rstrip('/')}/api/v2/tickets/{ticket.external_id}.json",
        {"ticket": {"comment": {"body": body, "public": True}}},
        {"Authorization": f"Basic {token}"},
        key=key,
    )


def _intercom(ticket: Ticket, body: str, key: str) -> None:
    _http(
        "POST",
        f"{settings.INTERCOM_API_URL.rstrip('/')}/conversations/{ticket.external_id}/reply",
        {
            "message_type": "comment",
            "type": "admin",
            "admin_id": settings.INTERCOM_ADMIN_ID,
            "body": body,
        },
        {"Authorization": f"Bearer {settings.INTERCOM_API_TOKEN}"},
        key=key,
    )


def _freshdesk(ticket: Ticket, body: str, key: str) -> None:
    token = base64.b64encode(f"{settings.FRESHDESK_API_KEY}:X".encode()).decode()
    _http(
        "POST",
        f"{settings.FRESHDESK_API_URL.rstrip('/')}/api/v2/tickets/{ticket.external_id}/reply",
        {"body": body},
        {"Authorization": f"Basic {token}"},
        key=key,
    )


ADAPTERS = {
    "zendesk": ("ZENDESK_API_URL", _zendesk),
    "intercom": ("INTERCOM_API_URL", _intercom),
    "freshdesk": ("FRESHDESK_API_URL", _freshdesk),
}


def channel_for(ticket: Ticket) -> str:
    setting, _ = ADAPTERS.get(ticket.source, ("", None))
    if setting and getattr(settings, setting, "") and ticket.external_id:
        return ticket.source
    return "email"


def deliver(*, ticket: Ticket, body: str, via: str, key: str) -> None:
    """Send ``body`` (placeholders already restored). Raises SendError. Never call it inside a
    transaction."""
    if via in ADAPTERS:
        ADAPTERS[via][1](ticket, body, key)
        return
    if ticket.customer is None or not ticket.customer.email:
        raise SendError(
            "the customer has no email address and the ticket did not come from a connected "
            "helpdesk"
        )
    first = (
        ticket.messages.filter(direction="inbound")
        .exclude(message_id=None)
        .order_by("created_at")
        .first()
    )
    headers = {"In-Reply-To": first.message_id, "References": first.message_id} if first else {}
    headers["Message-ID"] = (
        f"<reply-{key}@{settings.DEFAULT_FROM_EMAIL.rpartition('@')[2] or 'deskpilot'}>"
    )
    subject = (
        ticket.subject
        if ticket.subject.lower().startswith("re:")
        else f"Re: {ticket.subject or 'your request'} [#{ticket.pk}]"
    )
    try:
        EmailMessage(subject=subject, body=body, to=[ticket.customer.email], headers=headers).send(
            fail_silently=False
        )
    except Exception as exc:  # SMTP and backend errors come in many types
        raise SendError(f"email to {ticket.customer.email} failed: {exc}") from None


# --- The outbox -------------------------------------------------------------------------------


def backoff(attempts: int) -> timedelta:
    """Wait before the next try after ``attempts`` failed ones: base, 2×, 4×… up to an hour."""
    return min(
        MAX_BACKOFF,
        timedelta(seconds=settings.OUTBOX_RETRY_BASE_SECONDS * 2 ** max(0, attempts - 1)),
    )


def _take(outbound_id: int, now: datetime) -> Outbound | None:
    """Mark the reply ``sending`` for this worker, or None when it is sent, gone or held by a live
    worker."""
    with transaction.atomic():
        outbound = Outbound.objects.select_for_update(of=("self",)).filter(pk=outbound_id).first()
        if outbound is None or outbound.status == Outbound.Status.SENT:
            return None
        if (
            outbound.status == Outbound.Status.SENDING
            and outbound.sending_until
            and outbound.sending_until > now
        ):
            return None
        outbound.status = Outbound.Status.SENDING
        outbound.attempts += 1
        outbound.sending_until = now + SEND_LEASE
        outbound.next_attempt_at = None
        outbound.save(update_fields=["status", "attempts", "sending_until", "next_attempt_at"])
    return outbound


def send_outbound(*, outbound_id: int, now: datetime | None = None) -> Outbound | None:
    """Deliver a pending, failed or abandoned reply once. Returns the row as it ended, or None when
    there was nothing to do."""
    now = now or timezone.now()
    outbound = _take(outbound_id, now)
    if outbound is None:
        return None
    ticket = Ticket.objects.select_related("customer").get(pk=outbound.ticket_id)
    try:
        deliver(
            ticket=ticket, body=outbound.body, via=outbound.via, key=str(outbound.idempotency_key)
        )
    except SendError as exc:
        return _failed(outbound, str(exc), now=timezone.now())
    return _sent(outbound, now=timezone.now())


def _failed(outbound: Outbound, error: str, *, now: datetime) -> Outbound:
    with transaction.atomic():
        outbound = Outbound.objects.select_for_update(of=("self",)).get(pk=outbound.pk)
        outbound.status = Outbound.Status.FAILED
        outbound.last_error = error[:2000]
        outbound.sending_until = None
        outbound.next_attempt_at = (
            now + backoff(outbound.attempts) if outbound.attempts < Outbound.MAX_ATTEMPTS else None
        )
        outbound.save(update_fields=["status", "last_error", "sending_until", "next_attempt_at"])
    return outbound


def _sent(outbound: Outbound, *, now: datetime) -> Outbound:
    with transaction.atomic():
        outbound = (
            Outbound.objects.select_for_update(of=("self",))
            .select_related("review__reviewer")
            .get(pk=outbound.pk)
        )
        outbound.status, outbound.sent_at, outbound.last_error = Outbound.Status.SENT, now, ""
        outbound.sending_until = outbound.next_attempt_at = None
        outbound.save(
            update_fields=["status", "sent_at", "last_error", "sending_until", "next_attempt_at"]
        )
        ticket = lifecycle.lock(outbound.ticket_id)
        reviewer = (
            outbound.review.reviewer if outbound.review and outbound.review.reviewer else None
        )
        Message.objects.create(
            ticket=ticket,
            direction=Message.Direction.OUTBOUND,
            author=reviewer.get_username() if reviewer else "",
            body=outbound.body,
            masked_body=mask_pii(outbound.body, ticket.pii_mapping()).text,
            created_at=now,
        )
        lifecycle.reply_sent(
            ticket=ticket,
            wait_for_customer=outbound.wait_for_customer,
            at=now,
            resolve=outbound.resolve_when_sent,
        )
    if outbound.resolve_when_sent:
        # "Send and resolve": the reply, now out, is what the knowledge base learns from.
        learn_from_ticket(ticket=ticket)
    return outbound


def retry_outbound(*, outbound: Outbound) -> Outbound:
    """A person asks to try a failed reply again now: it is pending again and its send queued."""
    with transaction.atomic():
        outbound = Outbound.objects.select_for_update(of=("self",)).get(pk=outbound.pk)
        if outbound.status == Outbound.Status.FAILED:
            outbound.status = Outbound.Status.PENDING
            outbound.next_attempt_at = None
            outbound.save(update_fields=["status", "next_attempt_at"])
            queueing.enqueue_send(outbound_id=outbound.pk)
    return outbound
