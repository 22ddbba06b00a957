"""Drafts on the demo data state only what is true for this customer (the trial's examples)."""

import re

import pytest

from triage.demo.load import load_demo
from triage.ingest.service import CustomerInput, TicketInput, ingest_ticket
from triage.models import Draft, Ticket
from triage.pipeline.run import run_pipeline
from triage.text.facts import SLOT
from triage.text.guards import run_guards

OUTAGE_FACTS = ("09:12", "09:59", "faulty configuration", "no data was lost", "fully restored")


@pytest.fixture
def demo(db, settings):
    settings.DRAFT_ENGINE = "local"
    result = load_demo()
    assert result.loaded
    return result


def draft_for(ticket_id: int) -> Draft:
    run_pipeline(ticket_id=ticket_id)
    return Draft.objects.get(ticket_id=ticket_id)


def incoming(body: str, *, subject: str = "", external_id: str, name: str = "Sam Lee") -> int:
    result = ingest_ticket(
        data=TicketInput(
            channel="api",
            source="twitter",
            external_id=external_id,
            subject=subject,
            body=body,
            customer=CustomerInput(email=f"{external_id}@x.example", name=name),
        )
    )
    return result.ticket.pk


def said(draft: Draft) -> str:
    """What the draft says outright: the text outside ``[confirm: …]`` slots."""
    return SLOT.sub(" ", draft.text)


def flagged_quotes(draft: Draft) -> str:
    return " ".join(f.get("quote", "") for f in draft.guard_flags)


def test_ticket_1_outage_now_gets_no_other_outages_times_or_cause(demo):
    ticket = Ticket.objects.get(external_id="demo-in-01")
    draft = draft_for(ticket.pk)
    for fact in OUTAGE_FACTS:
        assert fact not in said(draft), (fact, draft.text)


def test_ticket_26_is_not_told_its_bank_asked_for_3d_secure(demo):
    ticket = Ticket.objects.get(external_id="demo-in-26")
    draft = draft_for(ticket.pk)
    assert "3-D Secure" not in said(draft), draft.text
    assert "lifted the suspension" not in said(draft), draft.text


def test_invoice_is_wrong_gets_no_invented_cause_or_history(demo):
    draft = draft_for(incoming("My invoice is wrong", subject="Invoice", external_id="t-100"))
    text = said(draft)
    for invented in ("retry on our payment provider", "captured twice", "I checked your billing"):
        assert invented not in text, draft.text


def test_gym_class_tweet_gets_no_refund_cancellation_or_account_history(demo):
    draft = draft_for(
        incoming(
            "The gym charged my card again for yoga class although I cancelled, I want the money "
            "back",
            external_id="t-64",
        )
    )
    text = said(draft)
    for claim in (
        "have cancelled",
        "issued the refund",
        "14 days before the charge",
        "has not been used",
    ):
        assert claim not in text, draft.text


@pytest.mark.parametrize(
    "body", ["Brilliant thanks 😊", "Thank you, that did it!\n\nBest regards,\nSam Lee"]
)
def test_brilliant_thanks_gets_no_clarification_but_no_reply_needed(demo, body):
    draft = draft_for(incoming(body, external_id="t-55"))
    assert draft.kind == "none", draft.text
    assert draft.no_answer_reason.startswith("no reply needed")
    assert draft.ticket.drafts.filter(kind="clarification").count() == 0


def test_a_reused_reply_keeps_its_steps_and_slots_the_other_customers_facts(demo):
    ticket = Ticket.objects.get(external_id="demo-in-26")
    draft = draft_for(ticket.pk)
    # The demo ticket's closest resolved ticket is a paraphrase: it must be reused, not skipped.
    assert draft.kind == "reply", draft.no_answer_reason
    assert "Settings → Billing" in draft.text  # the resolution step stays
    assert re.search(r"\[confirm: [^\]]+\]", draft.text)


def test_internal_policy_text_never_reaches_a_draft_and_is_flagged_if_typed(demo):
    draft = draft_for(
        incoming(
            "We used our annual plan for several months but no longer need it. Can we get a "
            "refund for the rest of the year?",
            subject="Refund annual plan",
            external_id="t-internal",
        )
    )
    for internal in ("Agents must not", "only the Escalations team may approve"):
        assert internal not in draft.text, draft.text
    flags = run_guards(
        "Refunds outside these rules are exceptions: only the Escalations team may approve them.",
        actions=set(),
        policy_texts=[],
        allowed_placeholders=set(),
    )
    assert [f.code for f in flags] == ["internal_text"]
