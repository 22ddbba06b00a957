"""No input gets a 5xx: every URL pattern, signed in as each role (and not at all), with generated
query strings and posted forms (NUL bytes, unpaired surrogates, impossible dates, huge and
non-ASCII numbers, thousands of parameters)."""

from __future__ import annotations

import re
from urllib.parse import quote

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver
from hypothesis import HealthCheck, given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

from tests.conftest import make_user
from triage.models import Outbound, SourceUsage, Ticket
from triage.review import decisions

EXAMPLES = 12  # per role; every example requests every pattern twice (GET and POST)
ROLES = ("anonymous", "agent", "lead", "admin")


def patterns(resolver=None, prefix: str = "") -> list[str]:
    """Every URL pattern of the project as a route with its converters, e.g.
    "tickets/<int:pk>/reply/"."""
    resolver = resolver or get_resolver()
    routes = []
    for entry in resolver.url_patterns:
        route = prefix + str(entry.pattern)
        if isinstance(entry, URLResolver):
            if route.startswith("admin/"):
                routes.append("admin/")  # Django's own admin: its front page only
                continue
            routes += patterns(entry, route)
        elif isinstance(entry, URLPattern):
            routes.append(route)
    return routes


# Parameter names the pages read, and some they do not.
NAMES = [
    "team", "urgency", "category", "status", "sentiment", "channel", "language", "flagged",
    "q", "after", "from", "to", "group", "a", "b", "similar", "gold", "retired", "page",
    "reason", "into", "body", "note", "final_text", "opened", "then", "acknowledge",
    "inserted", "kind", "amount", "currency", "reviewer", "subcategory", "resume",
    "decision", "response", "enabled", "name", "text", "title", "language", "username",
    "password", "email", "subject", "message", "submission", "website", "old_password",
]  # fmt: skip
NASTY = [
    "", " ", "\x00", "a\x00b", "\ud800", "\udfff", "x\udfffy", "%00", "\t\n", "<script>",
    "2026-13-45", "2026-02-30", "0000-01-01", "9999-12-31", "10000-01-01", "2026-12-31T25:61",
    "2026-13-45T00:00:00|1", "2026-02-30T00:00:00+00:00|7", "0000-01-01T00:00:00|0",
    "٣", "١٢", "²", "Ⅻ", "-1", "0", "1e999", "nan", "99999999999999999999999", "3.5",
    "a" * 5000, "P1", "billing", "spam", "resolve", "accept", "on", "1",
]  # fmt: skip
value = st.one_of(st.sampled_from(NASTY), st.text(max_size=30))
params = st.one_of(
    st.dictionaries(
        st.one_of(st.sampled_from(NAMES), st.text(max_size=10)), value, min_size=3, max_size=25
    ),
    # More parameters than Django accepts (DATA_UPLOAD_MAX_NUMBER_FIELDS, 1,000).
    st.just({f"p{i}": "1" for i in range(1200)}),
)


def encoded(data: dict[str, str]) -> str:
    """Form encoding as a client that sends any bytes would: an unpaired surrogate goes out as the
    (invalid) UTF-8 bytes it would have."""
    return "&".join(
        f"{quote(key.encode('utf-8', 'surrogatepass'))}="
        f"{quote(value.encode('utf-8', 'surrogatepass'))}"
        for key, value in data.items()
    )


class Seen:
    requests = 0
    routes: set[str] = set()


def concrete(route: str, ids: dict[str, int], n: int) -> str:
    """The route with its converters filled: an existing row most of the time, else a number
    nobody has."""

    def fill(match: re.Match) -> str:
        name = match.group(2)
        return str(ids.get(name, 1) if n % 3 else 10**9 + n)

    return "/" + re.sub(r"<(?:(\w+):)?(\w+)>", fill, route)


@pytest.fixture
def world(people, billing_ticket, tech_ticket):
    decisions.do_reply(
        ticket=billing_ticket,
        user=people["agent"],
        final_text="We refunded the duplicate charge.",
        seconds_spent=3,
        acknowledged=None,
    )
    usage = SourceUsage.objects.filter(draft__ticket=tech_ticket).first()
    return {
        "pk": billing_ticket.pk,
        "outbound_id": Outbound.objects.first().pk,
        "usage_id": usage.pk if usage else 1,
        "users": {**people, "anonymous": None},
    }


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.django_db
def test_no_url_pattern_answers_5xx_to_any_input_for_any_role(world, role):
    client = Client(raise_request_exception=False)
    user = world["users"].get(role) or (
        make_user("visitor", "agent", []) if role != "anonymous" else None
    )
    if user is not None:
        client.force_login(user)
    routes = patterns()
    Seen.requests, Seen.routes = 0, set()
    ids = {k: v for k, v in world.items() if isinstance(v, int)}

    @hsettings(
        max_examples=EXAMPLES,
        deadline=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
        database=None,
    )
    @given(query=params, form=params)
    def sweep(query, form):
        for n, route in enumerate(routes):
            url = concrete(route, ids, n + Seen.requests)
            for response in (
                client.get(url, QUERY_STRING=encoded(query)),
                client.post(url, encoded(form), content_type="application/x-www-form-urlencoded"),
            ):
                Seen.requests += 1
                assert response.status_code < 500, (role, url, query, form, response.status_code)
            Seen.routes.add(route)

    # Every nasty value in every parameter the pages read, on every pattern; then generated mixes.
    for nasty in NASTY:
        data = dict.fromkeys(NAMES, nasty)
        for n, route in enumerate(routes):
            url = concrete(route, ids, n)
            for response in (
                client.get(url, QUERY_STRING=encoded(data)),
                client.post(url, encoded(data), content_type="application/x-www-form-urlencoded"),
            ):
                Seen.requests += 1
                assert response.status_code < 500, (role, url, nasty, response.status_code)
    sweep()
    assert Seen.routes == set(routes)
    assert Seen.requests >= (EXAMPLES + len(NASTY)) * 2 * len(routes)
    assert Ticket.objects.exists()


# The requests the last probe answered with a 500, each now a 4xx with a reason (or, for a
# cursor that is not one, the queue's first page).
LISTED = [
    ("post", "/auto-send/", "category=abc&team=x", {404}),
    ("post", "/auto-send/", "category=%D9%A3&team=%C2%B2", {404}),
    ("get", "/?q=a%00b", None, {400}),
    ("get", "/?team=%00&status=in_review", None, {400}),
    ("get", "/knowledge/?q=%00", None, {400}),
    ("get", "/tickets/{pk}/insert/?q=%00", None, {400}),
    ("post", "/tickets/{pk}/note/", "body=a%00b", {400}),
    ("post", "/tickets/{pk}/correct/", "category=a%00b", {400}),
    ("post", "/evaluation/replay/", "name=a%00b", {400}),
    ("get", "/?after=2026-13-45T00:00:00%2B00:00%7C1", None, {200}),
    ("get", "/?after=2026-02-30T00:00:00%2B00:00%7C1", None, {200}),
    ("get", "/?after=0000-01-01T00:00:00%2B00:00%7C1", None, {200}),
    ("get", "/?after=2026-01-01T00:00:00%2B00:00%7C%D9%A3", None, {200}),
    ("get", "/evaluation/?a=%D9%A3&b=%C2%B2", None, {422}),
    ("get", "/knowledge/?similar=%C2%B2", None, {200}),
    ("get", "/metrics/?to=9999-12-31", None, {422}),
    ("get", "/metrics.csv?to=9999-12-31", None, {422}),
    ("get", "/?" + "&".join(f"p{i}=1" for i in range(1001)), None, {400}),
]


@pytest.mark.parametrize(("method", "url", "body", "statuses"), LISTED)
@pytest.mark.django_db
def test_each_request_that_used_to_fail_gets_a_4xx_with_a_reason(
    world, method, url, body, statuses
):
    client = Client(raise_request_exception=False)
    client.force_login(world["users"]["admin"])
    url = url.format(pk=world["pk"])
    if method == "get":
        response = client.get(url)
    else:
        response = client.post(url, body, content_type="application/x-www-form-urlencoded")
    assert response.status_code in statuses, (url, response.status_code)
    if response.status_code == 400:
        assert "contains a NUL" in response.content.decode() or "parameters" in (
            response.content.decode()
        )


@pytest.mark.django_db
def test_a_content_length_that_is_not_a_number_is_a_400_on_the_api(client, config):
    response = client.post(
        "/api/v1/tickets",
        b'{"body": "hello there"}',
        content_type="application/json",
        CONTENT_LENGTH="abc",
        HTTP_AUTHORIZATION="Bearer dev-api-token",
    )
    assert response.status_code == 400 and "Content-Length" in response.json()["error"]
