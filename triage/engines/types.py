"""What the engines take and give: the shared types of classification and drafting."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

from knowledge.retrieval import Source

URGENCIES = ("P1", "P2", "P3", "P4")
SENTIMENTS = ("angry", "frustrated", "neutral", "positive")


class EngineError(RuntimeError):
    """The engine could not produce a valid answer; the pipeline falls back to ``local`` and says
    why."""


@dataclass
class ClassificationResult:
    urgency: str
    category: str
    secondary_category: str
    subcategory: str
    sentiment: str
    summary: str
    escalation_risk: float
    confidence: float
    needs_human_review: bool
    alternatives: list[dict] = field(default_factory=list)
    engine: str = "local"
    model: str = ""
    prompt_version: str = ""
    notes: list[str] = field(default_factory=list)
    # The judgement of scope beside the label (classify_local.Scope.as_dict(); None when the
    # knowledge base is too small to judge): out of scope sends the ticket to a person.
    scope: dict | None = None

    @property
    def out_of_scope(self) -> bool:
        return bool(self.scope and self.scope["out_of_scope"])

    def as_dict(self) -> dict:
        return asdict(self)


@dataclass
class AccountSummary:
    known: bool
    name: str = ""
    tier: str = ""
    plan: str = ""
    account_age_days: int | None = None
    tickets_this_month: int = 0
    repeat_contact: bool = False
    tone_preference: str = ""


@dataclass
class DraftContext:
    ticket_text: str
    subject: str
    language: str
    thread: list[dict]
    older_summary: str
    account: AccountSummary
    classification: dict
    tier: int
    needs_clarification: bool
    reasons: list[dict]
    sources: list[Source]
    excluded_sources: list[dict] = field(default_factory=list)
    actions: list[str] = field(default_factory=list)  # kinds of TicketAction recorded on the ticket
    # What each recorded action says ("refund 48.00 EUR duplicate capture"): backs facts.
    action_notes: list[str] = field(default_factory=list)

    def record(self) -> dict:
        """What goes into Draft.context: exactly what the engine was given."""
        data = asdict(self)
        data["sources"] = [
            {**s.as_citation(), "text": s.text, "response": s.response} for s in self.sources
        ]
        return data

    def first_name(self) -> str:
        return first_name(self.account.name)


@dataclass
class DraftOutput:
    kind: str  # reply, clarification, none
    text: str = ""
    language: str = "en"
    used: list = field(default_factory=list)  # the Sources the text rests on
    no_answer_reason: str = ""
    notes: list[dict] = field(default_factory=list)  # flags for the reviewer from the engine itself
    engine: str = "local"
    model: str = ""
    prompt_version: str = ""


def first_name(full_name: str | None) -> str:
    """How a reply addresses someone informally: the first name, or title and surname."""
    parts = (full_name or "").split()
    if not parts:
        return ""
    if parts[0].rstrip(".").lower() in {"dr", "mr", "mrs", "ms", "prof"} and len(parts) > 1:
        return f"{parts[0]} {parts[-1]}"  # "Dr. Rossi", not "Dr."
    return parts[0]
