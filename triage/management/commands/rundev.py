"""Everything `make run` starts: migrations, demo data, a Celery worker and the web server."""

from __future__ import annotations

import fcntl
import os
import signal
import subprocess
import sys
from pathlib import Path

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError


class Command(BaseCommand):
    help = (
        "Migrate, load demo data into an empty database, start a Celery worker and the web server."
    )

    def add_arguments(self, parser):
        parser.add_argument("--addrport", default="127.0.0.1:8000")

    def handle(self, *args, addrport: str, **options):
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

        # SIGTERM (kill, a supervisor) ends like Ctrl-C: stop the worker, then the embedded
        # database.
        signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
        call_command("migrate", interactive=False, verbosity=1)
        call_command("load_demo")
        worker = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "triage",
                "worker",
                "--loglevel=INFO",
                "--concurrency=1",
            ],
            env={**os.environ},
        )
        self.stdout.write(
            self.style.SUCCESS(
                f"Celery worker started (pid {worker.pid}). Web server on http://{addrport}/"
            )
        )
        try:
            call_command("runserver", addrport, use_reloader=False)
        finally:
            worker.send_signal(signal.SIGTERM)
            try:
                worker.wait(timeout=20)
            except subprocess.TimeoutExpired:
                worker.kill()
