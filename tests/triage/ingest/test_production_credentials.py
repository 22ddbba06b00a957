"""Under production settings no development credential opens a door: not the API's old default
token, not a webhook signed with a secret printed in the source; API clients' tokens are hashed,
rotated and revoked."""

import json
import os
import runpy
import uuid
from datetime import timedelta
from pathlib import Path
from unittest import mock

import pytest
from django.core.management import call_command
from django.utils import timezone

from tests.triage.ingest.test_webhooks import (
    freshdesk_delivery,
    intercom_delivery,
    post,
    zendesk_delivery,
)
from triage.ingest import clients
from triage.models import ApiClient, Ticket

SETTINGS_FILE = Path(__file__).resolve().parents[3] / "triage" / "settings.py"
PRODUCTION_ENV = {
    "DEBUG": "false",
    "SECRET_KEY": "p" * 30 + "-a-production-secret-" + "z" * 20,
    "ALLOWED_HOSTS": "support.example.com",
    "ZENDESK_WEBHOOK_SECRET": "zendesk-" + "r3al" * 8,
    "INTERCOM_WEBHOOK_SECRET": "intercom-" + "r3al" * 8,
    "FRESHDESK_WEBHOOK_SECRET": "freshdesk-" + "r3al" * 8,
}
CREDENTIALS = ("API_TOKENS", *(n for n in PRODUCTION_ENV if n.endswith("_WEBHOOK_SECRET")))


@pytest.fixture
def production(settings):
    """The credentials as triage/settings.py computes them for a production environment (no
    API_TOKENS set), applied to this process."""
    keep = {k: v for k, v in os.environ.items() if k not in {"API_TOKENS", *PRODUCTION_ENV}}
    with mock.patch.dict(os.environ, {**keep, **PRODUCTION_ENV}, clear=True):
        computed = runpy.run_path(str(SETTINGS_FILE))
    for name in CREDENTIALS:
        setattr(settings, name, computed[name])
    return computed


def api_post(client, token: str):
    return client.post(
        "/api/v1/tickets",
        json.dumps({"body": "My export fails", "external_id": uuid.uuid4().hex}),
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {token}",
    )


@pytest.mark.django_db
def test_the_old_default_token_and_dev_tokens_are_refused_in_production(client, production):
    assert production["API_TOKENS"] == []
    for token in ("-", "dev-api-token"):
        response = api_post(client, token)
        assert response.status_code == 401, token
    assert not Ticket.objects.exists()


@pytest.mark.django_db
def test_webhooks_signed_with_the_development_secrets_are_refused_in_production(client, production):
    deliveries = {
        "/api/v1/webhooks/zendesk": zendesk_delivery(9, secret="dev-zendesk-secret"),
        "/api/v1/webhooks/intercom": intercom_delivery(secret="dev-intercom-secret"),
        "/api/v1/webhooks/freshdesk": freshdesk_delivery(secret="dev-freshdesk-secret"),
    }
    for url, delivery in deliveries.items():
        assert post(client, url, *delivery).status_code == 401, url
    assert not Ticket.objects.exists()
    # Signed with the installation's own secrets, they are taken.
    assert post(client, "/api/v1/webhooks/freshdesk", *freshdesk_delivery()).status_code == 201


@pytest.mark.django_db
def test_a_turned_off_webhook_refuses_even_an_empty_key(client, settings):
    settings.ZENDESK_WEBHOOK_SECRET = ""  # ZENDESK_WEBHOOK_SECRET=disabled
    response = post(client, "/api/v1/webhooks/zendesk", *zendesk_delivery(3, secret=""))
    assert response.status_code == 401 and "turned off" in response.json()["error"]


@pytest.mark.django_db
def test_a_clients_token_is_stored_hashed_works_and_rotates_with_a_grace_period(
    client, production, config
):
    made, token = clients.create_client(name="mobile-app")
    assert token.startswith("dp_") and len(token) > 40
    stored = ApiClient.objects.get(pk=made.pk)
    assert token not in {stored.token_hash, stored.token_prefix} and len(stored.token_hash) == 64
    assert api_post(client, token).status_code == 201
    new = clients.rotate_token(client=stored, grace=timedelta(hours=1))
    assert api_post(client, new).status_code == 201
    assert api_post(client, token).status_code == 201  # the old one, within its grace
    ApiClient.objects.filter(pk=made.pk).update(
        previous_valid_until=timezone.now() - timedelta(seconds=1)
    )
    assert api_post(client, token).status_code == 401  # after it
    clients.revoke(client=stored)
    assert api_post(client, new).status_code == 401
    assert api_post(client, token[:-1] + "x").status_code == 401


@pytest.mark.django_db
def test_the_command_makes_rotates_revokes_and_lists_clients(config, capsys):
    call_command("api_clients", "create", "chat-widget")
    token = capsys.readouterr().out.strip().splitlines()[-1]
    assert clients.authenticate(token).label == "chat-widget"
    call_command("api_clients", "rotate", "chat-widget", "--grace-hours", "0")
    new = capsys.readouterr().out.strip().splitlines()[-1]
    assert clients.authenticate(token) is None and clients.authenticate(new) is not None
    call_command("api_clients", "list")
    assert "chat-widget" in capsys.readouterr().out and new not in capsys.readouterr().out
    call_command("api_clients", "revoke", "chat-widget")
    assert clients.authenticate(new) is None
