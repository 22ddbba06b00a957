"""Delivering a reply: back to the helpdesk the ticket came from, or by email.

Helpdesk adapters make one HTTP call to the vendor's API at a configured base URL:
- Zendesk: PUT {ZENDESK_API_URL}/api/v2/tickets/{id}.json with a public comment.
- Intercom: POST {INTERCOM_API_URL}/conversations/{id}/reply as an admin comment.
- Freshdesk: POST {FRESHDESK_API_URL}/api/v2/tickets/{id}/reply.
Without a configured base URL, helpdesk tickets are answered by email.
"""

from __future__ import annotations

import base64
import json
import urllib.error
import urllib.request

from django.conf import settings
from django.core.mail import EmailMessage

from triage.models import Ticket

HTTP_TIMEOUT_SECONDS = 15


class SendError(RuntimeError):
    """The reply did not go out; the message says why, for the reviewer."""


def _http(method: str, url: str, payload: dict, headers: dict[str, str]) -> None:
    request = urllib.request.Request(url, data=json.dumps(payload).encode(), method=method, headers={"Content-Type": "application/json", **headers})
    try:
        with urllib.request.urlopen(request, timeout=HTTP_TIMEOUT_SECONDS) as response:
            if response.status >= 300:
                raise SendError(f"{url} answered {response.status}")
    except urllib.error.HTTPError as exc:
        raise SendError(f"{url} answered {exc.code}: {exc.read()[:200].decode(errors='replace')}") from None
    except (urllib.error.URLError, TimeoutError, OSError) as exc:
        raise SendError(f"{url} could not be reached: {getattr(exc, 'reason', exc)}") from None


def _zendesk(ticket: Ticket, body: str) -> None:
    token = base64.b64encode(f"{settings.ZENDESK_API_USER}/token:{settings.ZENDESK_API_TOKEN}".encode()).decode()
    _http("PUT", f"{settings.ZENDESK_API_URL.rstrip('/')}/api/v2/tickets/{ticket.external_id}.json",
          {"ticket": {"comment": {"body": body, "public": True}}}, {"Authorization": f"Basic {token}"})


def _intercom(ticket: Ticket, body: str) -> None:
    _http("POST", f"{settings.INTERCOM_API_URL.rstrip('/')}/conversations/{ticket.external_id}/reply",
          {"message_type": "comment", "type": "admin", "admin_id": settings.INTERCOM_ADMIN_ID, "body": body},
          {"Authorization": f"Bearer {settings.INTERCOM_API_TOKEN}"})


def _freshdesk(ticket: Ticket, body: str) -> None:
    token = base64.b64encode(f"{settings.FRESHDESK_API_KEY}:X".encode()).decode()
    _http("POST", f"{settings.FRESHDESK_API_URL.rstrip('/')}/api/v2/tickets/{ticket.external_id}/reply", {"body": body}, {"Authorization": f"Basic {token}"})


ADAPTERS = {"zendesk": ("ZENDESK_API_URL", _zendesk), "intercom": ("INTERCOM_API_URL", _intercom), "freshdesk": ("FRESHDESK_API_URL", _freshdesk)}


def channel_for(ticket: Ticket) -> str:
    setting, _ = ADAPTERS.get(ticket.source, ("", None))
    if setting and getattr(settings, setting, "") and ticket.external_id:
        return ticket.source
    return "email"


def deliver(*, ticket: Ticket, body: str, via: str) -> None:
    """Send ``body`` (placeholders already restored). Raises SendError."""
    if via in ADAPTERS:
        ADAPTERS[via][1](ticket, body)
        return
    if ticket.customer is None or not ticket.customer.email:
        raise SendError("the customer has no email address and the ticket did not come from a connected helpdesk")
    first = ticket.messages.filter(direction="inbound").exclude(message_id=None).order_by("created_at").first()
    headers = {"In-Reply-To": first.message_id, "References": first.message_id} if first else {}
    subject = ticket.subject if ticket.subject.lower().startswith("re:") else f"Re: {ticket.subject or 'your request'} [#{ticket.pk}]"
    try:
        EmailMessage(subject=subject, body=body, to=[ticket.customer.email], headers=headers).send(fail_silently=False)
    except Exception as exc:  # SMTP and backend errors come in many types
        raise SendError(f"email to {ticket.customer.email} failed: {exc}") from None
