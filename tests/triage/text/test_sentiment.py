"""Sentiment: the cues a support lead reads tone from, the text model for the rest, measured on a
four-language test set written after the model (and by cross-validation on its training set)."""

import json
from pathlib import Path

import numpy as np
import pytest

from triage.evaluation.text import evaluate_file
from triage.text import sentiment

FIXTURES = Path(__file__).parents[2] / "fixtures" / "text"


def test_test_set_accuracy_and_no_thank_you_read_as_negative():
    result = evaluate_file(FIXTURES / "sentiment.jsonl")
    assert result["cases"] >= 80 and set(result["per_language"]) == {"en", "de", "es", "fr"}
    assert result["accuracy"] >= 0.8, result["misses"]
    assert result["thanks_marked_negative"] == []


def test_cross_validated_accuracy_on_the_training_messages():
    result = evaluate_file(sentiment.TRAINING_FILE)
    assert result["cases"] >= 300
    assert result["accuracy"] >= 0.8 and result["thanks_marked_negative"] == []


def test_the_fast_linear_model_gives_sklearns_probabilities():
    rows = sentiment.training_rows()
    fitted = sentiment.fit_text_model([r["text"] for r in rows], [r["sentiment"] for r in rows])
    texts = ["Die App zeigt eine leere Seite", "Thanks!!", "", "¿Cuándo llega mi pedido?"]
    expected = fitted.predict_proba(texts)
    got = np.array(sentiment.LinearTextModel(fitted).predict_proba(texts))
    assert np.allclose(expected, got, atol=1e-9)


@pytest.mark.parametrize(
    ("text", "label"),
    [
        ("Super help - problem solved 😀", "positive"),
        ("I am! Thank you for the answer!!", "positive"),
        ("Brilliant thanks 😊", "positive"),
        ("Thanks for nothing, the link is broken too.", "frustrated"),
        ("Not happy with how long this is taking.", "frustrated"),
        ("The export still fails after the update.", "frustrated"),
        ("WHY IS MY ACCOUNT STILL LOCKED? I WANT AN ANSWER.", "angry"),
        ("😡😡😡 you charged me twice", "angry"),
        ("Sie haben doppelt abgebucht, das ist Betrug!", "angry"),
        ("Die Rechnung wurde doppelt abgebucht, bitte prüfen.", "neutral"),
        ("¿Dónde encuentro la factura de octubre?", "neutral"),
        ("Merci de résilier mon abonnement.", "neutral"),
    ],
)
def test_cues(text, label):
    assert sentiment.sentiment_of(text) == label


def test_score_sign_follows_the_label():
    assert sentiment.sentiment_score("Thank you so much, all fixed!")[1] > 0
    assert sentiment.sentiment_score("This is a scam, refund me now!!!")[1] < 0
    assert sentiment.sentiment_score("")[0] == "neutral"


def test_the_evaluation_reports_accuracy_per_named_trap(tmp_path):
    rows = [
        {"text": "Thanks a lot!", "sentiment": "positive", "trap": "thanks_only"},
        {"text": "Danke!!", "sentiment": "positive", "trap": "thanks_only"},
        {"text": "Where do I change my address?", "sentiment": "neutral", "trap": ""},
    ]
    path = tmp_path / "traps.jsonl"
    path.write_text("\n".join(json.dumps(r) for r in rows), encoding="utf-8")
    result = evaluate_file(path)
    assert result["per_trap"] == {"thanks_only": {"accuracy": 1.0, "messages": 2}}
