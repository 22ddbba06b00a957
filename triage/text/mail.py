"""Reading an RFC 822 message with the standard ``email`` package: sender, ids, date, body,
attachments, and the customer's visible text. Plain functions, no database: ingest turns a
``Mail`` into a ticket, the evaluation reads fixtures with ``read_message``."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from email.utils import getaddresses, parsedate_to_datetime

from triage.text.cleaning import cut_to_budget, read_parts

MAX_EMAIL_BYTES = 10 * 1024 * 1024


class MailError(ValueError):
    """The bytes are not a usable e-mail; the message says why."""


@dataclass(frozen=True)
class Mail:
    sender_email: str
    body: str
    sender_name: str = ""
    subject: str = ""
    message_id: str | None = None
    in_reply_to: str = ""
    references: tuple[str, ...] = ()
    attachments: tuple[dict, ...] = field(default_factory=tuple)
    sent_at: datetime | None = None


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


def _raw_header(message: EmailMessage, name: str) -> str:
    """A header as the sender wrote it (the parsed ``Date`` header already turns an unknown zone
    name into "-0000")."""
    for key, value in message.raw_items():
        if key.lower() == name.lower():
            return " ".join(str(value).split())
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


# Zone names outside RFC 5322's list (which the standard library knows) that mail clients still
# write; an unknown name is read as UTC, as RFC 5322 says for "-0000".
_ZONE_NAMES = {
    "CET": "+0100",
    "CEST": "+0200",
    "MET": "+0100",
    "MEST": "+0200",
    "WET": "+0000",
    "WEST": "+0100",
    "EET": "+0200",
    "EEST": "+0300",
    "BST": "+0100",
    "MSK": "+0300",
    "JST": "+0900",
    "AEST": "+1000",
    "AEDT": "+1100",
}
_ZONE_NAME = re.compile(r"\b(" + "|".join(_ZONE_NAMES) + r")\b\s*(\(.*\))?\s*$", re.IGNORECASE)
# Before this a date is a broken clock (the Unix epoch, year 0), not when the mail was written.
_EARLIEST = datetime(1990, 1, 1, tzinfo=UTC)


def mail_date(value: str) -> datetime | None:
    """The ``Date:`` header as an aware datetime, or None when it cannot be read (the caller then
    takes the arrival time). Every RFC 5322 form is read, obsolete ones too (two-digit years,
    zone names, no weekday or seconds); a date with no zone or with ``-0000`` ("local time
    unknown") is read as UTC; a few common zone names beyond the RFC's, and an ISO 8601 date as
    scripts write them, are read as well."""
    value = (value or "").strip()
    if not value:
        return None
    value = _ZONE_NAME.sub(lambda m: _ZONE_NAMES[m.group(1).upper()], value)
    try:
        sent_at = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError, OverflowError):
        try:
            sent_at = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            return None
    if sent_at.tzinfo is None:
        sent_at = sent_at.replace(tzinfo=UTC)
    return sent_at if sent_at >= _EARLIEST else None


def parse_mail(raw: bytes) -> Mail:
    """The parts of a raw message a ticket is made of. Raises MailError for what is not a usable
    e-mail (empty, too large, NUL bytes, no sender, no text)."""
    if not raw or not raw.strip():
        raise MailError("the message is empty")
    if len(raw) > MAX_EMAIL_BYTES:
        raise MailError(f"the message has {len(raw)} bytes; the limit is {MAX_EMAIL_BYTES}")
    if b"\x00" in raw:
        raise MailError("the message contains NUL bytes")
    try:
        message = BytesParser(policy=policy.default).parsebytes(raw)
    except Exception as exc:  # the parser is lenient; this is for truly broken input
        raise MailError(f"not an RFC 822 message: {exc}") from None
    try:
        senders = getaddresses([_header(message, "From")])
    except Exception:  # noqa: BLE001 -- a From header the address parser cannot read
        senders = []
    name, address = senders[0] if senders else ("", "")
    if "@" not in address:
        raise MailError("the message has no valid From address")
    try:
        body, attachments = _body_and_attachments(message)
    except Exception as exc:  # noqa: BLE001 -- a MIME structure the library cannot walk
        raise MailError(f"the message's MIME structure cannot be read: {exc}") from None
    if not body.strip():
        raise MailError("the message has no text part (or it is empty)")
    return Mail(
        sender_email=address,
        sender_name=name,
        body=body.replace("\x00", ""),
        subject=_header(message, "Subject")[:300],
        message_id=(_ids(_header(message, "Message-ID")) or [None])[0],
        in_reply_to=(_ids(_header(message, "In-Reply-To")) or [""])[0],
        references=tuple(_ids(_header(message, "References"))),
        attachments=tuple(attachments),
        sent_at=mail_date(_raw_header(message, "Date")),
    )


MESSAGE_KINDS = ("plain", "html", "mime")


@dataclass(frozen=True)
class ReadMessage:
    """``clean_text`` is what the pipeline reads; ``new_text`` the customer's own words in this
    message and ``forwarded`` the mails they forwarded (see ``cleaning.Visible``)."""

    clean_text: str
    new_text: str = ""
    forwarded: tuple[str, ...] = ()
    subject: str = ""
    sender_name: str = ""
    sender_email: str = ""


def _read(body: str, *, html_body: bool | None = None, **headers: str) -> ReadMessage:
    parts = read_parts(body, html_body=html_body)
    return ReadMessage(
        cut_to_budget(parts.text), new_text=parts.new, forwarded=parts.forwarded, **headers
    )


def read_message(raw: str, kind: str = "plain") -> ReadMessage:
    """The customer's visible text of a raw message, as the pipeline cleans it: ``plain`` text,
    an ``html`` body or a whole ``mime`` message (its subject and sender too). ValueError with a
    reason for an unknown kind or an unusable e-mail."""
    if kind not in MESSAGE_KINDS:
        raise ValueError(f"kind must be one of {', '.join(MESSAGE_KINDS)}, not {kind!r}")
    if kind != "mime":
        return _read(raw, html_body=True if kind == "html" else None)
    try:
        mail = parse_mail(raw.encode("utf-8", errors="surrogatepass"))
    except MailError as exc:
        raise ValueError(f"not a usable e-mail: {exc}") from None
    return _read(
        mail.body,
        subject=mail.subject,
        sender_name=mail.sender_name,
        sender_email=mail.sender_email,
    )
