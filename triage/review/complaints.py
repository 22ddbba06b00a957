"""Complaints become evaluation cases: a low rating, a ticket reopened after a machine draft went
out, and a customer reply saying the previous answer was wrong each make a case with the draft,
the reply that went out (masked) and the versions that produced them. A reviewer says what went
wrong on a short form (``set_failure_kind``); ``evaluate --cases`` replays the draft on each.

(A rejected or heavily edited draft and a corrected classification become cases in
``triage.review.decisions``.)"""

from __future__ import annotations

import re

from django.contrib.auth.models import AbstractBaseUser

from triage.models import EvaluationCase, Review, Ticket
from triage.pipeline.classify import ticket_text
from triage.text.pii import mask_pii

# Replies that went out to the customer.
REPLIED = (
    Review.Decision.APPROVED_UNCHANGED,
    Review.Decision.APPROVED_EDITED,
    Review.Decision.WRITTEN,
)

# A comment or a reply saying the answer was wrong or missed the question, in the four
# languages. A short list of phrasings, not measured on outside data (none is at hand).
_WRONG = re.compile(
    r"\b(?:wrong|incorrect|not (?:what|the question) i (?:asked|meant)|didn'?t answer|"
    r"did not answer|doesn'?t answer|not true|"
    r"falsch|stimmt (?:so )?nicht|nicht (?:das|was) ich gefragt|keine antwort auf|"
    r"incorrect[oa]|equivocad[oa]|no es (?:correcto|cierto|lo que pregunt[ée])|"
    r"no respond(?:e|i[óo])|"
    r"faux|erron[ée]e?|pas ce que j'ai demand[ée]|ne r[ée]pond pas|n'est pas (?:correct|vrai))",
    re.IGNORECASE,
)


def says_wrong(text: str) -> bool:
    return bool(_WRONG.search(text or ""))


def last_reply(ticket: Ticket) -> Review | None:
    return (
        Review.objects.filter(ticket=ticket, decision__in=REPLIED)
        .select_related("draft")
        .order_by("-created_at", "-pk")
        .first()
    )


def from_machine(review: Review | None) -> bool:
    """The reply was a machine draft (sent as it was or edited) or auto-sent."""
    return review is not None and (review.auto_sent or review.draft_id is not None)


def complaint_case(
    *, ticket: Ticket, origin: str, review: Review | None, said: dict
) -> EvaluationCase:
    """A case of ``origin`` about ``review`` (the reply complained about); ``said``: what the
    customer said (rating, comment, message), added to the labels."""
    draft = review.draft if review is not None else None
    classification = ticket.classifications.first()
    mapping = ticket.pii_mapping()
    return EvaluationCase.objects.create(
        ticket=ticket,
        origin=origin,
        masked_text=ticket_text(ticket),
        labels={
            **(classification.labels() if classification else {}),
            **{
                key: mask_pii(value, mapping).text if isinstance(value, str) else value
                for key, value in said.items()
            },
        },
        predicted={
            "draft": draft.text if draft else "",
            "engine": draft.engine if draft else "",
            "model": draft.model if draft else "",
            "prompt_version": draft.prompt_version if draft else "",
            "persona_version": draft.persona_version if draft else None,
            "decision": review.decision if review else "",
            "auto_sent": review.auto_sent if review else False,
            "review": review.pk if review else None,
        },
        final_reply=mask_pii(review.final_text, mapping).text if review else "",
    )


def after_customer_reply(*, ticket: Ticket, body: str, reopened: bool) -> list[EvaluationCase]:
    """The customer wrote again after a reply: a reopened ticket, or one told the answer was
    wrong, after a machine draft went out makes a case (once per reply and kind)."""
    review = last_reply(ticket)
    if not from_machine(review):
        return []
    made = []
    for origin, applies in (
        (EvaluationCase.Origin.REOPENED, reopened),
        (EvaluationCase.Origin.SAID_WRONG, says_wrong(body)),
    ):
        if (
            applies
            and not EvaluationCase.objects.filter(
                ticket=ticket, origin=origin, predicted__review=review.pk
            ).exists()
        ):
            made.append(
                complaint_case(
                    ticket=ticket, origin=origin, review=review, said={"customer_said": body[:2000]}
                )
            )
    return made


def set_failure_kind(*, case: EvaluationCase, kind: str, user: AbstractBaseUser) -> EvaluationCase:
    """The reviewer's judgement of what went wrong ("" clears it)."""
    if kind and kind not in EvaluationCase.FailureKind.values:
        raise ValueError(f"unknown failure kind {kind!r}")
    case.failure_kind, case.kind_set_by = kind, user if kind else None
    case.save(update_fields=["failure_kind", "kind_set_by"])
    return case
