"""What reviewers and leads do to a ticket: decide on a draft, send, correct, reassign, wait, resolve.

``check_*`` functions validate; ``do_*`` functions mutate. Every decision records the outcome,
the edit distance between draft and final text, the seconds from opening to deciding and the
reviewer. Sending is separate from deciding so a failed send keeps the decision and the text
and can be retried; a reply is delivered at most once.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.utils import timezone
from rapidfuzz import fuzz
from rapidfuzz.distance import Levenshtein

from knowledge.selectors import HEAVY_EDIT_THRESHOLD
from triage.models import (
    Classification,
    Draft,
    EvaluationCase,
    Message,
    Outbound,
    PiiVault,
    Review,
    Team,
    Ticket,
    TicketAction,
)
from triage.services.pii import mask_pii, unmask
from triage.services.sending import SendError, channel_for, deliver
from triage.services.sla import pause_sla, resume_sla


class ReviewError(ValueError):
    """The action cannot be taken in the ticket's current state; the message says why (shown with a 409/422)."""


@dataclass(frozen=True)
class EditDistance:
    normalized: float  # Levenshtein distance / length of the longer text: 0 same, 1 nothing shared
    token_ratio: float  # rapidfuzz token_set_ratio, 0-100


def edit_distance(draft: str, final: str) -> EditDistance:
    a, b = draft.strip(), final.strip()
    return EditDistance(normalized=round(Levenshtein.normalized_distance(a, b), 4), token_ratio=round(fuzz.token_set_ratio(a, b), 2))


def reviewer_text(ticket: Ticket, masked: str) -> str:
    """The draft as the reviewer sees it: the customer's placeholders restored."""
    vault = PiiVault.objects.filter(ticket=ticket).first()
    return unmask(masked, vault.mapping if vault else {})


def _lock(ticket: Ticket) -> Ticket:
    return Ticket.objects.select_for_update(of=("self",)).get(pk=ticket.pk)


def _case(ticket: Ticket, origin: str, *, labels: dict, predicted: dict, final_reply: str = "", user=None) -> None:
    vault = PiiVault.objects.filter(ticket=ticket).first()
    EvaluationCase.objects.create(
        ticket=ticket, origin=origin, masked_text=f"{ticket.masked_subject}\n{ticket.masked_text}".strip(), labels=labels,
        predicted=predicted, final_reply=mask_pii(final_reply, vault.mapping if vault else {}).text, created_by=user,
    )


def _labels(classification: Classification | None) -> dict:
    if classification is None:
        return {}
    return {"urgency": classification.urgency, "category": classification.category, "subcategory": classification.subcategory, "sentiment": classification.sentiment}


def check_draft_open(ticket: Ticket, draft: Draft) -> None:
    if draft.ticket_id != ticket.pk:
        raise ReviewError("this draft belongs to another ticket")
    if draft.status != Draft.Status.PROPOSED or Review.objects.filter(draft=draft).exists():
        raise ReviewError("this draft has already been decided")


def do_approve(*, ticket: Ticket, draft: Draft, user: AbstractBaseUser, final_text: str, seconds_spent: int, ask_clarification: bool = False) -> Review:
    """Approve (unchanged or edited) and queue the reply; call ``do_send`` after the commit.

    With ``ask_clarification`` the reply is a question to the customer: once sent, the ticket
    waits on the customer and its SLA pauses.
    """
    final_text = final_text.strip()
    if not final_text:
        raise ReviewError("the reply is empty")
    with transaction.atomic():
        ticket = _lock(ticket)
        draft = Draft.objects.select_for_update().get(pk=draft.pk)
        check_draft_open(ticket, draft)
        shown = reviewer_text(ticket, draft.text)
        distance = edit_distance(shown, final_text)
        unchanged = distance.normalized == 0.0
        review = Review.objects.create(
            ticket=ticket, draft=draft, reviewer=user, final_text=final_text, seconds_spent=max(0, seconds_spent),
            decision=Review.Decision.APPROVED_UNCHANGED if unchanged else Review.Decision.APPROVED_EDITED,
            edit_distance=distance.normalized, token_ratio=distance.token_ratio,
        )
        draft.status = Draft.Status.APPROVED
        draft.save(update_fields=["status"])
        Outbound.objects.create(ticket=ticket, review=review, via=channel_for(ticket), body=final_text,
                                wait_for_customer=ask_clarification or draft.kind == Draft.Kind.CLARIFICATION)
        if distance.normalized > HEAVY_EDIT_THRESHOLD:
            _case(ticket, EvaluationCase.Origin.HEAVY_EDIT, labels=_labels(ticket.classifications.first()), predicted={"draft": draft.text}, final_reply=final_text, user=user)
    return review


def do_send(*, outbound: Outbound) -> Outbound:
    """Deliver a pending or failed reply once. Concurrent calls: one sends, the others see it sent."""
    with transaction.atomic():
        outbound = Outbound.objects.select_for_update(of=("self",)).select_related("ticket__customer", "review__reviewer").get(pk=outbound.pk)
        if outbound.status == Outbound.Status.SENT:
            return outbound
        outbound.attempts += 1
        ticket = outbound.ticket
        try:
            deliver(ticket=ticket, body=outbound.body, via=outbound.via)
        except SendError as exc:
            outbound.status = Outbound.Status.FAILED
            outbound.last_error = str(exc)[:2000]
            outbound.save(update_fields=["status", "attempts", "last_error"])
            return outbound
        now = timezone.now()
        outbound.status, outbound.sent_at, outbound.last_error = Outbound.Status.SENT, now, ""
        outbound.save(update_fields=["status", "attempts", "last_error", "sent_at"])
        vault = PiiVault.objects.filter(ticket=ticket).first()
        Message.objects.create(
            ticket=ticket, direction=Message.Direction.OUTBOUND, author=outbound.review.reviewer.get_username() if outbound.review and outbound.review.reviewer else "",
            body=outbound.body, masked_body=mask_pii(outbound.body, vault.mapping if vault else {}).text, created_at=now,
        )
        locked = _lock(ticket)
        if locked.first_response_at is None:
            locked.first_response_at = now
        if outbound.wait_for_customer:
            locked.status = Ticket.Status.WAITING_ON_CUSTOMER
            locked.save(update_fields=["first_response_at", "status", "updated_at"])
            pause_sla(ticket=locked)
        else:
            locked.status = Ticket.Status.SENT
            locked.save(update_fields=["first_response_at", "status", "updated_at"])
    return outbound


def do_reject(*, ticket: Ticket, draft: Draft, user: AbstractBaseUser, reason: str, seconds_spent: int) -> Review:
    if not reason.strip():
        raise ReviewError("say why the draft is rejected")
    with transaction.atomic():
        ticket = _lock(ticket)
        draft = Draft.objects.select_for_update().get(pk=draft.pk)
        check_draft_open(ticket, draft)
        review = Review.objects.create(ticket=ticket, draft=draft, reviewer=user, decision=Review.Decision.REJECTED, reason=reason.strip(),
                                       edit_distance=1.0, token_ratio=0.0, seconds_spent=max(0, seconds_spent))
        draft.status = Draft.Status.REJECTED
        draft.save(update_fields=["status"])
        _case(ticket, EvaluationCase.Origin.REJECTED_DRAFT, labels=_labels(ticket.classifications.first()), predicted={"draft": draft.text, "reason": reason.strip()}, user=user)
    return review


def do_escalate(*, ticket: Ticket, user: AbstractBaseUser, note: str, seconds_spent: int, draft: Draft | None = None) -> Review:
    """Hand the ticket to its team's escalation team with the (edited) handoff note."""
    if not note.strip():
        raise ReviewError("write a handoff note for the receiving team")
    with transaction.atomic():
        ticket = _lock(ticket)
        target = (ticket.team.escalation_team if ticket.team and ticket.team.escalation_team_id else None) or Team.objects.filter(is_escalation_team=True).first()
        if draft is not None:
            draft = Draft.objects.select_for_update().get(pk=draft.pk)
            check_draft_open(ticket, draft)
            draft.status = Draft.Status.SUPERSEDED
            draft.handoff_note = note.strip()
            draft.save(update_fields=["status", "handoff_note"])
        review = Review.objects.create(ticket=ticket, draft=draft, reviewer=user, decision=Review.Decision.ESCALATED, reason=note.strip(), seconds_spent=max(0, seconds_spent))
        TicketAction.objects.create(ticket=ticket, kind=TicketAction.Kind.ESCALATE, note=note.strip(), by=user)
        ticket.status = Ticket.Status.ESCALATED
        if target is not None and target != ticket.team:
            ticket.team = target
            ticket.reviewer = None
        ticket.save(update_fields=["status", "team", "reviewer", "updated_at"])
    return review


def do_wait_on_customer(*, ticket: Ticket) -> Ticket:
    with transaction.atomic():
        ticket = _lock(ticket)
        ticket.status = Ticket.Status.WAITING_ON_CUSTOMER
        ticket.save(update_fields=["status", "updated_at"])
        pause_sla(ticket=ticket)
    return ticket


def do_resume(*, ticket: Ticket) -> Ticket:
    with transaction.atomic():
        ticket = _lock(ticket)
        resume_sla(ticket=ticket)
        ticket.status = Ticket.Status.IN_REVIEW
        ticket.save(update_fields=["status", "updated_at"])
    return ticket


def do_resolve(*, ticket: Ticket) -> Ticket:
    """Close the case; an approved reply becomes knowledge (the feedback loop)."""
    from knowledge.feedback import learn_from_ticket

    if ticket.status not in (Ticket.Status.SENT, Ticket.Status.WAITING_ON_CUSTOMER, Ticket.Status.ESCALATED, Ticket.Status.REOPENED):
        raise ReviewError("only a ticket that was answered or escalated can be resolved")
    with transaction.atomic():
        ticket = _lock(ticket)
        ticket.status = Ticket.Status.RESOLVED
        ticket.save(update_fields=["status", "updated_at"])
    learn_from_ticket(ticket=ticket)
    return ticket


def do_record_action(*, ticket: Ticket, user: AbstractBaseUser, kind: str, note: str = "", amount=None, currency: str = "") -> TicketAction:
    """Record what was actually done, then re-check the open draft's claims against the actions."""
    from triage.drafting.service import recheck_open_draft

    if kind not in TicketAction.Kind.values:
        raise ReviewError(f"unknown action {kind!r}")
    action = TicketAction.objects.create(ticket=ticket, kind=kind, note=note, amount=amount, currency=currency.upper()[:3], by=user)
    recheck_open_draft(ticket=ticket)
    return action


def do_correct_classification(*, ticket: Ticket, user: AbstractBaseUser, **fields: str) -> Classification:
    """A human correction: a new classification (engine "human") and an evaluation case of what was wrong."""
    from triage.config import current_versions
    from triage.services.route import READ_MODEL_FIELDS, refresh_read_model

    with transaction.atomic():
        ticket = _lock(ticket)
        current = ticket.classifications.first()
        if current is None:
            raise ReviewError("the ticket has not been classified yet")
        values = {"urgency": current.urgency, "category": current.category, "subcategory": current.subcategory, "sentiment": current.sentiment}
        changed = {k: v for k, v in fields.items() if k in values and v and v != values[k]}
        if not changed:
            raise ReviewError("nothing changed")
        values.update(changed)
        corrected = Classification.objects.create(
            ticket=ticket, **values, secondary_category=current.secondary_category, summary=current.summary,
            escalation_risk=current.escalation_risk, confidence=1.0, needs_human_review=False, engine="human",
            model=user.get_username(), taxonomy_version=current_versions()["taxonomy"], corrected_by=user,
        )
        _case(ticket, EvaluationCase.Origin.CORRECTION, labels=values, predicted={**_labels(current), "engine": current.engine, "model": current.model, "prompt_version": current.prompt_version}, user=user)
        ticket.needs_human_triage = False
        refresh_read_model(ticket=ticket, classification=corrected)
        ticket.save(update_fields=["needs_human_triage", "updated_at", *READ_MODEL_FIELDS])
    return corrected


def do_reassign(*, ticket: Ticket, team: Team, reviewer: AbstractBaseUser | None) -> Ticket:
    if reviewer is not None and not team.members.filter(pk=reviewer.pk).exists():
        raise ReviewError(f"{reviewer.get_username()} is not a member of {team.name}")
    with transaction.atomic():
        ticket = _lock(ticket)
        ticket.team, ticket.reviewer = team, reviewer
        ticket.save(update_fields=["team", "reviewer", "updated_at"])
    return ticket
