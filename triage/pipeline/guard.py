"""The guard stage: loads what backs a draft (thread, account, recorded actions, the articles and
policies it was given) and runs the rules of ``triage.text.guards`` on it; records the flags with
the stage's event. Also run on what a reviewer is about to send and after an action is recorded.
Every flag blocks auto-send and is shown to the reviewer first.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.conf import settings

from knowledge.models import KBArticle
from triage import lifecycle
from triage.models import Assessment, Draft, Ticket
from triage.pipeline.events import completed, stage
from triage.text.guards import GUARD_CODES, GUARDS_VERSION, Flag, Recorded, run_guards


def _policy_texts(draft: Draft) -> list[str]:
    """The texts of the policy articles among the sources the draft was given."""
    context_sources = draft.context.get("sources", [])
    article_ids = {
        s["article_id"] for s in context_sources if s.get("kind") == "chunk" and s.get("article_id")
    }
    policy_ids = (
        set(
            KBArticle.objects.filter(pk__in=article_ids, kind=KBArticle.Kind.POLICY).values_list(
                "pk", flat=True
            )
        )
        if article_ids
        else set()
    )
    return [s["text"] for s in context_sources if s.get("article_id") in policy_ids]


def case_evidence(ticket: Ticket, *, articles: Iterable[str] = ()) -> list[str]:
    """What backs a fact about this case: the thread (masked), the account data, the recorded
    actions, and the knowledge articles and policies given (never another customer's reply)."""
    # The ticket's own number ("about ticket #12") and its id in the helpdesk it came from.
    texts = [f"ticket #{ticket.pk} {ticket.external_id or ''}", ticket.masked_subject or ""]
    texts += [m.masked_body or "" for m in ticket.thread()]
    customer = ticket.customer
    if customer is not None:
        # the account as its fields read ("plan Fibre 300"): "your plan is Fibre 300" is backed by
        # the field's name as well as its value
        texts.append(
            " ".join(
                f"{field} {value}"
                for field, value in (
                    ("name", customer.name),
                    ("organisation", customer.organisation),
                    ("plan", customer.plan),
                    ("tier", customer.tier),
                    ("account created", customer.account_created or ""),
                )
                if value
            )
        )
    for action in ticket.actions.all():
        texts.append(
            f"{action.get_kind_display()} {action.amount or ''} {action.currency} {action.note}"
        )
    return [*texts, *articles]


def _article_texts(draft: Draft) -> list[str]:
    """The knowledge articles and policies the draft was given (resolved tickets excluded)."""
    return [s["text"] for s in draft.context.get("sources", []) if s.get("kind") == "chunk"]


def _other_cases(draft: Draft) -> list[str]:
    """Other customers' resolved tickets the draft was given, and the replies they got."""
    return [
        part
        for s in draft.context.get("sources", [])
        if s.get("kind") == "entry"
        for part in (s.get("text") or "", s.get("response") or "")
        if part
    ]


def text_flags(
    *,
    ticket: Ticket,
    text: str,
    draft: Draft | None = None,
    articles: Iterable[str] = (),
    own_placeholders: Iterable[str] = (),
) -> list[Flag]:
    """Every guard flag on ``text`` (masked) for this ticket: a draft, or what a reviewer is about
    to send (``articles``: knowledge they inserted; ``own_placeholders``: what masking the
    reviewer's own text added, such as a name they typed)."""
    given = [*(_article_texts(draft) if draft is not None else []), *articles]
    return run_guards(
        text,
        actions=[
            Recorded(kind=a.kind, amount=str(a.amount or ""), note=a.note)
            for a in ticket.actions.all()
        ],
        sources=given,
        language=ticket.language or None,
        policy_texts=_policy_texts(draft) if draft is not None else [],
        allowed_placeholders=set(ticket.pii_mapping()) | set(own_placeholders),
        evidence=case_evidence(ticket, articles=given),
        allowed_domains=settings.ALLOWED_LINK_DOMAINS,
        other_cases=_other_cases(draft) if draft is not None else [],
    )


def draft_flags(*, ticket: Ticket, draft: Draft) -> list[dict]:
    """The engine's own notes plus every guard flag on the draft's text (nothing is saved)."""
    flags: list[dict] = [
        f for f in draft.guard_flags if isinstance(f, dict) and f.get("code") not in GUARD_CODES
    ]
    if draft.text:
        flags += [f.as_dict() for f in text_flags(ticket=ticket, text=draft.text, draft=draft)]
    return flags


def _save_flags(*, draft: Draft, assessment: Assessment | None, flags: list[dict]) -> None:
    """The draft's flags, the queue's badge with them, and auto-send barred on any flag."""
    draft.guard_flags = flags
    draft.save(update_fields=["guard_flags"])
    lifecycle.save_flag_codes(ticket_id=draft.ticket_id, draft=draft)
    if flags and assessment is not None and assessment.auto_send_allowed:
        assessment.auto_send_allowed = False
        assessment.save(update_fields=["auto_send_allowed"])


def guard_draft(*, ticket: Ticket, run: int, draft: Draft, assessment: Assessment) -> list[dict]:
    """Flag the draft's unbacked claims, unsupported promises, internal text and unsafe output.
    Idempotent per run."""
    if completed(ticket, "guard", run=run):
        draft.refresh_from_db(fields=["guard_flags"])
        return draft.guard_flags
    with stage(ticket, "guard", run=run) as record:
        flags = draft_flags(ticket=ticket, draft=draft)
        with record.saving():
            _save_flags(draft=draft, assessment=assessment, flags=flags)
            record.inputs = {"draft": draft.pk, "words": len(draft.text.split())}
            record.outputs = {
                "flags": [f.get("code") for f in flags],
                "auto_send_allowed": assessment.auto_send_allowed,
            }
            record.versions = {"guards": GUARDS_VERSION}
    return flags


def recheck_open_draft(*, ticket: Ticket, why: str = "an action was recorded") -> None:
    """Run the guards again on the ticket's open draft (after an action was recorded, or the
    customer wrote again: what backs its facts changed); engine notes stay."""
    draft = ticket.drafts.first()
    if draft is None or not draft.text or draft.status != Draft.Status.PROPOSED:
        return
    flags = draft_flags(ticket=ticket, draft=draft)
    # Outside a pipeline run (run 0): the trail shows the re-check, and no run's stage is repeated.
    with stage(ticket, "guard", run=0) as record, record.saving():
        _save_flags(draft=draft, assessment=ticket.assessments.first(), flags=flags)
        record.inputs = {"draft": draft.pk, "recheck": why}
        record.outputs = {"flags": [f.get("code") for f in flags]}
        record.versions = {"guards": GUARDS_VERSION}
