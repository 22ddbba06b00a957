"""The ``local`` draft engine: composes a reply from the closest approved replies and KB chunks.

It never writes what no source says: the resolution text is taken from the best source as it
was approved; the engine adds the persona's greeting, an acknowledgement fitted to sentiment
(none for a neutral question), a next step and the sign-off. When nothing is close enough it
produces no answer, or a clarification request for an ambiguous ticket.
"""

from __future__ import annotations

import re

from triage.engines.phrases import ACK, CLARIFY, NEXT_STEP, SOURCES_LABEL
from triage.engines.types import DraftContext, DraftOutput, first_name
from triage.models import Persona

ENGINE_NAME = "local"
PROMPT_VERSION = "local-compose-1"
# Cosine similarity (1 - distance) a source needs to ground a reply. all-MiniLM-L6-v2 puts
# paraphrases of one problem above ~0.6 and unrelated support questions below ~0.35.
ENTRY_MIN_SIMILARITY = 0.55
CHUNK_MIN_SIMILARITY = 0.5
SUPPORTED_LANGUAGES = ("en", "de", "es", "fr")


def _markdown_to_text(text: str) -> str:
    text = re.sub(r"\*\*(.+?)\*\*", r"\1", text)
    text = re.sub(r"^\s*[-*]\s+", "• ", text, flags=re.MULTILINE)
    text = re.sub(r"^\|.*\|$", "", text, flags=re.MULTILINE)
    return re.sub(r"\n{3,}", "\n\n", text).strip()


def _limit_words(text: str, max_words: int) -> str:
    """Whole sentences up to ``max_words``."""
    sentences = re.split(r"(?<=[.!?])\s+", text.strip())
    kept: list[str] = []
    count = 0
    for sentence in sentences:
        words = len(sentence.split())
        if kept and count + words > max_words:
            break
        kept.append(sentence)
        count += words
    return " ".join(kept)


def _language(context: DraftContext, persona: Persona) -> tuple[str, list[dict]]:
    language = context.language if context.language in SUPPORTED_LANGUAGES else "en"
    notes = []
    if language not in persona.greetings:
        language = "en"
    if language != context.language:
        notes.append(
            {
                "code": "language_fallback",
                "message": f"The customer wrote in {context.language!r}, which has no templates: "
                f"the draft is in English.",
            }
        )
    return language, notes


def _greeting(persona: Persona, language: str, context: DraftContext) -> str:
    return greeting(persona, language, full_name=context.account.name)


def greeting(persona: Persona, language: str, *, full_name: str | None) -> str:
    """The persona's greeting in ``language``: the full name for a formal voice, else the first
    name; a neutral address when the name is unknown."""
    name = (full_name if persona.voice == "formal" else first_name(full_name)) or {
        "en": "there"
    }.get(language, "")
    text = persona.greetings.get(language, persona.greetings.get("en", "Hello {name},")).format(
        name=name
    )
    return re.sub(r"\s+,", ",", text).replace(" :", ":").strip()


def _frame(
    persona: Persona, language: str, context: DraftContext, body: str, citations: list[str]
) -> str:
    voice = persona.voice if persona.voice in ACK else "formal"
    ack = ACK[voice].get(context.classification["sentiment"], {}).get(language, "")
    next_step = NEXT_STEP.get(context.classification["category"], NEXT_STEP["general"])[language]
    parts = [_greeting(persona, language, context)]
    if voice == "technical":  # developers: the steps first
        parts += [body, ack, next_step]
    else:
        parts += [ack, body, next_step]
    escalation_path = (
        (persona.phrases or {}).get(language, {}).get("escalation_path")
        if context.tier >= 2
        else None
    )
    if escalation_path:
        parts.append(escalation_path)
    if persona.cite_sources and citations:
        parts.append(f"{SOURCES_LABEL[language]}: " + "; ".join(citations))
    parts.append(persona.signoffs.get(language, persona.signoffs.get("en", "")))
    return "\n\n".join(p for p in parts if p)


def draft(context: DraftContext, persona: Persona) -> DraftOutput:
    language, notes = _language(context, persona)
    if context.needs_clarification:
        text = "\n\n".join(
            [
                _greeting(persona, language, context),
                CLARIFY[language],
                persona.signoffs.get(language, ""),
            ]
        )
        return DraftOutput(kind="clarification", text=text, language=language, notes=notes)

    entries = [
        s
        for s in context.sources
        if s.kind == "entry" and s.response and 1 - s.distance >= ENTRY_MIN_SIMILARITY
    ]
    chunks = [
        s for s in context.sources if s.kind == "chunk" and 1 - s.distance >= CHUNK_MIN_SIMILARITY
    ]
    if not entries and not chunks:
        best = max(context.sources, key=lambda s: 1 - s.distance, default=None)
        reason = (
            "cannot answer from the knowledge base: nothing was retrieved"
            if best is None
            else f"cannot answer from the knowledge base: the closest source "
            f"(“{best.title[:60]}”) has similarity {1 - best.distance:.2f}, "
            f"below {ENTRY_MIN_SIMILARITY if best.kind == 'entry' else CHUNK_MIN_SIMILARITY:.2f}"
        )
        return DraftOutput(kind="none", language=language, no_answer_reason=reason, notes=notes)

    used = []
    if entries:
        # A close answer written in the customer's language beats a slightly closer one in another.
        same_language = [e for e in entries if e.language == language]
        best_entry = same_language[0] if same_language else entries[0]
        body = best_entry.response
        used.append(best_entry)
        policy = next((c for c in chunks if c.article_kind == "policy"), None)
        if policy is not None:
            used.append(policy)
    else:
        best_chunk = chunks[0]
        body = _markdown_to_text(best_chunk.text)
        used.append(best_chunk)
    body = _limit_words(body, max(40, persona.max_words - 50))
    citations = [s.title for s in used if s.kind == "chunk"]
    source_language = used[0].language if used[0].kind == "entry" else "en"
    if source_language != language:
        notes.append(
            {
                "code": "body_in_other_language",
                "message": f"The resolution text comes from a {source_language!r} source but the "
                f"reply is in {language!r}: translate it before sending.",
            }
        )
    if context.classification.get("secondary_category"):
        notes.append(
            {
                "code": "multi_issue",
                "message": f"The ticket is also about "
                f"{context.classification['secondary_category']}: the draft answers "
                f"the main issue only.",
            }
        )
    return DraftOutput(
        kind="reply",
        text=_frame(persona, language, context, body, citations),
        language=language,
        used=used,
        notes=notes,
    )
