"""The one door to an OpenAI-compatible endpoint: a cached client and a strict-JSON-schema call.

Only masked text goes through it. Anything but a valid JSON object raises EngineError; callers
fall back to ``local`` and record why. Never call it inside a database transaction: a model call
can take minutes, and a transaction held open that long holds its row locks too.
"""

from __future__ import annotations

import json
from functools import lru_cache
from typing import Any

from django.conf import settings
from django.db import connection

from triage.engines.types import EngineError


def inside_transaction() -> bool:
    """True inside a transaction our code opened (the wrapping transaction of a test case does not
    count)."""
    return any(not getattr(block, "_from_testcase", False) for block in connection.atomic_blocks)


@lru_cache(maxsize=4)
def _client(base_url: str | None, api_key: str, timeout: float, max_retries: int):
    from openai import OpenAI  # noqa: PLC0415 -- half a second to import; only when it is used

    return OpenAI(
        base_url=base_url, api_key=api_key or "not-needed", timeout=timeout, max_retries=max_retries
    )


def client():
    """One client per configuration; the SDK retries with exponential backoff on
    429/5xx/timeouts."""
    return _client(
        settings.OPENAI_BASE_URL,
        settings.OPENAI_API_KEY,
        settings.OPENAI_TIMEOUT_SECONDS,
        settings.OPENAI_MAX_RETRIES,
    )


def structured_call(
    *,
    model: str,
    messages: list[dict[str, str]],
    name: str,
    schema: dict[str, Any],
    temperature: float,
) -> tuple[dict[str, Any], str]:
    """One chat completion with a strict JSON schema: (the parsed object, the model that answered).

    Raises EngineError for an unreachable endpoint, a refusal or an answer that is not a JSON
    object.
    """
    if inside_transaction():
        raise RuntimeError(
            "a model call inside a database transaction would hold its locks for the whole call"
        )
    from openai import OpenAIError  # noqa: PLC0415 -- see _client

    try:
        response = client().chat.completions.create(
            model=model,
            temperature=temperature,
            messages=messages,
            response_format={
                "type": "json_schema",
                "json_schema": {"name": name, "strict": True, "schema": schema},
            },
        )
    except OpenAIError as exc:
        raise EngineError(f"{type(exc).__name__}: {str(exc)[:300]}") from exc
    if not response.choices:
        raise EngineError("the endpoint returned no choices")
    message = response.choices[0].message
    if getattr(message, "refusal", None):
        raise EngineError(f"the model refused: {message.refusal[:200]}")
    try:
        data = json.loads(message.content or "")
    except ValueError:
        raise EngineError("the model's answer is not JSON") from None
    if not isinstance(data, dict):
        raise EngineError("the model's answer is not a JSON object")
    return data, response.model or model
