"""Where the taxonomy has gaps: recent out-of-scope tickets grouped by similarity, and the admin's
answer (a category, new or existing, with the group's tickets as its examples).

A ticket judged out of scope keeps its embedding on its classification; the groups are an
average-linkage clustering of those embeddings (cosine distance), so "where is my parcel" and
"the courier never came" fall together and an admin sees "we get delivery questions and have no
category for them". Tickets already taken into the knowledge base leave the list.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from datetime import timedelta

import numpy as np
from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify
from scipy.cluster.hierarchy import fcluster, linkage
from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

from knowledge.services import EntryInput, create_entries
from triage.models import Classification, Review, TaxonomyCategory, Team, Ticket
from triage.pipeline.classify import ticket_text
from triage.review.decisions import ReviewError, do_confirm_triage
from triage.text.cleaning import without_closing

# Tickets of the last DAYS days, the newest LIMIT of them.
DAYS = 30
LIMIT = 300
# Two groups merge while their average cosine distance stays below this. Chosen on CLINC150's
# validation queries (300 of 30 intents, three draws; adjusted Rand index against the intents):
# 0.5 0.689, 0.6 0.811, 0.65 0.836, 0.7 0.824, 0.75 0.685.
GROUP_DISTANCE = 0.65
_WORD = re.compile(r"[^\W\d_]{3,}")
# Our own masks ("[NAME_1]") and other systems' marks are not what a group is about.
_MASK = re.compile(r"\[[A-Z_]+\d*\]|<[a-z_]+>|\{\{[^}]*\}\}")


@dataclass(frozen=True)
class GapGroup:
    tickets: list[Ticket]  # newest first
    words: list[str]  # what the group's tickets say most (up to 4 words)
    nearest_category: str  # the category their nearest labelled examples have most ("" none)
    similarity: float  # the mean similarity of those nearest examples


def out_of_scope_tickets(*, days: int = DAYS, limit: int = LIMIT) -> list[Classification]:
    """The current classification of each recent out-of-scope ticket not yet in the knowledge
    base, newest first."""
    since = timezone.now() - timedelta(days=days)
    latest = (
        Classification.objects.filter(ticket_id__in=_ids_out_of_scope(since))
        .select_related("ticket")
        .order_by("ticket_id", "-created_at", "-pk")
        .distinct("ticket_id")
    )
    found = [c for c in latest if c.out_of_scope and c.embedding is not None]
    found.sort(key=lambda c: (c.ticket.created_at, c.ticket_id), reverse=True)
    return found[:limit]


def _ids_out_of_scope(since):
    return (
        Classification.objects.filter(out_of_scope=True, created_at__gte=since)
        .exclude(ticket__knowledge_entry__isnull=False)
        .exclude(ticket__merged_into__isnull=False)
        .exclude(ticket__close_reason=Ticket.CloseReason.SPAM)
        .values("ticket_id")
    )


def out_of_scope_groups(*, days: int = DAYS, limit: int = LIMIT) -> list[GapGroup]:
    """Recent out-of-scope tickets grouped by similarity, largest group first."""
    found = out_of_scope_tickets(days=days, limit=limit)
    if not found:
        return []
    vectors = np.asarray([np.asarray(c.embedding, dtype=np.float64) for c in found])
    if len(found) == 1:
        labels = np.array([1])
    else:
        labels = fcluster(
            linkage(vectors, method="average", metric="cosine"),
            t=GROUP_DISTANCE,
            criterion="distance",
        )
    groups = []
    for label in sorted(set(labels.tolist())):
        members = [c for c, lab in zip(found, labels, strict=True) if lab == label]
        groups.append(_group(members))
    groups.sort(key=lambda g: (-len(g.tickets), -g.tickets[0].created_at.timestamp()))
    return groups


def _group(members: list[Classification]) -> GapGroup:
    votes: Counter[str] = Counter()
    sims: list[float] = []
    for c in members:
        for near in c.nearest[:1]:
            votes[near.get("category", "")] += 1
            sims.append(float(near.get("similarity", 0.0)))
    return GapGroup(
        tickets=[c.ticket for c in members],
        words=common_words([ticket_text(c.ticket) for c in members]),
        nearest_category=votes.most_common(1)[0][0] if votes else "",
        similarity=float(np.mean(sims)) if sims else 0.0,
    )


def common_words(texts: list[str], *, most: int = 4) -> list[str]:
    """The words most of ``texts`` use (each text counts a word once), stop words and masks left
    out; with more than one text, only words at least two of them share."""
    counts: Counter[str] = Counter()
    for text in texts:
        words = {w.lower() for w in _WORD.findall(_MASK.sub(" ", text))}
        counts.update(w for w in words if w not in ENGLISH_STOP_WORDS)
    floor = 2 if len(texts) > 1 else 1
    ranked = sorted(((n, w) for w, n in counts.items() if n >= floor), key=lambda x: (-x[0], x[1]))
    return [w for _n, w in ranked[:most]]


class GapError(ValueError):
    """The admin's answer cannot be applied; the message says why."""


def learn_from_group(
    *,
    ticket_ids: list[int],
    user: AbstractBaseUser,
    category: str = "",
    new_name: str = "",
    new_description: str = "",
    team: Team | None = None,
) -> tuple[TaxonomyCategory, int]:
    """Take the tickets as labelled examples of ``category`` (an active one) or of a new category
    named ``new_name`` (created, handled by ``team`` when given); each open ticket waiting for
    triage is triaged into it. Returns the category and the number of entries created."""
    classifications = {c.ticket_id: c for c in out_of_scope_tickets(days=3650, limit=100_000)}
    chosen = [classifications[i] for i in dict.fromkeys(ticket_ids) if i in classifications]
    if not chosen:
        raise GapError("choose at least one out-of-scope ticket that is not yet an example")
    with transaction.atomic():
        target = _category(category, new_name, new_description, team)
        entries = create_entries(
            entries=[
                EntryInput(
                    text=without_closing(c.ticket.masked_text) or c.ticket.masked_subject,
                    category=target.slug,
                    urgency=c.urgency,
                    sentiment=c.sentiment,
                    language=c.ticket.language or "en",
                    response=_reply_sent(c.ticket),
                    external_id=f"out-of-scope-ticket-{c.ticket_id}",
                )
                for c in chosen
            ]
        )
        for entry, c in zip(entries, chosen, strict=True):
            entry.source_ticket = c.ticket
            entry.save(update_fields=["source_ticket"])
    for c in chosen:
        if c.ticket.needs_human_triage and c.ticket.status in Ticket.OPEN_STATUSES:
            try:
                do_confirm_triage(ticket=c.ticket, user=user, category=target.slug)
            except ReviewError:
                continue  # the ticket moved on meanwhile; the example stays
    return target, len(entries)


def _category(slug: str, name: str, description: str, team: Team | None) -> TaxonomyCategory:
    if slug:
        found = TaxonomyCategory.objects.filter(slug=slug, active=True).first()
        if found is None:
            raise GapError(f"no active category {slug!r}")
        return found
    name = name.strip()
    new_slug = slugify(name).replace("-", "_")[:60]
    if not new_slug:
        raise GapError("give the new category a name (letters or digits), or choose one")
    if TaxonomyCategory.objects.filter(slug=new_slug).exists():
        raise GapError(f"a category {new_slug!r} exists already: choose it from the list")
    created = TaxonomyCategory.objects.create(
        slug=new_slug,
        name=name[:100],
        description=description.strip() or f"Tickets about {name}.",
    )
    if team is not None and new_slug not in team.categories:
        team.categories = [*team.categories, new_slug]
        team.save(update_fields=["categories"])
    return created


_REPLIED = (
    Review.Decision.APPROVED_UNCHANGED,
    Review.Decision.APPROVED_EDITED,
    Review.Decision.WRITTEN,
)


def _reply_sent(ticket: Ticket) -> str:
    """The last reply a person approved or wrote on the ticket ("" when none)."""
    review = (
        ticket.reviews.filter(decision__in=_REPLIED).exclude(final_text="").order_by("-pk").first()
    )
    return review.final_text if review is not None else ""
