"""Drafts measured end to end on a CSV of requests with the reply an agent sent.

The training rows are imported as resolved tickets (knowledge entries, masked and embedded as
production does) into an isolated schema: a temporary PostgreSQL schema holding empty copies of
the knowledge tables with their indexes, first on the connection's search path, dropped
afterwards; the live knowledge base is never read or written. Each test row is cleaned and
masked as production does, its sources are found by production's ``retrieve`` (dense and hybrid,
side by side), and the local draft engine and the guards run on it (the request is the only
evidence: no account, no actions, no articles). Reported per retrieval mode: retrieval hit rate
(a source with the row's label in the top 5), the share of rows drafted, with no flag, with a
``[confirm: …]`` slot, with anything to fill before sending, the similarity of the draft to the
reference reply (rapidfuzz token-set ratio, 0-100, and the cosine of their all-MiniLM-L6-v2
embeddings), and the same similarities for the baseline "send the closest neighbour's reply".
"""

from __future__ import annotations

import csv
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from django.conf import settings
from django.db import connection
from rapidfuzz import fuzz

from knowledge.embeddings import embed_texts
from knowledge.models import KBArticle, KBChunk, KnowledgeEntry
from knowledge.retrieval import RETRIEVAL_MODES, Source, forget_memos, retrieve
from knowledge.services import EntryInput, create_entries, language_of, refresh_statistics
from triage.config.defaults import PERSONAS
from triage.engines import draft_local
from triage.engines.types import AccountSummary, DraftContext
from triage.evaluation.datasets import EvalError, prepare
from triage.models import Persona
from triage.review.composer import blanks_left
from triage.text.guards import run_guards
from triage.text.sentiment import sentiment_of

K = 5


@dataclass
class Row:
    text: str
    answer: str
    label: str


def read_rows(path: Path, *, text: str, answer: str, label: str) -> list[Row]:
    if not path.is_file():
        raise EvalError(f"{path} does not exist or is not a file")
    with path.open(newline="", encoding="utf-8-sig") as handle:
        reader = csv.DictReader(handle)
        missing = [c for c in (text, answer, label) if c not in (reader.fieldnames or [])]
        if missing:
            raise EvalError(f"{path.name} has no column {', '.join(map(repr, missing))}")
        rows = [
            Row(r[text].strip(), r[answer].strip(), r[label].strip())
            for r in reader
            if r[text].strip() and r[answer].strip()
        ]
    if not rows:
        raise EvalError(f"{path.name} has no row with text and answer")
    return rows


def _persona() -> Persona:
    spec = next(p for p in PERSONAS if p["tier"] == "self_serve")
    return Persona(**spec)


@contextmanager
def isolated_knowledge() -> Iterator[str]:
    """Empty copies of the knowledge tables (columns, generated columns, indexes) in a temporary
    schema put first on the search path, so production's services and ``retrieve`` work on them;
    the search path is restored and the schema dropped whatever happens."""
    schema = f"evald_{uuid.uuid4().hex[:12]}"
    with connection.cursor() as cursor:
        cursor.execute("SHOW search_path")
        previous = cursor.fetchone()[0]
        cursor.execute("SELECT current_schema()")
        live = cursor.fetchone()[0]
        cursor.execute(f'CREATE SCHEMA "{schema}"')
        try:
            for model in (KnowledgeEntry, KBArticle, KBChunk):
                table = model._meta.db_table
                cursor.execute(
                    f'CREATE TABLE "{schema}"."{table}" (LIKE "{live}"."{table}" INCLUDING ALL)'
                )
            cursor.execute(f'SET search_path TO "{schema}", {previous}')
            forget_memos()  # counts and common words remembered from the live tables
            yield schema
        finally:
            cursor.execute(f"SET search_path TO {previous}")
            cursor.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
            forget_memos()


def import_rows(rows: list[Row], *, batch: int = 512) -> None:
    """The rows as resolved tickets, as ``import_resolved`` stores them (masked, embedded, in
    the language they are written in), then analysed for the word statistics."""
    for start in range(0, len(rows), batch):
        chunk = rows[start : start + batch]
        masked = prepare([r.text for r in chunk])
        create_entries(
            entries=[
                EntryInput(
                    text=text,
                    response=row.answer,
                    category=row.label[:100],
                    language=language_of(text),
                    external_id=f"eval:{start + i}",
                )
                for i, (row, text) in enumerate(zip(chunk, masked, strict=True))
            ]
        )
    refresh_statistics()


@dataclass
class Tally:
    counts: Counter
    draft_ratio: list[float]
    draft_pairs: list[tuple[str, str]]  # (draft, reference) for the embedding cosine
    baseline_ratio: list[float]
    baseline_pairs: list[tuple[str, str]]
    hits: int = 0

    @classmethod
    def empty(cls) -> Tally:
        return cls(Counter(), [], [], [], [])


def evaluate_drafts(
    train: list[Row],
    test: list[Row],
    *,
    modes: tuple[str, ...] = RETRIEVAL_MODES,
    progress: Callable[[int], None] | None = None,
) -> dict:
    started = time.perf_counter()
    persona = _persona()
    tallies = {mode: Tally.empty() for mode in modes}
    with isolated_knowledge():
        import_rows(train)
        import_seconds = time.perf_counter() - started
        for start in range(0, len(test), 128):
            batch = test[start : start + 128]
            masked = prepare([r.text for r in batch])
            vectors = embed_texts(masked)
            for row, text, vector in zip(batch, masked, vectors, strict=True):
                language = language_of(text)
                for mode in modes:
                    sources = retrieve(
                        text,
                        vector=vector,
                        language=language,
                        mode=mode,
                        k=K,
                        include_chunks=False,
                    )
                    _tally_one(tallies[mode], row, text, language, sources, persona)
            if progress:
                progress(len(batch))
    result = {
        "n_train": len(train),
        "n_test": len(test),
        "import_seconds": round(import_seconds, 1),
        "modes": {mode: _summary(tallies[mode], len(test)) for mode in modes},
        "seconds": round(time.perf_counter() - started, 1),
    }
    return result


def _cosines(pairs: list[tuple[str, str]]) -> list[float]:
    if not pairs:
        return []
    a = embed_texts([p[0] for p in pairs])
    b = embed_texts([p[1] for p in pairs])
    return (a * b).sum(axis=1).tolist()


def _mean(values: list[float], *, digits: int) -> float | None:
    return round(float(np.mean(values)), digits) if values else None


def _summary(t: Tally, n: int) -> dict:
    counts = t.counts
    drafted = counts["drafted"]
    return {
        "retrieval_hit_rate_at_5": round(t.hits / n, 4),
        "drafted": round(drafted / n, 4),
        "no_flag": round(counts["no_flag"] / n, 4),
        "no_flag_of_drafted": round(counts["no_flag"] / drafted, 4) if drafted else None,
        "with_confirm_slot": round(counts["slot"] / n, 4),
        "with_anything_to_fill": round(counts["to_fill"] / n, 4),
        "flags": {
            code: round(counts[f"flag:{code}"] / n, 4)
            for code in sorted(c.split(":", 1)[1] for c in counts if c.startswith("flag:"))
        },
        "draft_token_set": _mean(t.draft_ratio, digits=2),
        "draft_cosine": _mean(_cosines(t.draft_pairs), digits=4),
        "baseline_token_set": _mean(t.baseline_ratio, digits=2),
        "baseline_cosine": _mean(_cosines(t.baseline_pairs), digits=4),
    }


def _tally_one(
    tally: Tally, row: Row, text: str, language: str, sources: list[Source], persona: Persona
) -> None:
    tally.hits += any(s.category == row.label[:100] for s in sources)
    if sources and sources[0].response:
        tally.baseline_ratio.append(fuzz.token_set_ratio(sources[0].response, row.answer))
        tally.baseline_pairs.append((sources[0].response, row.answer))
    text_out = _draft_one(text, language, sources, persona, tally.counts)
    if text_out is not None:
        tally.draft_ratio.append(fuzz.token_set_ratio(text_out, row.answer))
        tally.draft_pairs.append((text_out, row.answer))


def _draft_one(
    text: str, language: str, sources: list[Source], persona: Persona, counts: Counter
) -> str | None:
    """The draft's text (None when the engine wrote none), its flags counted."""
    context = DraftContext(
        ticket_text=text,
        subject="",
        language=language,
        thread=[{"direction": "inbound", "at": "", "text": text}],
        older_summary="",
        account=AccountSummary(known=False),
        classification={
            "category": "general",
            "subcategory": "",
            "secondary_category": "",
            "sentiment": sentiment_of(text),
            "urgency": "P3",
            "summary": "",
            "confidence": 1.0,
        },
        tier=1,
        needs_clarification=False,
        reasons=[],
        sources=sources,
    )
    output = draft_local.draft(context, persona)
    if output.kind != "reply" or not output.text:
        return None
    counts["drafted"] += 1
    flags = run_guards(
        output.text,
        actions=set(),
        policy_texts=[],
        allowed_placeholders=set(),
        evidence=[text],
        allowed_domains=settings.ALLOWED_LINK_DOMAINS,
        other_cases=[part for s in sources for part in (s.text, s.response) if part],
    )
    for code in {f.code for f in flags}:
        counts[f"flag:{code}"] += 1
    if not flags:
        counts["no_flag"] += 1
    if "[confirm:" in output.text:
        counts["slot"] += 1
    if blanks_left(output.text):
        counts["to_fill"] += 1
    return output.text
