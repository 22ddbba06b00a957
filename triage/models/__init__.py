"""The triage domain's models, one module per part of the story.

- ``config``: taxonomy, teams, personas, escalation rules (configuration as data)
- ``tickets``: customers, tickets, their messages and the PII vault
- ``pipeline``: classifications, assessments, drafts, the sources they used, events
- ``review``: reviews, actions taken for the customer, outbound replies
- ``evaluation``: evaluation cases and runs
"""

from triage.models.clients import ApiClient, ClientEvent
from triage.models.config import (
    AutoSendRule,
    CannedReply,
    ConfigVersion,
    EscalationRule,
    Persona,
    TaxonomyCategory,
    Team,
    TeamMembership,
)
from triage.models.evaluation import EvaluationCase, EvaluationRun
from triage.models.pipeline import Assessment, Classification, Draft, PipelineEvent, SourceUsage
from triage.models.review import (
    HEAVY_EDIT_THRESHOLD,
    Note,
    Outbound,
    Review,
    SatisfactionRating,
    TicketAction,
    TicketPresence,
)
from triage.models.tickets import (
    REVIEW_QUEUE,
    Channel,
    Customer,
    Message,
    PiiVault,
    Sentiment,
    StatusChange,
    Ticket,
    Urgency,
)

__all__ = [
    "ApiClient",
    "ClientEvent",
    "HEAVY_EDIT_THRESHOLD",
    "REVIEW_QUEUE",
    "Assessment",
    "AutoSendRule",
    "CannedReply",
    "Channel",
    "Classification",
    "ConfigVersion",
    "Customer",
    "Draft",
    "EscalationRule",
    "EvaluationCase",
    "EvaluationRun",
    "Message",
    "Note",
    "Outbound",
    "Persona",
    "PiiVault",
    "PipelineEvent",
    "Review",
    "SatisfactionRating",
    "Sentiment",
    "SourceUsage",
    "StatusChange",
    "TaxonomyCategory",
    "Team",
    "TeamMembership",
    "Ticket",
    "TicketAction",
    "TicketPresence",
    "Urgency",
]
