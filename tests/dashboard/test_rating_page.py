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


def test_the_lead_says_what_went_wrong_when_marking_a_rating_looked_at(client, people):
    ticket, rating = resolved(people["agent"])
    client.post(link_of(ticket), {"score": "2"})
    client.force_login(people["lead"])
    assert "What went wrong?" in client.get("/sla/").content.decode()
    client.post(f"/sla/ratings/{rating.pk}/looked/", {"kind": "did_not_answer"})
    case = EvaluationCase.objects.get(ticket=ticket, origin="low_rating")
    assert (case.failure_kind, case.kind_set_by) == ("did_not_answer", people["lead"])


def test_admins_judge_complaint_cases_on_the_evaluation_page(client, people):
    ticket, _rating = resolved(people["agent"])
    client.post(link_of(ticket), {"score": "1", "comment": "Useless"})
    case = EvaluationCase.objects.get(ticket=ticket, origin="low_rating")
    client.force_login(people["admin"])
    page = client.get("/evaluation/").content.decode()
    assert f'id="case-{case.pk}"' in page and "1/5 Useless" in page
    client.post(f"/evaluation/cases/{case.pk}/kind/", {"kind": "wrong_tone"})
    case.refresh_from_db()
    assert case.failure_kind == "wrong_tone"
    assert client.post(f"/evaluation/cases/{case.pk}/kind/", {"kind": "x"}).status_code == 422
    client.force_login(people["lead"])
    assert client.post(f"/evaluation/cases/{case.pk}/kind/", {"kind": ""}).status_code == 404
