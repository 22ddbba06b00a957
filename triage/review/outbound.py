"""The outbox: a reply goes out once, by a worker, back to the helpdesk the ticket came from or by
email.

pending → sending → sent. ``send_outbound`` marks the row ``sending`` (a lease its worker renews,
``triage.leases``) in one short transaction, delivers with no transaction open, then records the
outcome in another:

- failed: the other side refused it, or was never reached. Sent again with backoff.
- checking: the outcome is unknown (a timeout after the request went out, a helpdesk error that
  may have come after it applied the reply, a worker that died while sending). The next attempt
  first looks whether the reply arrived (the helpdesk's own comment list; for e-mail, whether the
  mail server was handed the end of the message) and sends only if it did not.

E-mail goes through the Django e-mail backend; ``triage.review.mail.SmtpEmailBackend`` records
the moment the mail server is handed the end of the message, and from then on the reply is never
sent again. Helpdesk adapters make one HTTP call to the vendor's API at a configured base URL:
- Zendesk: PUT {ZENDESK_API_URL}/api/v2/tickets/{id}.json with a public comment; its comments
  are read from /api/v2/tickets/{id}/comments.json.
- Intercom: POST {INTERCOM_API_URL}/conversations/{id}/reply as an admin comment; the
  conversation's parts are read from /conversations/{id}.
- Freshdesk: POST {FRESHDESK_API_URL}/api/v2/tickets/{id}/reply; its conversations are read from
  /api/v2/tickets/{id}/conversations.
Without a configured base URL, helpdesk tickets are answered by email. Each call carries the row's
idempotency key (``Idempotency-Key`` header; the e-mail's Message-ID).

A ticket an API client posted, when that client has a reply webhook, is answered by POSTing a
signed JSON event to it (``webhook_event``): the event id is the row's idempotency key, the same in
every attempt, so a client that keeps the ids it has seen processes each reply once. A 2xx
answer marks it sent. Where no route exists (no connected helpdesk, no webhook, no e-mail
address), ``reply_route`` says so and the composer refuses to send.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import html
import json
import re
import smtplib
import socket
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import transaction
from django.utils import timezone

from triage import leases, lifecycle, queueing
from triage.models import ClientEvent, Message, Outbound, Ticket
from triage.review.feedback import learn_from_ticket
from triage.review.mail import send_handing_over
from triage.text.pii import mask_pii

MAX_BACKOFF = timedelta(hours=1)
# A helpdesk comment counts as our reply only if it was made after the reply was written (less
# this, for clocks that disagree).
CLOCK_SKEW = timedelta(minutes=10)


class SendError(RuntimeError):
    """The reply did not go out, or it is not known whether it did (``definite`` false); the
    message says why, for the reviewer."""

    def __init__(self, message: str, *, definite: bool = True) -> None:
        super().__init__(message)
        self.definite = definite


def _http(
    method: str, url: str, payload: dict | None, headers: dict[str, str], *, key: str = ""
) -> object:
    """One call to a helpdesk; its JSON answer. A refusal (4xx) or a server that was never
    reached is a definite failure; a timeout or a 5xx may come after the helpdesk acted, so its
    outcome is unknown."""
    headers = {"Content-Type": "application/json", **headers}
    if key:
        headers["Idempotency-Key"] = key
    request = urllib.request.Request(
        url,
        data=json.dumps(payload).encode() if payload is not None else None,
        method=method,
        headers=headers,
    )
    body = _call(request, url)
    try:
        return json.loads(body) if body else None
    except ValueError:
        return None


def _call(request: urllib.request.Request, url: str) -> bytes:
    """Make one HTTP request; its body. Raises SendError: definite for a refusal or a server never
    reached, not for a timeout or a 5xx (the other side may have acted)."""
    try:
        with urllib.request.urlopen(request, timeout=settings.HELPDESK_TIMEOUT_SECONDS) as response:
            body = response.read()
    except urllib.error.HTTPError as exc:
        detail = exc.read()[:200].decode(errors="replace")
        ambiguous = exc.code >= 500 and exc.code != 503
        raise SendError(f"{url} answered {exc.code}: {detail}", definite=not ambiguous) from None
    except urllib.error.URLError as exc:
        reason = exc.reason
        never_reached = isinstance(reason, ConnectionRefusedError | socket.gaierror)
        raise SendError(f"{url} could not be reached: {reason}", definite=never_reached) from None
    except (TimeoutError, OSError) as exc:
        raise SendError(
            f"{url} did not answer within {settings.HELPDESK_TIMEOUT_SECONDS:g} s ({exc})",
            definite=False,
        ) from None
    return body


def _basic(user: str, secret: str) -> dict[str, str]:
    return {"Authorization": "Basic " + base64.b64encode(f"{user}:{secret}".encode()).decode()}


def _base(name: str) -> str:
    return getattr(settings, name).rstrip("/")


def _zendesk_send(ticket: Ticket, body: str, key: str) -> None:
    _http(
        "PUT",
        f"{_base('ZENDESK_API_URL')}/api/v2/tickets/{ticket.external_id}.json",
        {"ticket": {"comment": {"body": body, "public": True}}},
        _basic(f"{settings.ZENDESK_API_USER}/token", settings.ZENDESK_API_TOKEN),
        key=key,
    )


def _zendesk_comments(ticket: Ticket) -> list[tuple[str, datetime | None]]:
    data = _http(
        "GET",
        f"{_base('ZENDESK_API_URL')}/api/v2/tickets/{ticket.external_id}/comments.json",
        None,
        _basic(f"{settings.ZENDESK_API_USER}/token", settings.ZENDESK_API_TOKEN),
    )
    comments = data.get("comments", []) if isinstance(data, dict) else []
    return [
        (str(c.get("plain_body") or c.get("body") or ""), _when(c.get("created_at")))
        for c in comments
        if isinstance(c, dict)
    ]


def _intercom_headers() -> dict[str, str]:
    return {"Authorization": f"Bearer {settings.INTERCOM_API_TOKEN}"}


def _intercom_send(ticket: Ticket, body: str, key: str) -> None:
    _http(
        "POST",
        f"{_base('INTERCOM_API_URL')}/conversations/{ticket.external_id}/reply",
        {
            "message_type": "comment",
            "type": "admin",
            "admin_id": settings.INTERCOM_ADMIN_ID,
            "body": body,
        },
        _intercom_headers(),
        key=key,
    )


def _intercom_comments(ticket: Ticket) -> list[tuple[str, datetime | None]]:
    data = _http(
        "GET",
        f"{_base('INTERCOM_API_URL')}/conversations/{ticket.external_id}",
        None,
        _intercom_headers(),
    )
    parts = (
        (data.get("conversation_parts") or {}).get("conversation_parts", [])
        if isinstance(data, dict)
        else []
    )
    return [
        (str(p.get("body") or ""), _when(p.get("created_at"))) for p in parts if isinstance(p, dict)
    ]


def _freshdesk_send(ticket: Ticket, body: str, key: str) -> None:
    _http(
        "POST",
        f"{_base('FRESHDESK_API_URL')}/api/v2/tickets/{ticket.external_id}/reply",
        {"body": body},
        _basic(settings.FRESHDESK_API_KEY, "X"),
        key=key,
    )


def _freshdesk_comments(ticket: Ticket) -> list[tuple[str, datetime | None]]:
    data = _http(
        "GET",
        f"{_base('FRESHDESK_API_URL')}/api/v2/tickets/{ticket.external_id}/conversations",
        None,
        _basic(settings.FRESHDESK_API_KEY, "X"),
    )
    rows = data if isinstance(data, list) else []
    return [
        (str(r.get("body_text") or r.get("body") or ""), _when(r.get("created_at")))
        for r in rows
        if isinstance(r, dict)
    ]


@dataclass(frozen=True)
class Adapter:
    setting: str
    send: Callable[[Ticket, str, str], None]
    comments: Callable[[Ticket], list[tuple[str, datetime | None]]]


ADAPTERS = {
    "zendesk": Adapter("ZENDESK_API_URL", _zendesk_send, _zendesk_comments),
    "intercom": Adapter("INTERCOM_API_URL", _intercom_send, _intercom_comments),
    "freshdesk": Adapter("FRESHDESK_API_URL", _freshdesk_send, _freshdesk_comments),
}


def _when(value) -> datetime | None:
    """A helpdesk's timestamp (ISO 8601 or Unix seconds) as an aware datetime."""
    try:
        if isinstance(value, int | float) and not isinstance(value, bool):
            return datetime.fromtimestamp(value, tz=UTC)
        if isinstance(value, str) and value:
            when = datetime.fromisoformat(value.replace("Z", "+00:00"))
            return when if when.tzinfo else when.replace(tzinfo=UTC)
    except (ValueError, OverflowError, OSError):
        return None
    return None


def _plain(text: str) -> str:
    """Text as a helpdesk may store it (HTML, entities, rewrapped): words only, for comparing."""
    text = html.unescape(re.sub(r"<[^>]+>", " ", text))
    return " ".join(text.split()).casefold()


@dataclass(frozen=True)
class Route:
    """Where a reply to a ticket goes: ``via`` (a helpdesk, ``webhook`` or ``email``) and what the
    composer shows ("e-mail jane@example.com")."""

    via: str
    label: str


NO_ROUTE = "No way to reach this customer"
HELPDESK_NAMES = {"zendesk": "Zendesk", "intercom": "Intercom", "freshdesk": "Freshdesk"}


def reply_route(ticket: Ticket) -> Route | None:
    """The ticket's reply route, chosen in this order: the connected helpdesk it came from, the
    reply webhook of the API client that posted it, the customer's e-mail address; None when
    there is none."""
    adapter = ADAPTERS.get(ticket.source)
    if adapter and getattr(settings, adapter.setting, "") and ticket.external_id:
        name = HELPDESK_NAMES[ticket.source]
        return Route(ticket.source, f"the {name} ticket {ticket.external_id}")
    client = ticket.api_client
    if client is not None and client.active and client.reply_webhook_url:
        return Route("webhook", f"{client.reply_webhook_url} (API client '{client.name}')")
    if ticket.customer is not None and ticket.customer.email:
        return Route("email", f"e-mail {ticket.customer.email}")
    return None


def no_route_help(ticket: Ticket) -> str:
    """What to do about a ticket with no reply route."""
    client = ticket.api_client
    if client is not None and not client.reply_webhook_url:
        return (
            f"add an e-mail address to the customer, or give the API client '{client.name}' a "
            "reply webhook (API clients page)"
        )
    return "add an e-mail address to the customer, or connect the channel it came from"


def channel_for(ticket: Ticket) -> str:
    route = reply_route(ticket)
    return route.via if route else "email"


# --- Reply webhooks ---------------------------------------------------------------------------

SIGNATURE_HEADER = "X-Deskpilot-Signature"
TIMESTAMP_HEADER = "X-Deskpilot-Signature-Timestamp"
EVENT_HEADER = "X-Deskpilot-Event-Id"


def sign(secret: str, timestamp: str, body: bytes) -> str:
    """base64(HMAC-SHA256(secret, timestamp + body)): the scheme the Zendesk webhooks we receive
    use, so a client verifies ours the same way."""
    digest = hmac.new(secret.encode(), timestamp.encode() + body, hashlib.sha256).digest()
    return base64.b64encode(digest).decode()


def webhook_event(
    *, ticket: Ticket, kind: str, data: dict, event_id: str, now: datetime
) -> tuple[bytes, dict[str, str]]:
    """One event for an API client: its JSON body and headers (signature, timestamp, id)."""
    customer = ticket.customer
    body = json.dumps(
        {
            "id": event_id,
            "type": kind,
            "created_at": now.isoformat(),
            "ticket": {
                "id": ticket.pk,
                "external_id": ticket.external_id,
                "subject": ticket.subject,
                "status": ticket.status,
                "customer": {
                    "external_id": customer.external_ids.get(ticket.source) if customer else None,
                    "email": customer.email if customer else None,
                    "name": customer.name if customer else "",
                },
            },
            **data,
        },
        ensure_ascii=False,
        sort_keys=True,
    ).encode()
    timestamp = str(int(now.timestamp()))
    headers = {
        "Content-Type": "application/json",
        "User-Agent": "Deskpilot-Webhooks/1",
        EVENT_HEADER: event_id,
        TIMESTAMP_HEADER: timestamp,
        SIGNATURE_HEADER: sign(ticket.api_client.webhook_secret, timestamp, body),
    }
    return body, headers


def deliver_client_events(*, now: datetime | None = None, limit: int = 100) -> dict[str, int]:
    """POST the status-change events that are due, oldest first, one row at a time (locked, so
    two workers never send one event at once); a refused or failed POST is tried again with
    backoff under the same event id, up to ``ClientEvent.MAX_ATTEMPTS``."""
    counts = {"sent": 0, "failed": 0}
    for _ in range(limit):
        with transaction.atomic():
            event = (
                ClientEvent.objects.select_for_update(skip_locked=True, of=("self",))
                .select_related("ticket__customer", "ticket__api_client")
                .filter(
                    status=ClientEvent.Status.PENDING, next_attempt_at__lte=now or timezone.now()
                )
                .order_by("created_at", "pk")
                .first()
            )
            if event is None:
                break
            event.attempts += 1
            try:
                _post_event(
                    ticket=event.ticket,
                    kind=event.kind,
                    data=event.data,
                    event_id=str(event.event_id),
                )
            except SendError as exc:
                event.last_error = str(exc)[:2000]
                if event.attempts >= ClientEvent.MAX_ATTEMPTS:
                    event.status = ClientEvent.Status.FAILED
                else:
                    event.next_attempt_at = timezone.now() + backoff(event.attempts)
                counts["failed"] += 1
            else:
                event.status, event.sent_at, event.last_error = (
                    ClientEvent.Status.SENT,
                    timezone.now(),
                    "",
                )
                counts["sent"] += 1
            event.save(
                update_fields=["attempts", "status", "sent_at", "last_error", "next_attempt_at"]
            )
    return counts


def _webhook_send(ticket: Ticket, body: str, key: str) -> None:
    _post_event(ticket=ticket, kind="ticket.reply", data={"reply": {"body": body}}, event_id=key)


def _post_event(*, ticket: Ticket, kind: str, data: dict, event_id: str) -> None:
    """POST one signed event to the reply webhook of the ticket's API client. Raises SendError."""
    client = ticket.api_client
    if client is None or not client.active or not client.reply_webhook_url:
        raise SendError("the API client of this ticket has no reply webhook (any more)")
    payload, headers = webhook_event(
        ticket=ticket, kind=kind, data=data, event_id=event_id, now=timezone.now()
    )
    request = urllib.request.Request(
        client.reply_webhook_url, data=payload, method="POST", headers=headers
    )
    _call(request, client.reply_webhook_url)


def _email(ticket: Ticket, body: str, key: str) -> EmailMessage:
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
    return EmailMessage(subject=subject, body=body, to=[ticket.customer.email], headers=headers)


def deliver(
    *, ticket: Ticket, body: str, via: str, key: str, on_handing: Callable[[], None] = lambda: None
) -> None:
    """Send ``body`` (placeholders already restored). Raises SendError. Never call it inside a
    transaction. ``on_handing`` is called when an e-mail is handed to the mail server."""
    if via in ADAPTERS:
        ADAPTERS[via].send(ticket, body, key)
        return
    if via == "webhook":
        _webhook_send(ticket, body, key)
        return
    message = _email(ticket, body, key)
    handed = False

    def hand_over() -> None:
        nonlocal handed
        handed = True
        on_handing()

    try:
        send_handing_over(message, hand_over)
    except smtplib.SMTPResponseException as exc:  # the server answered, and said no
        raise SendError(f"email to {ticket.customer.email} was refused: {exc}") from None
    except Exception as exc:  # SMTP and backend errors come in many types
        # Before the server was handed the end of the message it has nothing: a definite
        # failure. After, it may have accepted it: unknown, and never sent again.
        raise SendError(
            f"email to {ticket.customer.email} failed: {exc}", definite=not handed
        ) from None


def arrived(*, outbound: Outbound, ticket: Ticket) -> str:
    """Whether a reply whose last attempt ended unknown reached the customer: the reason to
    believe it did, or "" when it did not. Raises SendError when that cannot be told now."""
    if outbound.via in ADAPTERS:
        ours = _plain(outbound.body)
        since = outbound.created_at - CLOCK_SKEW
        for text, when in ADAPTERS[outbound.via].comments(ticket):
            if ours and ours in _plain(text) and (when is None or when >= since):
                return f"found among the {outbound.via} ticket's comments: not sent again"
        return ""
    if outbound.via == "webhook":
        return ""  # sent again with the same event id: the client processes each id once
    if outbound.handed_at is not None:
        return "handed to the mail server before the last attempt stopped: not sent again"
    return ""


# --- The outbox -------------------------------------------------------------------------------


def backoff(attempts: int) -> timedelta:
    """Wait before the next try after ``attempts`` failed ones: base, 2×, 4×… up to an hour."""
    return min(
        MAX_BACKOFF,
        timedelta(seconds=settings.OUTBOX_RETRY_BASE_SECONDS * 2 ** max(0, attempts - 1)),
    )


def _take(outbound_id: int, now: datetime) -> Outbound | None:
    """Mark the reply ``sending`` for this worker, or None when it is sent, gone or held by a live
    worker. A row another worker held until its lease ran out is taken with ``check_first``: that
    worker may have delivered it before it died."""
    with transaction.atomic():
        outbound = Outbound.objects.select_for_update(of=("self",)).filter(pk=outbound_id).first()
        if outbound is None or outbound.status == Outbound.Status.SENT:
            return None
        if outbound.status == Outbound.Status.SENDING:
            if outbound.sending_until and outbound.sending_until > now:
                return None
            outbound.check_first = True  # its worker died while sending
        outbound.status = Outbound.Status.SENDING
        outbound.attempts += 1
        outbound.sending_until = now + lifecycle.claim_lease()
        outbound.next_attempt_at = None
        outbound.save(
            update_fields=[
                "status",
                "attempts",
                "sending_until",
                "next_attempt_at",
                "check_first",
            ]
        )
    return outbound


def _record_handing(outbound_id: int) -> None:
    """The mail server is being handed the end of the message: from now on it may have it."""
    Outbound.objects.filter(pk=outbound_id).update(handed_at=timezone.now())


def send_outbound(*, outbound_id: int, now: datetime | None = None) -> Outbound | None:
    """Deliver a pending, failed, checking or abandoned reply once. Returns the row as it ended,
    or None when there was nothing to do."""
    now = now or timezone.now()
    outbound = _take(outbound_id, now)
    if outbound is None:
        return None
    with leases.holding(outbound=[outbound.pk]):
        ticket = Ticket.objects.select_related("customer", "api_client").get(pk=outbound.ticket_id)
        if outbound.check_first:
            outbound.refresh_from_db(fields=["handed_at"])
            try:
                found = arrived(outbound=outbound, ticket=ticket)
            except SendError as exc:
                return _unknown(outbound, f"could not check whether it arrived: {exc}")
            if found:
                return _sent(outbound, now=timezone.now(), note=found)
        try:
            deliver(
                ticket=ticket,
                body=outbound.body,
                via=outbound.via,
                key=str(outbound.idempotency_key),
                on_handing=lambda: _record_handing(outbound.pk),
            )
        except SendError as exc:
            if exc.definite:
                return _failed(outbound, str(exc), now=timezone.now())
            return _unknown(outbound, str(exc))
        return _sent(outbound, now=timezone.now())


def _failed(outbound: Outbound, error: str, *, now: datetime) -> Outbound:
    """Refused, or never reached: sending it again is safe (the server said no: it does not
    have it)."""
    return _not_sent(outbound, Outbound.Status.FAILED, error, now=now, check_first=False)


def _unknown(outbound: Outbound, error: str) -> Outbound:
    """The outcome is unknown: the next attempt looks first. After the last attempt it stays
    checking with no automatic try left: a person decides (the page says so)."""
    return _not_sent(
        outbound, Outbound.Status.CHECKING, error, now=timezone.now(), check_first=True
    )


def _not_sent(
    outbound: Outbound, status: str, error: str, *, now: datetime, check_first: bool
) -> Outbound:
    with transaction.atomic():
        outbound = Outbound.objects.select_for_update(of=("self",)).get(pk=outbound.pk)
        outbound.status = status
        outbound.last_error = error[:2000]
        outbound.sending_until = None
        outbound.check_first = check_first
        if not check_first:
            outbound.handed_at = None
        outbound.next_attempt_at = (
            now + backoff(outbound.attempts) if outbound.attempts < Outbound.MAX_ATTEMPTS else None
        )
        outbound.save(
            update_fields=[
                "status",
                "last_error",
                "sending_until",
                "handed_at",
                "check_first",
                "next_attempt_at",
            ]
        )
        if outbound.next_attempt_at is None and outbound.wait_for_customer:
            lifecycle.reply_undelivered(ticket=lifecycle.lock(outbound.ticket_id))
    return outbound


def _sent(outbound: Outbound, *, now: datetime, note: str = "") -> Outbound:
    with transaction.atomic():
        outbound = (
            Outbound.objects.select_for_update(of=("self",))
            .select_related("review__reviewer")
            .get(pk=outbound.pk)
        )
        outbound.status, outbound.sent_at, outbound.last_error = Outbound.Status.SENT, now, ""
        outbound.sending_until = outbound.next_attempt_at = None
        outbound.check_first = False
        outbound.delivery_note = note[:300]
        outbound.save(
            update_fields=[
                "status",
                "sent_at",
                "last_error",
                "sending_until",
                "next_attempt_at",
                "check_first",
                "delivery_note",
            ]
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
    """A person asks to try a failed or unconfirmed reply again now: it is pending again and its
    send queued (an unconfirmed one is still looked for before it is sent)."""
    with transaction.atomic():
        outbound = Outbound.objects.select_for_update(of=("self",)).get(pk=outbound.pk)
        if outbound.status in (Outbound.Status.FAILED, Outbound.Status.CHECKING):
            outbound.status = Outbound.Status.PENDING
            outbound.next_attempt_at = None
            outbound.save(update_fields=["status", "next_attempt_at"])
            lifecycle.reply_accepted(
                ticket=lifecycle.lock(outbound.ticket_id),
                wait_for_customer=outbound.wait_for_customer,
            )
            queueing.enqueue_send(outbound_id=outbound.pk)
    return outbound
