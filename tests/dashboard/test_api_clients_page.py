"""Admins manage API clients in the app: a token shown once, the reply webhook with its signing
secret, a new token, revoking; agents cannot reach the page."""

import pytest

from triage.ingest import clients
from triage.models import ApiClient

pytestmark = pytest.mark.django_db


def test_an_admin_creates_a_client_and_sees_its_token_once(client, people):
    client.force_login(people["admin"])
    page = client.post("/api-clients/", {"name": "mobile-app"}).content.decode()
    made = ApiClient.objects.get(name="mobile-app")
    token = page.split("<code>")[1].split("</code>")[0]
    assert token.startswith("dp_") and clients.authenticate(token).client == made
    assert token not in client.get("/api-clients/").content.decode()


def test_a_duplicate_name_is_refused_with_the_reason(client, people):
    clients.create_client(name="mobile-app")
    client.force_login(people["admin"])
    response = client.post("/api-clients/", {"name": "mobile-app"})
    assert response.status_code == 422 and "already a client named" in response.content.decode()


def test_an_admin_sets_the_reply_webhook_and_gets_a_signing_secret(client, people):
    made, _token = clients.create_client(name="mobile-app")
    client.force_login(people["admin"])
    response = client.post(
        f"/api-clients/{made.pk}/webhook/",
        {"reply_webhook_url": "https://app.example/hooks/replies", "status_events": "on"},
    )
    assert response.status_code == 302
    made.refresh_from_db()
    assert made.reply_webhook_url == "https://app.example/hooks/replies" and made.status_events
    assert made.webhook_secret in client.get("/api-clients/").content.decode()
    bad = client.post(f"/api-clients/{made.pk}/webhook/", {"reply_webhook_url": "javascript:x"})
    assert bad.status_code == 422 and "is not an http(s) URL" in bad.content.decode()
    made.refresh_from_db()
    assert made.reply_webhook_url == "https://app.example/hooks/replies"


def test_a_new_token_and_revoking(client, people):
    made, old = clients.create_client(name="mobile-app")
    client.force_login(people["admin"])
    page = client.post(f"/api-clients/{made.pk}/token/").content.decode()
    new = page.split("<code>")[1].split("</code>")[0]
    assert new != old and clients.authenticate(new) and clients.authenticate(old)
    client.post(f"/api-clients/{made.pk}/revoke/")
    assert clients.authenticate(new) is None and clients.authenticate(old) is None


def test_agents_and_leads_cannot_reach_the_page(client, people):
    for who in ("agent", "lead"):
        client.force_login(people[who])
        assert client.get("/api-clients/").status_code == 404
        assert client.post("/api-clients/", {"name": "x"}).status_code == 404
    assert not ApiClient.objects.exists()
