"""Workers killed during a batch, with the embedded broker and with Redis: no ticket lost, none
processed twice.

Two real workers and a real beat (the recovery sweep every 2 s) run against the test database;
200 tickets are queued; ten times a worker is SIGKILLed mid-batch and started again. A ticket a
dead worker held is taken over once its claim runs out (70 s with a 10 s task limit); a message a
dead worker took from the filesystem broker is found again by the sweep; Redis delivers an
unacknowledged message again after its visibility timeout (here shortened with the task limit).
"""

from __future__ import annotations

import random
import shutil
import socket
import subprocess
import sys
import time
from collections import Counter

import pytest

from tests.conftest import ROOT, child_env, database_url_for_current_connection
from triage.celery import app as celery_app
from triage.ingest.service import CustomerInput, TicketInput, ingest_ticket
from triage.models import Draft, PipelineEvent, Ticket
from triage.tasks import process_ticket

pytestmark = [pytest.mark.reliability, pytest.mark.django_db(transaction=True)]

TICKETS = 200
KILLS = 10
BODIES = [
    "I was charged twice for my subscription this month",
    "How do I export all invoices as CSV?",
    "The bank sync stopped working since Friday",
    "Please change the VAT number on my invoices",
    "Our API calls return 401 since this morning",
]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def redis_url(tmp_path):
    if shutil.which("redis-server") is None:
        pytest.fail("redis-server is missing: make test installs it (apt-get install redis-server)")
    port = _free_port()
    server = subprocess.Popen(
        [
            "redis-server",
            "--port",
            str(port),
            "--bind",
            "127.0.0.1",
            "--save",
            "",
            "--appendonly",
            "no",
            "--dir",
            str(tmp_path),
        ],
        stdout=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            break
        except OSError:
            time.sleep(0.1)
    yield f"redis://127.0.0.1:{port}/0"
    server.terminate()
    server.wait(timeout=10)


class Fleet:
    """Two workers and beat on one broker, restartable."""

    def __init__(self, env: dict[str, str], tmp_path):
        self.env, self.tmp = env, tmp_path
        self.workers: list[subprocess.Popen] = []
        self.logs: list[str] = []
        self.beat: subprocess.Popen | None = None

    def _worker(self) -> subprocess.Popen:
        log = self.tmp / f"worker-{len(self.logs)}.log"
        self.logs.append(str(log))
        return subprocess.Popen(
            [
                sys.executable, "-m", "celery", "-A", "triage", "worker", "--pool=solo",
                "--loglevel=INFO", "--without-heartbeat", "--without-gossip", "--without-mingle",
            ],
            cwd=ROOT, env=self.env, stdout=log.open("w"), stderr=subprocess.STDOUT,
        )  # fmt: skip

    def start(self) -> None:
        self.workers = [self._worker(), self._worker()]
        self.beat = subprocess.Popen(
            [
                sys.executable, "-m", "celery", "-A", "triage", "beat", "--loglevel=INFO",
                f"--schedule={self.tmp / 'beat-schedule'}",
            ],
            cwd=ROOT, env=self.env, stdout=(self.tmp / "beat.log").open("w"),
            stderr=subprocess.STDOUT,
        )  # fmt: skip

    def kill_one(self, rng: random.Random) -> None:
        index = rng.randrange(len(self.workers))
        self.workers[index].kill()
        self.workers[index].wait()
        self.workers[index] = self._worker()

    def stop(self) -> None:
        for process in [*self.workers, self.beat]:
            if process is not None and process.poll() is None:
                process.terminate()
        for process in [*self.workers, self.beat]:
            if process is not None:
                try:
                    process.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    process.kill()

    def tail(self) -> str:
        return "\n".join(open(p).read()[-1500:] for p in self.logs[-3:])


def _queue_tickets() -> list[int]:
    ids = []
    for index in range(TICKETS):
        result = ingest_ticket(
            data=TicketInput(
                channel="api",
                external_id=f"fault-{index}",
                body=f"{BODIES[index % len(BODIES)]} (case {index})",
                customer=CustomerInput(email=f"c{index % 40}@faults.example", name="Cus Tomer"),
            )
        )
        ids.append(result.ticket.pk)
    with celery_app.connection_for_write() as connection:
        for ticket_id in ids:
            process_ticket.apply_async(args=[ticket_id], connection=connection)
    return ids


def _run_with_kills(env: dict[str, str], tmp_path) -> dict:
    fleet = Fleet(env, tmp_path)
    fleet.start()
    rng = random.Random(7)
    started = time.monotonic()
    try:
        ids = _queue_tickets()
        for _ in range(KILLS):
            time.sleep(rng.uniform(1.0, 3.0))
            fleet.kill_one(rng)
        deadline = time.monotonic() + 300
        while time.monotonic() < deadline:
            left = Ticket.objects.filter(pk__in=ids, status__in=["new", "reopened"]).count()
            if not left:
                break
            time.sleep(1)
        seconds = time.monotonic() - started
    finally:
        fleet.stop()
    left = list(
        Ticket.objects.filter(pk__in=ids, status__in=["new", "reopened"]).values_list(
            "pk", flat=True
        )
    )
    drafts = Counter(Draft.objects.filter(ticket_id__in=ids).values_list("ticket_id", flat=True))
    draft_stages = Counter(
        PipelineEvent.objects.filter(ticket_id__in=ids, stage="draft", error="").values_list(
            "ticket_id", flat=True
        )
    )
    return {
        "ids": ids,
        "lost": left,
        "twice": [t for t in ids if drafts[t] > 1 or draft_stages[t] > 1],
        "seconds": round(seconds, 1),
        "log": fleet.tail(),
    }


def _summary(result: dict) -> str:
    return (
        f"{len(result['ids'])} tickets, {KILLS} SIGKILLs, {len(result['lost'])} lost, "
        f"{len(result['twice'])} processed twice, {result['seconds']} s"
    )


def _env(tmp_path, broker: str) -> dict[str, str]:
    return child_env(
        DATABASE_URL=database_url_for_current_connection(),
        CELERY_BROKER_URL=broker,
        CELERY_FILESYSTEM_DIR=str(tmp_path / "broker"),
        CELERY_TASK_TIME_LIMIT="10",
        SWEEP_INTERVAL_SECONDS="2",
        SWEEP_AFTER_SECONDS="5",
    )


@pytest.fixture
def filesystem_broker(tmp_path):
    broker = tmp_path / "broker"
    options = {
        "data_folder_in": str(broker / "queue"),
        "data_folder_out": str(broker / "queue"),
        "processed_folder": str(broker / "processed"),
        "control_folder": str(broker / "control"),
    }
    for folder in set(options.values()):
        (tmp_path / folder).mkdir(parents=True, exist_ok=True)
    old = (celery_app.conf.broker_url, celery_app.conf.broker_transport_options)
    celery_app.conf.broker_url = "filesystem://"
    celery_app.conf.broker_transport_options = options
    yield
    celery_app.conf.broker_url, celery_app.conf.broker_transport_options = old


def test_ten_worker_kills_with_the_embedded_broker_lose_nothing_and_double_nothing(
    config, knowledge, tmp_path, filesystem_broker, capsys
):
    result = _run_with_kills(_env(tmp_path, "filesystem://"), tmp_path)
    with capsys.disabled():
        print(f"\nfilesystem broker: {_summary(result)}")
    assert result["lost"] == [], result["log"]
    assert result["twice"] == [], result["log"]


def test_ten_worker_kills_with_redis_lose_nothing_and_double_nothing(
    config, knowledge, tmp_path, redis_url, capsys
):
    old = (celery_app.conf.broker_url, celery_app.conf.broker_transport_options)
    celery_app.conf.broker_url = redis_url
    celery_app.conf.broker_transport_options = {"visibility_timeout": 130}
    try:
        result = _run_with_kills(_env(tmp_path, redis_url), tmp_path)
    finally:
        celery_app.conf.broker_url, celery_app.conf.broker_transport_options = old
    with capsys.disabled():
        print(f"\nredis: {_summary(result)}")
    assert result["lost"] == [], result["log"]
    assert result["twice"] == [], result["log"]
