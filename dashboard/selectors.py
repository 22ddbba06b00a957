"""Reads for the dashboard pages. Each runs a bounded number of queries whatever the row count."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace
from datetime import datetime

from django.contrib.auth.models import AbstractBaseUser
from django.core.cache import cache
from django.db.models import Avg, Count, Prefetch, Q, QuerySet, Sum
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from dashboard.access import can_view_pii, is_lead_or_admin, teams_for, tickets_for
from dashboard.history import ticket_history
from dashboard.http import parse_id
from knowledge.models import KnowledgeEntry
from triage import lifecycle, search
from triage.models import (
    HEAVY_EDIT_THRESHOLD,
    Channel,
    Classification,
    Customer,
    Draft,
    Outbound,
    Sentiment,
    SourceUsage,
    TaxonomyCategory,
    Ticket,
    Urgency,
)
from triage.models.tickets import sla_state as sla_state_at
from triage.models.tickets import ticket_title
from triage.pipeline.handoff import handoff_note
from triage.pipeline.sla import CalendarError, parse_calendar
from triage.review import presence, satisfaction
from triage.review.decisions import escalation_target
from triage.review.operations import merge_candidates
from triage.review.outbound import NO_ROUTE, no_route_help, reply_route
from triage.text.pii import unmask

QUEUE_PAGE_SIZE = 50
QUEUE_STATUSES = lifecycle.QUEUE_STATUSES


@dataclass(frozen=True)
class QueueFilters:
    team: str = ""
    urgency: str = ""
    category: str = ""
    status: str = ""
    sentiment: str = ""
    channel: str = ""
    language: str = ""
    flagged: bool = False
    q: str = ""

    @classmethod
    def from_query(cls, query) -> QueueFilters:
        values = {
            f.name: (query.get(f.name) or "").strip()[:100]
            for f in fields(cls)
            if f.name != "flagged"
        }
        return cls(**values, flagged=query.get("flagged") == "1")

    def as_query(self) -> dict[str, str]:
        data = {
            f.name: getattr(self, f.name)
            for f in fields(self)
            if f.name != "flagged" and getattr(self, f.name)
        }
        if self.flagged:
            data["flagged"] = "1"
        return data


def encode_cursor(ticket: QueueRow) -> str:
    return f"{ticket.queue_rank_at.isoformat()}|{ticket.pk}"


def decode_cursor(value: str) -> tuple[datetime, int] | None:
    """The (rank, id) a page continues after; None (start at the top) for a cursor that is not
    one: an impossible date (month 13, Feb 30, year 0), a zone-less one, or a bad id."""
    rank, _, pk = value.partition("|")
    try:
        when = parse_datetime(rank) if rank else None
    except (ValueError, OverflowError):
        return None
    ident = parse_id(pk)
    if when is None or ident is None or timezone.is_naive(when):
        return None
    return when, ident


def filtered_tickets(*, user: AbstractBaseUser, filters: QueueFilters) -> QuerySet[Ticket]:
    tickets = tickets_for(user)
    if filters.status:
        tickets = tickets.filter(status=filters.status)
    elif not filters.q:
        tickets = tickets.filter(status__in=QUEUE_STATUSES)
    # A search looks at every ticket the user can see (answered and closed ones too), unless a
    # status is chosen.
    for name in ("urgency", "category", "sentiment", "channel", "language"):
        if getattr(filters, name):
            tickets = tickets.filter(**{name: getattr(filters, name)})
    if filters.team:
        tickets = tickets.filter(team__slug=filters.team)
    if filters.flagged:
        tickets = tickets.exclude(flag_codes=[])
    return tickets


@dataclass(frozen=True, slots=True)
class QueueRow:
    """What a queue row shows, and nothing else: the page's read model, read as plain values
    (no model instances): a page of 50 costs a fraction of the full rows' time."""

    pk: int
    subject: str
    masked_text: str
    channel: str
    language: str
    status: str
    urgency: str
    category: str
    sentiment: str
    tier: int | None
    escalation_codes: list[str]
    needs_human_triage: bool
    flag_codes: list[str]
    sla_due_at: datetime | None
    sla_paused_at: datetime | None
    first_response_at: datetime | None
    created_at: datetime
    queue_rank_at: datetime | None
    customer_id: int | None
    customer_name: str | None
    customer_email: str | None
    customer_tier: str | None
    team_name: str | None
    reviewer_username: str | None
    search_rank: float | None = None
    # Who else has the ticket open: "bob is typing a reply" / "bob has it open".
    viewers: tuple[str, ...] = ()

    @property
    def title(self) -> str:
        return ticket_title(self.subject, self.masked_text, self.channel)

    @property
    def channel_label(self) -> str:
        return _label(Channel, self.channel)

    @property
    def status_label(self) -> str:
        return _label(Ticket.Status, self.status)

    @property
    def customer(self) -> str:
        """The sender as lists show them (as ``Customer.__str__``), empty when unknown."""
        if self.customer_id is None:
            return ""
        return self.customer_name or self.customer_email or f"customer {self.customer_id}"

    @property
    def customer_tier_label(self) -> str:
        return _label(Customer.Tier, self.customer_tier or "")

    @property
    def shows_sla(self) -> bool:
        return lifecycle.shows_sla(self)  # no countdown once answered or finished

    def sla_state(self, now: datetime | None = None) -> str:
        return sla_state_at(self.sla_due_at, self.sla_paused_at, self.created_at, now)


def _label(choices, value: str) -> str:
    return choices(value).label if value in choices.values else value


# The columns a QueueRow is read from, in its field order (search_rank added by a search).
QUEUE_ROW_COLUMNS = (
    "pk", "subject", "masked_text", "channel", "language", "status", "urgency", "category",
    "sentiment", "tier", "escalation_codes", "needs_human_triage", "flag_codes", "sla_due_at",
    "sla_paused_at", "first_response_at", "created_at", "queue_rank_at", "customer_id",
    "customer__name", "customer__email", "customer__tier", "team__name", "reviewer__username",
)  # fmt: skip


def _queue_rows(tickets: QuerySet[Ticket], *extra: str) -> list[QueueRow]:
    return [QueueRow(*values) for values in tickets.values_list(*QUEUE_ROW_COLUMNS, *extra)]


def queue_page(
    *, user: AbstractBaseUser, filters: QueueFilters, after: str = "", limit: int = QUEUE_PAGE_SIZE
) -> tuple[list[QueueRow], str]:
    """One page of the queue, highest SLA risk first (keyset pagination on queue rank and id).

    Served by the partial indexes on the review queue: the scan walks them in order and stops
    after one page, whatever the number of tickets. With a search, the best matches first
    (keyset on rank and id), through the search document's GIN index.
    """
    if filters.q:
        return search_page(user=user, filters=filters, after=after, limit=limit)
    # Tickets waiting for human triage stay in the queue too (tagged): an urgent one must not hide.
    tickets = filtered_tickets(user=user, filters=filters).filter(queue_rank_at__isnull=False)
    cursor = decode_cursor(after) if after else None
    if cursor is not None:
        rank, pk = cursor
        tickets = tickets.filter(Q(queue_rank_at__gt=rank) | Q(queue_rank_at=rank, pk__gt=pk))
    rows = _queue_rows(tickets.order_by("queue_rank_at", "pk")[: limit + 1])
    next_cursor = encode_cursor(rows[limit - 1]) if len(rows) > limit else ""
    return rows[:limit], next_cursor


def search_page(
    *, user: AbstractBaseUser, filters: QueueFilters, after: str = "", limit: int = QUEUE_PAGE_SIZE
) -> tuple[list[QueueRow], str]:
    """One page of search results, best match first, then newest."""
    tickets = search.search(filtered_tickets(user=user, filters=filters), filters.q)
    rank, _, pk = after.partition("|")
    try:
        cursor = (float(rank), int(pk)) if after else None
    except ValueError:
        cursor = None
    if cursor is not None:
        tickets = tickets.filter(
            Q(search_rank__lt=cursor[0]) | Q(search_rank=cursor[0], pk__lt=cursor[1])
        )
    rows = _queue_rows(tickets.order_by("-search_rank", "-pk")[: limit + 1], "search_rank")
    next_cursor = (
        f"{rows[limit - 1].search_rank!r}|{rows[limit - 1].pk}" if len(rows) > limit else ""
    )
    return rows[:limit], next_cursor


def triage_queue(*, user: AbstractBaseUser, limit: int = 100) -> list[Ticket]:
    """Low-confidence tickets waiting for a human to confirm the category, with their
    classification."""
    latest = Classification.objects.order_by("-created_at", "-pk")
    return list(
        tickets_for(user)
        .filter(needs_human_triage=True, status__in=QUEUE_STATUSES)
        .select_related("customer", "team")
        .prefetch_related(Prefetch("classifications", queryset=latest))
        .order_by("queue_rank_at", "pk")[:limit]
    )


def processing_count(*, user: AbstractBaseUser) -> int:
    return tickets_for(user).filter(status=Ticket.Status.NEW).count()


# A rendered queue row (and table) is kept this long; it is reused only while everything it shows
# is unchanged.
QUEUE_ROW_SECONDS = 300


def queue_row_key(row: QueueRow, *, now: datetime) -> str:
    """A digest of everything a queue row shows (its values, the minute for its "3 hours ago"
    texts, the time zone): two rows with one key render the same HTML, so caching the rendered
    row by it can never show a stale row."""
    return _digest(
        (row, now.replace(second=0, microsecond=0), timezone.get_current_timezone_name())
    )


def _digest(values) -> str:
    return hashlib.blake2b(repr(values).encode(), digest_size=16).hexdigest()


def queue_page_context(
    *, user: AbstractBaseUser, params: Mapping[str, str], path: str = ""
) -> dict:
    """The review queue page: one page of tickets, the filters and what they can be set to.

    ``table_key`` digests everything the table shows (each row's key, the page's path, filters
    and cursors): the rendered table is cached by it, and each row by its own key, so a page
    whose rows did not change is served without rendering them, and never stale. The filter form
    is cached by ``filters_key`` (the filters and the choices offered) the same way.
    """
    filters = QueueFilters.from_query(params)
    after = params.get("after", "")
    rows, next_cursor = queue_page(user=user, filters=filters, after=after)
    now = timezone.now()
    on = presence.others_on(ticket_ids=[row.pk for row in rows], user=user, now=now)
    rows = [
        replace(
            row,
            viewers=tuple(
                f"{o.username} is typing a reply" if o.typing else f"{o.username} has it open"
                for o in on.get(row.pk, [])
            ),
        )
        if row.pk in on
        else row
        for row in rows
    ]
    row_keys = [queue_row_key(row, now=now) for row in rows]
    choices = queue_filter_choices(user=user)
    return {
        "row_seconds": QUEUE_ROW_SECONDS,
        "tickets": list(zip(rows, row_keys, strict=True)),
        "table_key": _digest((row_keys, path, filters, after, next_cursor)),
        "filters_key": _digest((filters, choices)),
        "next_cursor": next_cursor,
        "after": after,
        "filters": filters,
        "query": filters.as_query(),
        **choices,
        "statuses": [(s, s.label) for s in QUEUE_STATUSES],
        "urgencies": Urgency.choices,
        "sentiments": Sentiment.choices,
        "channels": Channel.choices,
        "processing": processing_count(user=user),
    }


# The filter form's teams and categories change rarely and only name what may be filtered by (the
# tickets shown are read fresh): kept this long per user, they save two queries on every page.
FILTER_CHOICES_SECONDS = 30


def queue_filter_choices(*, user: AbstractBaseUser) -> dict[str, list[dict[str, str]]]:
    """The teams the user may filter by and the active categories, as slug and name."""

    def read() -> dict[str, list[dict[str, str]]]:
        return {
            "teams": list(teams_for(user).values("slug", "name")),
            "categories": list(TaxonomyCategory.objects.filter(active=True).values("slug", "name")),
        }

    return cache.get_or_set(f"queue-filter-choices:{user.pk}", read, FILTER_CHOICES_SECONDS)


@dataclass(frozen=True)
class TriageRow:
    ticket: Ticket
    suggestions: list[dict]  # the classifier's top two: category, score
    scope_reason: str  # why it is out of scope ("" when it is not)
    nearest: list[dict]  # when out of scope: the closest entries (entry, category, similarity)


def triage_rows(*, user: AbstractBaseUser) -> list[TriageRow]:
    """Human triage: each ticket with the classifier's top two suggestions; an out-of-scope one
    with the reason and the labelled examples nearest to it."""
    tickets = triage_queue(user=user)
    latest = {t.pk: next(iter(t.classifications.all()), None) for t in tickets}
    wanted = {
        n["entry_id"]
        for c in latest.values()
        if c is not None and c.out_of_scope
        for n in c.nearest
        if n.get("entry_id")
    }
    entries = KnowledgeEntry.objects.in_bulk(wanted) if wanted else {}
    rows = []
    for ticket in tickets:
        current = latest[ticket.pk]
        outside = current is not None and current.out_of_scope
        rows.append(
            TriageRow(
                ticket=ticket,
                suggestions=current.alternatives[:2] if current else [],
                scope_reason=current.scope_reason if outside else "",
                nearest=[
                    {**n, "entry": entries.get(n.get("entry_id"))}
                    for n in (current.nearest if outside else [])
                ],
            )
        )
    return rows


def ticket_page(*, user: AbstractBaseUser, ticket: Ticket) -> dict:
    """The ticket page's read model: thread, classification, draft with flags, sources, actions,
    outbox, trail state."""
    draft: Draft | None = ticket.drafts.first()
    show_pii = can_view_pii(user, ticket)
    # The draft with the customer's placeholders restored: the reply box starts from it.
    editable_draft = (
        unmask(draft.text, ticket.pii_mapping()) if draft is not None and draft.text else ""
    )
    classification = ticket.classifications.first()
    assessment = ticket.assessments.first()
    allowed = lifecycle.actions_for(ticket, draft)
    return {
        "ticket": ticket,
        "show_pii": show_pii,
        "history": ticket_history(ticket=ticket, show_pii=show_pii),
        "classification": classification,
        "assessment": assessment,
        "draft": draft,
        "no_reply_needed": bool(
            draft and draft.kind == Draft.Kind.NONE and assessment and assessment.no_reply_needed
        ),
        "reviewer_text": editable_draft if show_pii else (draft.text if draft else ""),
        "editable_draft": editable_draft,
        # The composer starts from the open draft when there is one, else empty.
        "composer_text": editable_draft if allowed.decidable else "",
        "handoff_text": _handoff_text(ticket, draft, classification, assessment),
        "received_handoff": _received_handoff(ticket, draft),
        "escalation_team": escalation_target(ticket),
        "merge_candidates": merge_candidates(ticket=ticket) if allowed.can_close else [],
        "allowed": allowed,
        "shows_sla": lifecycle.shows_sla(ticket),
        "sla_state": ticket.sla_state(),
        "flags": draft.guard_flags if draft else [],
        "usages": list(draft.source_usages.filter(used=True).select_related("entry", "article"))
        if draft
        else [],
        "actions": ticket.actions.all(),
        "is_lead": is_lead_or_admin(user),
        **reply_route_panel(ticket=ticket, show_pii=show_pii),
        **outbox_panel(ticket=ticket),
    }


def reply_route_panel(*, ticket: Ticket, show_pii: bool) -> dict:
    """Where a reply will go, as the composer states it, or why it cannot go anywhere."""
    route = reply_route(ticket)
    if route is None:
        return {"reply_route": None, "no_route": NO_ROUTE, "no_route_help": no_route_help(ticket)}
    label = route.label
    if route.via == "email" and not show_pii:
        label = "the customer's e-mail address"
    return {"reply_route": route, "reply_route_label": label}


def _handoff_text(ticket, draft, classification, assessment) -> str:
    """The escalate form's starting note: written now (so it carries the latest internal notes),
    or the pipeline's when the ticket was never classified."""
    if classification is not None and assessment is not None:
        return handoff_note(
            ticket=ticket,
            classification=classification,
            assessment=assessment,
            receiving_team=escalation_target(ticket),
        )
    if draft is not None and draft.handoff_note:
        return draft.handoff_note
    return f"{ticket.title}\nCustomer: {ticket.customer or 'unknown sender'}"


def _received_handoff(ticket: Ticket, draft: Draft | None) -> str:
    """What the receiving team reads on an escalated ticket: the note it was handed with."""
    if ticket.status != Ticket.Status.ESCALATED:
        return ""
    escalation = ticket.reviews.filter(decision="escalated").order_by("-created_at").first()
    if escalation is not None and escalation.reason:
        return escalation.reason
    return draft.handoff_note if draft is not None else ""


def outbox_panel(*, ticket: Ticket) -> dict:
    """The ticket's replies on their way out, and whether the page should keep asking about them."""
    outbounds = list(ticket.outbounds.select_related("review"))
    return {
        "ticket": ticket,
        "outbounds": outbounds,
        "outbox_in_flight": any(o.in_flight for o in outbounds),
    }


@dataclass
class TeamBoard:
    team: object
    on_track: int
    at_risk: int
    breached: int
    tickets: list[Ticket]
    load: list[dict]
    # Replies whose automatic tries ran out: failed, or unconfirmed with no check left.
    undelivered: list[Outbound] = field(default_factory=list)
    hours: str = "around the clock"  # the team's calendar in words
    opens_at: datetime | None = None  # when the stopped clocks start again (None: they run)
    closed_for: str = ""  # the holiday that stops them today, if one does
    # Ratings of 1-2 or "that was wrong" comments nobody has looked at yet.
    needs_look: list = field(default_factory=list)


def sla_board(
    *, user: AbstractBaseUser, now: datetime | None = None, limit: int = 200
) -> list[TeamBoard]:
    """Per team: open tickets by SLA state, soonest first, and the load per reviewer."""
    now = now or timezone.now()
    teams = list(teams_for(user).order_by("name").prefetch_related("members"))
    open_tickets = list(
        Ticket.objects.filter(
            team__in=teams,
            status__in=Ticket.OPEN_STATUSES,
            sla_due_at__isnull=False,
            sla_paused_at__isnull=True,
        )
        .select_related("reviewer", "customer")
        .order_by("sla_due_at", "pk")[: limit * max(1, len(teams))]
    )
    loads = (
        Ticket.objects.filter(
            team__in=teams, status__in=Ticket.OPEN_STATUSES, reviewer__isnull=False
        )
        .values("team_id", "reviewer_id", "reviewer__username")
        .annotate(count=Count("id"), difficulty=Sum("difficulty"))
        .order_by("team_id", "-difficulty")
    )
    by_team: dict[int, list[dict]] = {}
    for row in loads:
        by_team.setdefault(row["team_id"], []).append(row)
    undelivered: dict[int, list[Outbound]] = {}
    for row in (
        Outbound.objects.filter(
            ticket__team__in=teams,
            status__in=(Outbound.Status.FAILED, Outbound.Status.CHECKING),
            next_attempt_at__isnull=True,
        )
        .select_related("ticket")
        .order_by("created_at")[:limit]
    ):
        undelivered.setdefault(row.ticket.team_id, []).append(row)
    unhappy: dict[int, list] = {}
    for rating in satisfaction.needs_look(team_ids=[t.pk for t in teams], limit=limit):
        unhappy.setdefault(rating.ticket.team_id, []).append(rating)
    boards = []
    for team in teams:
        mine = [t for t in open_tickets if t.team_id == team.pk]
        states = [t.sla_state(now) for t in mine]
        try:
            calendar = parse_calendar(team.business_hours)
        except CalendarError as exc:
            calendar, hours = None, f"unusable hours ({exc})"
        else:
            hours = calendar.describe() if calendar else "around the clock"
        opens_at = calendar.next_opening(now) if calendar else None
        holiday = (
            calendar.holiday_on(timezone.localtime(now, calendar.zone).date())
            if (calendar and opens_at)
            else None
        )
        boards.append(
            TeamBoard(
                team=team,
                on_track=states.count("on_track"),
                at_risk=states.count("at_risk"),
                breached=states.count("breached"),
                tickets=mine[:limit],
                load=by_team.get(team.pk, []),
                undelivered=undelivered.get(team.pk, []),
                hours=hours,
                opens_at=opens_at,
                closed_for=(holiday.name or "a holiday") if holiday else "",
                needs_look=unhappy.get(team.pk, []),
            )
        )
    return boards


# --- Knowledge sources and how the drafts that rested on them fared (curation pages) ---

# How many bad outcomes (rejections or heavy edits) flag an entry for review.
BAD_OUTCOMES_FOR_REVIEW = 3


@dataclass(frozen=True)
class SourceStats:
    retrieved: int = 0
    used: int = 0
    approved_unchanged: int = 0
    approved_edited: int = 0
    rejected: int = 0
    heavy_edits: int = 0
    mean_edit_distance: float | None = None
    flagged_inaccurate: int = 0

    @property
    def bad_outcomes(self) -> int:
        return self.rejected + self.heavy_edits

    @property
    def needs_review(self) -> bool:
        return self.bad_outcomes >= BAD_OUTCOMES_FOR_REVIEW or self.flagged_inaccurate > 0


def source_stats(
    *, entry_ids: list[int] | None = None, article_ids: list[int] | None = None
) -> dict[int, SourceStats]:
    """Per entry (or per article) usage and outcome figures, in one query."""
    key = "entry" if entry_ids is not None else "article"
    ids = entry_ids if entry_ids is not None else article_ids
    if not ids:
        return {}
    reviews = "draft__reviews"
    used = Q(used=True)  # outcomes count only for drafts that rested on the source
    rows = (
        SourceUsage.objects.filter(**{f"{key}__in": ids})
        .values(key)
        .annotate(
            retrieved=Count("draft", distinct=True),
            used_by=Count(
                "draft", distinct=True, filter=used
            ),  # not "used": that name is the field the filters read
            approved_unchanged=Count(
                "draft",
                distinct=True,
                filter=used & Q(**{f"{reviews}__decision": "approved_unchanged"}),
            ),
            approved_edited=Count(
                "draft",
                distinct=True,
                filter=used & Q(**{f"{reviews}__decision": "approved_edited"}),
            ),
            rejected=Count(
                "draft", distinct=True, filter=used & Q(**{f"{reviews}__decision": "rejected"})
            ),
            heavy_edits=Count(
                "draft",
                distinct=True,
                filter=used
                & Q(
                    **{
                        f"{reviews}__decision": "approved_edited",
                        f"{reviews}__edit_distance__gt": HEAVY_EDIT_THRESHOLD,
                    }
                ),
            ),
            mean_edit_distance=Avg(
                f"{reviews}__edit_distance",
                filter=used
                & Q(**{f"{reviews}__decision__in": ["approved_unchanged", "approved_edited"]}),
            ),
            flagged_inaccurate=Count("id", filter=Q(flagged_inaccurate=True)),
        )
    )
    return {row.pop(key): SourceStats(used=row.pop("used_by"), **row) for row in rows}


def entries_needing_review(*, limit: int = 100) -> list[tuple[KnowledgeEntry, SourceStats]]:
    """Entries whose drafts were rejected or heavily edited repeatedly, or that a reviewer
    flagged."""
    candidates = (
        SourceUsage.objects.filter(entry__isnull=False, entry__retired=False, used=True)
        .values("entry")
        .annotate(
            bad=Count(
                "draft",
                distinct=True,
                filter=Q(draft__reviews__decision="rejected")
                | Q(
                    draft__reviews__decision="approved_edited",
                    draft__reviews__edit_distance__gt=HEAVY_EDIT_THRESHOLD,
                ),
            ),
            flags=Count("id", filter=Q(flagged_inaccurate=True)),
        )
        .filter(Q(bad__gte=BAD_OUTCOMES_FOR_REVIEW) | Q(flags__gt=0))
        .values_list("entry", flat=True)[:limit]
    )
    ids = list(candidates)
    stats = source_stats(entry_ids=ids)
    entries = KnowledgeEntry.objects.defer("embedding").in_bulk(ids)
    return [(entries[i], stats[i]) for i in ids if i in entries and i in stats]
