from __future__ import annotations

import os
from pathlib import Path
from urllib.parse import quote

import pytest
from django.contrib.auth.models import Group, User
from django.db import connection

from knowledge import retrieval
from knowledge.services import EntryInput, create_entries
from tests.fake_openai import FakeOpenAI
from triage.config.seed import seed_configuration
from triage.demo.resolved import resolved_tickets
from triage.engines import classify_local, openai_client
from triage.ingest.service import CustomerInput, TicketInput, ingest_ticket
from triage.models import Team, TeamMembership, Ticket
from triage.pipeline import events

ROOT = Path(__file__).resolve().parent.parent


def database_url_for_current_connection() -> str:
    """A DATABASE_URL that points a child process (worker, manage.py) at the test database."""
    s = connection.settings_dict
    host = s["HOST"]
    auth = quote(s["USER"]) + (":" + quote(s["PASSWORD"]) if s["PASSWORD"] else ":")
    if host.startswith("/"):
        return f"postgresql://{auth}@localhost/{s['NAME']}?host={quote(host)}"
    return f"postgresql://{auth}@{host}:{s['PORT'] or 5432}/{s['NAME']}"


def child_env(**extra: str) -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in {"DJANGO_SETTINGS_MODULE", "DJANGO_ALLOW_ASYNC_UNSAFE"}
    }
    env.update({"DJANGO_SETTINGS_MODULE": "triage.settings", "HF_HUB_OFFLINE": "1"})
    env.update(extra)
    return env


@pytest.fixture(autouse=True)
def _fresh_process_memos():
    """Each test starts as a fresh worker would: no remembered category counts or run events
    (the database they were read from is rolled back between tests)."""
    retrieval.forget_memos()
    events._done.clear()
    yield


@pytest.fixture
def config(db) -> None:
    """The default taxonomy, teams, personas and rules."""
    seed_configuration()


def make_user(username: str, role: str, teams: list[str] = ()) -> User:
    user = User.objects.create_user(username=username, password="pw-" + username)
    user.groups.add(Group.objects.get_or_create(name=role)[0])
    if role == "admin":
        user.is_staff = user.is_superuser = True
        user.save()
    for slug in teams:
        TeamMembership.objects.create(team=Team.objects.get(slug=slug), user=user)
    return user


def make_ticket(body: str = "I was charged twice this month.", **kwargs) -> Ticket:
    data = TicketInput(
        channel=kwargs.pop("channel", "email"),
        body=body,
        subject=kwargs.pop("subject", "Help"),
        external_id=kwargs.pop("external_id", None),
        customer=kwargs.pop(
            "customer", CustomerInput(email="jane@customer.example", name="Jane Doe")
        ),
        **kwargs,
    )
    return ingest_ticket(data=data).ticket


@pytest.fixture
def fake_openai(settings):
    """A local OpenAI-compatible server, with the settings pointing the engines at it."""
    with FakeOpenAI() as server:
        settings.OPENAI_BASE_URL = server.base_url
        settings.OPENAI_API_KEY = "test-key"
        settings.OPENAI_MAX_RETRIES = 0
        settings.OPENAI_TIMEOUT_SECONDS = 5.0
        openai_client._client.cache_clear()
        yield server
    openai_client._client.cache_clear()


@pytest.fixture
def knowledge(config):
    """A small labelled knowledge base (the demo's resolved tickets) and a fresh local
    classifier."""
    create_entries(
        entries=[
            EntryInput(
                text=r["text"],
                category=r["category"],
                subcategory=r["subcategory"],
                urgency=r["urgency"],
                sentiment=r["sentiment"],
                response=r["response"],
                resolution=r["resolution"],
                external_id=r["external_id"],
            )
            for r in resolved_tickets()
        ]
    )
    classify_local.reset_cache()
    yield
    classify_local.reset_cache()
