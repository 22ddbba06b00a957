"""Reading the versions of configuration-as-data, and bumping them when it changes."""

from __future__ import annotations

from django.db import models, transaction
from django.db.models import F
from django.db.models.signals import post_delete, post_save

from triage.models import (
    ConfigVersion,
    EscalationRule,
    Persona,
    TaxonomyCategory,
    Team,
    TeamMembership,
)

KIND_OF_MODEL: dict[type[models.Model], str] = {
    TaxonomyCategory: ConfigVersion.Kind.TAXONOMY,
    Team: ConfigVersion.Kind.ROUTING,
    TeamMembership: ConfigVersion.Kind.ROUTING,
    Persona: ConfigVersion.Kind.PERSONAS,
    EscalationRule: ConfigVersion.Kind.RULES,
}


def current_versions() -> dict[str, int]:
    """Every configuration kind with its version (1 for a kind never changed)."""
    versions = {kind: 1 for kind in ConfigVersion.Kind.values}
    versions.update(dict(ConfigVersion.objects.values_list("kind", "version")))
    return versions


def bump_version(*, kind: str) -> None:
    """Raise ``kind``'s version by one; concurrent bumps each count (an UPDATE, not
    read-then-write)."""
    with transaction.atomic():
        updated = ConfigVersion.objects.filter(kind=kind).update(version=F("version") + 1)
        if not updated:
            ConfigVersion.objects.get_or_create(kind=kind, defaults={"version": 2})


def _on_change(sender: type[models.Model], raw: bool = False, **_: object) -> None:
    if raw:  # loaddata: the fixture carries its own version rows
        return
    bump_version(kind=KIND_OF_MODEL[sender])


def connect_signals() -> None:
    for model in KIND_OF_MODEL:
        post_save.connect(_on_change, sender=model, dispatch_uid=f"bump-{model.__name__}")
        post_delete.connect(_on_change, sender=model, dispatch_uid=f"bump-del-{model.__name__}")
