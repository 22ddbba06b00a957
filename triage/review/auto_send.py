"""Auto-send, earned by evidence.

Off by default. An admin turns it on for one category in one team (``AutoSendRule``). A draft is
sent without review only when every condition holds:

- the ticket is in scope (not judged unlike anything in the taxonomy);
- the ticket is tier 0 and has no escalation signal (no assessment reason, escalation risk below
  the tier-2 bar, not angry);
- the draft is a reply with no flag at all (guard or engine note) and nothing left to fill;
- the rule for the ticket's category and team is on;
- in the last ``WINDOW_DAYS`` days that category's drafts in that team were decided at least
  ``MIN_DECISIONS`` times and approved unchanged in at least ``MIN_UNCHANGED_RATE`` of them, where
  an auto-sent reply the customer answered within ``COMEBACK_DAYS`` days counts against it.

Every auto-sent reply is a decision by the ``auto-send`` user (``Review.auto_sent``), shown as such
in metrics and the history. When an enabled rule's evidence falls below the bar, the rule switches
itself off and says why on the admin's "needs review" page.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone

from triage.models import (
    Assessment,
    AutoSendRule,
    Draft,
    Message,
    Review,
    TaxonomyCategory,
    Team,
    Ticket,
)
from triage.pipeline.assess import ENGINE_RISK_FOR_TIER_2
from triage.review.composer import blanks_left
from triage.review.decisions import ReviewError, Then, do_reply, reviewer_text

WINDOW_DAYS = 30
MIN_DECISIONS = 50
MIN_UNCHANGED_RATE = 0.95
COMEBACK_DAYS = 7
AUTO_SEND_USERNAME = "auto-send"
DRAFT_DECISIONS = (
    Review.Decision.APPROVED_UNCHANGED,
    Review.Decision.APPROVED_EDITED,
    Review.Decision.REJECTED,
    Review.Decision.ESCALATED,
)


@dataclass(frozen=True)
class Evidence:
    decisions: int
    unchanged: int  # approved unchanged, not counting auto-sent replies the customer answered
    came_back: int  # auto-sent replies answered by the customer within COMEBACK_DAYS

    @property
    def rate(self) -> float | None:
        return self.unchanged / self.decisions if self.decisions else None

    @property
    def enough(self) -> bool:
        return self.decisions >= MIN_DECISIONS

    @property
    def meets_bar(self) -> bool:
        return self.enough and (self.rate or 0.0) >= MIN_UNCHANGED_RATE

    def describe(self) -> str:
        rate = f"{self.rate:.0%}" if self.rate is not None else "–"
        return (
            f"{self.unchanged} of {self.decisions} drafts approved unchanged ({rate}) in "
            f"{WINDOW_DAYS} days; {self.came_back} auto-sent repl"
            f"{'y' if self.came_back == 1 else 'ies'} answered by the customer within "
            f"{COMEBACK_DAYS} days"
        )


def evidence(*, category: str, team_id: int, now: datetime | None = None) -> Evidence:
    """How the category's drafts fared in the team over the last WINDOW_DAYS days."""
    now = now or timezone.now()
    came_back = Message.objects.filter(
        ticket=OuterRef("ticket"),
        direction=Message.Direction.INBOUND,
        created_at__gt=OuterRef("created_at"),
        created_at__lte=OuterRef("created_at") + timedelta(days=COMEBACK_DAYS),
    )
    rows = (
        Review.objects.filter(
            draft__isnull=False,
            decision__in=DRAFT_DECISIONS,
            created_at__gte=now - timedelta(days=WINDOW_DAYS),
            created_at__lte=now,
            ticket__category=category,
            ticket__team_id=team_id,
        )
        .annotate(came_back=Exists(came_back))
        .values_list("decision", "auto_sent", "came_back")
    )
    decisions = unchanged = back = 0
    for decision, auto_sent, answered in rows:
        decisions += 1
        bounced = auto_sent and answered
        back += bounced
        unchanged += decision == Review.Decision.APPROVED_UNCHANGED and not bounced
    return Evidence(decisions=decisions, unchanged=unchanged, came_back=back)


def auto_send_user():
    user, created = get_user_model().objects.get_or_create(
        username=AUTO_SEND_USERNAME, defaults={"is_active": False}
    )
    if created:
        user.set_unusable_password()
        user.save(update_fields=["password"])
    return user


def rule_for(ticket: Ticket) -> AutoSendRule | None:
    if not ticket.category or ticket.team_id is None:
        return None
    return (
        AutoSendRule.objects.filter(category__slug=ticket.category, team_id=ticket.team_id)
        .select_related("category", "team")
        .first()
    )


def switch_off_if_below_bar(rule: AutoSendRule, *, now: datetime | None = None) -> bool:
    """Turn an enabled rule off when its evidence is enough to judge and falls below the bar."""
    if not rule.enabled:
        return False
    now = now or timezone.now()
    found = evidence(category=rule.category.slug, team_id=rule.team_id, now=now)
    if not found.enough or found.meets_bar:
        return False
    with transaction.atomic():
        rule = AutoSendRule.objects.select_for_update().get(pk=rule.pk)
        if not rule.enabled:
            return False
        rule.enabled = False
        rule.switched_off_at = now
        rule.switched_off_reason = (
            f"switched itself off: {found.describe()}, below the {MIN_UNCHANGED_RATE:.0%} bar"
        )
        rule.save(update_fields=["enabled", "switched_off_at", "switched_off_reason"])
    return True


def why_not(ticket: Ticket, draft: Draft, *, now: datetime | None = None) -> str:
    """Why this draft may not be sent without review ("" when it may)."""
    assessment: Assessment | None = ticket.assessments.first()
    classification = ticket.classifications.first()
    if assessment is None or classification is None:
        return "not assessed"
    if classification.out_of_scope:
        return f"out of scope: {classification.scope_reason}"
    if assessment.tier != 0 or not assessment.auto_send_allowed:
        return f"tier {assessment.tier}, not 0"
    if (
        assessment.reasons
        or classification.escalation_risk >= ENGINE_RISK_FOR_TIER_2
        or classification.sentiment == "angry"
    ):
        return "escalation signals"
    if draft.kind != Draft.Kind.REPLY or draft.status != Draft.Status.PROPOSED or not draft.text:
        return "no open reply draft"
    if draft.guard_flags:
        return "the draft has flags"
    if blanks_left(draft.text):
        return "the draft has parts to confirm"
    rule = rule_for(ticket)
    if rule is None or not rule.enabled:
        return "auto-send is off for this category and team"
    if switch_off_if_below_bar(rule, now=now):
        return "auto-send switched itself off: the evidence fell below the bar"
    found = evidence(category=ticket.category, team_id=ticket.team_id, now=now)
    if not found.meets_bar:
        return f"not enough evidence yet: {found.describe()}"
    return ""


def try_auto_send(*, ticket_id: int, now: datetime | None = None) -> Review | None:
    """Send the ticket's open draft without review when every condition holds; else nothing."""
    ticket = Ticket.objects.get(pk=ticket_id)
    draft = ticket.drafts.first()
    if draft is None or why_not(ticket, draft, now=now):
        return None
    try:
        return do_reply(
            ticket=ticket,
            user=auto_send_user(),
            final_text=reviewer_text(ticket, draft.text),
            seconds_spent=0,
            draft=draft,
            then=Then.SEND,
            key=f"auto-send:{draft.pk}",
            acknowledged=(),  # any flag on the text as sent stops it
            auto_sent=True,
        )
    except ReviewError:
        return None  # decided by someone meanwhile, or a flag: a person will look at it


def recheck_after_customer_reply(ticket: Ticket, *, now: datetime | None = None) -> None:
    """A customer answered: if an auto-sent reply on this ticket was recent, the category's
    evidence changed; re-judge its rule."""
    now = now or timezone.now()
    if not Review.objects.filter(
        ticket=ticket, auto_sent=True, created_at__gte=now - timedelta(days=COMEBACK_DAYS)
    ).exists():
        return
    rule = rule_for(ticket)
    if rule is not None:
        switch_off_if_below_bar(rule, now=now)


def recently_switched_off(days: int = 30) -> list[AutoSendRule]:
    since = timezone.now() - timedelta(days=days)
    return list(
        AutoSendRule.objects.filter(enabled=False, switched_off_at__gte=since).select_related(
            "category", "team"
        )
    )


def rules_table(*, now: datetime | None = None) -> list[dict]:
    """Every category × team with its rule and evidence, for the admin's settings page."""
    rules = {
        (r.category_id, r.team_id): r
        for r in AutoSendRule.objects.select_related("category", "team", "changed_by")
    }
    rows = []
    for category in TaxonomyCategory.objects.filter(active=True):
        for team in Team.objects.filter(Q(categories__contains=[category.slug])).order_by("name"):
            rows.append(
                {
                    "category": category,
                    "team": team,
                    "rule": rules.get((category.pk, team.pk)),
                    "evidence": evidence(category=category.slug, team_id=team.pk, now=now),
                }
            )
    return rows


def set_rule(*, category: TaxonomyCategory, team, enabled: bool, user) -> AutoSendRule:
    rule, _ = AutoSendRule.objects.get_or_create(category=category, team=team)
    rule.enabled = enabled
    rule.changed_by = user
    rule.changed_at = timezone.now()
    if enabled:
        rule.switched_off_at = None
        rule.switched_off_reason = ""
    rule.save()
    return rule
