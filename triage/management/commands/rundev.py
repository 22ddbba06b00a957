"""Everything `make run` starts: migrations, demo data, a Celery worker, Celery beat and the web
server, supervised.

The worker and beat are restarted when they die (with a growing pause when they keep dying). On
SIGTERM or Ctrl-C the web server stops accepting connections, lets the requests in progress
finish, then the worker (which finishes its task) and beat are stopped, and last the embedded
database (it stops when its last user exits).
"""

from __future__ import annotations

import fcntl
import os
import signal
import socket
import socketserver
import subprocess
import sys
import threading
import time
from pathlib import Path

from django.conf import settings
from django.contrib.staticfiles.handlers import StaticFilesHandler
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.core.servers.basehttp import (
    WSGIRequestHandler,
    WSGIServer,
    get_internal_wsgi_application,
)
from django.db import connections

STOP_TIMEOUT = 30.0
RESTART_PAUSE_MAX = 30.0
# How long a stop lets the requests in progress finish before their connections are cut.
REQUEST_GRACE_SECONDS = 10.0


class GracefulRequestHandler(WSGIRequestHandler):
    """Tells the server whether its keep-alive connection is idle (waiting for the next request)
    or busy with one, so a stop can close the idle ones at once and let the busy ones finish."""

    def handle_one_request(self) -> None:
        self.server.connection_idle(self)
        if self.server.stopping.is_set():
            self.close_connection = True
            return
        super().handle_one_request()
        if self.server.stopping.is_set():
            self.close_connection = True  # answered; now stop
        self.server.connection_idle(self)

    def parse_request(self) -> bool:
        self.server.connection_busy(self)
        return super().parse_request()

    def finish(self) -> None:
        self.server.connection_gone(self)
        super().finish()


class GracefulServer(socketserver.ThreadingMixIn, WSGIServer):
    """The development server, but stopping closes idle keep-alive connections at once and waits
    for the requests in progress (at most ``REQUEST_GRACE_SECONDS``), and at most
    ``max_threads`` requests run at once (each holds a database connection while it runs; the
    rest wait in the listen queue), so fifty clients cannot run PostgreSQL out of connections."""

    daemon_threads = False
    block_on_close = True
    max_threads = 16

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._slots = threading.BoundedSemaphore(self.max_threads)
        self.stopping = threading.Event()
        self._lock = threading.Lock()
        self._idle: set[GracefulRequestHandler] = set()
        self._busy: set[GracefulRequestHandler] = set()

    def connection_idle(self, handler: GracefulRequestHandler) -> None:
        with self._lock:
            self._busy.discard(handler)
            self._idle.add(handler)
        if self.stopping.is_set():
            _cut(handler)

    def connection_busy(self, handler: GracefulRequestHandler) -> None:
        with self._lock:
            self._idle.discard(handler)
            self._busy.add(handler)

    def connection_gone(self, handler: GracefulRequestHandler) -> None:
        with self._lock:
            self._idle.discard(handler)
            self._busy.discard(handler)

    def stop(self, grace: float = REQUEST_GRACE_SECONDS) -> None:
        """Stop accepting, close the idle keep-alive connections, give the requests in progress
        ``grace`` seconds, then cut what is left and wait for the threads."""
        self.shutdown()
        self.stopping.set()
        with self._lock:
            idle = list(self._idle)
        for handler in idle:
            _cut(handler)
        deadline = time.monotonic() + grace
        while time.monotonic() < deadline:
            with self._lock:
                if not self._busy:
                    break
            time.sleep(0.05)
        with self._lock:
            left = list(self._busy | self._idle)
        for handler in left:
            _cut(handler)
        self.server_close()

    def process_request(self, request, client_address):
        self._slots.acquire()  # the accept loop waits here while every slot is busy
        try:
            super().process_request(request, client_address)
        except BaseException:
            self._slots.release()
            raise

    def process_request_thread(self, request, client_address):
        try:
            super().process_request_thread(request, client_address)
        finally:
            connections.close_all()  # this thread's connection dies with it, not at GC
            self._slots.release()

    # socketserver's default backlog of 5 resets connections as soon as a few clients arrive at
    # once.
    request_queue_size = 128


def _cut(handler: WSGIRequestHandler) -> None:
    """End a connection: its thread's wait for the next request returns at once."""
    try:
        handler.connection.shutdown(socket.SHUT_RDWR)
    except OSError:
        pass  # already closed by the client or by its thread


class Supervised:
    """A child process kept running: restarted when it dies, stopped with SIGTERM."""

    def __init__(self, name: str, argv: list[str], out, env: dict[str, str] | None = None):
        self.name, self.argv, self.out = name, argv, out
        self.env = {**os.environ, **(env or {})}
        self.process: subprocess.Popen | None = None
        self.restarts = 0
        self._pause = 1.0

    def start(self) -> None:
        self.process = subprocess.Popen(self.argv, env=self.env)
        self.out.write(f"{self.name} started (pid {self.process.pid})\n")

    def check(self) -> None:
        if self.process is not None and self.process.poll() is not None:
            self.out.write(
                f"{self.name} (pid {self.process.pid}) exited with {self.process.returncode}; "
                f"restarting in {self._pause:.0f} s\n"
            )
            time.sleep(self._pause)
            self._pause = min(RESTART_PAUSE_MAX, self._pause * 2)
            self.restarts += 1
            self.start()

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=STOP_TIMEOUT)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.out.write(f"{self.name} stopped\n")


def celery(*args: str) -> list[str]:
    return [sys.executable, "-m", "celery", "-A", "triage", *args]


class Command(BaseCommand):
    help = (
        "Migrate, load demo data into an empty database, and run a Celery worker, Celery beat and "
        "the web server under supervision."
    )

    def add_arguments(self, parser):
        parser.add_argument("--addrport", default="127.0.0.1:8000")
        parser.add_argument(
            "--concurrency",
            type=int,
            default=os.cpu_count() or 1,
            help="worker processes (default: one per core)",
        )
        parser.add_argument(
            "--no-demo", action="store_true", help="do not load demo data into an empty database"
        )

    def handle(self, *args, addrport: str, concurrency: int, no_demo: bool = False, **options):
        lock_file = self._lock()
        host, _, port = addrport.rpartition(":")
        if not port.isdigit():
            raise CommandError(f"--addrport {addrport!r} must look like 127.0.0.1:8000")
        stop = threading.Event()
        for sig in (signal.SIGTERM, signal.SIGINT):
            signal.signal(sig, lambda *_: stop.set())

        call_command("migrate", interactive=False, verbosity=1)
        if not no_demo:
            call_command("load_demo")
        var = Path(settings.VAR_DIR)
        children = [
            Supervised(
                "Celery worker",
                celery("worker", "--loglevel=INFO", f"--concurrency={max(1, concurrency)}"),
                self.stdout,
                # One process per core: the model's threads would only contend with each other.
                env={
                    "EMBEDDING_THREADS": os.environ.get("EMBEDDING_THREADS")
                    or str(max(1, (os.cpu_count() or 1) // max(1, concurrency)))
                },
            ),
            Supervised(
                "Celery beat",
                celery(
                    "beat",
                    "--loglevel=INFO",
                    f"--schedule={var / 'celerybeat-schedule'}",
                    f"--pidfile={var / 'celerybeat.pid'}",
                ),
                self.stdout,
            ),
        ]
        for child in children:
            child.start()
        try:
            httpd = GracefulServer((host or "127.0.0.1", int(port)), GracefulRequestHandler)
        except OSError as exc:
            for child in children:
                child.stop()
            raise CommandError(f"cannot listen on {addrport}: {exc.strerror}") from None
        application = get_internal_wsgi_application()
        httpd.set_app(StaticFilesHandler(application) if settings.DEBUG else application)
        server = threading.Thread(target=httpd.serve_forever, name="web", daemon=True)
        server.start()
        self.stdout.write(self.style.SUCCESS(f"Web server on http://{addrport}/ (Ctrl-C stops)"))
        try:
            while not stop.wait(1.0):
                for child in children:
                    child.check()
        finally:
            self.stdout.write("Stopping: no new requests; finishing the ones in progress")
            httpd.stop()  # idle keep-alive connections closed, requests in progress finish
            for child in children:  # the worker finishes its task, then beat
                child.stop()
            lock_file.close()
            self.stdout.write("Stopped; the embedded database stops with its last user.")

    def _lock(self):
        lock_path = Path(settings.VAR_DIR) / "run.lock"
        lock_path.parent.mkdir(parents=True, exist_ok=True)
        lock_file = lock_path.open("a+")
        try:
            fcntl.flock(lock_file, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            lock_file.seek(0)
            other = lock_file.read().strip() or "unknown"
            raise CommandError(
                f"make run is already running (pid {other}); stop it first. The data in "
                f"{settings.VAR_DIR} was not touched."
            ) from None
        lock_file.seek(0)
        lock_file.truncate()
        lock_file.write(str(os.getpid()))
        lock_file.flush()
        return lock_file
