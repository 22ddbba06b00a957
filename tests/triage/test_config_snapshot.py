"""Configuration read once per batch, afresh outside one."""

from django.db import connection
from django.test.utils import CaptureQueriesContext

from triage.config import snapshot
from triage.models import Persona, TaxonomyCategory


def test_outside_a_batch_every_read_sees_the_latest_configuration(config):
    assert snapshot.categories()["billing"].escalate_immediately is False
    TaxonomyCategory.objects.filter(slug="billing").update(escalate_immediately=True)
    assert snapshot.categories()["billing"].escalate_immediately is True


def test_in_a_batch_each_piece_is_read_once_and_a_change_applies_from_the_next_batch(config):
    with snapshot.batch_snapshot():
        with CaptureQueriesContext(connection) as queries:
            for _ in range(3):
                snapshot.categories()
                snapshot.active_taxonomy()
                snapshot.escalation_rules()
                snapshot.versions()
                snapshot.persona("enterprise")
        assert len(queries.captured_queries) == 4  # categories, rules, versions, personas
        TaxonomyCategory.objects.filter(slug="billing").update(active=False)
        assert "billing" in {c["slug"] for c in snapshot.active_taxonomy()}
    assert "billing" not in {c["slug"] for c in snapshot.active_taxonomy()}


def test_a_persona_adjusted_for_one_customer_stays_as_configured_for_the_next(config):
    voice = Persona.objects.get(tier="enterprise").voice
    with snapshot.batch_snapshot():
        first = snapshot.persona("enterprise")
        first.voice = "technical"
        assert snapshot.persona("enterprise").voice == voice
    assert snapshot.persona("nonexistent-tier").tier == "self_serve"
