"""Load the demo data set into an empty database, once."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from django.contrib.auth.models import Group, User
from django.db import connection, transaction
from django.utils import timezone

from knowledge.models import KBArticle, KnowledgeEntry
from knowledge.services import EntryInput, create_entries, save_article
from triage.config.seed import seed_configuration
from triage.demo.articles import ARTICLES
from triage.demo.incoming import CUSTOMERS, INCOMING
from triage.demo.resolved import resolved_tickets
from triage.ingest.service import CustomerInput, TicketInput, ingest_ticket
from triage.models import CannedReply, Customer, Team, TeamMembership, Ticket

# username, password, role, teams, skills
DEMO_USERS: list[tuple[str, str, str, list[str], list[str]]] = [
    ("agent", "deskpilot-agent", "agent", ["billing", "general"], ["billing", "refunds", "how_to"]),
    (
        "tech",
        "deskpilot-tech",
        "agent",
        ["technical", "product"],
        ["technical", "api", "integrations"],
    ),
    (
        "secops",
        "deskpilot-secops",
        "agent",
        ["account", "security-response"],
        ["account", "security"],
    ),
    (
        "escalations",
        "deskpilot-escalations",
        "agent",
        ["escalations"],
        ["legal", "retention", "billing"],
    ),
    (
        "lead",
        "deskpilot-lead",
        "lead",
        ["billing", "general", "technical", "escalations"],
        ["billing", "technical"],
    ),
    ("admin", "deskpilot-admin", "admin", [], []),
]

_ADVISORY_LOCK_ID = 726_450_001  # any constant; serialises concurrent demo loads


@dataclass(frozen=True)
class DemoResult:
    loaded: bool
    reason: str = ""
    tickets: list[int] | None = None


def database_is_empty() -> bool:
    return not (
        Ticket.objects.exists()
        or KnowledgeEntry.objects.exists()
        or Team.objects.exists()
        or KBArticle.objects.exists()
    )


def load_demo(*, process: bool = True) -> DemoResult:
    """Seed configuration, users, the knowledge base and incoming tickets. Does nothing on a
    non-empty database."""
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_ADVISORY_LOCK_ID])
        if not database_is_empty():
            return DemoResult(
                loaded=False,
                reason="the database already holds data; demo data is loaded only into an empty "
                "one",
            )
        seed_configuration()
        _create_users()
        _create_canned_replies()
        customers = _create_customers()
        now = timezone.now()
        create_entries(
            entries=[
                EntryInput(
                    external_id=row["external_id"],
                    text=row["text"],
                    resolution=row["resolution"],
                    response=row["response"],
                    category=row["category"],
                    subcategory=row["subcategory"],
                    urgency=row["urgency"],
                    sentiment=row["sentiment"],
                    language=row["language"],
                    resolved_at=now - timedelta(days=row["days_ago"]),
                    is_gold=row["external_id"].endswith("-0") and row["days_ago"] % 3 == 0,
                )
                for row in resolved_tickets()
            ]
        )
        for slug, title, kind, category, reviewed_days_ago, body in ARTICLES:
            save_article(
                slug=slug,
                title=title,
                body=body,
                kind=kind,
                category=category,
                last_reviewed=(now - timedelta(days=reviewed_days_ago)).date(),
                is_gold=kind == "policy",
            )
        ticket_ids = []
        for index, (external_id, channel, customer_key, subject, body, _lang) in enumerate(
            INCOMING
        ):
            customer = customers.get(customer_key) if customer_key else None
            result = ingest_ticket(
                data=TicketInput(
                    channel=channel,
                    source=channel,
                    external_id=external_id,
                    subject=subject,
                    body=body,
                    customer=CustomerInput(
                        email=customer.email if customer else None,
                        name=customer.name if customer else "",
                    ),
                    created_at=now - timedelta(minutes=7 * (len(INCOMING) - index)),
                ),
                process=process,
            )
            ticket_ids.append(result.ticket.pk)
    return DemoResult(loaded=True, tickets=ticket_ids)


def _create_users() -> None:
    groups = {
        name: Group.objects.get_or_create(name=name)[0] for name in ("agent", "lead", "admin")
    }
    teams = {team.slug: team for team in Team.objects.all()}
    for username, password, role, team_slugs, skills in DEMO_USERS:
        user = User.objects.create_user(
            username=username, password=password, email=f"{username}@ledgerly.example"
        )
        user.groups.add(groups[role])
        if role == "admin":
            user.is_staff = True
            user.is_superuser = True
            user.save(update_fields=["is_staff", "is_superuser"])
        for slug in team_slugs:
            TeamMembership.objects.create(team=teams[slug], user=user, skills=skills)


# (team slug or None for every team, language, title, body)
CANNED_REPLIES = [
    (
        None,
        "en",
        "Looking into it",
        "Hi {customer_name},\n\nthanks for getting in touch about ticket {ticket_number}. I am "
        "looking into this now and will write again as soon as I know more.\n\nBest,\n"
        "{agent_name}",
    ),
    (
        None,
        "en",
        "Need more details",
        "Hi {customer_name},\n\nto help with ticket {ticket_number} I need a little more: "
        "which account or invoice is affected, and what did you expect to happen?\n\nBest,\n"
        "{agent_name}",
    ),
    (
        "billing",
        "en",
        "Refund issued",
        "Hi {customer_name},\n\nI have issued the refund; it reaches your account within 5 to 10 "
        "business days, depending on your bank.\n\nBest,\n{agent_name}",
    ),
    (
        None,
        "de",
        "Wir kümmern uns",
        "Hallo {customer_name},\n\ndanke für Ihre Nachricht zu Ticket {ticket_number}. Ich sehe "
        "mir das jetzt an und melde mich, sobald ich mehr weiß.\n\nViele Grüße\n{agent_name}",
    ),
]


def _create_canned_replies() -> None:
    teams = {team.slug: team for team in Team.objects.all()}
    CannedReply.objects.bulk_create(
        CannedReply(
            team=teams.get(slug) if slug else None, language=language, title=title, body=body
        )
        for slug, language, title, body in CANNED_REPLIES
    )


def _create_customers() -> dict[str, Customer]:
    today = timezone.localdate()
    return {
        key: Customer.objects.create(
            name=name,
            email=email,
            organisation=organisation,
            tier=tier,
            plan=plan,
            account_created=today - timedelta(days=age_days),
            tone_preference=tone,
        )
        for key, name, email, organisation, tier, plan, age_days, tone in CUSTOMERS
    }
