"""Auto-send sends a draft without review only under every condition, and switches itself off."""

from datetime import timedelta

import pytest
from django.utils import timezone

from tests.conftest import make_ticket, make_user
from triage.models import (
    Assessment,
    AutoSendRule,
    Classification,
    Draft,
    Message,
    Outbound,
    Review,
    TaxonomyCategory,
    Team,
    Ticket,
)
from triage.review import auto_send

NOW = timezone.now().replace(microsecond=0)
CLEAN = (
    "Hi Jane,\n\nAll invoices are under Settings → Billing → History, where you can download "
    "them as PDF.\n\nCheers,\nThe Ledgerly team"
)


def ticket_with_draft(*, text: str = CLEAN, tier: int = 0, risk: float = 0.05, **extra) -> Ticket:
    ticket = make_ticket(body="Where can I download my invoices?", subject="Invoices")
    team = Team.objects.get(slug="billing")
    Ticket.objects.filter(pk=ticket.pk).update(
        category="billing", team=team, status=Ticket.Status.DRAFTED, tier=tier
    )
    Classification.objects.create(
        ticket=ticket,
        urgency="P4",
        category="billing",
        sentiment=extra.get("sentiment", "neutral"),
        confidence=0.97,
        escalation_risk=risk,
        engine="local",
        out_of_scope=extra.get("out_of_scope", False),
        scope_score=0.999 if extra.get("out_of_scope") else 0.4,
        scope_reason="unlike anything in the taxonomy" if extra.get("out_of_scope") else "",
    )
    Assessment.objects.create(
        ticket=ticket, tier=tier, reasons=extra.get("reasons", []), auto_send_allowed=tier == 0
    )
    Draft.objects.create(
        ticket=ticket,
        kind=Draft.Kind.REPLY,
        text=text,
        engine="local",
        status=Draft.Status.PROPOSED,
        guard_flags=extra.get("flags", []),
    )
    ticket.refresh_from_db()
    return ticket


def history(*, unchanged: int, edited: int = 0, days_ago: int = 2, auto_came_back: int = 0):
    """Past decisions on billing drafts in the billing team."""
    team = Team.objects.get(slug="billing")
    past = make_ticket(body="Older question about invoices", subject="Old", external_id=None)
    Ticket.objects.filter(pk=past.pk).update(category="billing", team=team)
    draft = Draft.objects.create(ticket=past, kind="reply", text="x", engine="local")
    at = NOW - timedelta(days=days_ago)
    decisions = ["approved_unchanged"] * unchanged + ["approved_edited"] * edited
    Review.objects.bulk_create(
        Review(ticket=past, draft=draft, decision=d, created_at=at) for d in decisions
    )
    for i in range(auto_came_back):
        answered = make_ticket(body=f"Question {i}", subject=f"Q{i}")
        Ticket.objects.filter(pk=answered.pk).update(category="billing", team=team)
        Review.objects.create(
            ticket=answered,
            draft=draft,
            decision="approved_unchanged",
            auto_sent=True,
            created_at=at,
        )
        Message.objects.create(
            ticket=answered,
            direction="inbound",
            body="that did not help",
            created_at=at + timedelta(days=2),
        )


def turn_on() -> AutoSendRule:
    admin = make_user("ada", "admin")
    return auto_send.set_rule(
        category=TaxonomyCategory.objects.get(slug="billing"),
        team=Team.objects.get(slug="billing"),
        enabled=True,
        user=admin,
    )


@pytest.fixture
def setup(config):
    return None


def test_off_by_default_nothing_is_sent(setup):
    history(unchanged=60)
    ticket = ticket_with_draft()
    assert auto_send.try_auto_send(ticket_id=ticket.pk, now=NOW) is None
    assert "off" in auto_send.why_not(ticket, ticket.drafts.first(), now=NOW)
    assert not Review.objects.filter(ticket=ticket).exists()


def test_sends_under_every_condition_as_the_auto_send_user(setup):
    history(unchanged=50)
    turn_on()
    ticket = ticket_with_draft()
    review = auto_send.try_auto_send(ticket_id=ticket.pk, now=NOW)
    assert review is not None and review.auto_sent
    assert review.reviewer.username == "auto-send" and not review.reviewer.is_active
    assert review.decision == "approved_unchanged" and not review.sent_over_flags
    assert Outbound.objects.get(review=review).body.startswith("Hi Jane,")
    # Sent once: a second try finds the draft decided.
    assert auto_send.try_auto_send(ticket_id=ticket.pk, now=NOW) is None


@pytest.mark.parametrize(
    ("why", "kwargs"),
    [
        ("tier", {"tier": 1}),
        ("escalation risk", {"risk": 0.6}),
        ("angry", {"sentiment": "angry"}),
        ("reason", {"reasons": [{"code": "repeat_tickets", "tier": 1, "detail": "x"}]}),
        ("flag", {"flags": [{"code": "unsupported_fact", "message": "m", "quote": "q"}]}),
        ("slot", {"text": CLEAN.replace("as PDF.", "as PDF. [confirm: your order 12]")}),
        ("out of scope", {"out_of_scope": True}),
    ],
)
def test_any_missing_condition_keeps_the_draft_for_a_person(setup, why, kwargs):
    history(unchanged=50)
    turn_on()
    ticket = ticket_with_draft(**kwargs)
    assert auto_send.try_auto_send(ticket_id=ticket.pk, now=NOW) is None, why
    assert not Review.objects.filter(ticket=ticket).exists()


def test_fewer_than_fifty_decisions_are_not_enough(setup):
    history(unchanged=49)
    turn_on()
    ticket = ticket_with_draft()
    assert auto_send.try_auto_send(ticket_id=ticket.pk, now=NOW) is None
    assert "not enough evidence" in auto_send.why_not(ticket, ticket.drafts.first(), now=NOW)
    assert AutoSendRule.objects.get().enabled  # too little to judge: stays on, does not apply


def test_decisions_older_than_thirty_days_do_not_count(setup):
    history(unchanged=50, days_ago=31)
    turn_on()
    ticket = ticket_with_draft()
    assert auto_send.try_auto_send(ticket_id=ticket.pk, now=NOW) is None
    # Thirty days earlier the same decisions were recent: the clock decides.
    earlier = NOW - timedelta(days=5)
    assert auto_send.evidence(category="billing", team_id=ticket.team_id, now=earlier).meets_bar


def test_below_95_percent_unchanged_switches_itself_off_and_says_so(setup):
    history(unchanged=47, edited=3)  # 94 %
    turn_on()
    ticket = ticket_with_draft()
    assert auto_send.try_auto_send(ticket_id=ticket.pk, now=NOW) is None
    rule = AutoSendRule.objects.get()
    assert not rule.enabled and rule.switched_off_at == NOW
    assert "47 of 50" in rule.switched_off_reason and "95%" in rule.switched_off_reason
    assert rule in auto_send.recently_switched_off()


def test_customers_answering_auto_sent_replies_count_against_the_category(setup):
    history(unchanged=47, auto_came_back=3)  # 50 decisions, 3 auto-sent ones came back
    rule = turn_on()
    found = auto_send.evidence(category="billing", team_id=rule.team_id, now=NOW)
    assert (found.decisions, found.unchanged, found.came_back) == (50, 47, 3)
    ticket = ticket_with_draft()
    assert auto_send.try_auto_send(ticket_id=ticket.pk, now=NOW) is None
    assert not AutoSendRule.objects.get().enabled


def test_a_customer_reply_to_an_auto_sent_reply_rechecks_the_rule(setup):
    history(unchanged=47)
    turn_on()
    ticket = ticket_with_draft()
    Review.objects.create(
        ticket=ticket, draft=None, decision="approved_unchanged", auto_sent=True, created_at=NOW
    )
    history(unchanged=0, auto_came_back=3)
    auto_send.recheck_after_customer_reply(ticket, now=NOW + timedelta(days=1))
    assert not AutoSendRule.objects.get().enabled


def test_the_admin_page_shows_the_evidence_and_turns_a_rule_on(client, setup):
    history(unchanged=50)
    client.force_login(make_user("ada", "admin"))
    page = client.get("/auto-send/").content.decode()
    assert "50 of 50 drafts approved unchanged" in page
    category = TaxonomyCategory.objects.get(slug="billing")
    team = Team.objects.get(slug="billing")
    response = client.post(
        "/auto-send/", {"category": category.pk, "team": team.pk, "enabled": "on"}
    )
    assert response.status_code == 302 and AutoSendRule.objects.get().enabled
