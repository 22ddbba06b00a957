"""Classification and drafting engines: ``local`` (offline, the default) and ``openai``."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

URGENCIES = ("P1", "P2", "P3", "P4")
SENTIMENTS = ("angry", "frustrated", "neutral", "positive")


class EngineError(RuntimeError):
    """The engine could not produce a valid answer; the pipeline falls back to ``local`` and says why."""


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

    def as_dict(self) -> dict:
        return asdict(self)
