"""The Celery app. Broker from CELERY_BROKER_URL; without it, kombu's filesystem transport under .var/."""

from __future__ import annotations

import os
import sys

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "triage.settings")

app = Celery("triage")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


def _check_settings_on_worker_start(**_: object) -> None:
    """Load settings before the worker boots so a bad one ends it with one line, not a traceback."""
    from django.conf import settings

    from triage.env import BadSetting

    try:
        settings.INSTALLED_APPS  # noqa: B018 -- forces the settings module to load
    except BadSetting as exc:
        sys.stderr.write(f"error: {exc}\n")
        sys.exit(2)


from celery.signals import user_preload_options  # noqa: E402

user_preload_options.connect(_check_settings_on_worker_start)
