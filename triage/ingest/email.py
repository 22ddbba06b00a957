"""Inbound e-mail (RFC 822) as a TicketInput; the message itself is read by
``triage.text.mail``."""

from __future__ import annotations

from django.utils import timezone

from triage.ingest.service import CustomerInput, IngestError, TicketInput
from triage.text.mail import MAX_EMAIL_BYTES, MailError, parse_mail

__all__ = ["MAX_EMAIL_BYTES", "parse_email"]


def parse_email(raw: bytes, *, source: str = "email") -> TicketInput:
    """A TicketInput for a raw message. Raises IngestError for what is not a usable email. A date
    in the future (a sender's clock, or a forged header) is replaced by the arrival time."""
    try:
        mail = parse_mail(raw)
    except MailError as exc:
        raise IngestError(str(exc)) from None
    return TicketInput(
        channel="email",
        source=source,
        body=mail.body,
        subject=mail.subject,
        message_id=mail.message_id,
        in_reply_to=mail.in_reply_to,
        references=mail.references,
        customer=CustomerInput(email=mail.sender_email, name=mail.sender_name),
        attachments=mail.attachments,
        created_at=mail.sent_at if mail.sent_at and mail.sent_at <= timezone.now() else None,
    )
