import pytest

from tests.conftest import make_ticket, make_user


@pytest.mark.django_db
def test_login_page_is_served(client):
    page = client.get("/login/")
    assert page.status_code == 200
    assert 'name="username"' in page.content.decode()


@pytest.mark.django_db
def test_queue_requires_login(client):
    assert client.get("/").status_code == 302


def test_agent_sees_only_own_team_tickets(config, client):
    from triage.models import Team

    mine = make_ticket(subject="Mine", body="a")
    theirs = make_ticket(subject="Theirs", body="b")
    mine.team = Team.objects.get(slug="billing")
    mine.save()
    theirs.team = Team.objects.get(slug="technical")
    theirs.save()
    client.force_login(make_user("ann", "agent", ["billing"]))
    page = client.get("/").content.decode()
    assert "Mine" in page and "Theirs" not in page
    assert client.get(f"/tickets/{theirs.pk}/").status_code == 404
    assert client.get(f"/tickets/{mine.pk}/").status_code == 200
