"""Replaying the current pipeline on production's evaluation cases, and comparing two runs."""

from __future__ import annotations

import time
from collections.abc import Callable

from django.conf import settings
from django.db import transaction

from knowledge.embeddings import MODEL_NAME
from knowledge.retrieval import retrieve
from triage import queueing
from triage.config.versions import current_versions
from triage.engines.classify_local import MODEL_VERSION
from triage.engines.draft_local import draft as local_draft
from triage.models import HEAVY_EDIT_THRESHOLD, EvaluationCase, EvaluationRun
from triage.pipeline.classify import run_engine
from triage.pipeline.context import build_context, persona_for
from triage.review.decisions import edit_distance

CASE_FIELDS = ("category", "urgency", "sentiment")
# Cases made from complaints (a low rating, a reopened ticket, "that was wrong"): the new draft
# still fails when it is this close (normalised edit distance) to the answer complained about.
COMPLAINTS = ("low_rating", "reopened", "said_wrong")
COMPLAINT_REPEAT_DISTANCE = 0.2


def _replay_classification(case, engine: str) -> dict:
    result, fallback = run_engine(case.masked_text, engine=engine)
    got = {"category": result.category, "urgency": result.urgency, "sentiment": result.sentiment}
    out = {
        f: {"expected": case.labels.get(f), "got": got[f], "ok": got[f] == case.labels.get(f)}
        for f in CASE_FIELDS
        if case.labels.get(f)
    }
    if fallback:
        out["fallback"] = fallback
    return out


def _replay_draft(case) -> dict:
    """Draft the case's ticket again (nothing is saved) and compare with what the reviewer sent or
    rejected."""
    ticket = case.ticket
    classification = ticket.classifications.first() if ticket else None
    assessment = ticket.assessments.first() if ticket else None
    if (
        ticket is None
        or classification is None
        or assessment is None
        or persona_for(ticket) is None
    ):
        return {
            "draft": {
                "ok": None,
                "note": "the ticket is gone: only its classification can be replayed",
            }
        }
    sources = retrieve(
        case.masked_text, category=classification.category, k=5, language=ticket.language
    )
    output = local_draft(
        build_context(
            ticket=ticket, classification=classification, assessment=assessment, sources=sources
        ),
        persona_for(ticket),
    )
    if case.origin in COMPLAINTS:
        complained = case.predicted.get("draft") or case.final_reply
        if output.kind == "none" or not output.text:
            return {
                "draft": {
                    "ok": True,
                    "why": f"no draft now ({output.no_answer_reason or 'no answer'}): a person "
                    "writes it",
                    "failure_kind": case.failure_kind,
                }
            }
        distance = edit_distance(output.text, complained).normalized if complained else 1.0
        repeats = distance <= COMPLAINT_REPEAT_DISTANCE
        kind = case.get_failure_kind_display() if case.failure_kind else "not yet judged"
        return {
            "draft": {
                "edit_distance_to_complained": round(distance, 4),
                "draft_now": output.text[:2000],
                "ok": not repeats,
                "failure_kind": case.failure_kind,
                "why": (
                    f"still fails: the draft repeats the answer complained about (distance "
                    f"{distance:.2f}; {kind})"
                    if repeats
                    else f"the draft differs from the answer complained about (distance "
                    f"{distance:.2f})"
                ),
            }
        }
    if case.origin == "heavy_edit":
        distance = edit_distance(output.text, case.final_reply).normalized if output.text else 1.0
        return {
            "draft": {
                "edit_distance_to_final": round(distance, 4),
                "ok": distance <= HEAVY_EDIT_THRESHOLD,
            }
        }
    rejected = case.predicted.get("draft", "")
    changed = output.text.strip() != rejected.strip()
    return {
        "draft": {
            "changed_since_rejection": changed,
            "no_answer": output.kind == "none",
            "ok": changed,
        }
    }


def replay(
    *, engine: str, progress: Callable[[int], None] | None = None
) -> tuple[list[dict], dict]:
    """Replay the current pipeline on every evaluation case (nothing is saved): (per case, summary
    per field)."""
    per_case = []
    for case in EvaluationCase.objects.select_related("ticket").order_by("pk"):
        entry = {"case": case.pk, "origin": case.origin, "ticket": case.ticket_id}
        if case.origin == EvaluationCase.Origin.CORRECTION:
            entry.update(_replay_classification(case, engine))
        else:
            entry.update(_replay_draft(case))
        per_case.append(entry)
        if progress:
            progress(1)
    summary = {}
    for field in (*CASE_FIELDS, "draft"):
        outcomes = [
            c[field]["ok"] for c in per_case if field in c and c[field].get("ok") is not None
        ]
        if outcomes:
            summary[field] = {
                "n": len(outcomes),
                "right": sum(outcomes),
                "accuracy": sum(outcomes) / len(outcomes),
            }
    return per_case, summary


def _versions(engine: str) -> dict:
    classifier = MODEL_VERSION if engine == "local" else settings.OPENAI_CLASSIFIER_MODEL
    return {**current_versions(), "classifier": classifier, "embedding": MODEL_NAME}


def replay_cases(
    *, engine: str = "local", name: str = "", user=None, progress=None
) -> EvaluationRun:
    """Replay the cases now, in this process, and record the run (the ``evaluate --cases``
    command)."""
    started = time.perf_counter()
    per_case, summary = replay(engine=engine, progress=progress)
    return EvaluationRun.objects.create(
        kind="cases",
        name=name,
        engine=engine,
        per_case=per_case,
        summary=summary,
        n=len(per_case),
        progress=len(per_case),
        total=len(per_case),
        status=EvaluationRun.Status.DONE,
        seconds=round(time.perf_counter() - started, 2),
        created_by=user,
        versions=_versions(engine),
    )


def queue_replay(*, engine: str = "local", name: str = "", user=None) -> EvaluationRun:
    """A run for a worker to replay (``triage.tasks.replay_cases``), queued once it commits; the
    page follows its progress."""
    with transaction.atomic():
        run = EvaluationRun.objects.create(
            kind="cases",
            name=name,
            engine=engine,
            status=EvaluationRun.Status.QUEUED,
            total=EvaluationCase.objects.count(),
            created_by=user,
            versions=_versions(engine),
        )
        queueing.enqueue_replay(run_id=run.pk)
    return run


# Progress is written every this many cases: one small UPDATE, so a page polling it sees movement.
PROGRESS_EVERY = 5


def run_replay(*, run_id: int) -> EvaluationRun | None:
    """Replay a queued run and store its results; a failure is stored on the run, for the page to
    show."""
    claimed = EvaluationRun.objects.filter(pk=run_id, status=EvaluationRun.Status.QUEUED).update(
        status=EvaluationRun.Status.RUNNING
    )
    if not claimed:
        return None  # gone, or another worker has it
    started = time.perf_counter()
    done = 0

    def progress(step: int) -> None:
        nonlocal done
        done += step
        if done % PROGRESS_EVERY == 0:
            EvaluationRun.objects.filter(pk=run_id).update(progress=done)

    run = EvaluationRun.objects.get(pk=run_id)
    try:
        per_case, summary = replay(engine=run.engine, progress=progress)
    except Exception as exc:
        EvaluationRun.objects.filter(pk=run_id).update(
            status=EvaluationRun.Status.FAILED, error=f"{type(exc).__name__}: {exc}"[:2000]
        )
        raise
    run.per_case, run.summary, run.n = per_case, summary, len(per_case)
    run.progress = run.total = len(per_case)
    run.seconds = round(time.perf_counter() - started, 2)
    run.status = EvaluationRun.Status.DONE
    run.save(update_fields=["per_case", "summary", "n", "progress", "total", "seconds", "status"])
    return run


def compare_runs(before, after) -> dict:
    """Per field: accuracy before and after; per case: what the change fixed and what it broke."""
    fields = sorted(set(before.summary) | set(after.summary))
    by_case = {c["case"]: c for c in before.per_case}
    fixed, broken = [], []
    for case in after.per_case:
        old = by_case.get(case["case"])
        if old is None:
            continue
        for field in (*CASE_FIELDS, "draft"):
            if (
                field in case
                and field in old
                and old[field].get("ok") is not None
                and case[field].get("ok") is not None
            ):
                if not old[field]["ok"] and case[field]["ok"]:
                    fixed.append(
                        {
                            "case": case["case"],
                            "field": field,
                            "before": old[field].get("got"),
                            "after": case[field].get("got"),
                        }
                    )
                elif old[field]["ok"] and not case[field]["ok"]:
                    broken.append(
                        {
                            "case": case["case"],
                            "field": field,
                            "before": old[field].get("got"),
                            "after": case[field].get("got"),
                        }
                    )
    changed_versions = {
        k: (before.versions.get(k), after.versions.get(k))
        for k in set(before.versions) | set(after.versions)
        if before.versions.get(k) != after.versions.get(k)
    }
    return {
        "before": before.pk,
        "after": after.pk,
        "fields": {
            f: {
                "before": before.summary.get(f, {}).get("accuracy"),
                "after": after.summary.get(f, {}).get("accuracy"),
            }
            for f in fields
        },
        "fixed": fixed,
        "broken": broken,
        "changed_versions": changed_versions,
    }
