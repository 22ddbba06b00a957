"""The Django project package and the core triage domain."""

from triage.celery import app as celery_app

__all__ = ("celery_app",)
