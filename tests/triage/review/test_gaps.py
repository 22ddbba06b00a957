"""Out-of-scope tickets grouped by similarity, and an admin's answer: a category with the group's
tickets as its examples."""

from __future__ import annotations

import pytest

from knowledge.embeddings import embed_texts
from knowledge.models import KnowledgeEntry
from tests.conftest import make_ticket, make_user
from triage.models import Classification, TaxonomyCategory, Team, Ticket
from triage.review import gaps

PARCEL = "Where is my parcel? The courier said it was delivered but nothing arrived."
PACKAGE = "My package never arrived, the delivery driver left it somewhere."
CAKE = "What is a good recipe for a lemon cake? Mine always sinks in the middle."


def out_of_scope(body: str, subject: str = "Question") -> Ticket:
    """A ticket the classifier judged out of scope, waiting for triage."""
    ticket = make_ticket(body=body, subject=subject)
    Ticket.objects.filter(pk=ticket.pk).update(
        needs_human_triage=True,
        status=Ticket.Status.TRIAGED,
        masked_text=body,  # as preprocessing leaves it (no personal data here)
        masked_subject=subject,
    )
    Classification.objects.create(
        ticket=ticket,
        urgency="P3",
        category="general",
        sentiment="neutral",
        confidence=0.4,
        needs_human_review=True,
        engine="local",
        out_of_scope=True,
        scope_score=0.995,
        scope_reason="unlike anything in the taxonomy",
        nearest=[{"entry_id": None, "category": "technical", "similarity": 0.31}],
        embedding=embed_texts([f"{subject}\n{body}"])[0].tolist(),
    )
    ticket.refresh_from_db()
    return ticket


def test_two_similar_out_of_scope_tickets_fall_into_one_group(config):
    parcel, package, cake = out_of_scope(PARCEL), out_of_scope(PACKAGE), out_of_scope(CAKE)
    groups = gaps.out_of_scope_groups()
    assert [sorted(t.pk for t in g.tickets) for g in groups] == [
        sorted([parcel.pk, package.pk]),
        [cake.pk],
    ]
    assert "arrived" in groups[0].words
    assert groups[0].nearest_category == "technical"


def test_tickets_judged_in_scope_or_already_examples_are_not_listed(config):
    listed = out_of_scope(PARCEL)
    make_ticket(body=PACKAGE)  # never judged out of scope
    learnt = out_of_scope(CAKE)
    KnowledgeEntry.objects.create(text=CAKE, category="general", source_ticket=learnt)
    assert [t.pk for g in gaps.out_of_scope_groups() for t in g.tickets] == [listed.pk]


def test_a_group_becomes_a_new_category_with_its_tickets_as_examples(config):
    admin = make_user("ada", "admin")
    team = Team.objects.get(slug="technical")
    tickets = [out_of_scope(PARCEL), out_of_scope(PACKAGE)]
    category, created = gaps.learn_from_group(
        ticket_ids=[t.pk for t in tickets],
        user=admin,
        new_name="Delivery",
        new_description="Parcels that did not arrive.",
        team=team,
    )
    assert (category.slug, created) == ("delivery", 2)
    assert "delivery" in Team.objects.get(pk=team.pk).categories
    entries = KnowledgeEntry.objects.filter(category="delivery").order_by("source_ticket_id")
    assert [e.source_ticket_id for e in entries] == sorted(t.pk for t in tickets)
    assert all(e.embedding is not None for e in entries)
    for ticket in tickets:
        ticket.refresh_from_db()
        assert not ticket.needs_human_triage
        current = ticket.classifications.first()
        assert (current.category, current.engine, current.out_of_scope) == (
            "delivery",
            "human",
            False,
        )
    assert gaps.out_of_scope_groups() == []


def test_a_group_can_join_an_existing_category(config):
    admin = make_user("ada", "admin")
    ticket = out_of_scope(PARCEL)
    category, created = gaps.learn_from_group(
        ticket_ids=[ticket.pk], user=admin, category="technical"
    )
    assert (category.slug, created) == ("technical", 1)
    assert KnowledgeEntry.objects.get(source_ticket=ticket).category == "technical"


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"new_name": "Billing"}, "exists already"),
        ({"category": "astrology"}, "no active category"),
        ({"new_name": "  "}, "give the new category a name"),
    ],
)
def test_a_bad_answer_is_refused_and_writes_nothing(config, kwargs, message):
    admin = make_user("ada", "admin")
    ticket = out_of_scope(PARCEL)
    categories = TaxonomyCategory.objects.count()
    with pytest.raises(gaps.GapError, match=message):
        gaps.learn_from_group(ticket_ids=[ticket.pk], user=admin, **kwargs)
    assert TaxonomyCategory.objects.count() == categories
    assert not KnowledgeEntry.objects.exists()


def test_no_out_of_scope_ticket_chosen_is_refused(config):
    admin = make_user("ada", "admin")
    usual = make_ticket(body=PACKAGE)
    with pytest.raises(gaps.GapError, match="choose at least one"):
        gaps.learn_from_group(ticket_ids=[usual.pk], user=admin, new_name="Delivery")
    assert not TaxonomyCategory.objects.filter(slug="delivery").exists()
