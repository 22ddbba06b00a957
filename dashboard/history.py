"""A ticket's history as one readable thread: its messages, internal notes, decisions, actions,
status changes and pipeline stages, oldest first, each said in words."""

from __future__ import annotations

import html
from dataclasses import dataclass, field
from datetime import datetime

from triage.models import PipelineEvent, Review, Ticket


@dataclass(frozen=True)
class HistoryItem:
    at: datetime
    kind: str  # inbound, outbound, note, decision, action, status, stage
    title: str
    body: str = ""
    details: list[str] = field(default_factory=list)
    error: str = ""


def _pct(value) -> str:
    return f"{float(value) * 100:.0f}%" if isinstance(value, int | float) else "?"


def describe_event(event: PipelineEvent) -> list[str]:
    """What a pipeline stage decided, in words (from its recorded outputs)."""
    out = event.outputs or {}
    stage = event.stage
    if event.error:
        return [f"Failed: {event.error.splitlines()[0][:200]}"]
    if stage == "preprocess":
        pii = ", ".join(out.get("pii_masked") or []) or "nothing"
        return [
            f"Language {str(out.get('language', '?')).upper()} "
            f"({_pct(out.get('language_probability'))} sure); "
            f"{out.get('cleaned_chars', '?')} characters kept; personal data masked: {pii}."
        ]
    if stage == "classify":
        line = (
            f"{out.get('urgency', '?')} · {out.get('category', '?')}"
            f"{' / ' + out['subcategory'] if out.get('subcategory') else ''} · "
            f"{out.get('sentiment', '?')}, {_pct(out.get('confidence'))} confident"
        )
        lines = [line + (" (asked for human triage)" if out.get("needs_human_review") else "")]
        if out.get("fallback"):
            lines.append(f"Fell back to another engine: {out['fallback']}")
        return lines
    if stage == "assess":
        reasons = [r.get("detail", r.get("code", "")) for r in out.get("reasons") or []]
        lines = [f"Escalation tier {out.get('tier', '?')}."]
        lines += [f"Because: {r}" for r in reasons if r]
        if out.get("needs_clarification"):
            lines.append("Too little to act on: ask the customer.")
        return lines
    if stage == "retrieve":
        sources = out.get("sources") or []
        if not sources:
            return ["Found no similar resolved ticket or article."]
        return [f"Found {len(sources)} sources; nearest: {sources[0].get('title', '')[:80]!r}."]
    if stage == "draft":
        if out.get("kind") == "none":
            return [f"No draft: {out.get('no_answer_reason') or 'no reason recorded'}."]
        used = len(out.get("used") or [])
        return [
            f"Drafted a {out.get('kind', 'reply')} of {out.get('words', '?')} words "
            f"resting on {used} source{'s' if used != 1 else ''}."
        ]
    if stage == "guard":
        flags = out.get("flags") or []
        return [f"Flags: {', '.join(flags)}." if flags else "No guard flags."]
    if stage == "route":
        who = out.get("reviewer") or "nobody yet"
        lines = [
            f"Routed to {out.get('team') or 'no team'} ({out.get('reason', '')}); reviewer {who}."
        ]
        if out.get("human_triage"):
            lines.append("Waits for human triage.")
        return lines
    if stage == "handoff":
        lines = out.get("note_lines", 0)
        return ["Wrote a handoff note." if lines else "No handoff note needed (tier 0–1)."]
    return [f"{key}: {value}" for key, value in out.items()][:6]


def _versions(event: PipelineEvent) -> str:
    return " · ".join(f"{k} {v}" for k, v in (event.versions or {}).items() if v not in ("", None))


DECISION_WORDS = {
    Review.Decision.APPROVED_UNCHANGED: "approved the draft unchanged",
    Review.Decision.APPROVED_EDITED: "approved the draft, edited",
    Review.Decision.REJECTED: "rejected the draft",
    Review.Decision.ESCALATED: "escalated",
    Review.Decision.WRITTEN: "wrote a reply by hand",
}


def ticket_history(*, ticket: Ticket, show_pii: bool) -> list[HistoryItem]:
    items: list[HistoryItem] = []
    for m in ticket.messages.all():
        body = m.body if show_pii else (m.masked_body or m.body)
        title = ("Customer" if m.direction == "inbound" else "Reply sent") + (
            f" · {m.author}" if m.author else ""
        )
        details = [f"{len(m.attachments)} attachment(s)"] if m.attachments else []
        items.append(HistoryItem(m.created_at, m.direction, title, html.unescape(body), details))
    for note in ticket.notes.select_related("author"):
        who = note.author.get_username() if note.author else "someone"
        items.append(HistoryItem(note.created_at, "note", f"Internal note · {who}", note.body))
    for review in ticket.reviews.select_related("reviewer"):
        who = review.reviewer.get_username() if review.reviewer else "someone"
        details = []
        if review.decision in (Review.Decision.APPROVED_EDITED,):
            details.append(f"edit distance {review.edit_distance:.2f}")
        if review.seconds_spent:
            details.append(f"{review.seconds_spent // 60} min {review.seconds_spent % 60} s")
        if review.sent_over_flags:
            details.append(
                "sent over acknowledged flags: "
                + ", ".join(dict.fromkeys(f.get("code", "") for f in review.sent_over_flags))
            )
        if review.auto_sent:
            details.append("auto-send: no person reviewed the draft")
        if review.inserted:
            details.append(
                "inserted " + ", ".join(f"{i['kind']} {i['id']}" for i in review.inserted)
            )
        items.append(
            HistoryItem(
                review.created_at,
                "decision",
                f"{who} {DECISION_WORDS.get(review.decision, review.decision)}",
                review.reason,
                details,
            )
        )
    for action in ticket.actions.select_related("by"):
        if action.kind == "escalate":
            continue  # the escalation decision says it
        amount = f" {action.amount} {action.currency}" if action.amount else ""
        who = action.by.get_username() if action.by else "system"
        items.append(
            HistoryItem(
                action.created_at,
                "action",
                f"{who}: {action.get_kind_display()}{amount}",
                action.note,
            )
        )
    for change in ticket.status_changes.select_related("by"):
        who = change.by.get_username() if change.by else "Deskpilot"
        title = (
            f"{who}: {Ticket.Status(change.from_status).label} → "
            f"{Ticket.Status(change.to_status).label}"
        )
        items.append(HistoryItem(change.at, "status", title, change.note))
    for event in ticket.events.all():
        took = f"{event.duration_ms:.0f} ms"
        title = f"{event.stage.capitalize()} · {took}" + (
            f" · run {event.run}" if event.run else ""
        )
        details = [v for v in [_versions(event)] if v]
        items.append(
            HistoryItem(
                event.started_at,
                "stage",
                title,
                "\n".join(describe_event(event)),
                details,
                event.error,
            )
        )
    items.sort(key=lambda i: i.at)
    return items
