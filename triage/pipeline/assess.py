"""The assess stage: defence in depth on escalation.

Layers: the engine's own escalation risk, deterministic signal patterns (from configuration,
per language), sentiment, and explicit rules. The highest tier any layer asks for wins and
every triggered reason is recorded. Tiers: 0 could be answered automatically (auto-send stays
off unless an admin enables it for the category), 1 draft for review, 2 assisted escalation,
3 straight to a human with no draft.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import timedelta

from django.utils import timezone

from triage.config import snapshot
from triage.models import Assessment, Classification, EscalationRule, Ticket
from triage.pipeline.events import completed, stage
from triage.text.signals import injection_attempt, only_thanks, too_little_to_act_on

ENGINE_RISK_FOR_TIER_2 = 0.5
NO_REPLY_NEEDED = "no_reply_needed"
TIER_0_MIN_CONFIDENCE = 0.9


@dataclass
class AssessmentResult:
    tier: int = 1
    reasons: list[dict] = field(default_factory=list)
    needs_clarification: bool = False

    def raise_to(self, tier: int, code: str, detail: str) -> None:
        self.tier = max(self.tier, tier)
        self.reasons.append({"code": code, "tier": tier, "detail": detail})


def _pattern_hits(rule: EscalationRule, text: str, language: str) -> str | None:
    """The first matching phrase of the rule in the ticket's language or English, or None."""
    for lang in dict.fromkeys([language, "en"]):
        for pattern in rule.patterns.get(lang, []):
            try:
                match = re.search(pattern, text, re.IGNORECASE)
            except re.error:
                continue  # a broken pattern in the admin must not stop the pipeline
            if match:
                return match.group(0)
    return None


def assess(
    *, ticket: Ticket, classification: Classification, text: str, now=None
) -> AssessmentResult:
    """Pure decision (reads configuration, writes nothing)."""
    now = now or timezone.now()
    result = AssessmentResult(tier=1)
    if classification.escalation_risk >= ENGINE_RISK_FOR_TIER_2:
        result.raise_to(
            2,
            "engine_risk",
            f"{classification.engine} engine rates escalation risk "
            f"{classification.escalation_risk:.2f}",
        )
    if classification.sentiment == "angry":
        result.raise_to(2, "sentiment", "the customer is angry")
    if classification.urgency == "P1":
        result.raise_to(2, "urgency", "P1: outage, data loss, security or product unusable")
    category = snapshot.categories().get(classification.category)
    if category and category.escalate_immediately:
        result.raise_to(3, "category", f"category {category.slug} is set to escalate immediately")

    rules = {rule.slug: rule for rule in snapshot.escalation_rules()}
    for rule in rules.values():
        if not rule.patterns:
            continue
        phrase = _pattern_hits(rule, text, ticket.language or "en")
        if phrase:
            result.raise_to(rule.tier, rule.slug, f"{rule.name}: “{phrase}”")

    account_rule = rules.get("missing_account_data")
    if account_rule and classification.category == "account" and ticket.customer_id is None:
        result.raise_to(
            account_rule.tier,
            account_rule.slug,
            "account question from a sender we cannot match to an account",
        )
        result.needs_clarification = True

    repeat_rule = rules.get("repeat_tickets")
    if repeat_rule and ticket.customer_id:
        days = int(repeat_rule.params.get("days", 14))
        max_recent = int(repeat_rule.params.get("max_recent", 2))
        recent = (
            Classification.objects.filter(
                ticket__customer_id=ticket.customer_id,
                category=classification.category,
                ticket__created_at__gte=now - timedelta(days=days),
            )
            .exclude(ticket=ticket)
            .values("ticket")
            .distinct()
            .count()
        )
        if recent > max_recent:
            result.raise_to(
                repeat_rule.tier,
                repeat_rule.slug,
                f"{recent} other {classification.category} tickets from this customer in {days} "
                f"days",
            )

    injection = injection_attempt(text)
    if injection:
        result.raise_to(
            1,
            "prompt_injection",
            f"text tries to instruct the system: “{injection}” (treated as data)",
        )

    last = ticket.latest_inbound() if ticket.pk else None
    if only_thanks((last.masked_body if last else "") or ticket.masked_text):
        # "Brilliant thanks 😊": nothing to answer, nothing to clarify.
        result.reasons.append(
            {
                "code": NO_REPLY_NEEDED,
                "tier": 1,
                "detail": "the customer only thanks or confirms: no reply needed",
            }
        )
    elif too_little_to_act_on(ticket.masked_text):
        result.needs_clarification = True
        result.reasons.append(
            {
                "code": "ambiguous",
                "tier": 1,
                "detail": "too little to act on: ask the customer for details",
            }
        )

    if (
        not result.reasons
        and classification.confidence >= TIER_0_MIN_CONFIDENCE
        and classification.urgency in ("P3", "P4")
        and classification.sentiment in ("neutral", "positive")
        and not classification.secondary_category
    ):
        result.tier = 0
    return result


def assess_ticket(
    *, ticket: Ticket, run: int, classification: Classification, text: str
) -> Assessment:
    """Store the assessment with the rules version it used. Idempotent per run."""
    done = completed(ticket, "assess", run=run)
    if done is not None:
        return Assessment.objects.get(pk=done.outputs["assessment_id"])
    with stage(ticket, "assess", run=run) as record, record.saving():
        result = assess(ticket=ticket, classification=classification, text=text)
        versions = snapshot.versions()
        assessment = Assessment.objects.create(
            ticket=ticket,
            tier=result.tier,
            reasons=result.reasons,
            needs_clarification=result.needs_clarification,
            # Eligible by the ticket alone; the guard clears it on any flag, and auto-send still
            # needs the category's rule and evidence (triage.review.auto_send).
            auto_send_allowed=result.tier == 0,
            rules_version=versions["rules"],
        )
        record.inputs = {
            "urgency": classification.urgency,
            "sentiment": classification.sentiment,
            "engine_risk": classification.escalation_risk,
        }
        record.outputs = {
            "assessment_id": assessment.pk,
            "tier": result.tier,
            "reasons": result.reasons,
            "needs_clarification": result.needs_clarification,
        }
        record.versions = {"rules": versions["rules"], "taxonomy": versions["taxonomy"]}
    return assessment
