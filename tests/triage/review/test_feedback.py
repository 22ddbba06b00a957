import pytest

from knowledge.models import KnowledgeEntry
from knowledge.retrieval import retrieve
from tests.conftest import make_ticket
from triage.models import Classification, Draft, Review
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
    assert "[EMAIL_1]" in entry.response
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
def test_retrieval_sees_a_learnt_entry_at_once():
    entry = learn_from_ticket(ticket=resolved_ticket("approved_unchanged", 0.0))
    assert retrieve("charged twice", k=1, include_chunks=False)[0].id == entry.pk
