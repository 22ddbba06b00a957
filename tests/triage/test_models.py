from datetime import timedelta

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from tests.conftest import make_ticket
from triage.config.versions import current_versions
from triage.models import Classification, Team, Ticket


@pytest.mark.django_db
def test_source_and_external_id_are_unique_together():
    Ticket.objects.create(source="zendesk", external_id="42", channel="zendesk", raw_body="a")
    with pytest.raises(IntegrityError), transaction.atomic():
        Ticket.objects.create(source="zendesk", external_id="42", channel="zendesk", raw_body="b")
    # the same external id from another source is another ticket
    Ticket.objects.create(source="intercom", external_id="42", channel="intercom", raw_body="c")
    assert Ticket.objects.count() == 2


@pytest.mark.django_db
def test_tickets_without_external_id_never_collide():
    make_ticket(body="one")
    make_ticket(body="two")
    assert Ticket.objects.filter(external_id__isnull=True).count() == 2


@pytest.mark.django_db
def test_confidence_outside_zero_to_one_is_refused():
    ticket = make_ticket()
    with pytest.raises(IntegrityError), transaction.atomic():
        Classification.objects.create(
            ticket=ticket,
            urgency="P3",
            category="billing",
            sentiment="neutral",
            confidence=1.5,
            engine="local",
        )


def test_changing_configuration_bumps_its_version(config):
    before = current_versions()
    team = Team.objects.get(slug="billing")
    team.sla_hours = {"P1": 1, "P2": 2, "P3": 3, "P4": 4}
    team.save()
    after = current_versions()
    assert after["routing"] == before["routing"] + 1
    assert after["taxonomy"] == before["taxonomy"]


def test_seeded_configuration_starts_at_version_one(config):
    assert set(current_versions().values()) == {1}


@pytest.mark.django_db
def test_sla_remaining_freezes_while_waiting_on_customer():

    now = timezone.now()
    ticket = Ticket(sla_due_at=now + timedelta(hours=4), sla_paused_at=now + timedelta(hours=1))
    assert ticket.sla_remaining(now=now + timedelta(hours=3)) == timedelta(hours=3)
