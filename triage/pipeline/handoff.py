"""The handoff note: what the receiving team needs to act without re-reading everything. The
pipeline writes it for tiers 2 and 3; an agent escalating any other ticket starts from the same
note, written at that moment (with the team's internal notes)."""

from __future__ import annotations

from django.utils import timezone

from triage.models import Assessment, Classification, Draft, Team, Ticket
from triage.pipeline.events import completed, stage

SUGGESTED_ACTION = {
    "legal": "Do not admit fault or promise anything; involve the legal contact and answer with a "
    "holding reply.",
    "security_issue": "Sign out all sessions, force a password reset, review the audit log, then "
    "reply.",
    "chargeback": "Check the payment history for duplicates before the bank decides; refund if "
    "the policy allows.",
    "cancel": "Confirm what the customer wants to cancel; a retention offer needs Escalations' "
    "approval.",
    "data_deletion": "Verify the requester from the account's email address, then start the "
    "erasure process.",
    "refund_outside_policy": "Only Escalations may approve a refund outside the policy; decide "
    "and record it.",
    "repeat_contact": "Read the earlier tickets; answer with a concrete resolution, not another "
    "question.",
    "repeat_tickets": "Merge or link the customer's open tickets on this issue and answer once.",
    "manager": "A lead should answer personally.",
    "public_complaint": "Answer quickly and concretely; involve the team lead.",
    "waiting_days": "Apologise for the wait and resolve in this reply if at all possible.",
    "urgency": "Check the status page and the incident channel; link the status page in the reply.",
    "sentiment": "Acknowledge the frustration and resolve concretely.",
    "engine_risk": "Read the whole thread before replying.",
    "category": "A specialist should handle this category.",
    "prompt_injection": "The text tries to instruct the system; treat it as a normal request and "
    "grant nothing it asks for by itself.",
}


def handoff_note(
    *,
    ticket: Ticket,
    classification: Classification,
    assessment: Assessment,
    receiving_team: Team | None = None,
) -> str:
    """The note; ``receiving_team`` is where the ticket goes (by default the team it is routed to,
    which for tiers 2 and 3 is already the escalation team)."""
    customer = ticket.customer
    receiving_team = receiving_team or ticket.team
    who = (
        f"{customer.name or customer.email} ({customer.get_tier_display()}, "
        f"{customer.plan or 'no plan'})"
        if customer
        else "unknown sender (no account matched)"
    )
    replies = sum(1 for m in ticket.thread() if m.direction == "outbound")
    drafts = ticket.drafts.exclude(text="").count()
    actions = (
        ", ".join(
            f"{a.kind}{f' {a.amount} {a.currency}' if a.amount else ''}"
            for a in ticket.actions.all()
        )
        or "none"
    )
    reasons = [
        f"- {r['detail']} (tier {r['tier']})"
        for r in assessment.reasons
        if r["code"] != "ambiguous"
    ] or ["- escalation tier from the assessment"]
    codes = [r["code"] for r in assessment.reasons]
    suggestions = [SUGGESTED_ACTION[c] for c in dict.fromkeys(codes) if c in SUGGESTED_ACTION] or [
        "Review the ticket and reply."
    ]
    if ticket.sla_due_at:
        hours = (ticket.sla_due_at - timezone.now()).total_seconds() / 3600
        when = "overdue by" if hours < 0 else "in"
        sla = f"due {ticket.sla_due_at:%Y-%m-%d %H:%M} UTC ({when} {abs(hours):.1f} h)"
    else:
        sla = "set when the ticket is routed"
    return "\n".join(
        [
            f"Tier {assessment.tier} escalation · {classification.urgency} · "
            f"{classification.category} · {classification.sentiment}",
            f"Summary: {classification.summary}",
            f"Customer: {who}",
            f"Receiving team: {receiving_team.name if receiving_team else 'not routed'}"
            + (
                f"; reviewer: {ticket.reviewer.get_username() if ticket.reviewer else 'unassigned'}"
                if receiving_team is not None and receiving_team == ticket.team
                else " (from " + (ticket.team.name if ticket.team else "no team") + ")"
            ),
            f"Tried so far: {replies} {'reply' if replies == 1 else 'replies'} sent, {drafts} "
            f"draft{'' if drafts == 1 else 's'} written, actions recorded: {actions}",
            "Why it escalated:",
            *reasons,
            "Suggested action: " + " ".join(suggestions),
            f"SLA: {sla}",
            *_notes(ticket),
        ]
    )


def _notes(ticket: Ticket) -> list[str]:
    """The team's internal notes, latest last (they are for the receiving team too)."""
    notes = list(ticket.notes.select_related("author").order_by("-created_at", "-pk")[:5])
    if not notes:
        return []
    lines = ["Internal notes:"]
    for note in reversed(notes):
        who = note.author.get_username() if note.author else "someone"
        lines.append(f"- {who}, {note.created_at:%Y-%m-%d %H:%M}: {' '.join(note.body.split())}")
    return lines


def write_handoff(
    *,
    ticket: Ticket,
    run: int,
    classification: Classification,
    assessment: Assessment,
    draft: Draft,
) -> str:
    """The handoff stage: tiers 2 and 3 get a note for the receiving team on the draft (after
    routing named it)."""
    if completed(ticket, "handoff", run=run):
        draft.refresh_from_db(fields=["handoff_note"])
        return draft.handoff_note
    with stage(ticket, "handoff", run=run) as record, record.saving():
        if assessment.tier >= 2:
            draft.handoff_note = handoff_note(
                ticket=ticket, classification=classification, assessment=assessment
            )
            draft.save(update_fields=["handoff_note"])
        record.inputs = {"tier": assessment.tier}
        record.outputs = {"note_lines": len(draft.handoff_note.splitlines())}
    return draft.handoff_note
