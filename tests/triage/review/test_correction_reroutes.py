"""Correcting the category routes the ticket again (team, reviewer, SLA) unless a person chose
its team or reviewer; a subcategory of the old category is cleared."""

import pytest

from triage.models import TaxonomyCategory, Team
from triage.pipeline.sla import sla_due
from triage.review.decisions import do_correct_classification
from triage.review.operations import do_reassign

pytestmark = pytest.mark.django_db


def test_a_corrected_category_moves_the_ticket_to_its_team_with_its_sla(people, billing_ticket):
    before = billing_ticket.classifications.first()
    billing_subcategories = TaxonomyCategory.objects.get(slug="billing").subcategories
    assert before.subcategory in billing_subcategories and before.subcategory
    corrected = do_correct_classification(
        ticket=billing_ticket, user=people["lead"], category="technical", urgency="P1"
    )
    billing_ticket.refresh_from_db()
    technical = Team.objects.get(slug="technical")
    assert billing_ticket.team == technical
    assert billing_ticket.reviewer in (None, people["other"])  # tom is the technical agent
    expected = sla_due(team=technical, urgency="P1", start=billing_ticket.created_at)
    assert billing_ticket.sla_due_at == expected
    assert corrected.subcategory == ""  # a billing subcategory is no technical one


def test_a_ticket_a_person_assigned_stays_where_they_put_it(people, billing_ticket):
    billing = Team.objects.get(slug="billing")
    do_reassign(ticket=billing_ticket, team=billing, reviewer=people["agent"])
    do_correct_classification(ticket=billing_ticket, user=people["lead"], category="technical")
    billing_ticket.refresh_from_db()
    assert billing_ticket.team == billing and billing_ticket.reviewer == people["agent"]
    assert billing_ticket.category == "technical"


def test_a_subcategory_that_belongs_to_the_new_category_is_kept(people, billing_ticket):
    corrected = do_correct_classification(
        ticket=billing_ticket, user=people["lead"], category="technical", subcategory="outage"
    )
    assert corrected.subcategory == "outage"
