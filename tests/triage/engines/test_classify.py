import json
import threading

import numpy as np
import pytest

from knowledge.embeddings import embed_texts
from knowledge.services import EntryInput, create_entries
from tests.conftest import make_ticket
from tests.fake_openai import chat_completion
from triage.engines import classify_local as local
from triage.engines import openai_client
from triage.evaluation import offline
from triage.models import Classification
from triage.pipeline.run import run_pipeline
from triage.text.sentiment import sentiment_of
from triage.text.signals import rule_urgency


def classify(text: str):
    return local.classify(text)


def test_local_engine_learns_categories_from_the_knowledge_base(knowledge):
    assert classify("My card was charged twice for the subscription").category == "billing"
    assert classify("The API answers 401 invalid_api_key to every request").category == "technical"
    assert (
        classify("I lost my phone and cannot pass two-factor authentication").category == "account"
    )
    result = classify("It would be great to have a dark theme")
    assert result.category == "feature_request" and result.urgency == "P4"


def test_confidence_is_low_when_the_vote_is_split(knowledge):
    clear = classify("I was charged twice for my subscription this month")
    split = classify("thing")
    assert clear.confidence > 0.75 and not clear.needs_human_review
    assert split.confidence < clear.confidence
    assert len(clear.alternatives) >= 2 and clear.alternatives[0]["category"] == "billing"


@pytest.mark.parametrize(
    ("text", "urgency"),
    [
        ("Ledgerly is down, we get 502 Bad Gateway", "P1"),
        ("Someone hacked our account", "P1"),
        ("We lost all our data after the import", "P1"),
        ("Ledgerly is down for us, but not urgent at all, we are closed today", "P3"),
        ("Urgent: our workspace is locked", "P2"),
        ("How do I add my logo?", "P4"),
    ],
)
def test_urgency_rules(text, urgency):
    assert rule_urgency(text)[0] == urgency


@pytest.mark.parametrize(
    ("text", "sentiment"),
    [
        ("This is UNACCEPTABLE!! Fix this now, it's the third time", "angry"),
        ("It still does not work and this is frustrating", "frustrated"),
        ("Thank you, the new editor is fantastic", "positive"),
        ("How do I change my VAT number?", "neutral"),
        ("Immer noch nicht gelöst, schon wieder", "frustrated"),
    ],
)
def test_sentiment_rules(text, sentiment):
    assert sentiment_of(text) == sentiment


def test_new_entries_are_used_without_a_restart(knowledge):
    text = "The quantum flux capacitor in my invoice template glows purple"
    before = classify(text)
    create_entries(
        entries=[
            EntryInput(text=f"{text} variant {i}", category="hardware_oddities") for i in range(4)
        ]
    )
    after = classify(text)
    assert before.category != "hardware_oddities" and after.category == "hardware_oddities"


@pytest.mark.django_db
def test_empty_knowledge_base_sends_everything_to_a_human(config):
    local.reset_cache()
    result = classify("My card was charged twice")
    assert result.confidence == 0.0 and result.needs_human_review
    assert "no labelled entries" in result.notes[0]


# --- the openai engine against a local OpenAI-compatible server ---------------------------------

VALID = {
    "urgency": "P2",
    "category": "billing",
    "secondary_category": "",
    "subcategory": "double_charge",
    "sentiment": "frustrated",
    "summary": "Customer was charged twice.",
    "escalation_risk": 0.2,
    "confidence": 0.93,
    "needs_human_review": False,
}


def pipeline_with_openai(
    settings,
    fake_openai,
    respond,
    body="I was charged twice, card 4111 1111 1111 1111, mail jane@customer.example",
):
    settings.CLASSIFIER_ENGINE = "openai"
    fake_openai.respond = respond
    ticket = make_ticket(body=body)
    run_pipeline(ticket_id=ticket.pk)
    return ticket, Classification.objects.get(ticket=ticket), ticket.events.get(stage="classify")


def test_openai_request_carries_the_strict_schema_and_masked_text_only(
    settings, fake_openai, knowledge
):
    _ticket, classification, event = pipeline_with_openai(
        settings, fake_openai, lambda req: (200, chat_completion(json.dumps(VALID)))
    )
    request = fake_openai.requests[0]
    assert request["path"] == "/v1/chat/completions"
    assert request["headers"]["authorization"] == "Bearer test-key"
    body = request["json"]
    assert body["temperature"] == 0 and body["model"] == settings.OPENAI_CLASSIFIER_MODEL
    schema = body["response_format"]
    assert schema["type"] == "json_schema" and schema["json_schema"]["strict"] is True
    props = schema["json_schema"]["schema"]
    assert props["additionalProperties"] is False and set(props["required"]) == set(
        props["properties"]
    )
    assert props["properties"]["category"]["enum"] == [
        "account",
        "billing",
        "feature_request",
        "general",
        "technical",
    ]
    sent = json.dumps(body)
    assert (
        "4111" not in sent
        and "jane@customer.example" not in sent
        and "[CARD_1]" in sent
        and "[EMAIL_1]" in sent
    )
    assert (
        classification.engine == "openai"
        and classification.category == "billing"
        and classification.confidence == 0.93
    )
    assert event.versions["prompt"] == "classify-openai-1" and "fallback" not in event.outputs


@pytest.mark.parametrize(
    ("respond", "why"),
    [
        (
            lambda req: (200, chat_completion(json.dumps({**VALID, "category": "astrology"}))),
            "failed validation: category",
        ),
        (
            lambda req: (200, chat_completion(json.dumps({**VALID, "confidence": 7}))),
            "failed validation: confidence",
        ),
        (lambda req: (200, chat_completion("not json at all")), "not JSON"),
        (lambda req: (200, chat_completion(None, refusal="I can't help with that")), "refused"),
        (lambda req: (500, {"error": {"message": "boom"}}), "InternalServerError"),
        (lambda req: (429, {"error": {"message": "slow down"}}), "RateLimitError"),
    ],
)
def test_openai_failures_fall_back_to_local_and_say_why(
    settings, fake_openai, knowledge, respond, why
):
    _ticket, classification, event = pipeline_with_openai(settings, fake_openai, respond)
    assert classification.engine == "local" and classification.category == "billing"
    assert why in event.outputs["fallback"] and "fell back to local" in event.outputs["fallback"]


def test_unreachable_endpoint_falls_back_to_local(settings, knowledge):
    settings.CLASSIFIER_ENGINE = "openai"
    settings.OPENAI_BASE_URL = "http://127.0.0.1:9/v1"  # discard port: nothing listens
    settings.OPENAI_MAX_RETRIES = 0
    openai_client._client.cache_clear()
    ticket = make_ticket(body="I was charged twice this month")
    run_pipeline(ticket_id=ticket.pk)
    event = ticket.events.get(stage="classify")
    assert Classification.objects.get(ticket=ticket).engine == "local"
    assert "APIConnectionError" in event.outputs["fallback"]
    openai_client._client.cache_clear()


def test_classify_vectors_matches_single_classification(knowledge):
    texts = ["charged twice", "dark mode please"]
    vectors = embed_texts(texts)
    batch = local.classify_vectors(texts, vectors, model=local.current_model(), threshold=0.75)
    assert [r.category for r in batch] == [
        local.classify(t, vector=v).category for t, v in zip(texts, vectors, strict=True)
    ]
    assert isinstance(vectors, np.ndarray)


def test_the_local_model_reads_word_and_character_ngrams_beside_the_embedding():
    """Same vector for every row: only the wording can tell the labels apart."""
    texts = [
        "Rechnung doppelt abgebucht",
        "zweimal abgebucht Rechnung",
        "Abbuchung doppelt",
        "Passwort vergessen",
        "kann mich nicht anmelden Passwort",
        "Anmeldung Passwort falsch",
    ] * 3
    labels = ["billing"] * 3 + ["access"] * 3
    vector = np.ones(384, dtype=np.float32) / np.sqrt(384)
    data = local.LabelledSet(
        vectors=np.tile(vector, (len(texts), 1)),
        categories=np.array(labels * 3),
        subcategories=np.array([""] * len(texts)),
        urgencies=np.array([""] * len(texts)),
        texts=np.array(texts, dtype=object),
    )
    model = local.CategoryModel(data)
    queries = ["Die Rechnung wurde doppelt abgebucht", "Passwort geht nicht"]
    probs, _, _ = model.predict_proba(np.tile(vector, (2, 1)), queries)
    assert [str(model.labels[i]) for i in probs.argmax(axis=1)] == ["billing", "access"]
    with pytest.raises(ValueError, match="reads the texts"):
        model.predict_proba(np.tile(vector, (2, 1)))
    # Without texts (or with no word in them) the embeddings alone decide.
    blind = local.CategoryModel(
        local.LabelledSet(data.vectors, data.categories, data.subcategories, data.urgencies, None)
    )
    assert blind.features is None
    empty = local.LabelledSet(
        data.vectors, data.categories, data.subcategories, data.urgencies,
        np.array([""] * len(texts), dtype=object),
    )  # fmt: skip
    assert local.CategoryModel(empty).features is None


def test_temperature_scaling_recovers_the_temperature_the_labels_were_drawn_at():
    rng = np.random.default_rng(3)
    scores = rng.normal(scale=4.0, size=(4000, 5))
    true_probs = np.exp(scores / 2.5)
    true_probs /= true_probs.sum(axis=1, keepdims=True)
    truth = np.array([rng.choice(5, p=p) for p in true_probs])
    assert local.fit_temperature(scores, truth) == pytest.approx(2.5, rel=0.1)


def test_confidence_is_calibrated_on_held_out_entries():
    """Two overlapping clouds: an over-fitted model is too sure; calibrated, a confidence of p is
    right about p of the time on new rows."""
    rng = np.random.default_rng(5)

    def sample(n):
        labels = rng.integers(0, 2, size=n)
        vectors = rng.normal(size=(n, 384)) + labels[:, None] * 0.08
        vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
        words = [f"w{rng.integers(0, 40)} w{rng.integers(0, 40)}" for _ in range(n)]
        return vectors.astype(np.float32), np.array(["a", "b"])[labels], words

    vectors, labels, words = sample(600)
    data = local.LabelledSet(
        vectors, labels, np.array([""] * 600), np.array([""] * 600), np.array(words, dtype=object)
    )
    model = local.CategoryModel(data)
    assert model.temperature > 1.5  # the raw regression is over-confident here
    new_vectors, new_labels, new_words = sample(2000)
    probs, _, _ = model.predict_proba(new_vectors, new_words)
    confidence = probs.max(axis=1)
    correct = model.labels[probs.argmax(axis=1)] == new_labels
    calibrated = offline.calibration_error(correct, confidence)
    raw = local.logits(model.logreg, model.features.transform(new_vectors, new_words))
    raw_confidence = np.exp(raw - raw.max(axis=1, keepdims=True))
    raw_confidence = (raw_confidence / raw_confidence.sum(axis=1, keepdims=True)).max(axis=1)
    assert calibrated < 0.05 < offline.calibration_error(correct, raw_confidence)


def test_small_knowledge_bases_keep_raw_probabilities():
    texts = np.array(["charged twice", "password reset"] * 10, dtype=object)
    data = local.LabelledSet(
        np.eye(20, 384, dtype=np.float32), np.array(["billing", "access"] * 10),
        np.array([""] * 20), np.array([""] * 20), texts,
    )  # fmt: skip
    assert local.CategoryModel(data).temperature == 1.0


def test_a_set_the_classifier_reads_the_same_way_is_not_fitted_again(settings):
    """Same vectors, categories and texts (other ids, other replies): the fit made before; a
    changed text: a new fit; none kept: always a new fit."""
    settings.LOCAL_CLASSIFIER_FITS_KEPT = 1
    texts = np.array(["charged twice", "password reset", "refund please", "login fails"] * 6)
    vectors = np.eye(24, 384, dtype=np.float32)
    categories = np.array(["billing", "access"] * 12)
    blank = np.array([""] * 24)

    def labelled(words, ids):
        return local.LabelledSet(vectors, categories, blank, blank, words.astype(object), ids)

    first = local.CategoryModel(labelled(texts, np.arange(24)))
    again = local.CategoryModel(labelled(texts, np.arange(100, 124)))
    assert again.logreg is first.logreg and again.yardstick is first.yardstick
    assert again.data.ids[0] == 100  # the nearest examples name this set's entries
    edited = texts.copy()
    edited[0] = "charged three times"
    changed = local.CategoryModel(labelled(edited, np.arange(24)))
    assert changed.logreg is not first.logreg
    assert "three" in changed.features.word.vocabulary_
    settings.LOCAL_CLASSIFIER_FITS_KEPT = 0
    assert local.CategoryModel(labelled(edited, np.arange(24))).logreg is not changed.logreg


@pytest.mark.django_db(transaction=True)
def test_a_refit_runs_in_the_background_while_the_model_in_hand_serves(
    knowledge, settings, monkeypatch
):
    settings.LOCAL_CLASSIFIER_REFIT_IN_BACKGROUND = True
    local.reset_cache()
    first = local.current_model()  # a process's first model is fitted at once
    assert first is not None and "shipping" not in set(first.labels)

    create_entries(
        entries=[
            EntryInput(
                text=f"My parcel number {i} never arrived at my address", category="shipping"
            )
            for i in range(6)
        ]
    )
    release = threading.Event()
    real = local.load_labelled_set

    def slow_load():
        assert release.wait(30)
        return real()

    monkeypatch.setattr(local, "load_labelled_set", slow_load)
    try:
        assert local.current_model() is first  # not blocked by the refit
        assert classify("My card was charged twice for the subscription").category == "billing"
    finally:
        release.set()
    assert local.wait_for_refit(120)
    refitted = local.current_model()
    assert refitted is not first and "shipping" in set(refitted.labels)


def test_one_close_example_outweighs_two_farther_ones_in_the_neighbour_vote():
    def unit(v):
        v = np.asarray(v, dtype=np.float32)
        return v / np.linalg.norm(v)

    query = unit([1, 0, 0, 0])
    vectors = np.stack(
        [
            unit([0.90, 0.436, 0, 0]),  # b, similarity 0.90
            unit([0.85, 0, 0.527, 0]),  # a, 0.85
            unit([0.84, 0, 0, 0.543]),  # a, 0.84
            unit([0, 1, 0, 0]),
            unit([0, 0, 1, 0]),
            unit([0, 0, 0, 1]),
        ]
    )
    model = local.CategoryModel(
        local.LabelledSet(
            vectors=vectors,
            categories=np.array(["b", "a", "a", "b", "a", "b"]),
            subcategories=np.array([""] * 6),
            urgencies=np.array([""] * 6),
            texts=np.array(
                ["refund card", "login reset", "login code", "x", "y", "z"], dtype=object
            ),
        )
    )
    idx, sims = model.neighbours(query[None, :])
    votes = model.knn_votes(idx, sims, k=3, temperature=0.05)[0]
    assert votes.sum() == pytest.approx(1.0)
    b, a = votes[list(model.labels).index("b")], votes[list(model.labels).index("a")]
    assert b > a  # exp(0) against exp(-1) + exp(-1.2)
    assert b == pytest.approx(1 / (1 + np.exp(-1) + np.exp(-1.2)), rel=1e-3)
    # k = 1: the closest alone
    assert model.knn_votes(idx, sims, k=1, temperature=0.05)[0].max() == pytest.approx(1.0)
