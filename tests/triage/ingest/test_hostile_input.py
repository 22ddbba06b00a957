"""Hostile and malformed input at every entry point: a 4xx with a reason, never a 5xx, never a
partial row; threads belong to one customer."""

import base64
import hashlib
import hmac
import json
import time

import pytest
from django.conf import settings
from hypothesis import HealthCheck, given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

from triage.ingest import http
from triage.models import Customer, Message, Ticket

TOKEN = {"HTTP_AUTHORIZATION": "Bearer test-api-token"}


@pytest.fixture(autouse=True)
def _token(settings):
    settings.API_TOKENS = ["test-api-token"]
    settings.DEBUG = True  # the trial's default: an API client must still get JSON


def post_json(client, url, payload, raw: str | None = None, **extra):
    body = raw if raw is not None else json.dumps(payload)
    return client.post(url, body, content_type="application/json", **TOKEN, **extra)


def rows() -> tuple[int, int, int]:
    return Ticket.objects.count(), Customer.objects.count(), Message.objects.count()


LONG = {
    "customer email": {"body": "hi there", "customer": {"email": "a" * 250 + "@x.io"}},
    "customer name": {"body": "hi there", "customer": {"email": "a@x.io", "name": "n" * 201}},
    "external id": {"body": "hi there", "external_id": "e" * 201},
    "customer external id": {"body": "hi there", "customer": {"external_id": "c" * 201}},
    "thread id": {"body": "hi there", "thread_id": "t" * 301},
    "subject": {"body": "hi there", "subject": "s" * 301},
}


@pytest.mark.parametrize("case", list(LONG))
@pytest.mark.django_db
def test_values_longer_than_their_column_get_a_400_with_the_limit(client, config, case):
    before = rows()
    response = post_json(client, "/api/v1/tickets", LONG[case])
    assert response.status_code == 400, response.content
    assert "limit" in response.json()["error"] or "at most" in response.json()["error"]
    assert rows() == before


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        ('{"body": "hi \\ud800 there"}', "surrogate"),
        ('{"body": "hi", "customer": {"name": "\\udfff"}}', "surrogate"),
        ('{"body": "hi there", "customer": {"name": "a\\u0000b"}}', "NUL"),
        ('{"body": "hi there", "external_id": "a\\u0000"}', "NUL"),
        ('{"body": "hi there", "external_id": "   "}', "whitespace"),
        ('{"body": "hi there", "thread_id": "  "}', "non-blank"),
        ('{"body": "hi \\x41"}', "not valid JSON"),
        ('{"body": "hi there", "customer": {"email": "not-an-address"}}', "not an address"),
    ],
)
@pytest.mark.django_db
def test_bad_characters_and_blank_ids_get_a_400(client, config, raw, reason):
    before = rows()
    response = post_json(client, "/api/v1/tickets", None, raw=raw)
    assert response.status_code == 400 and reason in response.json()["error"], response.content
    assert rows() == before


def email(headers: str, body: bytes = b"Hello, my invoice is wrong.") -> bytes:
    return headers.encode() + b"\r\n\r\n" + body


@pytest.mark.parametrize(
    ("raw", "ok"),
    [
        (email("From: a@x.io\r\nSubject: hi\r\nMessage-ID: <>"), True),
        (email("From: a@x.io\r\nMessage-ID: <" + "m" * 400 + "@x>"), True),
        (
            email(
                "From: a@x.io\r\nContent-Type: text/plain; charset=idna",
                b"\xff\xfe invoice question",
            ),
            True,
        ),
        (email("From: a@x.io\r\nContent-Type: text/plain; charset=utf-7", b"+ZeVnLIqe-"), True),
        (email("From: " + "a" * 300 + "@x.io"), False),
        (email("From: <>\r\nSubject: x"), False),
        (email("From: a@x.io\r\nDate: Mon, 99 Foo 99999 99:99:99"), True),
        (email("From: a@x.io\r\nContent-Type: multipart/mixed; boundary="), False),
    ],
)
@pytest.mark.django_db
def test_the_email_parser_survives_any_header_or_charset(client, config, raw, ok):
    before = rows()
    response = client.post("/api/v1/ingest/email", raw, content_type="message/rfc822", **TOKEN)
    assert response.status_code < 500, response.content
    assert response["Content-Type"].startswith("application/json")
    if ok:
        assert response.status_code in (200, 201), response.content
    else:
        assert response.status_code == 400 and rows() == before


@pytest.mark.django_db
def test_the_web_form_refuses_an_address_longer_than_the_column(client, config):
    response = client.post(
        "/support/new",
        {"name": "Al", "email": "a" * 250 + "@x.io", "subject": "Hi", "message": "My invoice."},
    )
    assert response.status_code == 422
    assert Ticket.objects.count() == 0


@pytest.mark.django_db
def test_a_thread_id_never_joins_another_customers_ticket(client, config):
    first = post_json(
        client,
        "/api/v1/tickets",
        {"body": "Order 12 is late", "external_id": "conv-1", "customer": {"email": "a@x.io"}},
    )
    assert first.status_code == 201
    same = post_json(
        client,
        "/api/v1/tickets",
        {"body": "Any news?", "thread_id": "conv-1", "customer": {"email": "a@x.io"}},
    )
    assert same.json() == {"id": first.json()["id"], "status": "joined_thread"}
    for other in ("b@x.io", None):
        response = post_json(
            client,
            "/api/v1/tickets",
            {
                "body": "I am someone else",
                "thread_id": "conv-1",
                "customer": {"email": other} if other else {},
            },
        )
        assert response.status_code == 201 and response.json()["id"] != first.json()["id"]
    thread = Ticket.objects.get(pk=first.json()["id"])
    assert thread.messages.count() == 2
    assert {m.author for m in thread.messages.all()} == {"a@x.io"}


@pytest.mark.django_db
def test_an_unexpected_error_in_the_api_is_json_even_with_debug_on(client, config, monkeypatch):
    monkeypatch.setattr(http, "ingest_ticket", lambda **_: 1 / 0)
    response = post_json(client, "/api/v1/tickets", {"body": "hello there"})
    assert response.status_code == 500
    assert response.json()["error"].startswith("the server could not handle this request")
    assert b"SECRET_KEY" not in response.content and b"Traceback" not in response.content
    assert client.get("/api/v1/nothing-here").json() == {"error": "no such endpoint"}


# --- Generated input: every entry point, thousands of malformed requests ------------------------

nasty_text = st.one_of(
    st.text(max_size=40),
    st.text(alphabet=st.characters(codec=None, categories=None), max_size=40),
    st.sampled_from(["", " ", "\x00", "\ud800", "\udfff", "\t\n", "<>", "a" * 400, "nan"]),
    st.builds(lambda n: "x" * n, st.integers(190, 340)),
)
json_value = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(), st.floats(), nasty_text),
    lambda children: st.one_of(
        st.lists(children, max_size=3), st.dictionaries(nasty_text, children, max_size=3)
    ),
    max_leaves=8,
)
api_payload = st.fixed_dictionaries(
    {},
    optional={
        "body": json_value,
        "subject": json_value,
        "channel": st.one_of(st.sampled_from(["api", "chat", "email", "web_form"]), nasty_text),
        "external_id": json_value,
        "thread_id": json_value,
        "customer": st.one_of(
            json_value,
            st.fixed_dictionaries(
                {}, optional={"email": json_value, "name": json_value, "external_id": json_value}
            ),
        ),
    },
)
chat_payload = st.fixed_dictionaries(
    {},
    optional={
        "conversation_id": json_value,
        "customer": json_value,
        "messages": st.one_of(
            json_value,
            st.lists(
                st.fixed_dictionaries({}, optional={"author": json_value, "text": json_value}),
                max_size=3,
            ),
        ),
    },
)
header_value = st.one_of(
    nasty_text.map(lambda t: t.replace("\r", " ").replace("\n", " ")),
    st.sampled_from(["<>", "<<>>", "=?utf-8?q?=FF?=", "=?idna?b?AAAA?=", "a" * 500]),
)
email_bytes = st.builds(
    lambda frm, subj, mid, ctype, body: (
        (
            f"From: {frm}\r\nSubject: {subj}\r\nMessage-ID: {mid}\r\nContent-Type: {ctype}\r\n\r\n"
        ).encode("utf-8", errors="surrogatepass")
        + body
    ),
    st.one_of(header_value, st.just("a@x.io"), st.just("Bob <bob@x.io>")),
    header_value,
    header_value,
    st.one_of(
        header_value,
        st.sampled_from(
            [
                "text/plain; charset=idna",
                "text/plain; charset=utf-7",
                "text/plain; charset=nonsense",
                "multipart/mixed; boundary=",
                "text/html",
            ]
        ),
    ),
    st.binary(max_size=200),
)


class Counter:
    requests = 0
    by_status: dict[int, int] = {}


@pytest.fixture(autouse=True)
def _each_generated_test_sends_its_requests(request):
    """Each generated test below sends its own EXAMPLES requests (four of them: 2,000 in all), in
    any order and on its own; a test whose strategy stopped early fails here."""
    Counter.requests, Counter.by_status = 0, {}
    yield
    if request.node.name.startswith("test_generated_"):
        assert Counter.requests >= EXAMPLES, (request.node.name, Counter.requests)
        print(
            f"{request.node.name}: {Counter.requests} requests, {sorted(Counter.by_status.items())}"
        )


def check(response, before) -> None:
    Counter.requests += 1
    Counter.by_status[response.status_code] = Counter.by_status.get(response.status_code, 0) + 1
    assert response.status_code < 500, response.content[:500]
    if response.status_code >= 400:
        assert rows() == before, "a refused request left rows behind"


EXAMPLES = 500
FUZZ = hsettings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    database=None,
)


@pytest.mark.django_db
@FUZZ
@given(payload=api_payload)
def test_generated_api_tickets_never_get_a_5xx(client, config, payload):
    before = rows()
    raw = json.dumps(payload, ensure_ascii=True)  # keeps lone surrogates as \ud800 escapes
    check(post_json(client, "/api/v1/tickets", None, raw=raw), before)


@pytest.mark.django_db
@FUZZ
@given(payload=chat_payload)
def test_generated_chat_transcripts_never_get_a_5xx(client, config, payload):
    before = rows()
    check(post_json(client, "/api/v1/ingest/chat", None, raw=json.dumps(payload)), before)


@pytest.mark.django_db
@FUZZ
@given(raw=email_bytes)
def test_generated_emails_never_get_a_5xx(client, config, raw):
    before = rows()
    response = client.post("/api/v1/ingest/email", raw, content_type="message/rfc822", **TOKEN)
    check(response, before)


@pytest.mark.django_db
@FUZZ
@given(payload=api_payload, which=st.sampled_from(["zendesk", "intercom", "form"]))
def test_generated_webhooks_and_form_posts_never_get_a_5xx(client, config, payload, which):
    before = rows()
    if which == "form":
        # A browser cannot send a lone surrogate in a form: it arrives as U+FFFD.
        fields = {
            k: v.encode("utf-8", "replace").decode()
            for k, v in payload.items()
            if isinstance(v, str)
        }
        data = {
            "name": fields.get("subject", ""),
            "email": fields.get("external_id", "a@x.io"),
            "subject": fields.get("subject", "Hi"),
            "message": fields.get("body", ""),
        }
        check(client.post("/support/new", data), before)
        return
    if which == "zendesk":
        body = json.dumps({"ticket": {**payload, "id": payload.get("external_id")}}).encode()
        stamp = str(int(time.time()))
        signature = base64.b64encode(
            hmac.new(
                settings.ZENDESK_WEBHOOK_SECRET.encode(), stamp.encode() + body, hashlib.sha256
            ).digest()
        ).decode()
        headers = {
            "HTTP_X_ZENDESK_WEBHOOK_SIGNATURE": signature,
            "HTTP_X_ZENDESK_WEBHOOK_SIGNATURE_TIMESTAMP": stamp,
        }
    else:
        body = json.dumps(
            {
                "topic": "conversation.user.created",
                "created_at": int(time.time()),
                "data": {"item": {"id": payload.get("external_id"), "source": payload}},
            }
        ).encode()
        headers = {
            "HTTP_X_HUB_SIGNATURE": "sha1="
            + hmac.new(settings.INTERCOM_WEBHOOK_SECRET.encode(), body, hashlib.sha1).hexdigest()
        }
    response = client.post(
        f"/api/v1/webhooks/{which}", body, content_type="application/json", **headers
    )
    check(response, before)
