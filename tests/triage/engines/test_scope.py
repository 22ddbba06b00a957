"""The judgement of scope beside every classification: how unlike the labelled entries a ticket
is, read against entries the model did not learn from."""

from __future__ import annotations

import json

import numpy as np
import pytest

from knowledge.embeddings import embed_texts
from tests.fake_openai import chat_completion
from tests.triage.engines.test_classify import VALID, pipeline_with_openai
from triage.engines import classify_local
from triage.engines.classify_local import CategoryModel, LabelledSet, ScopeYardstick

FAR = "What is a good recipe for a lemon cake with blueberries? Mine always sinks in the middle."
USUAL = "I was charged twice for my subscription this month"


def unit(rows: np.ndarray) -> np.ndarray:
    return rows / np.linalg.norm(rows, axis=1, keepdims=True)


def clustered(rng, centres: np.ndarray, per: int, spread: float) -> tuple[np.ndarray, np.ndarray]:
    labels = np.repeat(np.arange(len(centres)), per)
    points = centres[labels] + rng.normal(scale=spread, size=(len(labels), centres.shape[1]))
    return unit(points).astype(np.float32), np.array([f"c{i}" for i in labels])


def labelled(vectors: np.ndarray, labels: np.ndarray) -> LabelledSet:
    blank = np.array([""] * len(labels))
    return LabelledSet(vectors=vectors, categories=labels, subcategories=blank, urgencies=blank)


def test_the_score_is_the_share_of_held_out_entries_that_look_less_unusual():
    yardstick = ScopeYardstick(np.arange(100, dtype=float), np.arange(100, dtype=float))
    scores = yardstick.score(np.array([-10.0, 49.0, 1000.0]), np.array([-10.0, 49.0, 1000.0]))
    assert scores.tolist() == [0.0, 0.5, 1.0]


def test_new_tickets_like_the_entries_stay_in_scope_and_tickets_far_from_all_go_out(settings):
    """Four categories as clusters in the embedding space: about as many ordinary newcomers are
    judged out as the threshold allows (1 - 0.98), every far one is."""
    settings.OUT_OF_SCOPE_THRESHOLD = 0.98
    rng = np.random.default_rng(7)
    centres = unit(rng.normal(size=(4, 384)))
    vectors, labels = clustered(rng, centres, per=60, spread=0.06)
    model = CategoryModel(labelled(vectors, labels))
    assert model.yardstick is not None  # judged from five folds (a set too small to calibrate)
    newcomers, _ = clustered(rng, centres, per=250, spread=0.06)
    far = unit(rng.normal(size=(100, 384))).astype(np.float32)
    inside = [s.out_of_scope for s in model.scope(newcomers, None)]
    outside = model.scope(far, None)
    assert np.mean(inside) <= 0.06
    assert all(s.out_of_scope for s in outside)
    assert "unlike anything in the taxonomy" in outside[0].reason
    assert len(outside[0].nearest) == 3 and outside[0].nearest[0]["category"].startswith("c")


def test_made_up_rows_mix_two_entries_of_different_categories():
    labels = np.array(["a"] * 50 + ["b"] * 5 + ["c"] * 5)
    first, second, weight = classify_local.mixed_pairs(labels, 40, np.random.default_rng(0))
    assert 0 < len(first) <= 40 and len(first) == len(second) == len(weight)
    assert (labels[first] != labels[second]).all()
    low, high = classify_local.SCOPE_MIX
    assert ((weight >= low) & (weight <= high)).all()
    one = classify_local.mixed_pairs(np.array(["a"] * 9), 5, np.random.default_rng(0))
    assert [len(part) for part in one] == [0, 0, 0]


def worded(rng, labels: np.ndarray, vocabularies: list[list[str]]) -> list[str]:
    return [" ".join(rng.choice(vocabularies[int(label[1:])], size=6).tolist()) for label in labels]


def test_a_calibrated_set_is_judged_by_a_model_that_learnt_an_outside_class(settings):
    """Four categories, each with its words and its cluster, 240 entries (enough to calibrate):
    a second classifier learns the categories and the rows made up between them; ordinary
    newcomers stay in scope about as often as the threshold says, far ones with unknown words
    go out, and no ticket is ever labelled with the made-up class."""
    settings.OUT_OF_SCOPE_THRESHOLD = 0.98
    rng = np.random.default_rng(11)
    centres = unit(rng.normal(size=(4, 384)))
    vocabularies = [[f"w{c}x{i}" for i in range(8)] for c in range(4)]
    vectors, labels = clustered(rng, centres, per=60, spread=0.06)
    data = labelled(vectors, labels)
    data.texts = np.array(worded(rng, labels, vocabularies), dtype=object)
    model = CategoryModel(data)
    assert model.scope_model is not None
    assert classify_local.OUTSIDE in model.scope_model.classes_
    assert classify_local.OUTSIDE not in model.labels
    newcomers, new_labels = clustered(rng, centres, per=100, spread=0.06)
    new_texts = worded(rng, new_labels, vocabularies)
    far = unit(rng.normal(size=(50, 384))).astype(np.float32)
    far_texts = [f"lemon cake recipe number {i} sinks" for i in range(50)]
    inside = [s.out_of_scope for s in model.scope(newcomers, new_texts)]
    outside = model.scope(far, far_texts)
    assert np.mean(inside) <= 0.06
    assert all(s.out_of_scope for s in outside)
    probs, *_ = model.predict_proba(np.vstack([newcomers, far]), new_texts + far_texts)
    assert set(model.labels[probs.argmax(axis=1)]) <= {"c0", "c1", "c2", "c3"}
    with pytest.raises(ValueError):
        model.scope(far, None)  # it reads the words too


def test_a_set_too_small_to_judge_gives_no_judgement_and_asks_nothing_of_it():
    rng = np.random.default_rng(3)
    vectors, labels = clustered(rng, unit(rng.normal(size=(2, 384))), per=6, spread=0.05)
    model = CategoryModel(labelled(vectors, labels))
    assert model.yardstick is None
    assert model.scope(vectors[:2], None) == [None, None]
    result = classify_local.classify_vectors(["a", "b"], vectors[:2], model=model, threshold=0.0)[0]
    assert result.scope is None and not result.out_of_scope


def test_a_ticket_unlike_the_knowledge_base_is_out_of_scope_with_its_nearest_entries(knowledge):
    far, usual = classify_local.classify_vectors(
        [FAR, USUAL],
        embed_texts([FAR, USUAL]),
        model=classify_local.current_model(),
        threshold=0.75,
    )
    assert far.out_of_scope
    assert far.scope["reason"].startswith("unlike anything in the taxonomy")
    assert any(note.startswith("out of scope:") for note in far.notes)
    assert [n["entry_id"] for n in far.scope["nearest"]] and all(
        isinstance(n["entry_id"], int) for n in far.scope["nearest"]
    )
    assert not usual.out_of_scope and usual.scope["score"] < 0.5


@pytest.mark.django_db(transaction=True)
def test_the_local_engine_judges_scope_beside_a_confident_openai_label(
    settings, fake_openai, knowledge
):
    """The OpenAI-compatible engine says "billing, 0.93" about a cake recipe: the ticket still goes
    to a person, and the event says why."""
    ticket, classification, event = pipeline_with_openai(
        settings, fake_openai, lambda req: (200, chat_completion(json.dumps(VALID))), body=FAR
    )
    assert classification.engine == "openai" and classification.category == "billing"
    assert classification.out_of_scope
    assert event.outputs["scope"]["out_of_scope"] is True
    ticket.refresh_from_db()
    assert ticket.needs_human_triage and not ticket.drafts.get().text
