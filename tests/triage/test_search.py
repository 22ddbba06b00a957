"""Full-text search over tickets (triage.search): the language's stemming, every field, ranks."""

import pytest

from tests.conftest import make_ticket
from triage import search
from triage.ingest.service import CustomerInput
from triage.models import Ticket
from triage.text.language import search_config


def _found(text: str) -> list[int]:
    return list(search.search(Ticket.objects.all(), text).values_list("pk", flat=True))


@pytest.mark.django_db
def test_a_ticket_is_found_by_body_subject_and_customer_in_its_language():
    german = make_ticket(
        body="Seit Freitag kommen keine Umsätze von unserem Geschäftskonto an.",
        subject="Bankverbindung",
        customer=CustomerInput(email="klaus@brauhaus.example", name="Klaus Hoffmann"),
    )
    Ticket.objects.filter(pk=german.pk).update(language="de")
    search.refresh_documents([german.pk])
    assert _found("Umsatz") == [german.pk]  # German stemming: Umsätze → umsatz
    assert _found("bankverbindung") == [german.pk]
    assert _found("Hoffmann") == [german.pk]
    assert _found("klaus@brauhaus.example") == [german.pk]
    assert _found(f"#{german.pk}") == [german.pk]
    assert _found("refund") == []
    assert _found("   ") == []


@pytest.mark.django_db
def test_a_match_in_the_subject_ranks_above_one_in_the_body():
    in_subject = make_ticket(body="Please look at my account.", subject="Refund request")
    in_body = make_ticket(
        body="Hello, about a refund for last month.",
        subject="Question",
        customer=CustomerInput(email="b@example.com"),
    )
    ranked = list(search.search(Ticket.objects.all(), "refund").order_by("-search_rank"))
    assert [t.pk for t in ranked] == [in_subject.pk, in_body.pk]
    assert search_config("de-AT") == "german" and search_config("") == "simple"
