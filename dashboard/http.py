"""The request type of dashboard views (django-htmx adds ``request.htmx``)."""

from __future__ import annotations

import re

from django.http import HttpRequest
from django_htmx.middleware import HtmxDetails


class HtmxHttpRequest(HttpRequest):
    htmx: HtmxDetails


def parse_id(value: str | None) -> int | None:
    """A row id from a query string or form: ASCII digits only ("٣" and "²" are digits to
    ``str.isdigit`` but not ids), within a bigint; None for anything else."""
    if value is None or not re.fullmatch(r"[0-9]{1,18}", value.strip()):
        return None
    return int(value.strip())
