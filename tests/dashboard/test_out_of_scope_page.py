"""The admin's out-of-scope page (groups, and a group turned into a category) and what human
triage shows of an out-of-scope ticket."""

from __future__ import annotations

from knowledge.models import KnowledgeEntry
from tests.conftest import make_ticket
from tests.triage.engines.test_scope import FAR
from tests.triage.review.test_gaps import CAKE, PACKAGE, PARCEL, out_of_scope
from triage.models import TaxonomyCategory, Team
from triage.pipeline.run import run_pipeline


def test_the_admin_sees_similar_out_of_scope_tickets_as_one_group(client, people):
    parcel, package = out_of_scope(PARCEL, "Parcel"), out_of_scope(PACKAGE, "Package")
    cake = out_of_scope(CAKE, "Cake")
    client.force_login(people["admin"])
    page = client.get("/knowledge/out-of-scope/").content.decode()
    first, second = page.split('id="gap-2"')
    assert "2 tickets: arrived" in first
    assert f"#{parcel.pk}</a>" in first and f"#{package.pk}</a>" in first
    assert f"#{cake.pk}</a>" in second and "1 ticket" in second


def test_agents_and_leads_do_not_get_the_page(client, people):
    for who in ("agent", "lead"):
        client.force_login(people[who])
        assert client.get("/knowledge/out-of-scope/").status_code == 404, who
        assert client.post("/knowledge/out-of-scope/", {"ticket": "1"}).status_code == 404, who


def test_a_group_becomes_a_category_from_the_page(client, people):
    tickets = [out_of_scope(PARCEL), out_of_scope(PACKAGE)]
    team = Team.objects.get(slug="technical")
    client.force_login(people["admin"])
    response = client.post(
        "/knowledge/out-of-scope/",
        {
            "ticket": [str(t.pk) for t in tickets],
            "new_name": "Delivery",
            "new_description": "Parcels that did not arrive",
            "team": str(team.pk),
        },
        follow=True,
    )
    page = response.content.decode()
    assert "2 examples added to delivery" in page
    assert "No ticket was out of scope" in page
    assert TaxonomyCategory.objects.filter(slug="delivery").exists()
    assert KnowledgeEntry.objects.filter(category="delivery").count() == 2


def test_an_answer_naming_an_existing_category_as_new_says_so_and_adds_nothing(client, people):
    ticket = out_of_scope(PARCEL)
    client.force_login(people["admin"])
    page = client.post(
        "/knowledge/out-of-scope/", {"ticket": str(ticket.pk), "new_name": "Billing"}, follow=True
    ).content.decode()
    assert "Nothing was added: a category &#x27;billing&#x27; exists already" in page
    assert not KnowledgeEntry.objects.exists()


def test_human_triage_shows_why_a_ticket_is_out_of_scope_and_its_nearest_examples(
    client, people, knowledge
):
    ticket = make_ticket(body=FAR, subject="Baking question")
    run_pipeline(ticket_id=ticket.pk)
    client.force_login(people["admin"])
    page = client.get("/triage/").content.decode()
    row = page.split(f"#{ticket.pk} ")[1].split("</tr>")[0]
    assert "out of scope" in row and "Unlike anything in the taxonomy" in row
    assert "Nearest labelled examples" in row and row.count("/knowledge/entries/") == 3
    detail = client.get(f"/tickets/{ticket.pk}/").content.decode()
    assert "Scope" in detail and "unlike anything in the taxonomy" in detail
    assert "No draft" in detail or "out of scope (unlike anything" in detail
