"""Who else is on a ticket, and what others changed since one opened it."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from tests.conftest import make_ticket, make_user
from triage.models import Message, Note, Review
from triage.review import presence


def test_others_on_a_ticket_show_typing_first_and_leave_when_no_longer_heard_from(config):
    ann, bob, cy = (make_user(n, "agent", ["billing"]) for n in ("ann", "bob", "cy"))
    ticket = make_ticket()
    now = timezone.now()
    presence.report(ticket=ticket, user=ann, typing=False, now=now)
    presence.report(ticket=ticket, user=bob, typing=False, now=now)
    presence.report(ticket=ticket, user=cy, typing=True, now=now)
    others = presence.others_on(ticket_ids=[ticket.pk], user=ann, now=now)[ticket.pk]
    assert [(o.username, o.typing) for o in others] == [("cy", True), ("bob", False)]
    later = now + timedelta(seconds=presence.TYPING_SECONDS + 1)
    presence.report(ticket=ticket, user=cy, typing=False, now=later)
    assert [
        o.typing for o in presence.others_on(ticket_ids=[ticket.pk], user=ann, now=later)[ticket.pk]
    ] == [False, False]
    gone = now + timedelta(seconds=presence.AWAY_SECONDS + 1)
    assert [
        o.username
        for o in presence.others_on(ticket_ids=[ticket.pk], user=ann, now=gone)[ticket.pk]
    ] == ["cy"]


def test_changes_since_opening_name_what_others_did_and_not_ones_own(config):
    ann, bob = make_user("ann", "agent", ["billing"]), make_user("bob", "agent", ["billing"])
    ticket = make_ticket()
    opened = timezone.now()
    Review.objects.create(ticket=ticket, reviewer=bob, decision="written", final_text="Hi, done.")
    Review.objects.create(ticket=ticket, reviewer=ann, decision="written", final_text="Mine")
    Message.objects.create(ticket=ticket, direction="inbound", body="x", masked_body="Any news?")
    Note.objects.create(ticket=ticket, author=bob, body="Called the bank")
    changes = presence.changes_since(ticket=ticket, since=opened, user=ann)
    assert [c.split(": ", 1)[1] for c in changes] == [
        "bob sent a reply: “Hi, done.”",
        "the customer wrote again: “Any news?”",
        "bob added a note: “Called the bank”",
    ]
    assert presence.changes_since(ticket=ticket, since=timezone.now(), user=ann) == []
