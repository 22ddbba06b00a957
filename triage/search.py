"""Full-text search over tickets: subject, the customer's messages and the customer's name and
address, in PostgreSQL (``Ticket.search_document``, a GIN-indexed tsvector).

The document is built in the text-search configuration of the ticket's language (en, de, es, fr;
``simple`` otherwise), so "Rechnungen" finds "Rechnung". A query is parsed in every one of those
configurations and the parses are OR-ed: the searcher need not know the ticket's language.
Whoever changes what a document holds (ingest, a reply, preprocessing setting the language, a
merge) calls ``refresh_documents``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import reduce

from django.contrib.postgres.search import SearchQuery, SearchRank
from django.db import connection
from django.db.models import F, FloatField, Q, QuerySet
from django.db.models.functions import Cast

from triage.models import Ticket
from triage.text.language import TEXT_SEARCH_CONFIGS, search_config_sql

QUERY_CONFIGS = (*TEXT_SEARCH_CONFIGS.values(), "simple")
MAX_QUERY_CHARS = 200

_CONFIG_SQL = search_config_sql("t.language")
# Subject (weight A), the customer's messages (B; the raw body before the first message exists),
# the customer's name and address (C, never stemmed).
_REFRESH_SQL = f"""
UPDATE triage_ticket AS t SET search_document =
    setweight(to_tsvector({_CONFIG_SQL}, coalesce(t.subject, '')), 'A')
    || setweight(to_tsvector({_CONFIG_SQL}, coalesce(
        (SELECT string_agg(m.body, E'\\n' ORDER BY m.created_at, m.id) FROM triage_message m
         WHERE m.ticket_id = t.id AND m.direction = 'inbound'),
        t.raw_body)), 'B')
    || setweight(to_tsvector('simple', coalesce(
        (SELECT concat_ws(' ', c.name, c.email, c.organisation) FROM triage_customer c
         WHERE c.id = t.customer_id), '')), 'C')
WHERE t.id = ANY(%s)
"""


def refresh_documents(ticket_ids: Iterable[int]) -> None:
    """Rebuild the search document of these tickets from what they hold now."""
    ids = sorted({int(i) for i in ticket_ids})
    if ids:
        with connection.cursor() as cursor:
            cursor.execute(_REFRESH_SQL, [ids])


def parse_query(text: str) -> SearchQuery | None:
    """The user's words (web-search syntax: quotes, ``or``, ``-word``) in every configuration."""
    text = " ".join(text.split())[:MAX_QUERY_CHARS]
    if not text:
        return None
    parses = [SearchQuery(text, search_type="websearch", config=c) for c in QUERY_CONFIGS]
    return reduce(lambda a, b: a | b, parses)


_TICKET_NUMBER = re.compile(r"#?(\d{1,12})")


def search(tickets: QuerySet[Ticket], text: str) -> QuerySet[Ticket]:
    """``tickets`` matching ``text``, annotated with ``search_rank`` (a float8, exact enough for a
    keyset cursor); "#123" also finds ticket 123."""
    query = parse_query(text)
    if query is None:
        return tickets.none()
    matches = Q(search_document=query)
    number = _TICKET_NUMBER.fullmatch(text.strip())
    if number:
        matches |= Q(pk=int(number.group(1)))
    return tickets.filter(matches).annotate(
        search_rank=Cast(SearchRank(F("search_document"), query), FloatField())
    )
