"""Parsing inbound email (RFC 822) into a TicketInput, with the standard ``email`` package."""

from __future__ import annotations

import re
from dataclasses import dataclass
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from email.utils import getaddresses, parsedate_to_datetime

from django.utils import timezone

from triage.ingest.service import CustomerInput, IngestError, TicketInput
from triage.text.cleaning import clean_text

MAX_EMAIL_BYTES = 10 * 1024 * 1024


def _text_of(part: EmailMessage) -> str:
    try:
        return part.get_content()
    except Exception:  # noqa: BLE001 -- an unknown, lying or unusable charset (idna, utf-7 …)
        try:
            payload = part.get_payload(decode=True) or b""
        except Exception:  # noqa: BLE001 -- a broken transfer encoding
            payload = str(part.get_payload() or "").encode("utf-8", errors="replace")
        return payload.decode("utf-8", errors="replace") if isinstance(payload, bytes) else ""


def _header(message: EmailMessage, name: str) -> str:
    """A header's value; the raw text when the structured parser fails on it (``Message-ID: <>``
    raises inside the standard library)."""
    try:
        value = message.get(name)
        return str(value) if value is not None else ""
    except Exception:  # noqa: BLE001 -- any malformed header
        for key, value in message.raw_items():
            if key.lower() == name.lower():
                return str(value)
        return ""


def _body_and_attachments(message: EmailMessage) -> tuple[str, list[dict]]:
    body_part = message.get_body(preferencelist=("plain", "html"))
    body = _text_of(body_part) if body_part is not None else ""
    attachments = []
    for part in message.iter_attachments():
        payload = part.get_payload(decode=True) or b""
        attachments.append(
            {
                "filename": part.get_filename() or "",
                "content_type": part.get_content_type(),
                "size": len(payload),
            }
        )
    return body, attachments


def _ids(value: str | None) -> list[str]:
    """Message ids (``<…@…>``); ids longer than a column holds are not ids but noise."""
    return [i for i in re.findall(r"<[^<>\s]+>", value or "") if len(i) <= 300]


def parse_email(raw: bytes, *, source: str = "email") -> TicketInput:
    """A TicketInput for a raw message. Raises IngestError for what is not a usable email."""
    if not raw or not raw.strip():
        raise IngestError("the message is empty")
    if len(raw) > MAX_EMAIL_BYTES:
        raise IngestError(f"the message has {len(raw)} bytes; the limit is {MAX_EMAIL_BYTES}")
    if b"\x00" in raw:
        raise IngestError("the message contains NUL bytes")
    try:
        message = BytesParser(policy=policy.default).parsebytes(raw)
    except Exception as exc:  # the parser is lenient; this is for truly broken input
        raise IngestError(f"not an RFC 822 message: {exc}") from None
    try:
        senders = getaddresses([_header(message, "From")])
    except Exception:  # noqa: BLE001 -- a From header the address parser cannot read
        senders = []
    name, address = senders[0] if senders else ("", "")
    if "@" not in address:
        raise IngestError("the message has no valid From address")
    try:
        body, attachments = _body_and_attachments(message)
    except Exception as exc:  # noqa: BLE001 -- a MIME structure the library cannot walk
        raise IngestError(f"the message's MIME structure cannot be read: {exc}") from None
    if not body.strip():
        raise IngestError("the message has no text part (or it is empty)")
    message_id = (_ids(_header(message, "Message-ID")) or [None])[0]
    in_reply_to = (_ids(_header(message, "In-Reply-To")) or [""])[0]
    references = _ids(_header(message, "References"))
    try:
        date = _header(message, "Date")
        sent_at = parsedate_to_datetime(date) if date else None
        if sent_at is not None and timezone.is_naive(sent_at):
            sent_at = timezone.make_aware(sent_at, timezone.utc)
    except (TypeError, ValueError, IndexError, OverflowError):
        sent_at = None
    return TicketInput(
        channel="email",
        source=source,
        body=body.replace("\x00", ""),
        subject=_header(message, "Subject")[:300],
        message_id=message_id,
        in_reply_to=in_reply_to,
        references=tuple(references),
        customer=CustomerInput(email=address, name=name),
        attachments=tuple(attachments),
        created_at=sent_at if sent_at and sent_at <= timezone.now() else None,
    )


MESSAGE_KINDS = ("plain", "html", "mime")


@dataclass(frozen=True)
class ReadMessage:
    clean_text: str
    subject: str = ""
    sender_name: str = ""
    sender_email: str = ""


def read_message(raw: str, kind: str = "plain") -> ReadMessage:
    """The customer's visible text of a raw message, as the pipeline cleans it: ``plain`` text,
    an ``html`` body or a whole ``mime`` message (its subject and sender too). ValueError with a
    reason for an unknown kind or an unusable e-mail."""
    if kind not in MESSAGE_KINDS:
        raise ValueError(f"kind must be one of {', '.join(MESSAGE_KINDS)}, not {kind!r}")
    if kind != "mime":
        return ReadMessage(clean_text(raw, html_body=True if kind == "html" else None))
    try:
        parsed = parse_email(raw.encode("utf-8", errors="surrogatepass"))
    except IngestError as exc:
        raise ValueError(f"not a usable e-mail: {exc}") from None
    return ReadMessage(
        clean_text(parsed.body, subject=parsed.subject),
        subject=parsed.subject,
        sender_name=parsed.customer.name,
        sender_email=parsed.customer.email,
    )
