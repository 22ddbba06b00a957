"""Ingestion over HTTP: the JSON API, raw email, chat transcripts, helpdesk webhooks and the public
web form.

Every bad request gets a 4xx with {"error": reason}; nothing is written unless the whole
ticket is. ``ingest_ticket`` queues what it stores for the pipeline.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import replace
from typing import Any

from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from triage.ingest import clients, webhooks
from triage.ingest.clients import Caller
from triage.ingest.email import MAX_EMAIL_BYTES, parse_email
from triage.ingest.forms import SupportRequestForm
from triage.ingest.service import (
    CustomerInput,
    IngestError,
    IngestResult,
    TicketInput,
    ingest_ticket,
)
from triage.models import Channel

MAX_JSON_BYTES = 1024 * 1024
MAX_JSON_DEPTH = 20


def error(status: int, reason: str) -> JsonResponse:
    return JsonResponse({"error": reason}, status=status)


class BadRequest(Exception):
    def __init__(self, status: int, reason: str) -> None:
        super().__init__(reason)
        self.status = status
        self.reason = reason


def _body(request: HttpRequest, limit: int) -> bytes:
    length = request.META.get("CONTENT_LENGTH") or "0"
    if length.isdigit() and int(length) > limit:
        raise BadRequest(413, f"the request body has {length} bytes; the limit is {limit}")
    try:
        body = request.body
    except RequestDataTooBig:
        raise BadRequest(413, f"the request body is larger than {limit} bytes") from None
    if len(body) > limit:
        raise BadRequest(413, f"the request body has {len(body)} bytes; the limit is {limit}")
    return body


def _depth(value: Any, level: int = 0) -> int:
    if level > MAX_JSON_DEPTH:
        return level
    if isinstance(value, dict):
        return max([_depth(v, level + 1) for v in value.values()], default=level + 1)
    if isinstance(value, list):
        return max([_depth(v, level + 1) for v in value], default=level + 1)
    return level


def _json(request: HttpRequest) -> dict[str, Any]:
    content_type = request.META.get("CONTENT_TYPE", "").split(";")[0].strip()
    if content_type != "application/json":
        raise BadRequest(415, "send the payload as application/json")
    raw = _body(request, MAX_JSON_BYTES)
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise BadRequest(400, f"the body is not valid UTF-8 (byte {exc.start})") from None
    try:
        data = json.loads(text)
    except RecursionError:
        raise BadRequest(400, f"the JSON is nested deeper than {MAX_JSON_DEPTH} levels") from None
    except ValueError as exc:
        raise BadRequest(400, f"the body is not valid JSON: {exc}") from None
    if not isinstance(data, dict):
        raise BadRequest(400, "the JSON body must be an object")
    if _depth(data) > MAX_JSON_DEPTH:
        raise BadRequest(400, f"the JSON is nested deeper than {MAX_JSON_DEPTH} levels")
    return data


def _check_token(request: HttpRequest) -> Caller:
    header = request.META.get("HTTP_AUTHORIZATION", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() not in {"bearer", "token"} or not token:
        raise BadRequest(401, "missing API token: send Authorization: Bearer <token>")
    caller = clients.authenticate(token)
    if caller is None:
        raise BadRequest(401, "the API token is not valid")
    return caller


def _field(
    data: dict, key: str, *, required: bool = False, default: str = "", is_id: bool = False
) -> str:
    """A string field; ids may also be whole numbers, as helpdesks send them."""
    value = data.get(key)
    if value is None:
        if required:
            raise BadRequest(400, f"{key} is required")
        return default
    if is_id and isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    if not isinstance(value, str):
        raise BadRequest(400, f"{key} must be a string, not {type(value).__name__}")
    return value


def _created(result: IngestResult) -> JsonResponse:
    status = (
        "created" if result.created else ("joined_thread" if result.joined_thread else "duplicate")
    )
    return JsonResponse(
        {"id": result.ticket.pk, "status": status}, status=201 if result.created else 200
    )


def _endpoint(view: Callable[[HttpRequest], JsonResponse]) -> Callable[[HttpRequest], JsonResponse]:
    def wrapped(request: HttpRequest) -> JsonResponse:
        try:
            return view(request)
        except BadRequest as exc:
            return error(exc.status, exc.reason)
        except webhooks.SignatureError as exc:
            return error(401, str(exc))
        except IngestError as exc:
            return error(400, str(exc))

    wrapped.__name__ = view.__name__
    wrapped.__doc__ = view.__doc__
    return csrf_exempt(require_POST(wrapped))


@_endpoint
def create_ticket(request: HttpRequest) -> JsonResponse:
    """POST /api/v1/tickets: {subject, body, channel, customer: {email, name, external_id},
    external_id, thread_id}."""
    caller = _check_token(request)
    data = _json(request)
    channel = _field(data, "channel", default="api")
    if channel not in Channel.values:
        raise BadRequest(
            400, f"unknown channel {channel!r}; use one of {', '.join(Channel.values)}"
        )
    customer = data.get("customer") or {}
    if not isinstance(customer, dict):
        raise BadRequest(400, "customer must be an object with email, name and external_id")
    thread_id = _field(data, "thread_id", is_id=True) or None
    if thread_id is not None and (not thread_id.strip() or len(thread_id) > 200):
        raise BadRequest(400, "thread_id must be a non-blank id of at most 200 characters")
    ticket_input = TicketInput(
        channel=channel,
        source=channel,
        body=_field(data, "body", required=True),
        subject=_field(data, "subject"),
        external_id=_field(data, "external_id", is_id=True) or None,
        in_reply_to=f"<thread:{channel}:{thread_id}>" if thread_id else "",
        message_id=f"<thread:{channel}:{_field(data, 'external_id', is_id=True)}>"
        if data.get("external_id")
        else None,
        customer=CustomerInput(
            email=_field(customer, "email") or None,
            name=_field(customer, "name"),
            external_id=_field(customer, "external_id", is_id=True) or None,
        ),
        api_client_id=caller.client.pk if caller.client else None,
    )
    return _created(ingest_ticket(data=ticket_input, thread=bool(thread_id)))


@_endpoint
def ingest_email(request: HttpRequest) -> JsonResponse:
    """POST /api/v1/ingest/email: a raw RFC 822 message as the body."""
    caller = _check_token(request)
    raw = _body(request, MAX_EMAIL_BYTES)
    data = replace(parse_email(raw), api_client_id=caller.client.pk if caller.client else None)
    return _created(ingest_ticket(data=data, thread=True))


@_endpoint
def ingest_chat(request: HttpRequest) -> JsonResponse:
    """POST /api/v1/ingest/chat: {conversation_id, customer: {...}, messages: [{author:
    customer|agent|bot, text}]}."""
    caller = _check_token(request)
    data = _json(request)
    conversation = _field(data, "conversation_id", required=True, is_id=True)
    messages = data.get("messages")
    if not isinstance(messages, list) or not messages:
        raise BadRequest(400, "messages must be a non-empty list")
    lines = []
    for index, message in enumerate(messages):
        if not isinstance(message, dict):
            raise BadRequest(400, f"messages[{index}] must be an object")
        author = _field(message, "author", default="customer")
        text = _field(message, "text", required=True).strip()
        if author == "customer" and text:
            lines.append(text)
    if not lines:
        raise BadRequest(400, "the transcript has no customer message")
    customer = data.get("customer") or {}
    if not isinstance(customer, dict):
        raise BadRequest(400, "customer must be an object")
    ticket_input = TicketInput(
        channel="chat",
        source="chat",
        external_id=conversation,
        subject=_field(data, "subject"),
        body="\n".join(lines),
        customer=CustomerInput(
            email=_field(customer, "email") or None,
            name=_field(customer, "name"),
            external_id=_field(customer, "external_id", is_id=True) or None,
        ),
        api_client_id=caller.client.pk if caller.client else None,
    )
    return _created(ingest_ticket(data=ticket_input))


def _parse_webhook(raw: bytes) -> dict:
    try:
        payload = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError):
        raise BadRequest(400, "the body is not valid UTF-8 JSON") from None
    if not isinstance(payload, dict):
        raise BadRequest(400, "the JSON body must be an object")
    return payload


# Signatures are checked on the raw bytes before anything is parsed.
@_endpoint
def zendesk_webhook(request: HttpRequest) -> JsonResponse:
    raw = _body(request, MAX_JSON_BYTES)
    webhooks.verify_zendesk(request.headers, raw, now=webhooks.now_ts())
    return _created(ingest_ticket(data=webhooks.zendesk_ticket(_parse_webhook(raw))))


@_endpoint
def intercom_webhook(request: HttpRequest) -> JsonResponse:
    raw = _body(request, MAX_JSON_BYTES)
    webhooks.verify_intercom_signature(request.headers, raw)
    payload = _parse_webhook(raw)
    webhooks.verify_intercom_age(payload, now=webhooks.now_ts())
    return _created(ingest_ticket(data=webhooks.intercom_ticket(payload)))


@_endpoint
def freshdesk_webhook(request: HttpRequest) -> JsonResponse:
    webhooks.verify_freshdesk(request.headers)
    raw = _body(request, MAX_JSON_BYTES)
    return _created(ingest_ticket(data=webhooks.freshdesk_ticket(_parse_webhook(raw))))


def support_new(request: HttpRequest) -> HttpResponse:
    if request.method != "POST":
        return render(request, "support/new.html", {"form": SupportRequestForm()})
    form = SupportRequestForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            result = ingest_ticket(
                data=TicketInput(
                    channel="web_form",
                    source="web_form",
                    subject=data["subject"],
                    body=data["message"],
                    customer=CustomerInput(email=data["email"], name=data["name"]),
                    message_id=form.message_id(),
                ),
                thread=True,
            )
        except IngestError as exc:
            form.add_error("message", str(exc))
        else:
            return render(
                request,
                "support/thanks.html",
                {"ticket": result.ticket},
                status=201 if result.created else 200,
            )
    return render(request, "support/new.html", {"form": form}, status=422)
