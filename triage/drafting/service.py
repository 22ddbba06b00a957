"""The retrieve, draft and guard stages."""

from __future__ import annotations

import numpy as np
from django.conf import settings

from knowledge.models import SourceUsage
from knowledge.selectors import Source, retrieve
from triage.config import current_versions
from triage.drafting import guards
from triage.drafting.context import build_context, persona_for
from triage.drafting.local import DraftOutput
from triage.drafting.local import draft as local_draft
from triage.engines import EngineError
from triage.models import Assessment, Classification, Draft, PiiVault, TaxonomyCategory, Ticket
from triage.services.events import stage

GUARDS_VERSION = "guards-1"
RETRIEVE_K = 5
UNFILTERED_K = 3  # a few sources outside the predicted category, in case the category is wrong


def retrieve_sources(*, ticket: Ticket, classification: Classification, vector: np.ndarray) -> list[Source]:
    with stage(ticket, "retrieve") as record:
        known = TaxonomyCategory.objects.filter(slug=classification.category).exists()
        filtered = retrieve(vector=vector, category=classification.category if known else None, k=RETRIEVE_K)
        extra = retrieve(vector=vector, k=UNFILTERED_K) if known else []
        seen, sources = set(), []
        for source in sorted([*filtered, *extra], key=lambda s: s.score, reverse=True):
            if (source.kind, source.id) not in seen:
                seen.add((source.kind, source.id))
                sources.append(source)
        record.inputs = {"category": classification.category if known else None, "k": RETRIEVE_K}
        record.outputs = {"sources": [s.as_citation() for s in sources]}
        record.versions = {"embedding_model": "all-MiniLM-L6-v2", "half_life_days": settings.RETRIEVAL_HALF_LIFE_DAYS}
    return sources


def _run_engine(context, persona) -> tuple[DraftOutput, str]:
    if settings.DRAFT_ENGINE == "openai":
        from triage.engines import openai_engine

        try:
            return openai_engine.draft(context, persona), ""
        except EngineError as exc:
            output = local_draft(context, persona)
            reason = f"openai engine failed ({exc}); fell back to local"
            output.notes.append({"code": "engine_fallback", "message": reason})
            return output, reason
    return local_draft(context, persona), ""


def draft_reply(*, ticket: Ticket, classification: Classification, assessment: Assessment, sources: list[Source]) -> Draft:
    """A draft (or a documented reason for none); tiers 2 and 3 also get a handoff note."""
    with stage(ticket, "draft") as record:
        versions = current_versions()
        context = build_context(ticket=ticket, classification=classification, assessment=assessment, sources=sources)
        context.actions = list(ticket.actions.values_list("kind", flat=True))  # type: ignore[attr-defined]
        persona = persona_for(ticket)
        fallback = ""
        if assessment.tier >= 3:
            output = DraftOutput(kind="none", language=context.language, no_answer_reason="tier 3: straight to a human, no draft")
        elif persona is None:
            output = DraftOutput(kind="none", language=context.language, no_answer_reason="no persona is configured for this customer's tier")
        else:
            output, fallback = _run_engine(context, persona)
        draft = Draft.objects.create(
            ticket=ticket,
            kind=output.kind,
            text=output.text,
            language=output.language,
            sources=[s.as_citation() for s in output.used],
            context={**context.record(), "persona": persona.tier if persona else None, "voice": persona.voice if persona else None, "engine_notes": output.notes},
            engine=output.engine,
            model=output.model,
            prompt_version=output.prompt_version,
            persona_version=versions["personas"],
            guard_flags=list(output.notes),
            no_answer_reason=output.no_answer_reason,
            status=Draft.Status.PROPOSED if output.kind != "none" else Draft.Status.NO_ANSWER,
        )
        used_keys = {(u.kind, u.id) for u in output.used}
        retrieved = list(output.used) + [src for src in sources if (src.kind, src.id) not in used_keys]
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
        record.inputs = {"sources": len(sources), "excluded_sources": context.excluded_sources, "tier": assessment.tier, "language": context.language}
        record.outputs = {"kind": output.kind, "words": len(output.text.split()), "used": [s.as_citation() for s in output.used], "no_answer_reason": output.no_answer_reason}
        if fallback:
            record.outputs["fallback"] = fallback
        record.versions = {"engine": output.engine, "model": output.model, "prompt": output.prompt_version, "personas": versions["personas"]}
    return draft


def guard_draft(*, ticket: Ticket, draft: Draft, assessment: Assessment) -> list[dict]:
    with stage(ticket, "guard") as record:
        flags: list[dict] = [f for f in draft.guard_flags if isinstance(f, dict)]
        if draft.text:
            context_sources = draft.context.get("sources", [])
            policy_ids = _policy_articles({s["article_id"] for s in context_sources if s.get("kind") == "chunk" and s.get("article_id")})
            policies = [s["text"] for s in context_sources if s.get("article_id") in policy_ids]
            vault = PiiVault.objects.filter(ticket=ticket).first()
            found = guards.run_guards(
                draft.text,
                actions=set(ticket.actions.values_list("kind", flat=True)),
                policy_texts=policies,
                allowed_placeholders=set(vault.mapping) if vault else set(),
            )
            flags += [f.as_dict() for f in found]
        draft.guard_flags = flags
        draft.save(update_fields=["guard_flags"])
        if flags and assessment.auto_send_allowed:
            assessment.auto_send_allowed = False
            assessment.save(update_fields=["auto_send_allowed"])
        record.inputs = {"draft": draft.pk, "words": len(draft.text.split())}
        record.outputs = {"flags": [f.get("code") for f in flags], "auto_send_allowed": assessment.auto_send_allowed}
        record.versions = {"guards": GUARDS_VERSION}
    return flags




def recheck_open_draft(*, ticket: Ticket) -> None:
    """Run the guards again on the ticket's open draft (after an action was recorded); engine notes stay."""
    draft = ticket.drafts.first()
    if draft is None or not draft.text or draft.status != Draft.Status.PROPOSED:
        return
    draft.guard_flags = [f for f in draft.guard_flags if f.get("code") not in guards.GUARD_CODES]
    guard_draft(ticket=ticket, draft=draft, assessment=ticket.assessments.first())


def _policy_articles(article_ids: set[int]) -> set[int]:
    from knowledge.models import KBArticle

    if not article_ids:
        return set()
    return set(KBArticle.objects.filter(pk__in=article_ids, kind=KBArticle.Kind.POLICY).values_list("pk", flat=True))
