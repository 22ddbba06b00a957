"""The composer's helpers: what an agent can insert into a reply (the persona's greeting and
sign-off, canned replies, KB article sections, approved replies to similar tickets) and the
placeholders filled on insertion.

Knowledge texts were stored masked with *another* ticket's placeholders (``[NAME_1]``...). They
are never unmasked with this ticket's values: each placeholder becomes a visible blank
(``[name?]``) the agent must fill, and a reply with a blank left is refused.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.contrib.auth.models import AbstractBaseUser
from django.db.models import Q, QuerySet

from knowledge.models import KBChunk, KnowledgeEntry
from knowledge.selectors import search_chunks, search_entries
from triage.engines.draft_local import greeting
from triage.engines.types import first_name
from triage.models import CannedReply, Draft, Ticket
from triage.pipeline.context import persona_for
from triage.text.pii import PLACEHOLDER
from triage.text.placeholders import foreign_placeholders

PLACEHOLDERS = {
    "customer_name": "the customer's name (first name when known)",
    "ticket_number": "the ticket number, as #123",
    "agent_name": "your name",
}
_FIELD = re.compile(r"\{(" + "|".join(PLACEHOLDERS) + r")\}")
# What must be filled or removed before a reply can go out: a blank for another ticket's masked
# value ([email?]), a [confirm: …] slot from the drafter, a {{Placeholder}} of a reused reply.
BLANK = re.compile(r"\[[a-z_ ]{2,30}\?\]|\[confirm:[^\]]*\]|\{\{[^}]*\}\}")


@dataclass(frozen=True)
class InsertOption:
    kind: str  # greeting, signoff, canned, article, entry
    id: int
    title: str
    text: str
    detail: str = ""

    @property
    def key(self) -> str:
        return f"{self.kind}:{self.id}"


def customer_first_name(ticket: Ticket) -> str:
    return first_name(ticket.customer.name if ticket.customer else "")


def agent_name(agent: AbstractBaseUser) -> str:
    full = getattr(agent, "get_full_name", lambda: "")()
    return full or agent.get_username()


def fill_placeholders(text: str, *, ticket: Ticket, agent: AbstractBaseUser) -> str:
    """``{customer_name}``, ``{ticket_number}``, ``{agent_name}`` filled for this ticket; a name we
    do not know becomes a blank to fill."""
    values = {
        "customer_name": customer_first_name(ticket) or "[name?]",
        "ticket_number": f"#{ticket.pk}",
        "agent_name": agent_name(agent),
    }
    return _FIELD.sub(lambda m: values[m.group(1)], text)


def blank_foreign_placeholders(text: str) -> str:
    """Another ticket's masked values (``[EMAIL_2]``) become blanks (``[email?]``)."""
    return PLACEHOLDER.sub(lambda m: f"[{m.group(1).lower()}?]", text)


def blanks_left(text: str) -> list[str]:
    """The blanks still in ``text``, another helpdesk's anonymisation marks (``<name>``,
    ``[ORDER_ID]``, ``XXXX``) among them."""
    return BLANK.findall(text) + foreign_placeholders(text)


def reply_language(ticket: Ticket) -> str:
    """The language to reply in: the ticket's, English when it is unknown."""
    language = (ticket.language or "en").lower()
    return "en" if language == "unknown" else language[:2]


def persona_options(ticket: Ticket) -> list[InsertOption]:
    """The persona's greeting and sign-off in the customer's language (English when the persona
    has none in it)."""
    persona = persona_for(ticket)
    if persona is None:
        return []
    language = reply_language(ticket)
    language = language if language in persona.greetings else "en"
    text = greeting(persona, language, full_name=ticket.customer.name if ticket.customer else "")
    signoff = persona.signoffs.get(language, "")
    options = [InsertOption("greeting", 0, "Greeting", text, f"{persona.name} · {language}")]
    if signoff:
        options.append(
            InsertOption("signoff", 0, "Sign-off", signoff, f"{persona.name} · {language}")
        )
    return options


def canned_for(ticket: Ticket) -> QuerySet[CannedReply]:
    """Canned replies offered on this ticket: its team's and everyone's, in its language."""
    return CannedReply.objects.filter(
        Q(team__isnull=True) | Q(team_id=ticket.team_id),
        active=True,
        language=reply_language(ticket),
    ).select_related("team")


def insert_options(
    *, ticket: Ticket, agent: AbstractBaseUser, query: str = "", limit: int = 8
) -> list[InsertOption]:
    """What the composer offers: with ``query``, canned replies, article sections and approved
    replies matching it; without, the canned replies for the ticket and the sources the pipeline
    found most similar to it (its last retrieval), nearest first."""
    query = " ".join(query.split())[:200]
    canned = canned_for(ticket)
    if query:
        canned = canned.filter(Q(title__icontains=query) | Q(body__icontains=query))
    options = [
        InsertOption(
            "canned",
            c.pk,
            c.title,
            fill_placeholders(c.body, ticket=ticket, agent=agent),
            f"canned reply · {c.team.name if c.team else 'all teams'} · {c.language}",
        )
        for c in canned[:limit]
    ]
    if query:
        options += [
            _chunk_option(chunk, "article") for chunk in search_chunks(q=query, limit=limit)
        ]
        options += [
            _entry_option(entry, "approved reply")
            for entry in search_entries(q=query, limit=limit)
            if entry.response
        ]
    else:
        options += _similar_options(ticket, limit=limit)
    return options


def _chunk_option(chunk: KBChunk, detail: str) -> InsertOption:
    title = chunk.article.title + (f" › {chunk.heading}" if chunk.heading else "")
    return InsertOption("article", chunk.pk, title, chunk.text.strip(), detail)


def _entry_option(entry: KnowledgeEntry, detail: str) -> InsertOption:
    return InsertOption(
        "entry",
        entry.pk,
        " ".join(entry.text.split())[:80],
        blank_foreign_placeholders(entry.response.strip()),
        detail,
    )


def _similar_options(ticket: Ticket, *, limit: int) -> list[InsertOption]:
    draft = Draft.objects.filter(ticket=ticket).order_by("-created_at", "-pk").first()
    sources = (draft.context or {}).get("sources", []) if draft else []
    chunk_ids = [s["id"] for s in sources if s.get("kind") == "chunk"]
    entry_ids = [s["id"] for s in sources if s.get("kind") == "entry"]
    chunks = KBChunk.objects.filter(pk__in=chunk_ids, article__retired=False).select_related(
        "article"
    )
    entries = KnowledgeEntry.objects.filter(pk__in=entry_ids, retired=False).defer("embedding")
    found = {("chunk", c.pk): c for c in chunks} | {("entry", e.pk): e for e in entries}
    options = []
    for source in sources:
        item = found.get((source.get("kind"), source.get("id")))
        detail = f"similar to this ticket (distance {float(source.get('distance', 0)):.2f})"
        if isinstance(item, KBChunk):
            options.append(_chunk_option(item, detail))
        elif isinstance(item, KnowledgeEntry) and item.response:
            options.append(_entry_option(item, detail))
    return options[:limit]


def inserted_records(keys: str) -> list[dict]:
    """The composer's "inserted" field ("canned:3 article:12") as records for the decision."""
    records = []
    for key in dict.fromkeys(keys.split()):
        kind, _, ident = key.partition(":")
        if kind in {"canned", "article", "entry", "greeting", "signoff"} and ident.isdigit():
            records.append({"kind": kind, "id": int(ident)})
    return records[:50]
