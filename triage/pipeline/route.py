"""The route stage: team from the category, escalations to the escalation team, SLA, reviewer by
load; the queue's read model refreshed (``triage.lifecycle`` owns it)."""

from __future__ import annotations

import math
from datetime import timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db.models import Count, Q, Sum
from django.utils import timezone

from triage import lifecycle
from triage.config import snapshot
from triage.models import Assessment, Classification, Draft, Team, TeamMembership, Ticket
from triage.pipeline.events import completed, stage
from triage.pipeline.sla import sla_due

URGENCY_WEIGHT = {"P1": 4, "P2": 3, "P3": 2, "P4": 1}
# A team's hardest fifth of its tickets of the last 30 days (by difficulty) are its hard tickets;
# with fewer than MIN_TICKETS_FOR_HARD tickets, none is.
HARD_SHARE = 0.2
HARD_WINDOW_DAYS = 30
MIN_TICKETS_FOR_HARD = 10
SENTIMENT_WEIGHT = {"angry": 2, "frustrated": 1}
SKILL_BONUS = (
    3  # a skilled reviewer may carry this much more load before an unskilled one gets the ticket
)
SECURITY_CODES = {"security_issue"}


def difficulty(classification: Classification, assessment: Assessment) -> int:
    """An angry P1 counts far more than a P4 how-to."""
    return (
        URGENCY_WEIGHT.get(classification.urgency, 2)
        + SENTIMENT_WEIGHT.get(classification.sentiment, 0)
        + assessment.tier
    )


def choose_team(classification: Classification, assessment: Assessment) -> tuple[Team | None, str]:
    home = Team.objects.filter(
        categories__contains=[classification.category], is_escalation_team=False
    ).first()
    reason = f"category {classification.category}"
    if home is None:
        home = Team.objects.filter(categories__contains=["general"]).first()
        reason = f"no team handles {classification.category!r}: general support"
    codes = {r["code"] for r in assessment.reasons}
    # Only an escalation rule's reason (tier 2 or more) or tier 3 hands a ticket on; anger and P1
    # do so only where the team says (they already raise the tier and the queue rank).
    rule_reasons = sorted(
        r["code"]
        for r in assessment.reasons
        if r["code"] in snapshot_rule_slugs() and r.get("tier", 0) >= 2
    )
    angry = classification.sentiment == "angry" and bool(home and home.escalate_when_angry)
    p1 = classification.urgency == "P1" and bool(home and home.escalate_p1)
    escalate = assessment.tier >= 3 or bool(rule_reasons) or angry or p1
    if escalate:
        target = None
        if codes & SECURITY_CODES:
            target = Team.objects.filter(
                is_escalation_team=True, skills__contains=["security"]
            ).first()
        if target is None and home is not None and home.escalation_team_id:
            target = home.escalation_team
        if target is None:
            target = Team.objects.filter(is_escalation_team=True).first()
        if target is not None:
            why = [
                w
                for w, on in (
                    ("tier 3", assessment.tier >= 3),
                    (", ".join(rule_reasons), bool(rule_reasons)),
                    ("P1 (the team hands P1 on)", p1),
                    ("angry (the team hands anger on)", angry),
                )
                if on
            ]
            return target, f"{' + '.join(why)}: escalation team {target.slug}"
    if classification.sentiment == "angry" or classification.urgency == "P1":
        reason += "; angry or P1 without an escalation rule: stays, first in the queue"
    return home, reason


def snapshot_rule_slugs() -> set[str]:
    """The escalation rules' slugs (of the batch's configuration)."""
    return {rule.slug for rule in snapshot.escalation_rules()}


def hard_difficulty(team: Team, *, days: int = HARD_WINDOW_DAYS) -> int | None:
    """The difficulty from which a ticket is among the team's hardest fifth (of its tickets of
    the last ``days`` days); None with too few tickets to say."""
    recent = list(
        Ticket.objects.filter(
            team=team, created_at__gte=timezone.now() - timedelta(days=days)
        ).values_list("difficulty", flat=True)[:20000]
    )
    if len(recent) < MIN_TICKETS_FOR_HARD:
        return None
    recent.sort(reverse=True)
    return recent[max(0, math.ceil(len(recent) * HARD_SHARE) - 1)]


def choose_reviewer(team: Team, *, skills: set[str], difficulty: int | None = None):
    """The available member with the least open load (weighted by difficulty), skilled members
    first. With the team's ``hard_share_cap``, a ticket among its hardest fifth skips a member who
    already holds that share of its open hardest tickets, while another member is below it."""
    memberships = list(
        TeamMembership.objects.filter(
            team=team, available=True, user__is_active=True
        ).select_related("user")
    )
    if not memberships:
        return None
    user_ids = [m.user_id for m in memberships]
    loads = dict(
        get_user_model()
        .objects.filter(pk__in=user_ids)
        .annotate(
            load=Sum(
                "assigned_tickets__difficulty",
                filter=Q(assigned_tickets__status__in=Ticket.OPEN_STATUSES),
            )
        )
        .values_list("pk", "load")
    )

    def cost(membership: TeamMembership) -> tuple[float, int]:
        bonus = SKILL_BONUS if skills & set(membership.skills) else 0
        return (loads.get(membership.user_id) or 0) - bonus, membership.user_id

    cap = team.hard_share_cap
    bar = hard_difficulty(team) if cap is not None and difficulty is not None else None
    if bar is not None and difficulty >= bar:
        held = dict(
            Ticket.objects.filter(
                team=team,
                status__in=Ticket.OPEN_STATUSES,
                difficulty__gte=bar,
                reviewer__in=user_ids,
            )
            .values("reviewer")
            .annotate(n=Count("id"))
            .values_list("reviewer", "n")
        )
        total = sum(held.values()) + 1  # with this ticket
        under = [m for m in memberships if (held.get(m.user_id, 0) + 1) / total <= cap]
        if under:
            memberships = under
        else:  # nobody can take it under the cap: the one who would hold the least share
            least = min(held.get(m.user_id, 0) for m in memberships)
            memberships = [m for m in memberships if held.get(m.user_id, 0) == least]
    return min(memberships, key=cost).user


def route_ticket(
    *,
    ticket: Ticket,
    run: int,
    classification: Classification,
    assessment: Assessment,
    draft: Draft | None = None,
) -> Ticket:
    """Team, reviewer, SLA due time and the queue's read model. Idempotent per run."""
    if completed(ticket, "route", run=run):
        ticket.refresh_from_db()
        return ticket
    with stage(ticket, "route", run=run) as record, record.saving():
        ticket = (
            Ticket.objects.select_for_update(of=("self",))
            .select_related("customer")
            .get(pk=ticket.pk)
        )
        team, reason = choose_team(classification, assessment)
        ticket.difficulty = difficulty(classification, assessment)
        ticket.team = team
        ticket.needs_human_triage = (
            classification.confidence < settings.ROUTING_CONFIDENCE_THRESHOLD
            or classification.needs_human_review
            # unlike anything in the taxonomy: a person triages it (a thank-you needs no one)
            or (classification.out_of_scope and not assessment.no_reply_needed)
        )
        skills = {
            classification.category,
            classification.subcategory,
            *(r["code"] for r in assessment.reasons),
        }
        ticket.reviewer = (
            choose_reviewer(team, skills=skills, difficulty=ticket.difficulty) if team else None
        )
        ticket.sla_due_at = (
            sla_due(team=team, urgency=classification.urgency, start=ticket.created_at)
            if team
            else None
        )
        lifecycle.refresh_read_model(
            ticket=ticket, classification=classification, assessment=assessment, draft=draft
        )
        ticket.save(
            update_fields=[
                "team",
                "reviewer",
                "sla_due_at",
                "difficulty",
                "needs_human_triage",
                "updated_at",
                *lifecycle.READ_MODEL_FIELDS,
            ]
        )
        versions = snapshot.versions()
        record.ticket = ticket
        record.inputs = {
            "category": classification.category,
            "urgency": classification.urgency,
            "tier": assessment.tier,
            "confidence": classification.confidence,
        }
        record.outputs = {
            "team": team.slug if team else None,
            "reason": reason,
            "reviewer": ticket.reviewer.get_username() if ticket.reviewer else None,
            "sla_due_at": ticket.sla_due_at.isoformat() if ticket.sla_due_at else None,
            "difficulty": ticket.difficulty,
            "human_triage": ticket.needs_human_triage,
            "out_of_scope": classification.scope_reason if classification.out_of_scope else "",
            "suggestions": classification.alternatives[:2] if ticket.needs_human_triage else [],
        }
        record.versions = {
            "routing": versions["routing"],
            "threshold": settings.ROUTING_CONFIDENCE_THRESHOLD,
        }
    return ticket
