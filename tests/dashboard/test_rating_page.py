"""The customer's rating page (no login) and the lead's "needs a look" list on the SLA board."""

from __future__ import annotations

from tests.triage.review.test_satisfaction import resolved, token_in
from triage.models import EvaluationCase, Outbound, SatisfactionRating


def link_of(ticket) -> str:
    return f"/rate/{token_in(Outbound.objects.get(ticket=ticket).body)}/"


def test_the_customer_rates_without_logging_in_and_the_link_works_once(client, people):
    ticket, rating = resolved(people["agent"], language="fr")
    link = link_of(ticket)
    form = client.get(link)
    assert (
        form.status_code == 200
        and "Êtes-vous satisfait de notre réponse ?" in form.content.decode()
    )
    done = client.post(link, {"score": "2", "comment": "Trop lent"})
    page = done.content.decode()
    assert done.status_code == 200 and "vous avez noté notre réponse 2 sur 5" in page
    assert "Vous pouvez modifier votre note jusqu" in page  # with a fresh link to change it
    again = client.post(link, {"score": "5"})
    assert again.status_code == 410 and "déjà servi" in again.content.decode()
    assert SatisfactionRating.objects.get(pk=rating.pk).score == 2


def test_a_forged_link_and_a_missing_score_are_refused_with_the_reason(client, people):
    ticket, rating = resolved(people["agent"])
    assert client.get("/rate/not-a-real-token/").status_code == 400
    missing = client.post(link_of(ticket), {"comment": "no score"})
    assert missing.status_code == 422 and "Choose a rating from 1 to 5." in missing.content.decode()
    assert SatisfactionRating.objects.get(pk=rating.pk).score is None


def test_the_lead_sees_an_unhappy_customer_on_the_board_and_marks_it_looked_at(client, people):
    ticket, rating = resolved(people["agent"])
    client.post(link_of(ticket), {"score": "1", "comment": "That's not what I asked"})
    assert EvaluationCase.objects.filter(ticket=ticket, origin="low_rating").exists()
    client.force_login(people["lead"])
    board = client.get("/sla/").content.decode()
    assert "Needs a look: unhappy customers (1)" in board
    assert "rated <strong>1/5</strong>, says the answer was wrong" in board
    client.post(f"/sla/ratings/{rating.pk}/looked/")
    assert "Needs a look" not in client.get("/sla/").content.decode()
    client.force_login(people["agent"])
    assert client.post(f"/sla/ratings/{rating.pk}/looked/").status_code == 404
