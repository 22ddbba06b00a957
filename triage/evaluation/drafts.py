"""Drafts measured end to end on a CSV of requests with the reply an agent sent.

The training rows become resolved tickets in an isolated schema (a temporary PostgreSQL schema
with their embeddings, dropped afterwards; the live knowledge base is never read or written).
Each test row is cleaned and masked as production does, its nearest training rows are retrieved
with pgvector, and the local draft engine and the guards run on it (the request is the only
evidence: no account, no actions, no articles). Reported: the share of rows drafted, with no
flag, with a ``[confirm: …]`` slot, with anything to fill before sending (a slot or a
``{{Placeholder}}`` of the data set's replies), the similarity of the draft to the reference
reply (rapidfuzz token-set ratio), and the same similarity for the baseline "send the closest
neighbour's reply".
"""

from __future__ import annotations

import csv
import time
import uuid
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from django.db import connection
from rapidfuzz import fuzz

from knowledge.embeddings import embed_texts
from knowledge.retrieval import Source
from triage.config.defaults import PERSONAS
from triage.engines import draft_local
from triage.engines.types import AccountSummary, DraftContext
from triage.evaluation.datasets import EvalError, prepare
from triage.models import Persona
from triage.pipeline.guard import run_guards
from triage.review.composer import blanks_left
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


def evaluate_drafts(
    train: list[Row], test: list[Row], *, progress: Callable[[int], None] | None = None
) -> dict:
    started = time.perf_counter()
    train_masked = prepare([r.text for r in train])
    vectors = embed_texts(train_masked, batch_size=256)
    persona = _persona()
    schema = f"evald_{uuid.uuid4().hex[:12]}"
    counts: Counter = Counter()
    draft_similarity, baseline_similarity, hits = [], [], 0
    with connection.cursor() as cursor:
        cursor.execute(f'CREATE SCHEMA "{schema}"')
        try:
            cursor.execute(
                f'CREATE TABLE "{schema}".entries (id int PRIMARY KEY, embedding vector(384))'
            )
            cursor.executemany(
                f'INSERT INTO "{schema}".entries VALUES (%s, %s::vector)',
                [(i, str(v.tolist())) for i, v in enumerate(vectors)],
            )
            for start in range(0, len(test), 128):
                batch = test[start : start + 128]
                masked = prepare([r.text for r in batch])
                batch_vectors = embed_texts(masked, batch_size=128)
                for row, text, vector in zip(batch, masked, batch_vectors, strict=True):
                    cursor.execute(
                        f'SELECT id, embedding <=> %s::vector FROM "{schema}".entries '
                        f"ORDER BY 2 LIMIT {K}",
                        [str(vector.tolist())],
                    )
                    found = cursor.fetchall()
                    hits += any(train[i].label == row.label for i, _ in found)
                    sources = [
                        Source(
                            kind="entry",
                            id=i,
                            version=1,
                            title=train_masked[i][:80],
                            text=train_masked[i],
                            response=train[i].answer,
                            category=train[i].label,
                            distance=float(d),
                            score=1 - float(d),
                            is_gold=False,
                        )
                        for i, d in found
                    ]
                    baseline_similarity.append(
                        fuzz.token_set_ratio(sources[0].response, row.answer) if sources else 0.0
                    )
                    _draft_one(text, sources, persona, row, counts, draft_similarity)
                if progress:
                    progress(len(batch))
        finally:
            cursor.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
    n = len(test)
    drafted = counts["drafted"]
    return {
        "n_train": len(train),
        "n_test": n,
        "retrieval_hit_rate_at_5": round(hits / n, 4),
        "drafted": round(drafted / n, 4),
        "no_flag": round(counts["no_flag"] / n, 4),
        "no_flag_of_drafted": round(counts["no_flag"] / drafted, 4) if drafted else None,
        "with_confirm_slot": round(counts["slot"] / n, 4),
        "with_anything_to_fill": round(counts["to_fill"] / n, 4),
        "flags": {
            code: round(counts[f"flag:{code}"] / n, 4)
            for code in sorted(c.split(":", 1)[1] for c in counts if c.startswith("flag:"))
        },
        "similarity_token_set": round(float(np.mean(draft_similarity)), 2)
        if draft_similarity
        else None,
        "baseline_closest_answer_token_set": round(float(np.mean(baseline_similarity)), 2),
        "seconds": round(time.perf_counter() - started, 1),
    }


def _draft_one(
    text: str, sources: list[Source], persona: Persona, row: Row, counts: Counter, similarity
) -> None:
    context = DraftContext(
        ticket_text=text,
        subject="",
        language="en",
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
        similarity.append(0.0)
        return
    counts["drafted"] += 1
    flags = run_guards(
        output.text,
        actions=set(),
        policy_texts=[],
        allowed_placeholders=set(),
        evidence=[text],
    )
    for code in {f.code for f in flags}:
        counts[f"flag:{code}"] += 1
    if not flags:
        counts["no_flag"] += 1
    if "[confirm:" in output.text:
        counts["slot"] += 1
    if blanks_left(output.text):
        counts["to_fill"] += 1
    similarity.append(fuzz.token_set_ratio(output.text, row.answer))
