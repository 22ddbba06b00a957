"""The preprocess stage: clean the text, mask PII, detect the language."""

from __future__ import annotations

from django.db import transaction

from triage import search
from triage.models import Message, PiiVault, Ticket
from triage.pipeline.events import completed, stage
from triage.text.cleaning import clean_text
from triage.text.language import UNKNOWN, detect_language
from triage.text.pii import Person, mask_pii

PREPROCESS_VERSION = "preprocess-3"


def earlier_language(ticket: Ticket) -> str | None:
    """The language this customer wrote in last (another ticket's), to break a close call."""
    if ticket.customer_id is None:
        return None
    return (
        Ticket.objects.filter(customer_id=ticket.customer_id)
        .exclude(pk=ticket.pk)
        .exclude(language__in=["", UNKNOWN])
        .order_by("-created_at")
        .values_list("language", flat=True)
        .first()
    )


def customer_person(ticket: Ticket) -> Person | None:
    """What the account (or the first mail's From header) knows about the customer."""
    customer = ticket.customer
    if customer is None:
        return None
    return Person(name=customer.name or "", email=customer.email or "")


def _mask_messages(thread: list[Message], vault: PiiVault, person: Person | None) -> None:
    """Mask each message of the thread not masked yet, with the ticket's placeholders; a value
    seen for the first time gets a placeholder of its own, kept in the vault (saved by the
    caller)."""
    for message in thread:
        if not message.masked_body:
            masked = mask_pii(message.body, vault.mapping, person=person)
            vault.mapping = masked.mapping
            message.masked_body = masked.text
            message.save(update_fields=["masked_body"])


def mask_new_messages(*, ticket: Ticket) -> None:
    """Mask the messages that joined the thread since the ticket was preprocessed (a reply to a
    ticket the pipeline does not run again): the guards and the composer read masked text."""
    with transaction.atomic():
        vault, _ = PiiVault.objects.select_for_update().get_or_create(ticket=ticket)
        _mask_messages(ticket.thread(), vault, customer_person(ticket))
        vault.save(update_fields=["mapping"])


def preprocess_ticket(*, ticket: Ticket, run: int) -> Ticket:
    """Fill cleaned_text, masked_text and language; store the PII mapping apart. Idempotent per
    run."""
    if completed(ticket, "preprocess", run=run):
        ticket.refresh_from_db(fields=["cleaned_text", "masked_text", "masked_subject", "language"])
        return ticket
    with stage(ticket, "preprocess", run=run) as record:
        # A reopened ticket is about what the customer wrote last.
        latest = ticket.latest_inbound()
        source_text = latest.body if latest is not None else ticket.raw_body
        cleaned = clean_text(source_text, subject=ticket.subject) or ticket.subject.strip()
        with record.saving():
            vault, _ = PiiVault.objects.select_for_update().get_or_create(ticket=ticket)
            masked = mask_pii(cleaned, vault.mapping, person=customer_person(ticket))
            masked_subject = mask_pii(ticket.subject, masked.mapping)
            vault.mapping = masked_subject.mapping
            language, probability = detect_language(
                f"{masked_subject.text}\n{masked.text}", hint=earlier_language(ticket)
            )
            ticket.cleaned_text = cleaned
            ticket.masked_text = masked.text
            ticket.masked_subject = masked_subject.text[:300]
            ticket.language = language
            ticket.save(
                update_fields=[
                    "cleaned_text",
                    "masked_text",
                    "masked_subject",
                    "language",
                    "updated_at",
                ]
            )
            thread = ticket.thread()
            _mask_messages(thread, vault, customer_person(ticket))
            vault.save(update_fields=["mapping"])
            search.refresh_documents([ticket.pk])  # now in its language's configuration
            record.inputs = {"raw_chars": len(source_text), "messages": len(thread)}
            record.outputs = {
                "cleaned_chars": len(cleaned),
                "pii_masked": sorted({p.split("_")[0].strip("[") for p in vault.mapping}),
                "pii_count": len(vault.mapping),
                "language": language,
                "language_probability": round(probability, 3),
            }
            record.versions = {"preprocess": PREPROCESS_VERSION}
    return ticket
