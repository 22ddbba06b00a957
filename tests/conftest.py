from __future__ import annotations

import os
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import quote

import pytest
from django.contrib.auth.models import Group, User
from django.db import connection

from knowledge import retrieval
from knowledge.services import EntryInput, create_entries
from tests.fake_openai import FakeOpenAI
from triage.celery import app as celery_app
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


def make_ticket(
    body: str = "I was charged twice this month.", *, process: bool = False, **kwargs
) -> Ticket:
    """A stored ticket. Not queued for the pipeline unless ``process``: the tests that use this
    drive the stages themselves (ingestion's own queueing has tests of its own)."""
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
    return ingest_ticket(data=data, process=process).ticket


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


def _reset_celery_pools() -> None:
    """Forget the app's broker connections, so the next message goes to the broker its
    configuration names now."""
    if celery_app._pool is not None:
        celery_app._pool.force_close_all()
    celery_app._pool = None
    celery_app.amqp._producer_pool = None


@contextmanager
def _test_broker(tmp_path):
    """Point this process's Celery app at a fresh filesystem broker under ``tmp_path``; the
    environment a worker on it needs."""
    queue, processed = tmp_path / "queue", tmp_path / "processed"
    queue.mkdir(exist_ok=True)
    processed.mkdir(exist_ok=True)
    old = (celery_app.conf.task_always_eager, dict(celery_app.conf.broker_transport_options or {}))
    celery_app.conf.task_always_eager = False
    celery_app.conf.broker_url = "filesystem://"
    celery_app.conf.broker_transport_options = {
        "data_folder_in": str(queue),
        "data_folder_out": str(queue),
        "processed_folder": str(processed),
        "control_folder": str(tmp_path / "control"),
    }
    # Services queue through the app's own producer pool: let it connect to this broker.
    _reset_celery_pools()
    try:
        yield child_env(
            DATABASE_URL=database_url_for_current_connection(),
            CELERY_BROKER_URL="filesystem://",
            CELERY_FILESYSTEM_DIR=str(tmp_path),
        )
    finally:
        celery_app.conf.task_always_eager = old[0]
        celery_app.conf.broker_transport_options = old[1]
        _reset_celery_pools()


def _start_worker(env: dict[str, str], stdout=subprocess.PIPE) -> subprocess.Popen:
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "triage",
            "worker",
            "--pool=solo",
            "--loglevel=INFO",
            "--without-heartbeat",
            "--without-gossip",
            "--without-mingle",
        ],
        cwd=ROOT,
        env=env,
        stdout=stdout,
        stderr=subprocess.STDOUT,
        text=True,
    )


def _stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@pytest.fixture
def worker_broker(tmp_path, settings, request):
    """Point this process's Celery app at a fresh filesystem broker and start a worker on it."""
    with _test_broker(tmp_path) as env:
        # A test may set more of the worker's environment; "{tmp}" stands for this test's folder.
        env.update(
            {
                key: value.replace("{tmp}", str(tmp_path))
                for key, value in getattr(request, "param", {}).items()
            }
        )
        worker = _start_worker(env)
        yield worker
        _stop(worker)


class Workers:
    """Real worker processes on one test broker, started, killed and stopped as a test says;
    each logs to a file of its own."""

    def __init__(self, env: dict[str, str], tmp_path) -> None:
        self.env, self.tmp = env, tmp_path
        self.processes: list[subprocess.Popen] = []

    def start(self, **env: str) -> subprocess.Popen:
        log = (self.tmp / f"worker-{len(self.processes)}.log").open("w")
        process = _start_worker({**self.env, **env}, stdout=log)
        process.log_path = log.name
        self.processes.append(process)
        return process

    def kill(self, process: subprocess.Popen) -> None:
        process.kill()  # SIGKILL: no cleanup, no acknowledgement, as when a machine dies
        process.wait()

    def logs(self) -> str:
        return "\n".join(
            f"--- {p.log_path}\n" + open(p.log_path).read()[-4000:] for p in self.processes
        )

    def stop_all(self) -> None:
        for process in self.processes:
            _stop(process)


@pytest.fixture
def workers(tmp_path, settings):
    with _test_broker(tmp_path) as env:
        fleet = Workers(env, tmp_path)
        try:
            yield fleet
        finally:
            fleet.stop_all()


def wait_for(predicate, *, seconds: float = 90.0) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.3)
    return False
