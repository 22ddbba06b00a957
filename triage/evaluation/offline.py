"""Offline evaluation of classification on a labelled CSV: a train/test split or K folds.

A CSV evaluation runs in an isolated knowledge space: a temporary PostgreSQL schema holds
the training rows' embeddings and labels, the engine is fitted from it, and the schema is
dropped afterwards; the live knowledge base is never read or written.
"""

from __future__ import annotations

import json
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import numpy as np
from django.conf import settings
from django.db import connection
from django.template.loader import render_to_string
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import confusion_matrix, f1_score, precision_recall_fscore_support
from sklearn.model_selection import StratifiedKFold

from knowledge.embeddings import MODEL_NAME, embed_texts
from triage.engines import classify_openai
from triage.engines.classify_local import MODEL_VERSION, CategoryModel, LabelledSet
from triage.engines.types import EngineError
from triage.evaluation.datasets import Dataset, EvalError, prepare
from triage.text.signals import rule_urgency

SEED = 42
CHUNK = 256  # test rows embedded and classified per step (progress is reported per step)


@contextmanager
def isolated_space(
    vectors: np.ndarray, labels: dict[str, list[str]]
) -> Iterator[Callable[[], tuple[np.ndarray, dict[str, np.ndarray]]]]:
    """A temporary schema with the training rows; yields a loader; drops the schema whatever
    happens."""
    schema = f"eval_{uuid.uuid4().hex[:12]}"
    with connection.cursor() as cursor:
        cursor.execute("CREATE EXTENSION IF NOT EXISTS vector")
        cursor.execute(f'CREATE SCHEMA "{schema}"')
        try:
            cursor.execute(
                f'CREATE TABLE "{schema}".entries (id serial PRIMARY KEY, embedding vector(384) '
                f"NOT NULL, labels jsonb NOT NULL)"
            )
            rows = [
                (vector.tolist(), json.dumps({f: labels[f][i] for f in labels}))
                for i, vector in enumerate(vectors)
            ]
            for start in range(0, len(rows), 2000):
                cursor.executemany(
                    f'INSERT INTO "{schema}".entries (embedding, labels) VALUES (%s::vector, '
                    f"%s::jsonb)",
                    [(str(vector), data) for vector, data in rows[start : start + 2000]],
                )

            def load() -> tuple[np.ndarray, dict[str, np.ndarray]]:
                cursor.execute(
                    f'SELECT embedding::text, labels FROM "{schema}".entries ORDER BY id'
                )
                fetched = cursor.fetchall()
                matrix = np.asarray([json.loads(e) for e, _ in fetched], dtype=np.float32)
                parsed = [raw if isinstance(raw, dict) else json.loads(raw) for _, raw in fetched]
                return matrix, {f: np.array([p[f] for p in parsed]) for f in labels}

            yield load
        finally:
            cursor.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')


PRECISION_TARGETS = (0.90, 0.95)


def coverage_at_precision(
    correct: np.ndarray, confidence: np.ndarray, target: float
) -> tuple[float | None, float | None]:
    """The largest share of tickets that can be routed without review at ``target`` precision,
    taking them most confident first, and the confidence threshold that gives it (None, None
    when not even the most confident ticket is right)."""
    if not len(correct):
        return None, None
    order = np.argsort(-confidence, kind="stable")
    precision = np.cumsum(correct[order]) / np.arange(1, len(order) + 1)
    reached = np.nonzero(precision >= target)[0]
    if not len(reached):
        return None, None
    last = int(reached[-1])
    return (last + 1) / len(order), float(confidence[order][last])


def calibration_error(correct: np.ndarray, confidence: np.ndarray, bins: int = 10) -> float | None:
    """Expected calibration error: over ten equal-width confidence bins, the gap between the
    share right and the mean confidence, weighted by the bin's share of tickets (0 is
    perfectly calibrated)."""
    if not len(correct):
        return None
    which = np.minimum((confidence * bins).astype(int), bins - 1)
    error = 0.0
    for b in range(bins):
        inside = which == b
        if inside.any():
            error += inside.mean() * abs(correct[inside].mean() - confidence[inside].mean())
    return float(error)


def score(y_true: list[str], y_pred: list[str], confidence: list[float], threshold: float) -> dict:
    labels = sorted(set(y_true) | set(y_pred))
    true, pred, conf = np.array(y_true), np.array(y_pred), np.array(confidence)
    at_precision = {}
    for target in PRECISION_TARGETS:
        coverage, at = coverage_at_precision(true == pred, conf, target)
        at_precision[f"coverage_at_{round(target * 100)}"] = coverage
        at_precision[f"threshold_at_{round(target * 100)}"] = at
    precision, recall, f1, support = precision_recall_fscore_support(
        true, pred, labels=labels, zero_division=0
    )
    confident = conf >= threshold
    return {
        "accuracy": float((true == pred).mean()),
        "macro_f1": float(
            f1_score(true, pred, labels=sorted(set(y_true)), average="macro", zero_division=0)
        ),
        "coverage": float(confident.mean()),
        "accuracy_at_threshold": float((true[confident] == pred[confident]).mean())
        if confident.any()
        else None,
        "threshold": threshold,
        "calibration_error": calibration_error(true == pred, conf),
        **at_precision,
        "per_label": {
            label: {"precision": float(p), "recall": float(r), "f1": float(f), "support": int(n)}
            for label, p, r, f, n in zip(labels, precision, recall, f1, support, strict=True)
        },
        "confusion": {
            "labels": labels,
            "matrix": confusion_matrix(true, pred, labels=labels).tolist(),
        },
    }


def _local_predict(
    field: str, model: CategoryModel, texts: list[str], vectors: np.ndarray
) -> tuple[list[str], list[float], list[bool | None]]:
    """Labels, confidences and (for the category) whether each row was judged out of scope
    (None when the set is too small to judge)."""
    probs, idx, sims, matrix = model.predict_with_matrix(vectors, texts)
    preds = [str(model.labels[i]) for i in probs.argmax(axis=1)]
    conf = probs.max(axis=1).tolist()
    if field == "urgency" and set(model.labels) <= {"P1", "P2", "P3", "P4"}:
        for i, text in enumerate(texts):
            ruled, _ = rule_urgency(text)
            if ruled:
                preds[i] = ruled
    outside: list[bool | None] = [None] * len(texts)
    if field == "category":
        judged = model.scope(vectors, texts, neighbours=(idx, sims), matrix=matrix, nearest=0)
        outside = [None if j is None else j.out_of_scope for j in judged]
    return preds, conf, outside


def score_scope(
    truth: list[str], preds: list[str], outside: list[bool | None], *, oos_label: str | None
) -> dict | None:
    """What the out-of-scope judgement costs and finds. In-scope rows: label accuracy, the share
    judged out of scope (coverage lost), the accuracy counting those as wrong (CLINC150's
    "in-scope accuracy") and among the rest. With ``oos_label``: recall and precision of the
    judgement on the rows carrying it (a row predicted as ``oos_label`` counts as judged out)."""
    if all(o is None for o in outside):
        return None
    true, pred = np.array(truth), np.array(preds)
    judged = np.array([bool(o) for o in outside])
    if oos_label is not None:
        judged |= pred == oos_label
    is_oos = true == oos_label if oos_label is not None else np.zeros(len(true), dtype=bool)
    inside = ~is_oos
    right = (true == pred) & inside
    kept = inside & ~judged
    result = {
        "in_scope_rows": int(inside.sum()),
        "label_accuracy": float(right[inside].mean()) if inside.any() else None,
        "coverage_lost": float(judged[inside].mean()) if inside.any() else None,
        "in_scope_accuracy": float((right & ~judged)[inside].mean()) if inside.any() else None,
        "accuracy_kept": float(right[kept].mean()) if kept.any() else None,
        "threshold": settings.OUT_OF_SCOPE_THRESHOLD,
    }
    if oos_label is not None:
        result.update(
            oos_rows=int(is_oos.sum()),
            oos_recall=float(judged[is_oos].mean()) if is_oos.any() else None,
            oos_precision=float(is_oos[judged].mean()) if judged.any() else None,
        )
    return result


def _model(vectors: np.ndarray, labels: np.ndarray, texts: list[str], keep=None) -> CategoryModel:
    keep = np.ones(len(labels), dtype=bool) if keep is None else keep
    return CategoryModel(
        LabelledSet(
            vectors=vectors[keep],
            categories=labels[keep],
            subcategories=np.array([""] * int(keep.sum())),
            urgencies=np.array([""] * int(keep.sum())),
            texts=np.array(texts, dtype=object)[keep],  # in the order they were stored
        )
    )


def evaluate_split(
    train: Dataset,
    test: Dataset,
    *,
    engine: str = "local",
    progress: Callable[[int], None] | None = None,
    oos_label: str | None = None,
) -> dict:
    """Fit on ``train``, score ``test``. With ``oos_label``: rows with that category are out of
    scope; the category is fitted twice, without those training rows (the figures under
    "fields") and with them as one more class, and the out-of-scope judgement of each is
    scored ("scope")."""
    threshold = settings.ROUTING_CONFIDENCE_THRESHOLD
    started = time.perf_counter()
    train_texts = prepare(train.texts)
    train_vectors = embed_texts(train_texts)
    fields = list(train.labels)
    if oos_label is not None and "category" not in fields:
        raise EvalError("--oos-label needs a category label (--label category=COLUMN)")
    with isolated_space(train_vectors, train.labels) as load:
        vectors, labels = load()
    variants = {"": None}
    if oos_label is not None:
        is_oos = labels["category"] == oos_label
        if is_oos.all():
            raise EvalError(f"every training row is labelled {oos_label!r}")
        variants = {"without_oos_rows": ~is_oos, "with_oos_rows": None}
    models = {f: _model(vectors, labels[f], train_texts) for f in fields if f != "category"}
    category_models = {
        name: _model(vectors, labels["category"], train_texts, keep)
        for name, keep in (variants.items() if "category" in fields else ())
    }
    fit_seconds = time.perf_counter() - started

    clock = time.perf_counter()
    predictions = {f: ([], [], []) for f in fields}
    variant_predictions = {name: ([], [], []) for name in category_models}
    fallbacks = 0
    for start in range(0, len(test), CHUNK):
        texts = prepare(test.texts[start : start + CHUNK])
        batch_vectors = embed_texts(texts)
        for field in fields:
            if field == "category":
                first = None
                for name, model in category_models.items():
                    got = _local_predict(field, model, texts, batch_vectors)
                    first = first or got
                    for store, values in zip(variant_predictions[name], got, strict=True):
                        store.extend(values)
                preds, conf, outside = first
            else:
                preds, conf, outside = _local_predict(field, models[field], texts, batch_vectors)
            if engine == "openai" and field == "category":
                preds, conf, failed = _openai_predict(
                    texts, sorted(set(train.labels[field])), preds, conf
                )
                fallbacks += failed
            predictions[field][0].extend(preds)
            predictions[field][1].extend(conf)
            predictions[field][2].extend(outside)
        if progress:
            progress(len(texts))
    classify_seconds = time.perf_counter() - clock
    in_scope = (
        np.array(test.labels["category"]) != oos_label
        if oos_label is not None
        else np.ones(len(test), dtype=bool)
    )

    def scored(f: str) -> dict:
        keep = np.nonzero(in_scope)[0]
        return score(
            [test.labels[f][i] for i in keep],
            [predictions[f][0][i] for i in keep],
            [predictions[f][1][i] for i in keep],
            threshold,
        )

    scope = {
        (name or "judgement"): score_scope(
            test.labels["category"], got[0], got[2], oos_label=oos_label
        )
        for name, got in variant_predictions.items()
    }
    result = {
        "fields": {f: scored(f) for f in fields},
        "scope": {name: value for name, value in scope.items() if value is not None},
        "oos_label": oos_label,
        "n_train": len(train),
        "n_test": len(test),
        "seconds": round(time.perf_counter() - started, 2),
        "fit_seconds": round(fit_seconds, 2),
        "classify_seconds": round(classify_seconds, 2),
        "tickets_per_second": round(len(test) / classify_seconds, 1) if classify_seconds else None,
        "engine": engine,
        "versions": {
            "engine": engine,
            "model": MODEL_VERSION,
            "embedding": MODEL_NAME,
            "threshold": threshold,
        },
    }
    if engine == "openai":
        result["versions"]["openai_model"] = settings.OPENAI_CLASSIFIER_MODEL
        result["openai_fallbacks"] = fallbacks
    return result


def _openai_predict(
    texts: list[str], labels: list[str], local_preds: list[str], local_conf: list[float]
) -> tuple[list[str], list[float], int]:
    taxonomy = [
        {"slug": label, "description": label.replace("_", " "), "subcategories": []}
        for label in labels
    ]
    preds, conf, failed = [], [], 0
    for text, lp, lc in zip(texts, local_preds, local_conf, strict=True):
        try:
            result = classify_openai.classify(
                text, taxonomy=taxonomy, threshold=settings.ROUTING_CONFIDENCE_THRESHOLD
            )
            preds.append(result.category)
            conf.append(result.confidence)
        except EngineError:
            preds.append(lp)
            conf.append(lc)
            failed += 1
    return preds, conf, failed


def baseline_tfidf(train: Dataset, test: Dataset) -> dict:
    """TF-IDF (word 1-2 grams) + logistic regression on the same split: the bar to beat."""
    started = time.perf_counter()
    vectorizer = TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True)
    train_matrix = vectorizer.fit_transform(prepare(train.texts))
    test_matrix = vectorizer.transform(prepare(test.texts))
    fields = {}
    for field in train.labels:
        model = LogisticRegression(C=10.0, max_iter=2000).fit(train_matrix, train.labels[field])
        probs = model.predict_proba(test_matrix)
        preds = [str(model.classes_[i]) for i in probs.argmax(axis=1)]
        fields[field] = score(
            test.labels[field],
            preds,
            probs.max(axis=1).tolist(),
            settings.ROUTING_CONFIDENCE_THRESHOLD,
        )
    return {
        "name": "tfidf+logreg",
        "fields": fields,
        "seconds": round(time.perf_counter() - started, 2),
    }


def evaluate_folds(
    data: Dataset,
    *,
    folds: int,
    engine: str = "local",
    baseline: bool = False,
    progress=None,
    oos_label: str | None = None,
) -> dict:
    first = next(iter(data.labels))
    counts = Counter(data.labels[first])
    if min(counts.values()) < folds:
        rare = min(counts, key=counts.get)
        raise EvalError(
            f"label {rare!r} has {counts[rare]} rows; {folds} folds need at least {folds} per label"
        )
    splitter = StratifiedKFold(n_splits=folds, shuffle=True, random_state=SEED)
    runs, base_runs = [], []
    started = time.perf_counter()
    for train_idx, test_idx in splitter.split(np.zeros(len(data)), data.labels[first]):
        train, test = data.subset(train_idx), data.subset(test_idx)
        runs.append(
            evaluate_split(train, test, engine=engine, progress=progress, oos_label=oos_label)
        )
        if baseline:
            base_runs.append(baseline_tfidf(train, test))
    result = {
        "fields": {f: _mean([r["fields"][f] for r in runs]) for f in data.labels},
        "folds": folds,
        "per_fold": [
            {
                f: {
                    k: r["fields"][f][k]
                    for k in ("accuracy", "macro_f1", "coverage", "accuracy_at_threshold")
                }
                for f in data.labels
            }
            for r in runs
        ],
        "n_train": int(np.mean([r["n_train"] for r in runs])),
        "n_test": int(np.mean([r["n_test"] for r in runs])),
        "seconds": round(time.perf_counter() - started, 2),
        "tickets_per_second": round(
            float(np.mean([r["tickets_per_second"] or 0 for r in runs])), 1
        ),
        "engine": engine,
        "versions": runs[0]["versions"],
        "oos_label": oos_label,
        "scope": _mean_scope(runs),
    }
    if baseline:
        result["baseline"] = {
            "name": "tfidf+logreg",
            "fields": {f: _mean([b["fields"][f] for b in base_runs]) for f in data.labels},
        }
    return result


def _mean_scope(runs: list[dict]) -> dict:
    """Each figure of the out-of-scope judgement averaged over the folds that have it."""
    means = {}
    for name in runs[0]["scope"]:
        judged = [r["scope"][name] for r in runs if name in r["scope"]]
        means[name] = {}
        for key in judged[0]:
            values = [j[key] for j in judged if j[key] is not None]
            means[name][key] = float(np.mean(values)) if values else None
    return means


def _mean(results: list[dict]) -> dict:
    keys = (
        "accuracy",
        "macro_f1",
        "coverage",
        "accuracy_at_threshold",
        "coverage_at_90",
        "threshold_at_90",
        "coverage_at_95",
        "threshold_at_95",
        "calibration_error",
    )
    mean = {
        k: float(np.mean([r[k] for r in results if r[k] is not None]))
        if any(r[k] is not None for r in results)
        else None
        for k in keys
    }
    mean["confusion"] = results[-1]["confusion"]  # the last fold's, as an example
    mean["per_label"] = results[-1]["per_label"]
    return mean


def html_report(result: dict, *, title: str) -> str:
    """A self-contained page (``evaluation/report.html``): summary table and each confusion matrix
    as a heatmap."""
    summary = []
    for field, m in result["fields"].items():
        summary.append({"name": field, "m": m})
        base = result.get("baseline", {}).get("fields", {}).get(field)
        if base:
            summary.append({"name": f"{field} (TF-IDF baseline)", "m": base})
    matrices = []
    for field, m in result["fields"].items():
        labels, matrix = m["confusion"]["labels"], m["confusion"]["matrix"]
        peak = max((max(row) for row in matrix), default=1) or 1
        rows = [
            {
                "label": label,
                "cells": [
                    {
                        "value": v,
                        "predicted": labels[j],
                        "diagonal": i == j,
                        "alpha": f"{(v / peak) ** 0.5 if v else 0:.2f}",
                    }
                    for j, v in enumerate(row)
                ],
            }
            for i, (label, row) in enumerate(zip(labels, matrix, strict=True))
        ]
        matrices.append({"field": field, "labels": labels, "rows": rows})
    return render_to_string(
        "evaluation/report.html",
        {"title": title, "result": result, "summary": summary, "matrices": matrices},
    )
