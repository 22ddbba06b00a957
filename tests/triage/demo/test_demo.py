import pytest
from django.contrib.auth.models import User
from django.core.management import call_command
from django.db import connection

from knowledge.models import KBArticle, KBChunk, KnowledgeEntry
from triage.demo.load import DEMO_USERS, load_demo
from triage.models import Customer, Team, Ticket


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker):
    """Load the demo once for this module (embedding it takes a few seconds) and clean up after."""
    with django_db_blocker.unblock():
        result = load_demo()
        yield result

        with connection.cursor() as cursor:
            cursor.execute(
                "TRUNCATE knowledge_knowledgeentry, knowledge_kbarticle, triage_ticket, "
                "triage_customer, triage_team, "
                "triage_taxonomycategory, triage_persona, triage_escalationrule, "
                "triage_configversion, auth_user, auth_group CASCADE"
            )


@pytest.mark.django_db
def test_demo_holds_what_the_product_needs(demo):
    assert demo.loaded
    assert KnowledgeEntry.objects.count() >= 150
    assert set(KnowledgeEntry.objects.values_list("category", flat=True)) == {
        "billing",
        "technical",
        "account",
        "feature_request",
        "general",
    }
    assert not KnowledgeEntry.objects.filter(embedding__isnull=True).exists()
    assert KBArticle.objects.count() >= 20
    assert KBChunk.objects.filter(embedding__isnull=False).count() > KBArticle.objects.count()
    incoming = Ticket.objects.all()
    assert incoming.count() >= 40
    assert set(incoming.values_list("channel", flat=True)) >= {
        "email",
        "chat",
        "web_form",
        "api",
        "zendesk",
        "intercom",
        "freshdesk",
    }
    assert set(Customer.objects.values_list("tier", flat=True)) == {
        "enterprise",
        "business",
        "self_serve",
        "developer",
    }
    assert Team.objects.filter(is_escalation_team=True).count() >= 2
    assert {t.categories[0] for t in Team.objects.exclude(categories=[])} == {
        "billing",
        "technical",
        "account",
        "feature_request",
        "general",
    }


@pytest.mark.django_db
def test_loading_twice_adds_nothing(demo):
    counts = (
        Ticket.objects.count(),
        KnowledgeEntry.objects.count(),
        KBArticle.objects.count(),
        Customer.objects.count(),
    )
    second = load_demo()
    assert not second.loaded and "already holds data" in second.reason
    assert (
        Ticket.objects.count(),
        KnowledgeEntry.objects.count(),
        KBArticle.objects.count(),
        Customer.objects.count(),
    ) == counts


@pytest.mark.django_db
def test_load_demo_command_says_it_skipped(demo, capsys):
    call_command("load_demo")
    assert "not loaded" in capsys.readouterr().out


@pytest.mark.django_db
def test_admin_shows_the_demo_data(demo, client):
    client.force_login(User.objects.get(username="admin"))
    page = client.get("/admin/triage/ticket/")
    assert page.status_code == 200
    assert "URGENT: Ledgerly down for our whole team" in page.content.decode()
    assert client.get("/admin/knowledge/knowledgeentry/").status_code == 200


@pytest.mark.django_db
def test_demo_logins_work(demo, client):
    for username, password, *_ in DEMO_USERS:
        response = client.post("/login/", {"username": username, "password": password})
        assert response.status_code == 302, username
        client.logout()
