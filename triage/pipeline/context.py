"""Assemble what a draft engine may use, within fixed budgets, and record exactly that."""

from __future__ import annotations

import re
from datetime import timedelta

from django.utils import timezone

from knowledge.retrieval import Source
from triage.config import snapshot
from triage.engines.types import AccountSummary, DraftContext
from triage.models import Assessment, Classification, Persona, Ticket
from triage.text.signals import extractive_summary

# Budgets in estimated tokens (1.3 per word): the ticket, its thread, the sources. Together
# they stay far below any model's window, leaving room for the instructions and the reply.
TICKET_BUDGET = 600
THREAD_BUDGET = 400
SOURCE_BUDGET = 250
SOURCES_TOTAL_BUDGET = 1000
LAST_INTERACTIONS = 5
# Sources that read like instructions to a model are left out of every context (and reported).
SOURCE_INJECTION = re.compile(
    r"\b(ignore|disregard|forget) (all |any |the |your )?(previous |prior |above "
    r")?(instructions|rules|policy|policies)\b"
    r"|\byou (must|should) (now )?(always )?offer\b|\bsystem prompt\b",
    re.IGNORECASE,
)


def tokens(text: str) -> int:
    return int(len(text.split()) * 1.3) + 1


def cut(text: str, budget: int) -> str:
    words = text.split()
    limit = int(budget / 1.3)
    return text if len(words) <= limit else " ".join(words[:limit]) + " …"


def account_summary(ticket: Ticket, classification: Classification) -> AccountSummary:
    customer = ticket.customer
    if customer is None:
        return AccountSummary(known=False)
    now = timezone.now()
    month_start = now.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    tickets_this_month = customer.tickets.filter(created_at__gte=month_start).count()
    repeat = (
        Classification.objects.filter(
            ticket__customer=customer,
            category=classification.category,
            ticket__created_at__gte=now - timedelta(days=14),
        )
        .exclude(ticket=ticket)
        .exists()
    )
    return AccountSummary(
        known=True,
        name=customer.name,
        tier=customer.tier,
        plan=customer.plan,
        account_age_days=(now.date() - customer.account_created).days
        if customer.account_created
        else None,
        tickets_this_month=tickets_this_month,
        repeat_contact=repeat,
        tone_preference=customer.tone_preference,
    )


def thread_context(ticket: Ticket) -> tuple[list[dict], str]:
    """The last interactions in full (masked, cut to budget); older ones as one extractive
    summary."""
    messages = ticket.thread()
    recent, older = messages[-LAST_INTERACTIONS:], messages[:-LAST_INTERACTIONS]
    per_message = max(40, THREAD_BUDGET // max(1, len(recent)))
    thread = [
        {
            "direction": m.direction,
            "at": m.created_at.isoformat(),
            "text": cut(m.masked_body or "", per_message),
        }
        for m in recent
        if m.masked_body
    ]
    older_summary = cut(
        " / ".join(
            extractive_summary(m.masked_body, max_chars=120) for m in older if m.masked_body
        ),
        THREAD_BUDGET // 2,
    )
    return thread, older_summary


def screen_sources(sources: list[Source]) -> tuple[list[Source], list[dict]]:
    kept, excluded = [], []
    used = 0
    for source in sources:
        if SOURCE_INJECTION.search(source.text) or SOURCE_INJECTION.search(source.response):
            excluded.append({**source.as_citation(), "why": "reads like instructions to the model"})
            continue
        cost = min(SOURCE_BUDGET, tokens(source.text) + tokens(source.response))
        if used + cost > SOURCES_TOTAL_BUDGET:
            excluded.append({**source.as_citation(), "why": "over the context budget"})
            continue
        used += cost
        kept.append(source)
    return kept, excluded


def build_context(
    *, ticket: Ticket, classification: Classification, assessment: Assessment, sources: list[Source]
) -> DraftContext:
    thread, older = thread_context(ticket)
    kept, excluded = screen_sources(sources)
    return DraftContext(
        ticket_text=cut(ticket.masked_text, TICKET_BUDGET),
        subject=ticket.masked_subject,
        language=ticket.language or "en",
        thread=thread,
        older_summary=older,
        account=account_summary(ticket, classification),
        classification={
            "urgency": classification.urgency,
            "category": classification.category,
            "subcategory": classification.subcategory,
            "secondary_category": classification.secondary_category,
            "sentiment": classification.sentiment,
            "summary": classification.summary,
            "confidence": classification.confidence,
        },
        tier=assessment.tier,
        needs_clarification=assessment.needs_clarification,
        reasons=assessment.reasons,
        sources=kept,
        excluded_sources=excluded,
        actions=[a.kind for a in ticket.actions.all()],
        action_notes=[
            f"{a.kind} {a.amount or ''} {a.currency} {a.note}".strip() for a in ticket.actions.all()
        ],
    )


def persona_for(ticket: Ticket) -> Persona | None:
    """The persona of the customer's tier; the customer's tone preference picks the voice when
    set."""
    tier = ticket.customer.tier if ticket.customer else "self_serve"
    persona = snapshot.persona(tier)
    if persona is not None and ticket.customer and ticket.customer.tone_preference:
        persona.voice = ticket.customer.tone_preference
    return persona
