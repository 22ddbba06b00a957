"""A message is never refused for its date: every form mail clients write (RFC 5322's ``-0000``,
no zone, obsolete zone names, two-digit years, garbage) is read or replaced by the arrival time,
and every e-mail in the test fixtures is stored."""

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from django.utils import timezone

from triage.models import Message, Ticket

AUTH = {"HTTP_AUTHORIZATION": "Bearer dev-api-token"}
FIXTURES = Path(__file__).resolve().parents[2] / "fixtures"


def post_mail(client, raw: bytes):
    return client.post("/api/v1/ingest/email", raw, content_type="message/rfc822", **AUTH)


def with_date(date: str, n: int) -> bytes:
    return (
        f"From: Jo Park <jo{n}@mail.example>\r\nTo: support@ledgerly.example\r\n"
        f"Subject: Question {n}\r\nMessage-ID: <date-{n}@mail.example>\r\nDate: {date}\r\n\r\n"
        "My invoice shows the wrong VAT number.\r\n"
    ).encode()


UTC_0912 = datetime(2026, 12, 4, 9, 12, tzinfo=UTC)


@pytest.mark.parametrize(
    ("date", "expected"),
    [
        ("Fri, 04 Dec 2026 09:12:00 -0000", UTC_0912),  # RFC 5322: local time unknown
        ("Fri, 04 Dec 2026 09:12:00", UTC_0912),  # no zone at all
        ("Fri, 04 Dec 2026 04:12:00 EST", UTC_0912),  # obsolete zone names
        ("Fri, 04 Dec 2026 01:12:00 PST", UTC_0912),
        ("Fri, 04 Dec 2026 09:12:00 GMT", UTC_0912),
        ("Fri, 04 Dec 2026 09:12:00 UT", UTC_0912),
        ("Fri, 04 Dec 2026 09:12:00 Z", UTC_0912),
        ("Fri, 04 Dec 2026 10:12:00 CET", UTC_0912),  # not in the RFC, still written
        ("4 Dec 26 10:12 +0100", UTC_0912),  # two-digit year, no weekday, no seconds
        ("Friday, 04-Dec-26 09:12:00 GMT", UTC_0912),  # RFC 850
        ("Fri, 4 Dec 2026 10:12:00 +0100 (CET)", UTC_0912),  # with a comment
        ("2026-12-04T09:12:00Z", UTC_0912),  # ISO 8601 from a script
        ("yesterday at noon", None),  # garbage: the arrival time
        ("Mon, 99 Foo 99999 99:99:99", None),
        ("Fri, 04 Dec 2026 25:61:00 +0000", None),
        ("Fri, 04 Dec 2026 09:12:00 +2500", None),
        ("Thu, 01 Jan 1970 00:00:00 +0000", None),  # a clock at the epoch
        ("Sat, 04 Dec 2077 10:00:00 +0000", None),  # in the future
        ("", None),
    ],
)
@pytest.mark.django_db
def test_each_date_form_is_stored(client, config, date, expected):
    before = timezone.now()
    response = post_mail(client, with_date(date, abs(hash(date)) % 10**8))
    assert response.status_code == 201, response.content
    ticket = Ticket.objects.get(pk=response.json()["id"])
    message = ticket.messages.get()
    if expected is None:  # read as the arrival time
        assert before - timedelta(seconds=1) <= ticket.created_at <= timezone.now()
    else:
        assert ticket.created_at == expected and message.created_at == expected


def corpus() -> list[tuple[str, bytes]]:
    """Every .eml of the test fixtures, and every whole message in the replies set."""
    mails = [(p.name, p.read_bytes()) for p in sorted((FIXTURES / "mail").glob("*.eml"))]
    for number, line in enumerate((FIXTURES / "text" / "replies.jsonl").open(), start=1):
        row = json.loads(line)
        if row.get("kind") == "mime":
            mails.append((f"replies.jsonl:{number}", row["raw"].encode()))
    return mails


@pytest.mark.django_db
def test_every_fixture_email_is_stored_once(client, config):
    mails = corpus()
    assert len(mails) >= 15
    for name, raw in mails:
        response = post_mail(client, raw)
        assert response.status_code in (200, 201), (name, response.content)
        assert Message.objects.filter(ticket_id=response.json()["id"]).exists(), name
        again = post_mail(client, raw)
        assert again.status_code == 200 and again.json()["id"] == response.json()["id"], name
