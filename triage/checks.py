"""System checks for deployment (``manage.py check --deploy``): no credential may be a development
default, and no account may keep the demo's password."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.checks import Error, Tags, register
from django.db import DatabaseError

from triage.demo.load import DEMO_USERS
from triage.env import DEV_CREDENTIALS

CREDENTIAL_SETTINGS = (
    "SECRET_KEY",
    "ZENDESK_WEBHOOK_SECRET",
    "INTERCOM_WEBHOOK_SECRET",
    "FRESHDESK_WEBHOOK_SECRET",
)


@register(Tags.security, deploy=True)
def development_credentials(app_configs, **kwargs) -> list[Error]:
    """Each credential still at a development default, by name (with DEBUG=false the settings
    refuse to load instead, so this speaks to a deployment being prepared)."""
    errors = [
        Error(
            f"{name} is a development default printed in the source.",
            hint=f"Set {name} to a secret of your own (see README, Deploying).",
            id="deskpilot.E001",
        )
        for name in CREDENTIAL_SETTINGS
        if getattr(settings, name, "") in DEV_CREDENTIALS
    ]
    if any(token in DEV_CREDENTIALS for token in settings.API_TOKENS):
        errors.append(
            Error(
                "API_TOKENS holds a development default token.",
                hint="Unset API_TOKENS and create API clients (manage.py api_clients create NAME), "
                "or set random tokens of at least 32 characters.",
                id="deskpilot.E002",
            )
        )
    return errors


@register(Tags.database, deploy=True)
def demo_passwords(app_configs, **kwargs) -> list[Error]:
    """An account that still signs in with the demo's published password (``check --deploy
    --database default``)."""
    if not kwargs.get("databases"):
        return []
    errors = []
    try:
        for username, password, *_ in DEMO_USERS:
            user = get_user_model().objects.filter(username=username, is_active=True).first()
            if user is not None and user.check_password(password):
                errors.append(
                    Error(
                        f"The account {username!r} still has the demo's published password.",
                        hint="Change its password or deactivate it.",
                        id="deskpilot.E003",
                    )
                )
    except DatabaseError:
        return []
    return errors
