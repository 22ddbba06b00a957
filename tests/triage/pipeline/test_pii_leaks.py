"""No seeded email, phone or card number reaches an embedding call, an LLM request or a log line."""

import json
import logging

import pytest

from knowledge import embeddings
from tests.conftest import make_ticket
from tests.fake_openai import chat_completion
from triage.ingest.service import CustomerInput
from triage.models import PipelineEvent
from triage.pipeline.run import run_pipeline

SEEDED = [
    "priya.raman@acme-logistics.example",
    "+49 170 1234567",
    "4111 1111 1111 1111",
    "DE89 3704 0044 0532 0130 00",
    "123-45-6789",
]
BODY = (
    "Hi, nobody can log in. Call me on +49 170 1234567 or write to "
    "priya.raman@acme-logistics.example. "
    "We were charged on card 4111 1111 1111 1111 and our IBAN is DE89 3704 0044 0532 0130 00; my "
    "SSN is 123-45-6789."
)
VALID = {
    "urgency": "P1",
    "category": "technical",
    "secondary_category": "",
    "subcategory": "outage",
    "sentiment": "frustrated",
    "summary": "Login outage.",
    "escalation_risk": 0.5,
    "confidence": 0.9,
    "needs_human_review": False,
}


@pytest.fixture
def recorded_embeddings(monkeypatch, settings):
    seen: list[str] = []
    original = embeddings.get_embedder()

    def embed(texts, batch_size):
        seen.extend(texts)
        return original(texts, batch_size)

    monkeypatch.setitem(embeddings._embedders, settings.EMBEDDING_BACKEND, embed)
    embeddings.forget_memo()  # every text of the test reaches the model
    return seen


def test_pii_stays_out_of_embeddings_llm_requests_logs_and_events(
    settings, fake_openai, knowledge, recorded_embeddings, caplog
):
    settings.CLASSIFIER_ENGINE = "openai"
    fake_openai.respond = lambda req: (200, chat_completion(json.dumps(VALID)))
    caplog.set_level(logging.DEBUG)
    ticket = make_ticket(
        body=BODY,
        subject="Login down, call +49 170 1234567",
        customer=CustomerInput(email="priya.raman@acme-logistics.example", name="Priya"),
    )
    run_pipeline(ticket_id=ticket.pk)

    assert recorded_embeddings, "the pipeline embeds the ticket"
    assert fake_openai.requests, "the openai engine was called"
    embedded = "\n".join(recorded_embeddings)
    requests = json.dumps([r["json"] for r in fake_openai.requests], ensure_ascii=False)
    logs = "\n".join(record.getMessage() for record in caplog.records)
    events = json.dumps(
        [
            list(e)
            for e in PipelineEvent.objects.filter(ticket=ticket).values_list(
                "inputs", "outputs", "versions", "error"
            )
        ],
        ensure_ascii=False,
    )
    for value in SEEDED:
        for where, text in (
            ("embedding", embedded),
            ("LLM request", requests),
            ("log", logs),
            ("event", events),
        ):
            assert value not in text, f"{value} reached an {where}"
    assert "[EMAIL_1]" in requests and "[PHONE_1]" in requests and "[CARD_1]" in requests
