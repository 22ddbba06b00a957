"""The Celery app. Broker from CELERY_BROKER_URL; without it, kombu's filesystem transport under
.var/."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import kombu.transport
from celery import Celery
from celery.signals import user_preload_options, worker_process_init, worker_ready
from django.conf import settings

from triage.env import BadSetting

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "triage.settings")
# filesystem:// is our safer variant of kombu's transport (atomic writes, unreadable files skipped).
kombu.transport.TRANSPORT_ALIASES["filesystem"] = "triage.broker:Transport"

app = Celery("triage")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

FILESYSTEM_FOLDERS = ("data_folder_in", "data_folder_out", "processed_folder", "control_folder")


@app.on_after_configure.connect
def _make_broker_folders(sender: Celery, **_: object) -> None:
    """The filesystem broker's folders, made when the app first needs its configuration (sending or
    working)."""
    options = sender.conf.broker_transport_options or {}
    for key in FILESYSTEM_FOLDERS:
        if options.get(key):
            Path(options[key]).mkdir(parents=True, exist_ok=True)


def _check_settings_on_worker_start(**_: object) -> None:
    """Load settings before the worker boots so a bad one ends it with one line, not a traceback."""
    try:
        settings.INSTALLED_APPS  # noqa: B018 -- forces the settings module to load
    except BadSetting as exc:
        sys.stderr.write(f"error: {exc}\n")
        sys.exit(2)


user_preload_options.connect(_check_settings_on_worker_start)


@worker_ready.connect
def _sweep_on_start(sender=None, **_: object) -> None:
    """A worker that starts looks for work a dead one left: the sweep runs as a task (in the pool,
    never in the parent process, which must hold no database connection across the fork)."""
    sender.app.send_task("triage.tasks.sweep_stuck_work")


@worker_process_init.connect
def _load_model(**_: object) -> None:
    """Each pool process loads the embedding model when it starts, not on its first ticket (a
    second or more, and the ONNX export on a machine's very first start)."""
    from knowledge.embeddings import get_embedder  # noqa: PLC0415 -- Django is set up by now

    get_embedder()
