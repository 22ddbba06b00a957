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
from datetime import datetime, timedelta

from django.utils import timezone

from triage.config import snapshot
from triage.models import Assessment, Classification, EscalationRule, Ticket
from triage.pipeline.events import completed, stage
from triage.text.signals import injection_attempt, only_thanks, too_little_to_act_on

ENGINE_RISK_FOR_TIER_2 = 0.5
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
    *,
    ticket: Ticket,
    classification: Classification,
    text: str,
    recent_same_category: int = 0,
) -> AssessmentResult:
    """The tier and its reasons: a pure decision over the ticket (its thread, read through
    ``Ticket.thread``, which a batch prefetches), the classification, the masked text and the
    configuration of the batch; ``recent_same_category`` is the customer's other tickets in this
    category lately (``recent_tickets``). Reads no table itself, writes nothing."""
    rules = {rule.slug: rule for rule in snapshot.escalation_rules()}
    result = AssessmentResult(tier=1)
    _engine_signals(result, classification)
    _category_rule(result, classification)
    _signal_patterns(result, rules, text, ticket.language or "en")
    _missing_account(result, rules, classification, ticket)
    _repeat_tickets(result, rules, classification, recent_same_category)
    _injection(result, text)
    _reply_needed(result, ticket)
    _tier_zero(result, classification)
    return result


def _engine_signals(result: AssessmentResult, classification: Classification) -> None:
    """The engine's own escalation risk, anger, and P1."""
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


def _category_rule(result: AssessmentResult, classification: Classification) -> None:
    category = snapshot.categories().get(classification.category)
    if category and category.escalate_immediately:
        result.raise_to(3, "category", f"category {category.slug} is set to escalate immediately")


def _signal_patterns(
    result: AssessmentResult, rules: dict[str, EscalationRule], text: str, language: str
) -> None:
    """Every enabled rule with phrases (legal, cancel, chargeback, public complaint…)."""
    for rule in rules.values():
        if not rule.patterns:
            continue
        phrase = _pattern_hits(rule, text, language)
        if phrase:
            result.raise_to(rule.tier, rule.slug, f"{rule.name}: “{phrase}”")


def _missing_account(
    result: AssessmentResult,
    rules: dict[str, EscalationRule],
    classification: Classification,
    ticket: Ticket,
) -> None:
    account_rule = rules.get("missing_account_data")
    if account_rule and classification.category == "account" and ticket.customer_id is None:
        result.raise_to(
            account_rule.tier,
            account_rule.slug,
            "account question from a sender we cannot match to an account",
        )
        result.needs_clarification = True


def _repeat_tickets(
    result: AssessmentResult,
    rules: dict[str, EscalationRule],
    classification: Classification,
    recent: int,
) -> None:
    repeat_rule = rules.get("repeat_tickets")
    if repeat_rule is None:
        return
    days, max_recent = repeat_window(repeat_rule)
    if recent > max_recent:
        result.raise_to(
            repeat_rule.tier,
            repeat_rule.slug,
            f"{recent} other {classification.category} tickets from this customer in {days} days",
        )


def _injection(result: AssessmentResult, text: str) -> None:
    injection = injection_attempt(text)
    if injection:
        result.raise_to(
            1,
            "prompt_injection",
            f"text tries to instruct the system: “{injection}” (treated as data)",
        )


def _reply_needed(result: AssessmentResult, ticket: Ticket) -> None:
    """A message that only thanks needs no reply; one with too little to act on needs a
    question back."""
    last = ticket.latest_inbound() if ticket.pk else None
    if only_thanks((last.masked_body if last else "") or ticket.masked_text):
        # "Brilliant thanks 😊": nothing to answer, nothing to clarify.
        result.reasons.append(
            {
                "code": Assessment.NO_REPLY_NEEDED,
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


def _tier_zero(result: AssessmentResult, classification: Classification) -> None:
    """A calm, confident, single-issue P3/P4 question with no reason at all could be answered
    without review (auto-send still needs its rule and evidence)."""
    if (
        not result.reasons
        and classification.confidence >= TIER_0_MIN_CONFIDENCE
        and classification.urgency in ("P3", "P4")
        and classification.sentiment in ("neutral", "positive")
        and not classification.secondary_category
    ):
        result.tier = 0


def repeat_window(rule: EscalationRule) -> tuple[int, int]:
    """The repeat-tickets rule's window in days and how many other tickets it allows."""
    return int(rule.params.get("days", 14)), int(rule.params.get("max_recent", 2))


def recent_tickets(*, ticket: Ticket, category: str, now: datetime | None = None) -> int:
    """The customer's other tickets in ``category`` within the repeat rule's window (0 without
    the rule or a known customer): the one read ``assess`` needs from the database."""
    rule = next((r for r in snapshot.escalation_rules() if r.slug == "repeat_tickets"), None)
    if rule is None or not ticket.customer_id:
        return 0
    days, _ = repeat_window(rule)
    now = now or timezone.now()
    return (
        Classification.objects.filter(
            ticket__customer_id=ticket.customer_id,
            category=category,
            ticket__created_at__gte=now - timedelta(days=days),
        )
        .exclude(ticket=ticket)
        .values("ticket")
        .distinct()
        .count()
    )


def assess_ticket(
    *, ticket: Ticket, run: int, classification: Classification, text: str
) -> Assessment:
    """Store the assessment with the rules version it used. Idempotent per run."""
    done = completed(ticket, "assess", run=run)
    if done is not None:
        return Assessment.objects.get(pk=done.outputs["assessment_id"])
    with stage(ticket, "assess", run=run) as record, record.saving():
        result = assess(
            ticket=ticket,
            classification=classification,
            text=text,
            recent_same_category=recent_tickets(ticket=ticket, category=classification.category),
        )
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
