"""Configuration that people tune: taxonomy, teams, personas, escalation rules.

It is data, editable in the admin; every change bumps a ``ConfigVersion`` (see
``triage.config.versions``) that later stages record next to their output.
"""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.db import models


class ConfigVersion(models.Model):
    """A counter per kind of configuration; bumped by every change (see ``triage.signals``)."""

    class Kind(models.TextChoices):
        TAXONOMY = "taxonomy"
        ROUTING = "routing"
        PERSONAS = "personas"
        RULES = "rules"

    kind = models.CharField(max_length=20, choices=Kind.choices, unique=True)
    version = models.PositiveIntegerField(default=1)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"{self.kind} v{self.version}"


class TaxonomyCategory(models.Model):
    """A top-level category of the taxonomy the classifiers choose from."""

    slug = models.SlugField(max_length=60, unique=True)
    name = models.CharField(max_length=100)
    description = models.TextField(
        help_text="Shown to the LLM classifier; say what belongs here and what does not."
    )
    subcategories = ArrayField(models.SlugField(max_length=60), default=list, blank=True)
    escalate_immediately = models.BooleanField(
        default=False, help_text="Skip drafting: straight to a human."
    )
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["slug"]
        verbose_name_plural = "taxonomy categories"

    def __str__(self) -> str:
        return self.slug


class AutoSendRule(models.Model):
    """Auto-send for one category in one team: off by default, turned on by an admin, and off
    again by itself when the evidence falls below the bar (``triage.review.auto_send``)."""

    category = models.ForeignKey(
        TaxonomyCategory, on_delete=models.CASCADE, related_name="auto_send_rules"
    )
    team = models.ForeignKey("Team", on_delete=models.CASCADE, related_name="auto_send_rules")
    enabled = models.BooleanField(default=False)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    changed_at = models.DateTimeField(null=True, blank=True)
    switched_off_at = models.DateTimeField(null=True, blank=True)
    switched_off_reason = models.TextField(blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["category", "team"], name="auto_send_rule_unique")
        ]
        ordering = ["category__slug", "team__name"]

    def __str__(self) -> str:
        return f"auto-send {self.category} · {self.team} ({'on' if self.enabled else 'off'})"


class Team(models.Model):
    """A support team: which categories it owns, its SLA hours per urgency and its members."""

    slug = models.SlugField(max_length=60, unique=True)
    name = models.CharField(max_length=100)
    categories = ArrayField(models.SlugField(max_length=60), default=list, blank=True)
    skills = ArrayField(models.SlugField(max_length=60), default=list, blank=True)
    is_escalation_team = models.BooleanField(default=False)
    escalation_team = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # A ticket leaves the team for its escalation team on a reason from the escalation rules
    # (legal, security, cancellation, chargeback, public complaint, repeated contact, refund outside
    # policy…) or at tier 3. Anger and P1 alone raise its tier and its place in this team's queue;
    # these switch them on as reasons to hand it on.
    escalate_when_angry = models.BooleanField(
        default=False,
        help_text="Hand angry customers to the escalation team even with no escalation rule "
        "triggered (otherwise they stay here, first in the queue).",
    )
    escalate_p1 = models.BooleanField(
        default=False,
        help_text="Hand P1 tickets to the escalation team even with no escalation rule triggered.",
    )
    sla_hours = models.JSONField(
        default=dict,
        help_text='Hours to first response per urgency, e.g. {"P1": 1, "P2": 4, "P3": 24, "P4": '
        "72}.",
    )
    business_hours = models.JSONField(
        null=True,
        blank=True,
        help_text='Optional: {"days": [0,1,2,3,4], "start": "09:00", "end": "17:00"} (0 = Monday, '
        "in TIME_ZONE).",
    )
    hard_share_cap = models.FloatField(
        null=True,
        blank=True,
        help_text="Optional, 0-1: the largest share of the team's open hardest tickets (its "
        "hardest fifth of the last 30 days by difficulty) one reviewer is given while someone "
        "else is free to take one.",
    )
    members = models.ManyToManyField(
        settings.AUTH_USER_MODEL, through="TeamMembership", related_name="teams", blank=True
    )

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def sla_for(self, urgency: str) -> timedelta:
        default = {"P1": 1, "P2": 4, "P3": 24, "P4": 72}
        return timedelta(hours=float(self.sla_hours.get(urgency, default.get(urgency, 24))))


class TeamMembership(models.Model):
    """A user in a team, with the skills and availability routing balances load over."""

    team = models.ForeignKey(Team, on_delete=models.CASCADE)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE)
    skills = ArrayField(models.SlugField(max_length=60), default=list, blank=True)
    available = models.BooleanField(default=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["team", "user"], name="unique_team_member")]

    def __str__(self) -> str:
        return f"{self.user} in {self.team}"


class Persona(models.Model):
    """The voice of replies for one customer tier; templates per language code."""

    tier = models.CharField(max_length=20, unique=True)
    name = models.CharField(max_length=100)
    voice = models.CharField(
        max_length=20,
        choices=[("formal", "Formal"), ("friendly", "Friendly"), ("technical", "Technical")],
    )
    greetings = models.JSONField(
        default=dict, help_text='Per language: {"en": "Dear {name},", "de": "..."}'
    )
    signoffs = models.JSONField(
        default=dict, help_text='Per language: {"en": "Kind regards,\\nLedgerly Support"}'
    )
    phrases = models.JSONField(
        default=dict,
        blank=True,
        help_text="Per language: acknowledgements, next-step lines and the escalation path.",
    )
    max_words = models.PositiveIntegerField(default=180)
    cite_sources = models.BooleanField(default=False)

    def __str__(self) -> str:
        return f"{self.name} ({self.tier})"


class EscalationRule(models.Model):
    """A deterministic escalation signal or rule. Patterns are regular expressions per language."""

    class Kind(models.TextChoices):
        SIGNAL = "signal", "Signal pattern"
        RULE = "rule", "Explicit rule"

    slug = models.SlugField(max_length=60, unique=True)
    name = models.CharField(max_length=100)
    kind = models.CharField(max_length=10, choices=Kind.choices)
    patterns = models.JSONField(
        default=dict, blank=True, help_text='{"en": ["\\\\blawyer\\\\b"], "de": ["anwalt"]}'
    )
    tier = models.PositiveSmallIntegerField(
        default=2, help_text="Tier this rule raises a ticket to (0-3)."
    )
    params = models.JSONField(default=dict, blank=True)
    enabled = models.BooleanField(default=True)

    class Meta:
        ordering = ["slug"]

    def __str__(self) -> str:
        return self.slug


class CannedReply(models.Model):
    """A reply text agents insert from the composer, for one team (or every team) and language.

    Placeholders filled at insert time: ``{customer_name}``, ``{ticket_number}``, ``{agent_name}``
    (see ``triage.review.composer.PLACEHOLDERS``).
    """

    title = models.CharField(max_length=120)
    body = models.TextField()
    team = models.ForeignKey(
        Team,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="canned_replies",
        help_text="Empty: offered to every team.",
    )
    language = models.CharField(max_length=10, default="en")
    active = models.BooleanField(default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["title", "pk"]
        verbose_name_plural = "canned replies"
        constraints = [
            models.UniqueConstraint(
                fields=["team", "language", "title"],
                nulls_distinct=False,
                name="unique_canned_reply_title",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.title} ({self.language})"
