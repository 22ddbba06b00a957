"""Creating tickets from any channel. Deduplication rests on database constraints, not on look-ups."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db import IntegrityError, transaction
from django.utils import timezone

from triage.models import Channel, Customer, Message, Ticket

MAX_BODY_CHARS = 200_000


class IngestError(ValueError):
    """The payload cannot become a ticket; the message says why, for a 4xx or a command's error line."""


@dataclass(frozen=True)
class CustomerInput:
    email: str | None = None
    name: str = ""
    external_id: str | None = None


@dataclass(frozen=True)
class TicketInput:
    channel: str
    body: str
    subject: str = ""
    source: str | None = None
    external_id: str | None = None
    message_id: str | None = None
    in_reply_to: str = ""
    customer: CustomerInput = field(default_factory=CustomerInput)
    attachments: tuple[dict, ...] = ()
    created_at: timezone.datetime | None = None


@dataclass(frozen=True)
class IngestResult:
    ticket: Ticket
    created: bool
    joined_thread: bool = False


def check_ticket_input(data: TicketInput) -> None:
    """Raise IngestError for input no channel should accept."""
    if data.channel not in Channel.values:
        raise IngestError(f"unknown channel {data.channel!r}; use one of {', '.join(Channel.values)}")
    if "\x00" in data.body or "\x00" in data.subject:
        raise IngestError("the text contains NUL bytes")
    if not data.body.strip():
        raise IngestError("the body is empty")
    if len(data.body) > MAX_BODY_CHARS:
        raise IngestError(f"the body has {len(data.body)} characters; the limit is {MAX_BODY_CHARS}")


def find_or_create_customer(customer: CustomerInput, *, source: str) -> Customer | None:
    """The customer by email (or by the source's external id); created when unknown."""
    if customer.email:
        email = customer.email.strip().lower()
        found, created = Customer.objects.get_or_create(email=email, defaults={"name": customer.name})
        if customer.external_id and found.external_ids.get(source) != customer.external_id:
            found.external_ids = {**found.external_ids, source: customer.external_id}
            found.save(update_fields=["external_ids"])
        return found
    if customer.external_id:
        found = Customer.objects.filter(**{f"external_ids__{source}": customer.external_id}).first()
        if found:
            return found
        return Customer.objects.create(name=customer.name, external_ids={source: customer.external_id})
    return None


def ingest_ticket(*, data: TicketInput) -> IngestResult:
    """Create a ticket with its first message, or return the existing one for a redelivery.

    A redelivery is the same (source, external id) or the same Message-ID; both are unique
    in the database, so concurrent deliveries of one payload create one ticket.
    """
    check_ticket_input(data)
    source = data.source or data.channel
    try:
        with transaction.atomic():
            customer = find_or_create_customer(data.customer, source=source)
            ticket = Ticket.objects.create(
                source=source,
                external_id=data.external_id,
                channel=data.channel,
                customer=customer,
                subject=data.subject[:300],
                raw_body=data.body,
                created_at=data.created_at or timezone.now(),
            )
            Message.objects.create(
                ticket=ticket,
                direction=Message.Direction.INBOUND,
                author=(customer.name or customer.email or "") if customer else "",
                body=data.body,
                message_id=data.message_id,
                in_reply_to=data.in_reply_to,
                attachments=list(data.attachments),
                created_at=ticket.created_at,
            )
    except IntegrityError:
        existing = _existing_ticket(data, source)
        if existing is None:
            raise
        return IngestResult(ticket=existing, created=False)
    return IngestResult(ticket=ticket, created=True)


def _existing_ticket(data: TicketInput, source: str) -> Ticket | None:
    if data.external_id:
        found = Ticket.objects.filter(source=source, external_id=data.external_id).first()
        if found:
            return found
    if data.message_id:
        message = Message.objects.filter(message_id=data.message_id).select_related("ticket").first()
        if message:
            return message.ticket
    return None
