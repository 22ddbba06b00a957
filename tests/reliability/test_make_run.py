"""`make run`'s server under a stop and under load: every acknowledged ticket is processed after a
SIGTERM and a restart; fifty clients for thirty seconds get no connection error."""

from __future__ import annotations

import http.client
import json
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.request

import psutil
import pytest

from tests.conftest import ROOT, child_env, database_url_for_current_connection
from triage.models import Ticket

pytestmark = [pytest.mark.reliability, pytest.mark.django_db(transaction=True)]

TOKEN = "reliability-token"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Run:
    def __init__(self, tmp_path, port: int):
        self.tmp, self.port = tmp_path, port
        self.env = child_env(
            DATABASE_URL=database_url_for_current_connection(),
            DESKPILOT_VAR_DIR=str(tmp_path / "var"),
            CELERY_BROKER_URL="filesystem://",
            CELERY_FILESYSTEM_DIR=str(tmp_path / "broker"),
            API_TOKENS=TOKEN,
            SWEEP_INTERVAL_SECONDS="2",
            SWEEP_AFTER_SECONDS="5",
        )
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        log = (self.tmp / f"run-{time.monotonic_ns()}.log").open("w")
        self.process = subprocess.Popen(
            [sys.executable, "manage.py", "rundev", "--no-demo", "--concurrency", "1",
             "--addrport", f"127.0.0.1:{self.port}"],
            cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT,
        )  # fmt: skip
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.5).close()
                return
            except OSError:
                assert self.process.poll() is None, "make run exited while starting"
                time.sleep(0.5)
        pytest.fail("the web server did not come up")

    def stop(self, timeout: float = 90) -> int:
        self.process.send_signal(signal.SIGTERM)
        return self.process.wait(timeout=timeout)


def post_ticket(port: int, index: int, *, timeout: float = 10) -> int | None:
    """The new ticket's id, or None when the server did not acknowledge it."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        connection.request(
            "POST",
            "/api/v1/tickets",
            json.dumps({"body": f"Invoice {index} has the wrong VAT", "external_id": f"r-{index}"}),
            {"Content-Type": "application/json", "Authorization": f"Bearer {TOKEN}"},
        )  # fmt: skip
        response = connection.getresponse()
        body = response.read()
        if response.status in (200, 201):
            return json.loads(body)["id"]
        raise AssertionError(f"{response.status}: {body[:300]!r}")
    finally:
        connection.close()


def test_sigterm_during_ingestion_then_restart_processes_every_acknowledged_ticket(
    config, knowledge, tmp_path
):
    run = Run(tmp_path, _free_port())
    run.start()
    acknowledged: list[int] = []
    refused = 0

    def ingest() -> None:
        nonlocal refused
        for index in range(150):
            try:
                ticket_id = post_ticket(run.port, index)
            except (OSError, http.client.HTTPException):
                refused += 1  # the server stopped accepting: not acknowledged, not promised
                continue
            acknowledged.append(ticket_id)

    sender = threading.Thread(target=ingest)
    sender.start()
    while len(acknowledged) < 40:
        time.sleep(0.05)
    assert run.stop() == 0, "make run did not stop cleanly on SIGTERM"
    sender.join(timeout=120)
    assert refused > 0, "the stop came too late to test anything"
    run.start()
    deadline = time.monotonic() + 240
    while time.monotonic() < deadline:
        if not Ticket.objects.filter(pk__in=acknowledged, status__in=["new", "reopened"]).exists():
            break
        time.sleep(1)
    left = list(
        Ticket.objects.filter(pk__in=acknowledged, status__in=["new", "reopened"]).values_list(
            "pk", flat=True
        )
    )
    run.stop()
    print(f"\n{len(acknowledged)} acknowledged before and around the stop, {refused} refused, "
          f"{len(left)} left unprocessed after the restart")  # fmt: skip
    assert left == []


def test_fifty_clients_for_thirty_seconds_get_no_connection_error(config, tmp_path):
    run = Run(tmp_path, _free_port())
    run.start()
    errors: list[str] = []
    done = [0]
    stop_at = time.monotonic() + 30

    def client(number: int) -> None:
        index = 0
        while time.monotonic() < stop_at:
            try:
                post_ticket(run.port, number * 100_000 + index, timeout=30)
                done[0] += 1
            except Exception as exc:  # noqa: BLE001 -- every failure counts
                errors.append(f"{type(exc).__name__}: {exc}"[:200])
            index += 1

    threads = [threading.Thread(target=client, args=(n,)) for n in range(50)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert run.stop() == 0
    print(f"\n50 clients, 30 s: {done[0]} tickets created, {len(errors)} errors")
    assert errors == [], errors[:5]
    assert done[0] > 0


def test_make_run_stops_within_ten_seconds_with_an_idle_keep_alive_connection_open(
    config, tmp_path
):
    run = Run(tmp_path, _free_port())
    run.start()
    # A browser's idle keep-alive connection: one request answered, the socket left open.
    browser = http.client.HTTPConnection("127.0.0.1", run.port, timeout=30)
    browser.request("GET", "/login/", headers={"Connection": "keep-alive"})
    response = browser.getresponse()
    response.read()
    assert response.status == 200 and response.getheader("Connection", "").lower() != "close"
    started = time.monotonic()
    assert run.stop(timeout=60) == 0
    took = time.monotonic() - started
    browser.close()
    print(f"\nmake run stopped {took:.1f} s after SIGTERM with an idle keep-alive connection open")
    assert took <= 10, took


def _postgres_on(data_dir) -> list[int]:
    """The PostgreSQL processes serving ``data_dir``."""
    found = []
    for process in psutil.process_iter(["pid", "name", "cmdline"]):
        try:
            line = " ".join(process.info["cmdline"] or [])
        except (psutil.NoSuchProcess, psutil.AccessDenied):
            continue
        if "postgres" in (process.info["name"] or "") and str(data_dir) in line:
            found.append(process.info["pid"])
    return found


def test_make_run_with_the_embedded_database_stops_it_too_within_ten_seconds(tmp_path):
    run = Run(tmp_path, _free_port())
    run.env.pop("DATABASE_URL")  # the embedded server, in this test's own data directory
    data_dir = tmp_path / "var" / "pgdata"
    run.start()
    # the web server asks the database on its first request: then the server is up
    urllib.request.urlopen(f"http://127.0.0.1:{run.port}/login/", timeout=120).read()
    assert _postgres_on(data_dir), "the embedded PostgreSQL did not start"
    started = time.monotonic()
    assert run.stop(timeout=60) == 0
    deadline = time.monotonic() + 10
    while _postgres_on(data_dir) and time.monotonic() < deadline:
        time.sleep(0.2)
    took = time.monotonic() - started
    print(f"\nmake run and its embedded PostgreSQL stopped {took:.1f} s after SIGTERM")
    assert not _postgres_on(data_dir) and took <= 10, took
