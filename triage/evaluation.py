"""Offline evaluation: replay classification on a labelled CSV (split or K folds) or on production's evaluation cases.

A CSV evaluation runs in an isolated knowledge space: a temporary PostgreSQL schema holds
the training rows' embeddings and labels, the engine is fitted from it, and the schema is
dropped afterwards; the live knowledge base is never read or written.
"""

from __future__ import annotations

import csv
import html
import json
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

from knowledge.embeddings import MODEL_NAME, embed_texts
from triage.engines import EngineError
from triage.engines.local import MODEL_VERSION, CategoryModel, LabelledSet
from triage.engines.signals import rule_urgency
from triage.services.cleaning import clean_text
from triage.services.pii import mask_pii

FIELDS = ("category", "urgency")
SEED = 42
EMBED_BATCH = 256


class EvalError(ValueError):
    """Bad input for an evaluation; one line for the user."""


@dataclass
class Dataset:
    texts: list[str]
    labels: dict[str, list[str]]

    def subset(self, index: np.ndarray | list[int]) -> Dataset:
        return Dataset(texts=[self.texts[i] for i in index], labels={f: [v[i] for i in index] for f, v in self.labels.items()})

    def __len__(self) -> int:
        return len(self.texts)


def parse_labels(specs: list[str]) -> dict[str, str]:
    labels = {}
    for spec in specs:
        field, sep, column = spec.partition("=")
        if not sep or not column.strip():
            raise EvalError(f"--label {spec!r} must look like FIELD=COLUMN, e.g. --label category=queue")
        if field not in FIELDS:
            raise EvalError(f"--label field {field!r} is not one of {', '.join(FIELDS)}")
        labels[field] = column.strip()
    if not labels:
        raise EvalError("give at least one --label FIELD=COLUMN")
    return labels


def read_csv(path: Path, *, text_columns: list[str], labels: dict[str, str], encoding: str = "utf-8-sig") -> Dataset:
    if not path.is_file():
        raise EvalError(f"{path} does not exist or is not a file")
    csv.field_size_limit(1_000_000)
    try:
        with path.open(newline="", encoding=encoding) as handle:
            reader = csv.DictReader(handle, strict=True)
            header = reader.fieldnames or []
            missing = [c for c in [*text_columns, *labels.values()] if c not in header]
            if missing:
                raise EvalError(f"{path.name} has no column {', '.join(map(repr, missing))}; its columns are {', '.join(header) or 'none'}")
            texts, values = [], {f: [] for f in labels}
            for row in reader:
                text = "\n".join((row.get(c) or "").strip() for c in text_columns).strip()
                row_labels = {f: (row.get(c) or "").strip() for f, c in labels.items()}
                if not text or not all(row_labels.values()):
                    continue  # empty text or an unlabelled row teaches nothing and tests nothing
                texts.append(text)
                for f, v in row_labels.items():
                    values[f].append(v)
    except csv.Error as exc:
        raise EvalError(f"{path.name}: broken CSV at line {reader.line_num}: {exc}") from None
    except UnicodeDecodeError:
        raise EvalError(f"{path.name} is not valid {encoding}") from None
    if not texts:
        raise EvalError(f"{path.name} has no row with text and labels")
    for field, column in labels.items():
        if len(set(values[field])) < 2:
            raise EvalError(f"column {column!r} ({field}) has only one class; an evaluation needs at least two")
    return Dataset(texts=texts, labels=values)


def prepare(texts: list[str]) -> list[str]:
    """The preprocessing production applies: cleaning and PII masking."""
    return [mask_pii(clean_text(t)).text or t for t in texts]


@contextmanager
def isolated_space(vectors: np.ndarray, labels: dict[str, list[str]]) -> Iterator[Callable[[], tuple[np.ndarray, dict[str, np.ndarray]]]]:
    """A temporary schema with the training rows; yields a loader; drops the schema whatever happens."""
    schema = f"eval_{uuid.uuid4().hex[:12]}"
    with connection.cursor() as cursor:
        cursor.execute("CREATE EXTENSION IF NOT EXISTS vector")
        cursor.execute(f'CREATE SCHEMA "{schema}"')
        try:
            cursor.execute(f'CREATE TABLE "{schema}".entries (id serial PRIMARY KEY, embedding vector(384) NOT NULL, labels jsonb NOT NULL)')
            rows = [(vector.tolist(), json.dumps({f: labels[f][i] for f in labels})) for i, vector in enumerate(vectors)]
            for start in range(0, len(rows), 2000):
                cursor.executemany(f'INSERT INTO "{schema}".entries (embedding, labels) VALUES (%s::vector, %s::jsonb)', [(str(vector), data) for vector, data in rows[start : start + 2000]])

            def load() -> tuple[np.ndarray, dict[str, np.ndarray]]:
                cursor.execute(f'SELECT embedding::text, labels FROM "{schema}".entries ORDER BY id')
                fetched = cursor.fetchall()
                matrix = np.asarray([json.loads(e) for e, _ in fetched], dtype=np.float32)
                parsed = [raw if isinstance(raw, dict) else json.loads(raw) for _, raw in fetched]
                return matrix, {f: np.array([p[f] for p in parsed]) for f in labels}

            yield load
        finally:
            cursor.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')


def score(y_true: list[str], y_pred: list[str], confidence: list[float], threshold: float) -> dict:
    from sklearn.metrics import confusion_matrix, f1_score, precision_recall_fscore_support

    labels = sorted(set(y_true) | set(y_pred))
    true, pred, conf = np.array(y_true), np.array(y_pred), np.array(confidence)
    precision, recall, f1, support = precision_recall_fscore_support(true, pred, labels=labels, zero_division=0)
    confident = conf >= threshold
    return {
        "accuracy": float((true == pred).mean()),
        "macro_f1": float(f1_score(true, pred, labels=sorted(set(y_true)), average="macro", zero_division=0)),
        "coverage": float(confident.mean()),
        "accuracy_at_threshold": float((true[confident] == pred[confident]).mean()) if confident.any() else None,
        "threshold": threshold,
        "per_label": {label: {"precision": float(p), "recall": float(r), "f1": float(f), "support": int(n)} for label, p, r, f, n in zip(labels, precision, recall, f1, support, strict=True)},
        "confusion": {"labels": labels, "matrix": confusion_matrix(true, pred, labels=labels).tolist()},
    }


def _local_predict(field: str, model: CategoryModel, texts: list[str], vectors: np.ndarray) -> tuple[list[str], list[float]]:
    probs, _idx, _sims = model.predict_proba(vectors)
    preds = [str(model.labels[i]) for i in probs.argmax(axis=1)]
    conf = probs.max(axis=1).tolist()
    if field == "urgency" and set(model.labels) <= {"P1", "P2", "P3", "P4"}:
        for i, text in enumerate(texts):
            ruled, _ = rule_urgency(text)
            if ruled:
                preds[i] = ruled
    return preds, conf


def evaluate_split(train: Dataset, test: Dataset, *, engine: str = "local", progress: Callable[[int], None] | None = None) -> dict:
    threshold = settings.ROUTING_CONFIDENCE_THRESHOLD
    started = time.perf_counter()
    train_texts = prepare(train.texts)
    train_vectors = embed_texts(train_texts, batch_size=EMBED_BATCH)
    fields = list(train.labels)
    with isolated_space(train_vectors, train.labels) as load:
        vectors, labels = load()
    models = {f: CategoryModel(LabelledSet(vectors=vectors, categories=labels[f], subcategories=np.array([""] * len(vectors)), urgencies=np.array([""] * len(vectors)))) for f in fields}
    fit_seconds = time.perf_counter() - started

    clock = time.perf_counter()
    predictions = {f: ([], []) for f in fields}
    fallbacks = 0
    for start in range(0, len(test), EMBED_BATCH):
        texts = prepare(test.texts[start : start + EMBED_BATCH])
        batch_vectors = embed_texts(texts, batch_size=EMBED_BATCH)
        for field in fields:
            preds, conf = _local_predict(field, models[field], texts, batch_vectors)
            if engine == "openai" and field == "category":
                preds, conf, failed = _openai_predict(texts, sorted(set(train.labels[field])), preds, conf)
                fallbacks += failed
            predictions[field][0].extend(preds)
            predictions[field][1].extend(conf)
        if progress:
            progress(len(texts))
    classify_seconds = time.perf_counter() - clock
    result = {
        "fields": {f: score(test.labels[f], predictions[f][0], predictions[f][1], threshold) for f in fields},
        "n_train": len(train),
        "n_test": len(test),
        "seconds": round(time.perf_counter() - started, 2),
        "fit_seconds": round(fit_seconds, 2),
        "classify_seconds": round(classify_seconds, 2),
        "tickets_per_second": round(len(test) / classify_seconds, 1) if classify_seconds else None,
        "engine": engine,
        "versions": {"engine": engine, "model": MODEL_VERSION, "embedding": MODEL_NAME, "threshold": threshold},
    }
    if engine == "openai":
        result["versions"]["openai_model"] = settings.OPENAI_CLASSIFIER_MODEL
        result["openai_fallbacks"] = fallbacks
    return result


def _openai_predict(texts: list[str], labels: list[str], local_preds: list[str], local_conf: list[float]) -> tuple[list[str], list[float], int]:
    from triage.engines import openai_engine

    taxonomy = [{"slug": label, "description": label.replace("_", " "), "subcategories": []} for label in labels]
    preds, conf, failed = [], [], 0
    for text, lp, lc in zip(texts, local_preds, local_conf, strict=True):
        try:
            result = openai_engine.classify(text, taxonomy=taxonomy, threshold=settings.ROUTING_CONFIDENCE_THRESHOLD)
            preds.append(result.category)
            conf.append(result.confidence)
        except EngineError:
            preds.append(lp)
            conf.append(lc)
            failed += 1
    return preds, conf, failed


def baseline_tfidf(train: Dataset, test: Dataset) -> dict:
    """TF-IDF (word 1-2 grams) + logistic regression on the same split: the bar to beat."""
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression

    started = time.perf_counter()
    vectorizer = TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True)
    train_matrix = vectorizer.fit_transform(prepare(train.texts))
    test_matrix = vectorizer.transform(prepare(test.texts))
    fields = {}
    for field in train.labels:
        model = LogisticRegression(C=10.0, max_iter=2000).fit(train_matrix, train.labels[field])
        probs = model.predict_proba(test_matrix)
        preds = [str(model.classes_[i]) for i in probs.argmax(axis=1)]
        fields[field] = score(test.labels[field], preds, probs.max(axis=1).tolist(), settings.ROUTING_CONFIDENCE_THRESHOLD)
    return {"name": "tfidf+logreg", "fields": fields, "seconds": round(time.perf_counter() - started, 2)}


def evaluate_folds(data: Dataset, *, folds: int, engine: str = "local", baseline: bool = False, progress=None) -> dict:
    from sklearn.model_selection import StratifiedKFold

    first = next(iter(data.labels))
    counts = Counter(data.labels[first])
    if min(counts.values()) < folds:
        rare = min(counts, key=counts.get)
        raise EvalError(f"label {rare!r} has {counts[rare]} rows; {folds} folds need at least {folds} per label")
    splitter = StratifiedKFold(n_splits=folds, shuffle=True, random_state=SEED)
    runs, base_runs = [], []
    started = time.perf_counter()
    for train_idx, test_idx in splitter.split(np.zeros(len(data)), data.labels[first]):
        train, test = data.subset(train_idx), data.subset(test_idx)
        runs.append(evaluate_split(train, test, engine=engine, progress=progress))
        if baseline:
            base_runs.append(baseline_tfidf(train, test))
    result = {
        "fields": {f: _mean([r["fields"][f] for r in runs]) for f in data.labels},
        "folds": folds,
        "per_fold": [{f: {k: r["fields"][f][k] for k in ("accuracy", "macro_f1", "coverage", "accuracy_at_threshold")} for f in data.labels} for r in runs],
        "n_train": int(np.mean([r["n_train"] for r in runs])),
        "n_test": int(np.mean([r["n_test"] for r in runs])),
        "seconds": round(time.perf_counter() - started, 2),
        "tickets_per_second": round(float(np.mean([r["tickets_per_second"] or 0 for r in runs])), 1),
        "engine": engine,
        "versions": runs[0]["versions"],
    }
    if baseline:
        result["baseline"] = {"name": "tfidf+logreg", "fields": {f: _mean([b["fields"][f] for b in base_runs]) for f in data.labels}}
    return result


def _mean(results: list[dict]) -> dict:
    keys = ("accuracy", "macro_f1", "coverage", "accuracy_at_threshold")
    mean = {k: float(np.mean([r[k] for r in results if r[k] is not None])) if any(r[k] is not None for r in results) else None for k in keys}
    mean["confusion"] = results[-1]["confusion"]  # the last fold's, as an example
    mean["per_label"] = results[-1]["per_label"]
    return mean


def html_report(result: dict, *, title: str) -> str:
    """A self-contained page: summary table and each confusion matrix as a heatmap."""
    esc = html.escape
    parts = [f"<!doctype html><meta charset='utf-8'><title>{esc(title)}</title>",
             "<style>body{font:14px system-ui,sans-serif;margin:24px;color:#1d2330}table{border-collapse:collapse;margin:12px 0}"
             "td,th{border:1px solid #ddd;padding:3px 6px;text-align:center;font-size:11px}th.row{text-align:right}"
             ".summary td,.summary th{font-size:14px}.rot{writing-mode:vertical-rl;transform:rotate(180deg)}</style>",
             f"<h1>{esc(title)}</h1><p>{result['n_train']} training rows, {result['n_test']} test rows, {result['seconds']} s, engine {esc(result['engine'])}.</p>",
             "<table class='summary'><tr><th>field</th><th>accuracy</th><th>macro-F1</th><th>coverage at threshold</th><th>accuracy at threshold</th></tr>"]
    for field, m in result["fields"].items():
        parts.append(f"<tr><td>{esc(field)}</td><td>{m['accuracy']:.3f}</td><td>{m['macro_f1']:.3f}</td><td>{m['coverage']:.3f}</td><td>{'' if m['accuracy_at_threshold'] is None else format(m['accuracy_at_threshold'], '.3f')}</td></tr>")
        base = result.get("baseline", {}).get("fields", {}).get(field)
        if base:
            parts.append(f"<tr><td>{esc(field)} (TF-IDF baseline)</td><td>{base['accuracy']:.3f}</td><td>{base['macro_f1']:.3f}</td><td>{base['coverage']:.3f}</td><td>{'' if base['accuracy_at_threshold'] is None else format(base['accuracy_at_threshold'], '.3f')}</td></tr>")
    parts.append("</table>")
    for field, m in result["fields"].items():
        labels, matrix = m["confusion"]["labels"], m["confusion"]["matrix"]
        peak = max((max(row) for row in matrix), default=1) or 1
        parts.append(f"<h2>{esc(field)}: confusion matrix (rows: true, columns: predicted)</h2><table><tr><th></th>")
        parts.extend(f"<th><span class='rot'>{esc(label)}</span></th>" for label in labels)
        parts.append("</tr>")
        for label, row in zip(labels, matrix, strict=True):
            cells = "".join(
                f"<td style='background:rgba({'31,95,191' if i == j else '179,38,30'},{(v / peak) ** 0.5 if v else 0:.2f})' title='{esc(label)} → {esc(labels[j])}: {v}'>{v or ''}</td>"
                for j, v in enumerate(row) for i in [labels.index(label)]
            )
            parts.append(f"<tr><th class='row'>{esc(label)}</th>{cells}</tr>")
        parts.append("</table>")
    return "".join(parts)


# --- evaluation cases from production ----------------------------------------------------------

CASE_FIELDS = ("category", "urgency", "sentiment")


def _replay_classification(case, engine: str) -> dict:
    from triage.services.classify import run_engine

    result, fallback = run_engine(case.masked_text, engine=engine)
    got = {"category": result.category, "urgency": result.urgency, "sentiment": result.sentiment}
    out = {f: {"expected": case.labels.get(f), "got": got[f], "ok": got[f] == case.labels.get(f)} for f in CASE_FIELDS if case.labels.get(f)}
    if fallback:
        out["fallback"] = fallback
    return out


def _replay_draft(case) -> dict:
    """Draft the case's ticket again (nothing is saved) and compare with what the reviewer sent or rejected."""
    from knowledge.selectors import retrieve
    from triage.drafting.context import build_context, persona_for
    from triage.drafting.local import draft as local_draft
    from triage.services.review import edit_distance

    ticket = case.ticket
    classification = ticket.classifications.first() if ticket else None
    assessment = ticket.assessments.first() if ticket else None
    if ticket is None or classification is None or assessment is None or persona_for(ticket) is None:
        return {"draft": {"ok": None, "note": "the ticket is gone: only its classification can be replayed"}}
    sources = retrieve(case.masked_text, category=classification.category, k=5)
    output = local_draft(build_context(ticket=ticket, classification=classification, assessment=assessment, sources=sources), persona_for(ticket))
    if case.origin == "heavy_edit":
        distance = edit_distance(output.text, case.final_reply).normalized if output.text else 1.0
        from knowledge.selectors import HEAVY_EDIT_THRESHOLD

        return {"draft": {"edit_distance_to_final": round(distance, 4), "ok": distance <= HEAVY_EDIT_THRESHOLD}}
    rejected = case.predicted.get("draft", "")
    changed = output.text.strip() != rejected.strip()
    return {"draft": {"changed_since_rejection": changed, "no_answer": output.kind == "none", "ok": changed}}


def replay_cases(*, engine: str = "local", name: str = "", user=None, progress=None):
    """Replay the current pipeline on every evaluation case and record the run."""
    from triage.config import current_versions
    from triage.models import EvaluationCase, EvaluationRun

    started = time.perf_counter()
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
        outcomes = [c[field]["ok"] for c in per_case if field in c and c[field].get("ok") is not None]
        if outcomes:
            summary[field] = {"n": len(outcomes), "right": sum(outcomes), "accuracy": sum(outcomes) / len(outcomes)}
    return EvaluationRun.objects.create(
        kind="cases", name=name, engine=engine, per_case=per_case, summary=summary, n=len(per_case),
        seconds=round(time.perf_counter() - started, 2), created_by=user,
        versions={**current_versions(), "classifier": MODEL_VERSION if engine == "local" else settings.OPENAI_CLASSIFIER_MODEL, "embedding": MODEL_NAME},
    )


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
            if field in case and field in old and old[field].get("ok") is not None and case[field].get("ok") is not None:
                if not old[field]["ok"] and case[field]["ok"]:
                    fixed.append({"case": case["case"], "field": field, "before": old[field].get("got"), "after": case[field].get("got")})
                elif old[field]["ok"] and not case[field]["ok"]:
                    broken.append({"case": case["case"], "field": field, "before": old[field].get("got"), "after": case[field].get("got")})
    changed_versions = {k: (before.versions.get(k), after.versions.get(k)) for k in set(before.versions) | set(after.versions) if before.versions.get(k) != after.versions.get(k)}
    return {
        "before": before.pk, "after": after.pk,
        "fields": {f: {"before": before.summary.get(f, {}).get("accuracy"), "after": after.summary.get(f, {}).get("accuracy")} for f in fields},
        "fixed": fixed, "broken": broken, "changed_versions": changed_versions,
    }
