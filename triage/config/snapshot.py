"""The configuration the pipeline reads (taxonomy, escalation rules, personas, versions), read once
per batch.

A worker's batch runs up to ``PIPELINE_BATCH_SIZE`` tickets in a second or two; each ticket would
otherwise read the same rows again (about ten queries a ticket). Inside ``batch_snapshot()`` each
read below runs once and is shared by the batch's tickets; outside it (a view, a command, a single
ticket) every call reads afresh. A change saved while a batch runs applies from the next batch,
and the versions a batch records are the ones it read with the configuration it used.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import TypeVar

from triage.config.versions import current_versions
from triage.models import EscalationRule, Persona, TaxonomyCategory

T = TypeVar("T")

_batch: ContextVar[dict[str, object] | None] = ContextVar("config_snapshot", default=None)


@contextmanager
def batch_snapshot() -> Iterator[None]:
    """Read each piece of configuration at most once until the block ends."""
    token = _batch.set({})
    try:
        yield
    finally:
        _batch.reset(token)


def _read_once(name: str, read: Callable[[], T]) -> T:
    memo = _batch.get()
    if memo is None:
        return read()
    if name not in memo:
        memo[name] = read()
    return memo[name]  # type: ignore[return-value]


def versions() -> dict[str, int]:
    """Every configuration kind with its version."""
    return dict(_read_once("versions", current_versions))


def categories() -> dict[str, TaxonomyCategory]:
    """Every category by slug, active or not (a ticket may carry a retired one)."""
    return _read_once(
        "categories", lambda: {c.slug: c for c in TaxonomyCategory.objects.order_by("slug")}
    )


def active_taxonomy() -> list[dict]:
    """What a classifier is told of each active category."""
    return [
        {"slug": c.slug, "description": c.description, "subcategories": c.subcategories}
        for c in categories().values()
        if c.active
    ]


def escalation_rules() -> list[EscalationRule]:
    """The enabled escalation rules."""
    return _read_once("rules", lambda: list(EscalationRule.objects.filter(enabled=True)))


def persona(tier: str) -> Persona | None:
    """The persona of a customer tier, else the self-serve one; a copy, free to adjust for one
    customer."""
    personas = _read_once("personas", lambda: {p.tier: p for p in Persona.objects.all()})
    found = personas.get(tier) or personas.get("self_serve")
    return copy.copy(found) if found is not None else None
