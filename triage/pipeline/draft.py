"""The draft stage: a grounded reply from the configured engine, or a documented reason for none.

The engine runs with no transaction open; the draft, the sources it was given and its event
are written together in one short transaction.
"""

from __future__ import annotations

from django.conf import settings

from knowledge.retrieval import Source
from triage.config import snapshot
from triage.engines import draft_local, draft_openai
from triage.engines.types import DraftContext, DraftOutput, EngineError
from triage.models import Assessment, Classification, Draft, Persona, SourceUsage, Ticket
from triage.pipeline.context import build_context, persona_for
from triage.pipeline.events import completed, stage


def run_engine(context: DraftContext, persona: Persona) -> tuple[DraftOutput, str]:
    """(output, fallback reason or "")."""
    if settings.DRAFT_ENGINE == "openai":
        try:
            return draft_openai.draft(context, persona), ""
        except EngineError as exc:
            output = draft_local.draft(context, persona)
            reason = f"openai engine failed ({exc}); fell back to local"
            output.notes.append({"code": "engine_fallback", "message": reason})
            return output, reason
    return draft_local.draft(context, persona), ""


def compose(
    *, ticket: Ticket, classification: Classification, assessment: Assessment, sources: list[Source]
) -> tuple[DraftContext, Persona | None, DraftOutput, str]:
    """What the engine was given and what it wrote (nothing is saved): context, persona, output,
    fallback reason."""
    context = build_context(
        ticket=ticket, classification=classification, assessment=assessment, sources=sources
    )
    persona = persona_for(ticket)
    no_draft = (
        "tier 3: straight to a human, no draft"
        if assessment.tier >= 3
        else "no reply needed: the customer only thanks or confirms; close the ticket"
        if assessment.no_reply_needed
        else f"out of scope ({classification.scope_reason}): a person triages it; no draft "
        "from distant sources"
        if classification.out_of_scope
        else "no persona is configured for this customer's tier"
        if persona is None
        else ""
    )
    if no_draft:
        output = DraftOutput(kind="none", language=context.language, no_answer_reason=no_draft)
        return context, persona, output, ""
    output, fallback = run_engine(context, persona)
    return context, persona, output, fallback


def draft_reply(
    *,
    ticket: Ticket,
    run: int,
    classification: Classification,
    assessment: Assessment,
    sources: list[Source],
) -> Draft:
    """A draft (or a documented reason for none), with every retrieved source recorded. Idempotent
    per run."""
    done = completed(ticket, "draft", run=run)
    if done is not None:
        return Draft.objects.get(pk=done.outputs["draft_id"])
    with stage(ticket, "draft", run=run) as record:
        versions = snapshot.versions()
        context, persona, output, fallback = compose(
            ticket=ticket, classification=classification, assessment=assessment, sources=sources
        )
        with record.saving():
            draft = Draft.objects.create(
                ticket=ticket,
                kind=output.kind,
                text=output.text,
                language=output.language,
                sources=[s.as_citation() for s in output.used],
                context={
                    **context.record(),
                    "persona": persona.tier if persona else None,
                    "voice": persona.voice if persona else None,
                    "engine_notes": output.notes,
                },
                engine=output.engine,
                model=output.model,
                prompt_version=output.prompt_version,
                persona_version=versions["personas"],
                guard_flags=list(output.notes),
                no_answer_reason=output.no_answer_reason,
                status=Draft.Status.PROPOSED if output.kind != "none" else Draft.Status.NO_ANSWER,
            )
            used_keys = {(u.kind, u.id) for u in output.used}
            retrieved = list(output.used) + [
                src for src in sources if (src.kind, src.id) not in used_keys
            ]
            SourceUsage.objects.bulk_create(
                SourceUsage(
                    draft=draft,
                    entry_id=src.id if src.kind == "entry" else None,
                    article_id=src.article_id if src.kind == "chunk" else None,
                    version=src.version,
                    rank=rank,
                    distance=src.distance,
                    used=(src.kind, src.id) in used_keys,
                )
                for rank, src in enumerate(retrieved)
            )
            record.inputs = {
                "sources": len(sources),
                "excluded_sources": context.excluded_sources,
                "tier": assessment.tier,
                "language": context.language,
            }
            record.outputs = {
                "draft_id": draft.pk,
                "kind": output.kind,
                "words": len(output.text.split()),
                "used": [s.as_citation() for s in output.used],
                "no_answer_reason": output.no_answer_reason,
            }
            if fallback:
                record.outputs["fallback"] = fallback
            record.versions = {
                "engine": output.engine,
                "model": output.model,
                "prompt": output.prompt_version,
                "personas": versions["personas"],
            }
    return draft
