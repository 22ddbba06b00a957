"""The ``local`` draft engine: composes a reply from the closest approved replies and KB chunks.

It never writes what no source says. Knowledge articles and policies come first: a section close
enough to the ticket is the body. Otherwise the body is the closest approved reply, grounded in
this ticket: a past reply was written for another customer, so every sentence stating a fact
this ticket does not back (a time, an amount, an order number, a cause, something about the
account, an outage) or an action nobody recorded here becomes a visible ``[confirm: …]`` slot
(a number alone becomes ``[confirm: number]``); a slot blocks sending until the reviewer fills
or removes it. The engine adds the persona's greeting, an acknowledgement fitted to sentiment
(none for a neutral question), a next step and the sign-off. When nothing is close enough it
produces no answer, or a clarification request for an ambiguous ticket.
"""

from __future__ import annotations

import re

from triage.engines.phrases import ACK, CLARIFY, NEXT_STEP, SOURCES_LABEL
from triage.engines.types import DraftContext, DraftOutput, first_name
from triage.models import Persona
from triage.text import facts
from triage.text.guards import check_claims
from triage.text.placeholders import normalise_foreign_placeholders

ENGINE_NAME = "local"
PROMPT_VERSION = "local-compose-2"
# An article section this much less similar than the closest past reply still comes first: it
# is true for every customer, a past reply only for the one it was written to.
ARTICLE_PREFERENCE = 0.05
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
                "message": "The language cannot be told from so little text: the draft is in "
                "English."
                if context.language == "unknown"
                else f"The customer wrote in {context.language!r}, which has no templates: "
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


def evidence(context: DraftContext) -> facts.Evidence:
    """What backs a fact in this draft: the ticket, its thread, the account, the recorded actions
    and the knowledge articles close enough to ground a reply (never a past reply; an article
    found by a shared word alone says nothing about this case)."""
    account = context.account
    return facts.Evidence.of(
        [
            context.subject,
            context.ticket_text,
            context.older_summary,
            *(m.get("text", "") for m in context.thread),
            " ".join(str(v) for v in (account.name, account.plan, account.tier) if v),
            " ".join(context.actions),
            *context.action_notes,
            *(
                s.text
                for s in context.sources
                if s.kind == "chunk" and 1 - s.distance >= CHUNK_MIN_SIMILARITY
            ),
        ]
    )


_STEP = re.compile(r"^\s*\d{1,2}[.)]\s+")


def _slot_numbers(sentence: str, numbers: set[str]) -> str:
    def replace(match: re.Match) -> str:
        return "[confirm: number]" if match.group(0) in numbers else match.group(0)

    return facts.NUMBER.sub(replace, sentence)


def ground(reply: str, context: DraftContext) -> tuple[str, int]:
    """A past reply made safe for this ticket: each sentence whose facts or claimed actions this
    ticket does not back becomes a ``[confirm: …]`` slot (only the number when a number is all it
    gets wrong). Returns the text and the number of slots."""
    backing = evidence(context)
    actions = set(context.actions)
    out, slots = [], 0
    for paragraph in reply.split("\n"):
        marker = _STEP.match(paragraph)
        kept = [marker.group(0).strip()] if marker else []
        rest = paragraph[marker.end() :] if marker else paragraph
        for sentence in re.split(r"(?<=[.!?])\s+", rest.strip()) if rest.strip() else []:
            missing = facts.unbacked(sentence, backing)
            claimed = check_claims(sentence, actions)
            if not missing and not claimed:
                kept.append(sentence)
            elif not claimed and all(f.kind == "number" for f in missing):
                kept.append(_slot_numbers(sentence, {f.value for f in missing}))
                slots += 1
            else:
                kept.append(f"[confirm: {sentence}]")
                slots += 1
        out.append(" ".join(kept))
    return "\n".join(out).strip(), slots


def draft(context: DraftContext, persona: Persona) -> DraftOutput:
    """A reply, a clarification request or no draft (with the reason), recorded with this engine's
    name and prompt version."""
    output = _compose(context, persona)
    output.engine, output.prompt_version = ENGINE_NAME, PROMPT_VERSION
    return output


def _compose(context: DraftContext, persona: Persona) -> DraftOutput:
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
    best_entry_similarity = max((1 - e.distance for e in entries), default=0.0)
    article = next(
        (c for c in chunks if 1 - c.distance >= best_entry_similarity - ARTICLE_PREFERENCE), None
    )
    slots = 0
    if article is not None:
        body = _markdown_to_text(article.text)
        used.append(article)
    else:
        # A close answer written in the customer's language beats a slightly closer one in another.
        same_language = [e for e in entries if e.language == language]
        best_entry = same_language[0] if same_language else entries[0]
        body, slots = ground(normalise_foreign_placeholders(best_entry.response), context)
        used.append(best_entry)
        policy = next((c for c in chunks if c.article_kind == "policy"), None)
        if policy is not None:
            used.append(policy)
    if slots:
        notes.append(
            {
                "code": "confirm_slots",
                "message": f"{slots} part(s) of the reused reply state facts about another "
                f"customer's case: confirm each [confirm: …] for this customer or remove it.",
            }
        )
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
