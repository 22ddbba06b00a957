import pytest

from knowledge.models import KnowledgeEntry, KnowledgeProposal
from knowledge.retrieval import retrieve
from knowledge.services import accept_proposal
from tests.conftest import make_ticket
from triage.models import Classification, Draft, Persona, Review
from triage.pipeline.run import run_pipeline
from triage.review.feedback import learn_from_ticket


def resolved_ticket(
    decision: str,
    edit_distance: float,
    final_text: str = "We refunded you; write to jane@customer.example if not.",
) -> object:
    ticket = make_ticket(body="I was charged twice, my email is jane@customer.example")
    run_pipeline(ticket_id=ticket.pk)
    ticket.refresh_from_db()
    Classification.objects.create(
        ticket=ticket,
        urgency="P3",
        category="billing",
        subcategory="double_charge",
        sentiment="neutral",
        confidence=0.9,
        engine="human",
    )
    draft = Draft.objects.create(ticket=ticket, text="draft", engine="local")
    Review.objects.create(
        ticket=ticket,
        draft=draft,
        decision=decision,
        final_text=final_text,
        edit_distance=edit_distance,
    )
    return ticket


@pytest.mark.django_db
def test_approved_reply_becomes_an_entry_with_final_labels_and_masked_text():
    ticket = resolved_ticket("approved_edited", 0.2)
    entry = learn_from_ticket(ticket=ticket)
    assert entry.category == "billing" and entry.subcategory == "double_charge"
    assert "jane@customer.example" not in entry.text + entry.response
    assert "{{Email}}" in entry.response  # this customer's address is a placeholder to fill
    assert not entry.gold_proposed
    assert learn_from_ticket(ticket=ticket).pk == entry.pk  # idempotent
    assert KnowledgeEntry.objects.count() == 1


@pytest.mark.django_db
def test_unchanged_approval_is_proposed_as_gold_not_made_gold():
    entry = learn_from_ticket(ticket=resolved_ticket("approved_unchanged", 0.0))
    assert entry.gold_proposed and not entry.is_gold


@pytest.mark.parametrize(
    ("decision", "distance"), [("rejected", 1.0), ("escalated", 0.0), ("approved_edited", 0.7)]
)
@pytest.mark.django_db
def test_rejected_escalated_or_heavily_edited_replies_are_not_learnt(decision, distance):
    assert learn_from_ticket(ticket=resolved_ticket(decision, distance)) is None
    assert KnowledgeEntry.objects.count() == 0


@pytest.mark.django_db
def test_a_heavily_edited_draft_becomes_a_proposal_for_the_admin_not_an_entry():
    ticket = resolved_ticket("approved_edited", 0.7)
    assert learn_from_ticket(ticket=ticket) is None
    proposal = KnowledgeProposal.objects.get(source_ticket=ticket)
    assert proposal.outcome == "pending" and "heavily edited" in proposal.why


@pytest.mark.django_db
def test_a_reply_sent_over_flags_never_becomes_an_entry_but_a_proposal():
    ticket = resolved_ticket("approved_unchanged", 0.0)
    flag = {"code": "unsupported_fact", "message": "…", "quote": "09:12"}
    Review.objects.filter(ticket=ticket).update(sent_over_flags=[flag])
    assert learn_from_ticket(ticket=ticket) is None
    assert learn_from_ticket(ticket=ticket) is None  # nor on a second resolve
    assert not KnowledgeEntry.objects.filter(source_ticket=ticket).exists()
    proposal = KnowledgeProposal.objects.get(source_ticket=ticket)
    assert "unsupported_fact" in proposal.why and proposal.flags == [flag]


@pytest.mark.django_db
def test_an_accepted_proposal_becomes_the_tickets_entry_once(admin_user):
    ticket = resolved_ticket("approved_edited", 0.7)
    learn_from_ticket(ticket=ticket)
    proposal = KnowledgeProposal.objects.get(source_ticket=ticket)
    entry = accept_proposal(proposal=proposal, response="Open Settings → Billing.", user=admin_user)
    assert entry.source_ticket_id == ticket.pk and entry.response == "Open Settings → Billing."
    with pytest.raises(ValueError, match="already accepted"):
        accept_proposal(proposal=proposal, response="again", user=admin_user)


@pytest.mark.django_db
def test_case_facts_become_placeholders_and_greeting_and_signoff_are_dropped():
    ticket = resolved_ticket(
        "approved_unchanged",
        0.0,
        final_text="Hi Jane,\n\nWe had an outage between 09:12 and 09:59 UTC. Your order "
        "5529 was charged €48.00 twice.\n\nCheers,\nThe Ledgerly team",
    )
    Persona.objects.create(
        tier="self_serve",
        name="Self",
        voice="friendly",
        signoffs={"en": "Cheers,\nThe Ledgerly team"},
    )
    entry = learn_from_ticket(ticket=ticket)
    assert entry.response == (
        "We had an outage between {{Time}} and {{Time}} UTC. Your order {{Order Number}} was "
        "charged {{Amount}} twice."
    )


@pytest.mark.django_db
def test_retrieval_sees_a_learnt_entry_at_once():
    entry = learn_from_ticket(ticket=resolved_ticket("approved_unchanged", 0.0))
    assert retrieve("charged twice", k=1, include_chunks=False)[0].id == entry.pk
