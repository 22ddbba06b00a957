"""Sentiment: the cues a support lead reads tone from, the text model for the rest, measured on a
four-language test set written after the model (and by cross-validation on its training set)."""

import io
import json
from pathlib import Path

import numpy as np
import pytest
from django.core.management import CommandError, call_command
from sklearn.linear_model import LogisticRegression

from triage.evaluation.text import evaluate_file
from triage.text import hashing, sentiment

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


def test_the_text_model_gives_the_probabilities_of_the_regression_it_was_fitted_as():
    """It keeps the columns its texts filled and reads a new text's hashed n-grams through them
    (n-grams it never saw add nothing) to the regression's own probabilities."""
    rows = sentiment.training_rows()[::4]
    texts, labels = [r["text"] for r in rows], [r["sentiment"] for r in rows]
    model = sentiment.fit_text_model(texts, labels)
    filled = np.unique(hashing.matrix(texts).indices)
    assert np.array_equal(model.columns, filled)
    regression = LogisticRegression(C=sentiment.TEXT_C, solver="newton-cg", max_iter=3000)
    regression.fit(hashing.matrix(texts)[:, filled], labels)
    queries = ["Die App zeigt eine leere Seite", "Thanks!!", "¿Cuándo llega mi pedido?", "zzqx"]
    expected = regression.predict_proba(hashing.matrix(queries)[:, filled])
    got = np.array([model.proba(q) for q in queries])
    assert np.allclose(expected, got, atol=1e-5)


def test_the_model_file_holds_weights_and_digests_but_no_text():
    with np.load(sentiment.MODEL) as data:
        assert set(data.files) == {
            "text_columns", "text_coef", "text_intercept", "combine_coef", "combine_intercept",
            "trained_on",
        }  # fmt: skip
        assert all(data[name].dtype.kind in "fiu" for name in data.files if name != "trained_on")
        digests = data["trained_on"].tolist()
    assert len(digests) >= 680 and all(len(d) == 16 and int(d, 16) >= 0 for d in digests)
    shipped = {sentiment.text_digest(r["text"]) for r in sentiment.training_rows()}
    assert shipped <= set(digests)


def test_without_the_model_file_a_model_is_trained_on_the_shipped_messages(tmp_path, monkeypatch):
    monkeypatch.setattr(sentiment, "MODEL", tmp_path / "absent.npz")
    sentiment.shipped_model.cache_clear()
    try:
        model = sentiment.shipped_model()
        assert len(model.trained_on) == len(sentiment.training_rows())
        assert sentiment.sentiment_of("Thank you so much, that fixed it!") == "positive"
    finally:
        sentiment.shipped_model.cache_clear()


def test_training_is_reproducible_and_writes_where_it_is_told(tmp_path):
    (tmp_path / "sentiment_dev").mkdir()
    written = [
        {"id": f"w{i}", "text": text, "sentiment": label}
        for i, (text, label) in enumerate(
            [
                ("The courier left my parcel in the rain again, soaked.", "frustrated"),
                ("Wow, you fixed it in five minutes, thank you!", "positive"),
                ("Can I change the delivery day?", "neutral"),
                ("You are thieves and I will report you.", "angry"),
            ]
            * 3
        )
    ]
    (tmp_path / "sentiment_dev" / "cases.jsonl").write_text(
        "\n".join(json.dumps(r) for r in written), encoding="utf-8"
    )
    out = io.StringIO()
    call_command("train_sentiment", data=tmp_path, out=tmp_path / "a.npz", stdout=out)
    call_command("train_sentiment", data=tmp_path, out=tmp_path / "b.npz", stdout=io.StringIO())
    assert "680 shipped messages and" in out.getvalue()
    with np.load(tmp_path / "a.npz") as a, np.load(tmp_path / "b.npz") as b:
        assert all(np.array_equal(a[name], b[name]) for name in a.files)
        dev_rows = len(a["trained_on"]) - 680
    assert 0 < dev_rows < 12  # the development part of the set only
    with pytest.raises(CommandError, match="is not a directory"):
        call_command("train_sentiment", data=tmp_path / "absent", out=tmp_path / "c.npz")


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
        ("The pressure regulator on my boiler is leaking.", "neutral"),
    ],
)
def test_cues(text, label):
    assert sentiment.sentiment_of(text) == label


@pytest.mark.parametrize(
    "text",
    [
        "Thanks for your reply, but unless it works by Friday I will go to the regulator.",
        "Vielen Dank. Passiert bis Freitag nichts, rufe ich die Schlichtungsstelle an.",
        "Les agradezco la respuesta, pero si el viernes sigo igual iré a consumidores.",
        "Je vous remercie de votre réponse, mais sans ligne vendredi je saisirai le médiateur.",
    ],
)
def test_a_polite_threat_to_go_to_the_regulator_is_a_threat(text):
    assert "threat" in sentiment.read_cues(text).names
    assert sentiment.sentiment_of(text) == "angry"


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


@pytest.mark.parametrize(
    ("answer", "label"),
    [("Still not working.", "frustrated"), ("The annual Pro plan.", "neutral")],
)
def test_our_quoted_words_a_customer_answers_between_do_not_set_their_tone(answer, label):
    quoted = "> Thank you so much for your patience, we are delighted to help! :)\n\n"
    assert sentiment.read_sentiment(answer).label == label
    assert sentiment.read_sentiment(quoted + answer).label == label
    assert sentiment.read_sentiment(quoted).label == "neutral"  # nothing of theirs to read
