"""Creating tickets from any channel. Deduplication rests on database constraints, not on
look-ups."""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from datetime import timedelta

from django.db import IntegrityError, transaction
from django.utils import timezone

from triage import lifecycle, queueing, search
from triage.models import Channel, Customer, Message, Ticket
from triage.pipeline import guard, preprocess
from triage.review import auto_send, complaints
from triage.text.cleaning import clean_text

MAX_BODY_CHARS = 200_000


class IngestError(ValueError):
    """The payload cannot become a ticket; the message says why, for a 4xx or a command's error
    line."""


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
    references: tuple[str, ...] = ()
    customer: CustomerInput = field(default_factory=CustomerInput)
    attachments: tuple[dict, ...] = ()
    created_at: timezone.datetime | None = None
    # The API client that posted it (its reply webhook becomes the ticket's reply route).
    api_client_id: int | None = None


@dataclass(frozen=True)
class IngestResult:
    ticket: Ticket
    created: bool
    joined_thread: bool = False


# Limits of the columns the input lands in (checked here, so the database never refuses a row).
LIMITS = {
    "external_id": 200,
    "message_id": 300,
    "in_reply_to": 300,
    "reference": 300,
    "subject": 300,
    "email": 254,
    "name": 200,
    "customer external_id": 200,
}
_LONE_SURROGATE = re.compile("[\ud800-\udfff]")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def _check_text(label: str, value: str | None, *, limit: int | None = None, is_id: bool = False):
    if value is None:
        return
    if not isinstance(value, str):
        raise IngestError(f"{label} must be text")
    if "\x00" in value:
        raise IngestError(f"{label} contains NUL bytes")
    if _LONE_SURROGATE.search(value):
        raise IngestError(f"{label} contains an unpaired UTF-16 surrogate (not valid Unicode)")
    if limit is not None and len(value) > limit:
        raise IngestError(f"{label} has {len(value)} characters; the limit is {limit}")
    if is_id:
        if not value.strip():
            raise IngestError(f"{label} is empty or only whitespace")
        if _CONTROL.search(value):
            raise IngestError(f"{label} contains control characters")


def check_ticket_input(data: TicketInput) -> None:
    """Raise IngestError for input no channel should accept: the one check every entry point
    (API, web form, e-mail, chat, webhooks, imports) goes through before anything is stored."""
    if data.channel not in Channel.values:
        raise IngestError(
            f"unknown channel {data.channel!r}; use one of {', '.join(Channel.values)}"
        )
    _check_text("the body", data.body)
    _check_text("the subject", data.subject, limit=LIMITS["subject"])
    if data.external_id is not None:
        _check_text("external_id", data.external_id, limit=LIMITS["external_id"], is_id=True)
    if data.message_id is not None:
        _check_text("the Message-ID", data.message_id, limit=LIMITS["message_id"], is_id=True)
    if data.in_reply_to:
        _check_text("In-Reply-To / thread id", data.in_reply_to, limit=LIMITS["in_reply_to"])
    for reference in data.references:
        _check_text("a References id", reference, limit=LIMITS["reference"])
    customer = data.customer
    _check_text("the customer's e-mail", customer.email, limit=LIMITS["email"])
    if customer.email is not None and "@" not in customer.email:
        raise IngestError("the customer's e-mail is not an address")
    _check_text("the customer's name", customer.name, limit=LIMITS["name"])
    if customer.external_id is not None:
        _check_text(
            "the customer's external id",
            customer.external_id,
            limit=LIMITS["customer external_id"],
            is_id=True,
        )
    for attachment in data.attachments:
        for key, value in attachment.items():
            if isinstance(value, str):
                _check_text(f"attachment {key}", value, limit=1000)
    if not data.body.strip():
        raise IngestError("the body is empty")
    if len(data.body) > MAX_BODY_CHARS:
        raise IngestError(
            f"the body has {len(data.body)} characters; the limit is {MAX_BODY_CHARS}"
        )
    if not clean_text(data.body).strip() and not data.subject.strip():
        raise IngestError(
            "the message has no content once signatures and quoted replies are removed"
        )


def find_or_create_customer(customer: CustomerInput, *, source: str) -> Customer | None:
    """The customer by email (or by the source's external id); created when unknown."""
    if customer.email:
        email = customer.email.strip().lower()
        found, created = Customer.objects.get_or_create(
            email=email, defaults={"name": customer.name}
        )
        if customer.external_id and found.external_ids.get(source) != customer.external_id:
            found.external_ids = {**found.external_ids, source: customer.external_id}
            found.save(update_fields=["external_ids"])
        return found
    if customer.external_id:
        found = Customer.objects.filter(**{f"external_ids__{source}": customer.external_id}).first()
        if found:
            return found
        return Customer.objects.create(
            name=customer.name, external_ids={source: customer.external_id}
        )
    return None


# How long a thread stays joinable by "same customer, same subject" when no reply headers match.
THREAD_BY_SUBJECT_DAYS = 30
_REPLY_PREFIX = re.compile(r"^\s*((re|aw|fw|fwd|wg|rv|tr|sv)\s*:\s*)+", re.IGNORECASE)


def normalise_subject(subject: str) -> str:
    return _REPLY_PREFIX.sub("", subject).strip().lower()


def _same_customer(ticket: Ticket, customer: Customer | None) -> bool:
    """A thread belongs to its customer: another sender's reply (or an unknown one's) never joins
    it, whatever ids it quotes."""
    return (
        ticket.customer_id is not None
        and customer is not None
        and ticket.customer_id == customer.pk
    )


def find_thread(data: TicketInput, customer: Customer | None) -> Ticket | None:
    """The ticket an inbound reply belongs to: by In-Reply-To/References, else same customer and
    subject; only ever a ticket of the same customer."""
    reply_ids = [i for i in (data.in_reply_to, *data.references) if i]
    if reply_ids:
        message = (
            Message.objects.filter(message_id__in=reply_ids)
            .select_related("ticket")
            .order_by("-created_at")
            .first()
        )
        if message and _same_customer(message.ticket, customer):
            return message.ticket
    subject = normalise_subject(data.subject)
    if customer is not None and customer.pk is not None and subject:
        since = timezone.now() - timedelta(days=THREAD_BY_SUBJECT_DAYS)
        for ticket in (
            Ticket.objects.filter(customer=customer, created_at__gte=since)
            .exclude(status=Ticket.Status.CLOSED)
            .order_by("-created_at")[:20]
        ):
            if normalise_subject(ticket.subject) == subject:
                return ticket
    return None


def _inbound_message(*, ticket: Ticket, data: TicketInput, customer: Customer | None) -> Message:
    return Message.objects.create(
        ticket=ticket,
        direction=Message.Direction.INBOUND,
        author=(customer.name or customer.email or "") if customer else "",
        body=data.body,
        message_id=data.message_id,
        in_reply_to=data.in_reply_to,
        attachments=list(data.attachments),
        created_at=data.created_at or timezone.now(),
    )


def add_reply(*, ticket: Ticket, data: TicketInput, customer: Customer | None) -> Message:
    """Append an inbound message; a reply after we answered reopens the ticket (the pipeline runs
    again), a reply while we waited puts it back in review with its open draft guarded again
    (what the customer just wrote may back the draft's facts, or contradict them)."""
    message = _inbound_message(ticket=ticket, data=data, customer=customer)
    before = ticket.status
    lifecycle.customer_replied(ticket=lifecycle.lock(ticket.pk))
    search.refresh_documents([ticket.pk])
    ticket.refresh_from_db()
    complaints.after_customer_reply(
        ticket=ticket,
        body=clean_text(data.body),  # what they wrote now, without the quoted reply
        reopened=ticket.status == Ticket.Status.REOPENED and before != Ticket.Status.REOPENED,
    )
    if ticket.status not in lifecycle.PROCESSABLE:
        preprocess.mask_new_messages(ticket=ticket)
        guard.recheck_open_draft(ticket=ticket, why="the customer wrote again")
    # A customer answering an auto-sent reply counts against its category: re-judge the rule.
    auto_send.recheck_after_customer_reply(ticket)
    return message


def ingest_ticket(*, data: TicketInput, thread: bool = False, process: bool = True) -> IngestResult:
    """Create a ticket with its first message, or return the existing one for a redelivery.

    A redelivery is the same (source, external id) or the same Message-ID; both are unique in
    the database, so concurrent deliveries of one payload create one ticket. With ``thread``,
    a reply to an existing conversation joins that ticket instead of opening a new one.

    A new ticket, or one a reply reopened, is queued for the pipeline when this commits (unless
    ``process`` is false: the demo's ``--no-process``; the recovery sweep still finds it later);
    a redelivery queues nothing.
    """
    check_ticket_input(data)
    source = data.source or data.channel
    for _attempt in range(3):
        try:
            with transaction.atomic():
                customer = find_or_create_customer(data.customer, source=source)
                if thread:
                    existing = find_thread(data, customer)
                    if existing is not None:
                        add_reply(ticket=existing, data=data, customer=customer)
                        if process and existing.status in lifecycle.PROCESSABLE:
                            queueing.enqueue_ticket(ticket_id=existing.pk)
                        return IngestResult(ticket=existing, created=False, joined_thread=True)
                ticket = Ticket.objects.create(
                    source=source,
                    external_id=data.external_id,
                    channel=data.channel,
                    customer=customer,
                    api_client_id=data.api_client_id,
                    subject=data.subject[:300],
                    raw_body=data.body,
                    created_at=data.created_at or timezone.now(),
                )
                _inbound_message(
                    ticket=ticket,
                    data=replace(data, created_at=ticket.created_at),
                    customer=customer,
                )
                search.refresh_documents([ticket.pk])
                if process:
                    queueing.enqueue_ticket(ticket_id=ticket.pk)
            return IngestResult(ticket=ticket, created=True)
        except IntegrityError:
            existing = _existing_ticket(data, source)
            if existing is not None:
                return IngestResult(ticket=existing, created=False)
            # Lost a race on the customer row (two first messages from one new address): try again.
    raise IngestError("the ticket could not be stored after three attempts; try again")


def _existing_ticket(data: TicketInput, source: str) -> Ticket | None:
    if data.external_id:
        found = Ticket.objects.filter(source=source, external_id=data.external_id).first()
        if found:
            return found
    if data.message_id:
        message = (
            Message.objects.filter(message_id=data.message_id).select_related("ticket").first()
        )
        if message:
            return message.ticket
    return None
