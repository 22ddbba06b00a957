"""Webhook deliveries signed the way Zendesk, Intercom and Freshdesk sign them."""

import base64
import hashlib
import hmac
import json
import time
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from unittest import mock

import pytest
from django.conf import settings

from triage.celery import app
from triage.models import Ticket


def zendesk_delivery(
    ticket_id: int, *, timestamp: str | None = None, secret: str | None = None
) -> tuple[bytes, dict]:
    body = json.dumps(
        {
            "ticket": {
                "id": ticket_id,
                "subject": f"Bank sync #{ticket_id}",
                "description": "Bank feed stopped syncing since Friday.",
                "requester": {
                    "id": 9000 + ticket_id,
                    "email": f"user{ticket_id}@corp.example",
                    "name": "Corp User",
                },
            }
        }
    ).encode()
    timestamp = timestamp or str(int(time.time()))
    signature = base64.b64encode(
        hmac.new(
            (secret or settings.ZENDESK_WEBHOOK_SECRET).encode(),
            timestamp.encode() + body,
            hashlib.sha256,
        ).digest()
    ).decode()
    return body, {
        "X-Zendesk-Webhook-Signature": signature,
        "X-Zendesk-Webhook-Signature-Timestamp": timestamp,
        "Content-Type": "application/json",
    }


def intercom_delivery(
    created_at: int | None = None, *, secret: str | None = None
) -> tuple[bytes, dict]:
    body = json.dumps(
        {
            "type": "notification_event",
            "topic": "conversation.user.created",
            "created_at": created_at or int(time.time()),
            "data": {
                "item": {
                    "id": "conv_77",
                    "source": {
                        "subject": "",
                        "body": "<p>Our webhooks stopped arriving.</p>",
                        "author": {"id": "u1", "email": "dev@hook.example", "name": "Dev"},
                    },
                }
            },
        }
    ).encode()
    signature = (
        "sha1="
        + hmac.new(
            (secret or settings.INTERCOM_WEBHOOK_SECRET).encode(), body, hashlib.sha1
        ).hexdigest()
    )
    return body, {"X-Hub-Signature": signature, "Content-Type": "application/json"}


def freshdesk_delivery(secret: str | None = None) -> tuple[bytes, dict]:
    body = json.dumps(
        {
            "freshdesk_webhook": {
                "ticket_id": 501,
                "ticket_subject": "Logo",
                "ticket_description": "How do I add my logo?",
                "requester_email": "shop@x.example",
                "requester_name": "Shop",
            }
        }
    ).encode()
    return body, {
        "X-Freshdesk-Webhook-Secret": secret or settings.FRESHDESK_WEBHOOK_SECRET,
        "Content-Type": "application/json",
    }


def post(client, url: str, body: bytes, headers: dict):
    extra = {
        f"HTTP_{k.upper().replace('-', '_')}": v for k, v in headers.items() if k != "Content-Type"
    }
    return client.post(url, body, content_type="application/json", **extra)


@pytest.mark.django_db
def test_signed_deliveries_create_tickets_and_redeliveries_do_not(client):
    for url, delivery in [
        ("/api/v1/webhooks/zendesk", zendesk_delivery(1)),
        ("/api/v1/webhooks/intercom", intercom_delivery()),
        ("/api/v1/webhooks/freshdesk", freshdesk_delivery()),
    ]:
        assert post(client, url, *delivery).status_code == 201, url
        again = post(client, url, *delivery)
        assert again.status_code == 200 and again.json()["status"] == "duplicate"
    assert sorted(Ticket.objects.values_list("source", "external_id")) == [
        ("freshdesk", "501"),
        ("intercom", "conv_77"),
        ("zendesk", "1"),
    ]
    assert Ticket.objects.get(source="zendesk").customer.external_ids == {"zendesk": "9001"}


@pytest.mark.parametrize(
    ("url", "delivery", "reason"),
    [
        ("/api/v1/webhooks/zendesk", lambda: zendesk_delivery(2, secret="wrong"), "does not match"),
        (
            "/api/v1/webhooks/zendesk",
            lambda: zendesk_delivery(2, timestamp=str(int(time.time()) - 600)),
            "older than 300 s",
        ),
        (
            "/api/v1/webhooks/zendesk",
            lambda: (zendesk_delivery(2)[0], {}),
            "missing X-Zendesk-Webhook-Signature",
        ),
        ("/api/v1/webhooks/intercom", lambda: intercom_delivery(secret="wrong"), "does not match"),
        (
            "/api/v1/webhooks/intercom",
            lambda: intercom_delivery(created_at=int(time.time()) - 3600),
            "older than",
        ),
        (
            "/api/v1/webhooks/intercom",
            lambda: (intercom_delivery()[0], {}),
            "missing X-Hub-Signature",
        ),
        (
            "/api/v1/webhooks/freshdesk",
            lambda: freshdesk_delivery(secret="wrong"),
            "does not match",
        ),
        (
            "/api/v1/webhooks/freshdesk",
            lambda: (freshdesk_delivery()[0], {}),
            "missing X-Freshdesk-Webhook-Secret",
        ),
    ],
)
@pytest.mark.django_db
def test_bad_signatures_and_stale_timestamps_get_401(client, url, delivery, reason):
    response = post(client, url, *delivery())
    assert response.status_code == 401 and reason in response.json()["error"]
    assert Ticket.objects.count() == 0


@pytest.mark.django_db
def test_signed_but_malformed_payload_gets_400(client):
    body = json.dumps({"ticket": {"id": 3, "description": 12}}).encode()
    timestamp = str(int(time.time()))
    signature = base64.b64encode(
        hmac.new(
            settings.ZENDESK_WEBHOOK_SECRET.encode(), timestamp.encode() + body, hashlib.sha256
        ).digest()
    ).decode()
    response = post(
        client,
        "/api/v1/webhooks/zendesk",
        body,
        {
            "X-Zendesk-Webhook-Signature": signature,
            "X-Zendesk-Webhook-Signature-Timestamp": timestamp,
        },
    )
    assert (
        response.status_code == 400
        and "ticket.description must be a string" in response.json()["error"]
    )


@pytest.mark.django_db(transaction=True)
def test_fifty_deliveries_replayed_twice_concurrently_make_fifty_tickets(live_server, settings):
    settings.CELERY_TASK_ALWAYS_EAGER = False  # only ingestion here; no worker needed

    app.conf.task_always_eager = False
    deliveries = [zendesk_delivery(100 + i) for i in range(50)] * 2

    def send(delivery):
        body, headers = delivery
        request = urllib.request.Request(
            f"{live_server.url}/api/v1/webhooks/zendesk", data=body, headers=headers, method="POST"
        )
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                return response.status
        except urllib.error.HTTPError as exc:
            return exc.code

    with (
        mock.patch("triage.queueing._send"),
        ThreadPoolExecutor(max_workers=16) as pool,
    ):
        statuses = list(pool.map(send, deliveries))
    app.conf.task_always_eager = True
    assert sorted(set(statuses)) == [200, 201]
    assert statuses.count(201) == 50
    assert Ticket.objects.filter(source="zendesk").count() == 50


@pytest.mark.parametrize(
    ("timestamp", "reason"),
    [
        ("nan", "not a Unix time"),
        ("NaN", "not a Unix time"),
        ("inf", "not a Unix time"),
        ("-Infinity", "not a Unix time"),
        ("1e999", "not a Unix time"),
        ("9999999999999999999999", "in the future"),
        ("0001-01-01T00:00:00+00:00", "older than"),
    ],
)
@pytest.mark.django_db
def test_a_signed_zendesk_delivery_with_an_absurd_timestamp_is_refused(client, timestamp, reason):
    response = post(client, "/api/v1/webhooks/zendesk", *zendesk_delivery(5, timestamp=timestamp))
    assert response.status_code == 401 and reason in response.json()["error"]
    assert Ticket.objects.count() == 0


@pytest.mark.parametrize("created_at", ["NaN", "Infinity", "-Infinity", "1e999"])
@pytest.mark.django_db
def test_a_signed_intercom_delivery_with_a_nan_created_at_is_refused(client, created_at):
    body, _ = intercom_delivery(created_at=12345)
    body = body.replace(b'"created_at": 12345', f'"created_at": {created_at}'.encode())
    signature = (
        "sha1="
        + hmac.new(settings.INTERCOM_WEBHOOK_SECRET.encode(), body, hashlib.sha1).hexdigest()
    )
    response = post(
        client,
        "/api/v1/webhooks/intercom",
        body,
        {"X-Hub-Signature": signature, "Content-Type": "application/json"},
    )
    assert response.status_code in (400, 401), response.content
    assert Ticket.objects.count() == 0
