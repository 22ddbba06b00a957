"""Seed the versioned default configuration into an empty database."""

from __future__ import annotations

from django.db import transaction

from triage.config import defaults
from triage.models import ConfigVersion, EscalationRule, Persona, TaxonomyCategory, Team


def seed_configuration() -> bool:
    """Write taxonomy, teams, personas and rules from ``triage.defaults`` if none exist. Returns
    True if it wrote."""
    with transaction.atomic():
        if TaxonomyCategory.objects.exists() or Team.objects.exists():
            return False
        for item in defaults.TAXONOMY:
            TaxonomyCategory.objects.create(**item)
        by_slug: dict[str, Team] = {}
        for item in defaults.TEAMS:
            data = dict(item)
            escalation_slug = data.pop("escalation_team", None)
            team = Team.objects.create(**data)
            if escalation_slug:
                team.escalation_team = by_slug[escalation_slug]
                team.save(update_fields=["escalation_team"])
            by_slug[team.slug] = team
        for item in defaults.PERSONAS:
            Persona.objects.create(**item)
        for item in defaults.ESCALATION_RULES:
            EscalationRule.objects.create(**item)
        # The signals above bumped every kind once per row; the seeded state is version 1.
        ConfigVersion.objects.all().delete()
        ConfigVersion.objects.bulk_create(
            ConfigVersion(kind=kind, version=1) for kind in ConfigVersion.Kind.values
        )
    return True
