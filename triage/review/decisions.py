"""Decisions on a ticket: a reply (the draft approved unchanged or edited, or written by hand),
a rejected draft, an escalation; and corrections of the classification.

``check_*`` functions validate; ``do_*`` functions mutate. Every decision records the outcome,
the edit distance between draft and final text, the seconds from opening to deciding and the
reviewer. A reply goes to the outbox (``triage.review.outbound``) and its send is queued once the
decision has committed, so a failed send keeps the decision.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from rapidfuzz import fuzz
from rapidfuzz.distance import Levenshtein

from knowledge.models import KBChunk
from triage import lifecycle, queueing
from triage.config.versions import current_versions
from triage.models import (
    HEAVY_EDIT_THRESHOLD,
    Classification,
    Draft,
    EvaluationCase,
    Outbound,
    Review,
    TaxonomyCategory,
    Team,
    Ticket,
    TicketAction,
)
from triage.models.tickets import QUEUE_STATUSES
from triage.pipeline import guard
from triage.pipeline.classify import ticket_text
from triage.pipeline.route import choose_reviewer, choose_team
from triage.pipeline.sla import sla_due
from triage.review.outbound import NO_ROUTE, channel_for, no_route_help, reply_route
from triage.review.satisfaction import ask_for_rating
from triage.text.pii import mask_pii, unmask


class ReviewError(ValueError):
    """The action cannot be taken in the ticket's current state; the message says why (shown with a
    409/422)."""


class UnacknowledgedFlags(ReviewError):
    """The reply as written has guard flags the reviewer has not acknowledged; nothing was sent."""

    def __init__(self, flags: list[dict]):
        self.flags = flags
        codes = ", ".join(dict.fromkeys(f["code"] for f in flags))
        super().__init__(
            f"The reply has {len(flags)} open flag(s) ({codes}): fix the text, or confirm each "
            f"flag to send it anyway."
        )


def send_time_flags(
    ticket: Ticket, final_text: str, *, draft: Draft | None, inserted: list[dict] | tuple = ()
) -> list[dict]:
    """The guards on what is about to be sent (masked with the ticket's placeholders): the
    reviewer's edits are checked as the draft was, with the articles they inserted as evidence."""
    article_ids = [r["id"] for r in inserted if r.get("kind") == "article"]
    articles = list(KBChunk.objects.filter(pk__in=article_ids).values_list("text", flat=True))
    mapping = ticket.pii_mapping()
    masked = mask_pii(final_text, mapping)
    return [
        f.as_dict()
        for f in guard.text_flags(
            ticket=ticket,
            text=masked.text,
            draft=draft,
            articles=articles,
            own_placeholders=set(masked.mapping) - set(mapping),
        )
    ]


@dataclass(frozen=True)
class EditDistance:
    normalized: float  # Levenshtein distance / length of the longer text: 0 same, 1 nothing shared
    token_ratio: float  # rapidfuzz token_set_ratio, 0-100


def edit_distance(draft: str, final: str) -> EditDistance:
    a, b = draft.strip(), final.strip()
    return EditDistance(
        normalized=round(Levenshtein.normalized_distance(a, b), 4),
        token_ratio=round(fuzz.token_set_ratio(a, b), 2),
    )


def reviewer_text(ticket: Ticket, masked: str) -> str:
    """The draft as the reviewer sees it: the customer's placeholders restored."""
    return unmask(masked, ticket.pii_mapping())


def _case(
    ticket: Ticket, origin: str, *, labels: dict, predicted: dict, final_reply: str = "", user=None
) -> None:
    EvaluationCase.objects.create(
        ticket=ticket,
        origin=origin,
        masked_text=ticket_text(ticket),
        labels=labels,
        predicted=predicted,
        final_reply=mask_pii(final_reply, ticket.pii_mapping()).text,
        created_by=user,
    )


def _labels(classification: Classification | None) -> dict:
    return classification.labels() if classification is not None else {}


def check_draft_open(ticket: Ticket, draft: Draft) -> None:
    if draft.ticket_id != ticket.pk:
        raise ReviewError("this draft belongs to another ticket")
    if draft.status != Draft.Status.PROPOSED or Review.objects.filter(draft=draft).exists():
        raise ReviewError("this draft has already been decided")


class Then:
    """What happens once a reply is out: nothing more, wait on the customer, or resolve."""

    SEND = "send"
    WAIT = "wait"
    RESOLVE = "resolve"
    ALL = (SEND, WAIT, RESOLVE)


def submission_key(token: str) -> str:
    """A stable key for one rendered form (its signed "opened" token): a double submit of it is
    recognised and stores nothing twice."""
    return hashlib.sha256(token.encode()).hexdigest()


def do_reply(
    *,
    ticket: Ticket,
    user: AbstractBaseUser,
    final_text: str,
    seconds_spent: int,
    draft: Draft | None = None,
    then: str = Then.SEND,
    inserted: list[dict] | tuple[dict, ...] = (),
    key: str = "",
    acknowledged: list[str] | tuple[str, ...] | None = (),
    auto_sent: bool = False,
) -> Review:
    """Send a reply: the draft approved (unchanged or edited) when there is one, else a reply
    written by hand (outcome ``written``). The reply goes to the outbox and its send is queued
    once this has committed, so a failed send keeps the decision.

    ``then`` says what happens once the reply is out (``Then``). A form submitted twice (same
    ``key``) returns the first decision and sends nothing more.

    The guards run on ``final_text``: with a flag whose code is not in ``acknowledged`` nothing
    is sent (``UnacknowledgedFlags``); a reply sent over flags records them (``sent_over_flags``)
    and is never learnt from. ``acknowledged=None`` skips the check (for callers that checked).
    """
    final_text = final_text.strip()
    if not final_text:
        raise ReviewError("the reply is empty")
    if then not in Then.ALL:
        raise ReviewError(f"unknown follow-up {then!r}")
    with transaction.atomic():
        ticket = lifecycle.lock(ticket.pk)
        if key:
            earlier = Review.objects.filter(submission_key=key).first()
            if earlier is not None:
                return earlier
        if not lifecycle.can_reply(ticket):
            raise ReviewError(
                f"a ticket that is {ticket.get_status_display().lower()} cannot be answered"
            )
        if reply_route(ticket) is None:
            raise ReviewError(f"{NO_ROUTE}: {no_route_help(ticket)}")
        flags = send_time_flags(ticket, final_text, draft=draft, inserted=inserted)
        if acknowledged is not None:
            open_flags = [f for f in flags if f["code"] not in set(acknowledged)]
            if open_flags:
                raise UnacknowledgedFlags(flags)
        if draft is not None:
            draft = Draft.objects.select_for_update().get(pk=draft.pk)
            check_draft_open(ticket, draft)
            distance = edit_distance(reviewer_text(ticket, draft.text), final_text)
            decision = (
                Review.Decision.APPROVED_UNCHANGED
                if distance.normalized == 0.0
                else Review.Decision.APPROVED_EDITED
            )
        else:
            distance, decision = (
                EditDistance(normalized=0.0, token_ratio=0.0),
                Review.Decision.WRITTEN,
            )
        review = Review.objects.create(
            ticket=ticket,
            draft=draft,
            reviewer=user,
            final_text=final_text,
            seconds_spent=max(0, seconds_spent),
            decision=decision,
            edit_distance=distance.normalized,
            token_ratio=distance.token_ratio,
            inserted=list(inserted),
            submission_key=key or None,
            sent_over_flags=flags,
            auto_sent=auto_sent,
        )
        if draft is not None:
            draft.status = Draft.Status.APPROVED
            draft.save(update_fields=["status"])
        # The reply that resolves the ticket asks the customer to rate it (once per ticket).
        ask = ask_for_rating(ticket=ticket, review=review) if then == Then.RESOLVE else ""
        outbound = Outbound.objects.create(
            ticket=ticket,
            review=review,
            via=channel_for(ticket),
            body=f"{final_text}\n\n{ask}" if ask else final_text,
            wait_for_customer=then == Then.WAIT
            or (draft is not None and draft.kind == Draft.Kind.CLARIFICATION and then == Then.SEND),
            resolve_when_sent=then == Then.RESOLVE,
        )
        lifecycle.reply_accepted(ticket=ticket, wait_for_customer=outbound.wait_for_customer)
        queueing.enqueue_send(outbound_id=outbound.pk)
        if draft is not None and distance.normalized > HEAVY_EDIT_THRESHOLD:
            _case(
                ticket,
                EvaluationCase.Origin.HEAVY_EDIT,
                labels=_labels(ticket.classifications.first()),
                predicted={"draft": draft.text},
                final_reply=final_text,
                user=user,
            )
    return review


def do_reject(
    *, ticket: Ticket, draft: Draft, user: AbstractBaseUser, reason: str, seconds_spent: int
) -> Review:
    if not reason.strip():
        raise ReviewError("say why the draft is rejected")
    with transaction.atomic():
        ticket = lifecycle.lock(ticket.pk)
        draft = Draft.objects.select_for_update().get(pk=draft.pk)
        check_draft_open(ticket, draft)
        review = Review.objects.create(
            ticket=ticket,
            draft=draft,
            reviewer=user,
            decision=Review.Decision.REJECTED,
            reason=reason.strip(),
            edit_distance=1.0,
            token_ratio=0.0,
            seconds_spent=max(0, seconds_spent),
        )
        draft.status = Draft.Status.REJECTED
        draft.save(update_fields=["status"])
        _case(
            ticket,
            EvaluationCase.Origin.REJECTED_DRAFT,
            labels=_labels(ticket.classifications.first()),
            predicted={
                "draft": draft.text,
                "reason": reason.strip(),
                "engine": draft.engine,
                "model": draft.model,
                "prompt_version": draft.prompt_version,
                "persona_version": draft.persona_version,
            },
            user=user,
        )
    return review


def escalation_target(ticket: Ticket) -> Team | None:
    """Where an escalation goes unless the agent picks another team: the team's escalation
    team, else the first escalation team."""
    if ticket.team is not None and ticket.team.escalation_team_id:
        return ticket.team.escalation_team
    return Team.objects.filter(is_escalation_team=True).first()


def do_escalate(
    *,
    ticket: Ticket,
    user: AbstractBaseUser,
    note: str,
    seconds_spent: int,
    draft: Draft | None = None,
    team: Team | None = None,
) -> Review:
    """Hand the ticket to ``team`` (by default its escalation team) with the (edited) handoff
    note. The reviewer is cleared when the team changes: the receiving team picks it up."""
    if not note.strip():
        raise ReviewError("write a handoff note for the receiving team")
    with transaction.atomic():
        ticket = lifecycle.lock(ticket.pk)
        target = team or escalation_target(ticket)
        if draft is not None:
            draft = Draft.objects.select_for_update().get(pk=draft.pk)
            check_draft_open(ticket, draft)
            draft.status = Draft.Status.SUPERSEDED
            draft.handoff_note = note.strip()
            draft.save(update_fields=["status", "handoff_note"])
        review = Review.objects.create(
            ticket=ticket,
            draft=draft,
            reviewer=user,
            decision=Review.Decision.ESCALATED,
            reason=note.strip(),
            seconds_spent=max(0, seconds_spent),
        )
        TicketAction.objects.create(
            ticket=ticket, kind=TicketAction.Kind.ESCALATE, note=note.strip(), by=user
        )
        if target is not None and target != ticket.team:
            ticket.team = target
            ticket.reviewer = None
        try:
            lifecycle.escalate(
                ticket=ticket, by=user, note=f"to {target.name}" if target is not None else ""
            )
        except lifecycle.TransitionError as exc:
            raise ReviewError(str(exc)) from None
    return review


def do_correct_classification(
    *, ticket: Ticket, user: AbstractBaseUser, allow_unchanged: bool = False, **fields: str
) -> Classification:
    """A human correction: a new classification (engine "human") and an evaluation case of what was
    wrong (``allow_unchanged``: a person's label even when it repeats the engine's)."""
    with transaction.atomic():
        ticket = lifecycle.lock(ticket.pk)
        current = ticket.classifications.first()
        if current is None:
            raise ReviewError("the ticket has not been classified yet")
        values = current.labels()
        changed = {k: v for k, v in fields.items() if k in values and v and v != values[k]}
        if not changed and not allow_unchanged:
            raise ReviewError("nothing changed")
        values.update(changed)
        if "category" in changed and "subcategory" not in changed:
            # a subcategory of the old category does not belong to the new one
            allowed = (
                TaxonomyCategory.objects.filter(slug=values["category"])
                .values_list("subcategories", flat=True)
                .first()
            ) or []
            if values["subcategory"] not in allowed:
                values["subcategory"] = ""
        corrected = Classification.objects.create(
            ticket=ticket,
            **values,
            secondary_category=current.secondary_category,
            summary=current.summary,
            escalation_risk=current.escalation_risk,
            confidence=1.0,
            needs_human_review=False,
            engine="human",
            model=user.get_username(),
            taxonomy_version=current_versions()["taxonomy"],
            corrected_by=user,
        )
        if changed:
            _case(
                ticket,
                EvaluationCase.Origin.CORRECTION,
                labels=values,
                predicted={
                    **_labels(current),
                    "engine": current.engine,
                    "model": current.model,
                    "prompt_version": current.prompt_version,
                },
                user=user,
            )
        ticket.needs_human_triage = False
        routed = _reroute(ticket, corrected) if {"category", "urgency"} & set(changed) else []
        fields = lifecycle.refresh_read_model(ticket=ticket, classification=corrected)
        ticket.save(update_fields=["needs_human_triage", "updated_at", *routed, *fields])
    return corrected


def _reroute(ticket: Ticket, classification: Classification) -> list[str]:
    """A corrected category or urgency routes the ticket again (team, reviewer, SLA), as the
    pipeline would have, unless a person chose its team or reviewer by hand; only an open ticket
    moves. Returns the fields changed."""
    assessment = ticket.assessments.first()
    if ticket.assigned_by_hand or assessment is None or ticket.status not in QUEUE_STATUSES:
        return []
    team, _reason = choose_team(classification, assessment)
    if team is None:
        return []
    if team != ticket.team:
        skills = {classification.category, classification.subcategory}
        skills |= {r["code"] for r in assessment.reasons}
        ticket.team, ticket.reviewer = (
            team,
            choose_reviewer(team, skills=skills, difficulty=ticket.difficulty),
        )
    if ticket.sla_paused_at is None and ticket.first_response_at is None:
        ticket.sla_due_at = sla_due(
            team=team, urgency=classification.urgency, start=ticket.created_at
        )
    return ["team", "reviewer", "sla_due_at"]


def do_confirm_triage(*, ticket: Ticket, user: AbstractBaseUser, category: str) -> Ticket:
    """Human triage: take a suggested category (a correction when it differs from the engine's), and
    leave triage."""
    try:
        current = ticket.classifications.first()
        do_correct_classification(
            ticket=ticket,
            user=user,
            category=category,
            # a person putting an out-of-scope ticket into a category is a label too
            allow_unchanged=current is not None and current.out_of_scope,
        )
    except ReviewError:
        # Accepting the suggestion the engine already ranked first changes no label: confirm it.
        with transaction.atomic():
            ticket = lifecycle.lock(ticket.pk)
            ticket.needs_human_triage = False
            ticket.save(update_fields=["needs_human_triage", "updated_at"])
    ticket.refresh_from_db()
    return ticket
