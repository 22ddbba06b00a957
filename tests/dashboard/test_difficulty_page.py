"""The difficulty page on the demo data after a scripted week of decisions: the numbers it shows
are the ones this test computes on its own from the decisions it made."""

from __future__ import annotations

import math
import re
import statistics
from datetime import datetime, timedelta

from django.contrib.auth import get_user_model
from django.utils import timezone

from triage.demo.load import load_demo
from triage.engines import classify_local
from triage.models import Draft, Review, Ticket
from triage.pipeline.run import run_pipeline
from triage.review.decisions import do_reject, do_reply

MONDAY = timezone.make_aware(datetime(2026, 11, 23, 9, 0))


def cells(page: str, row_attribute: str) -> list[str]:
    row = re.search(rf"<tr {row_attribute}>(.*?)</tr>", page, re.S).group(1)
    return [re.sub(r"<[^>]+>", "", c).strip() for c in re.findall(r"<td>(.*?)</td>", row, re.S)]


def test_the_difficulty_page_shows_what_the_decisions_of_a_week_add_up_to(client, db):
    classify_local.reset_cache()
    result = load_demo()
    for ticket_id in result.tickets:
        run_pipeline(ticket_id=ticket_id)
    users = {u.username: u for u in get_user_model().objects.all()}
    drafted = list(
        Ticket.objects.filter(
            drafts__kind=Draft.Kind.REPLY, drafts__status=Draft.Status.PROPOSED
        ).order_by("pk")
    )
    assert len(drafted) >= 12
    script = (
        [("unchanged", "agent", 60)] * 5
        + [("edited", "agent", 300)] * 3
        + [("edited", "tech", 420)] * 2
        + [("rejected", "lead", 120)] * 2
    )
    for day, (ticket, (how, who, seconds)) in enumerate(zip(drafted, script, strict=False)):
        draft = ticket.drafts.first()
        user = users[who]
        if how == "rejected":
            review = do_reject(
                ticket=ticket, draft=draft, user=user, reason="wrong facts", seconds_spent=seconds
            )
        else:
            text = draft.text if how == "unchanged" else draft.text + "\n\nP.S. Call us any time."
            review = do_reply(
                ticket=ticket,
                user=user,
                final_text=text,
                seconds_spent=seconds,
                draft=draft,
                acknowledged=None,
            )
        Review.objects.filter(pk=review.pk).update(
            created_at=MONDAY + timedelta(days=day % 5, hours=day)
        )

    # The test's own arithmetic, from the decisions above and the tickets' stored difficulty.
    decided = drafted[: len(script)]
    people = [
        (t, how, who, s)
        for t, (how, who, s) in zip(decided, script, strict=True)
        if how != "unchanged"
    ]
    difficulty = {t.pk: Ticket.objects.get(pk=t.pk).difficulty for t, *_ in people}
    tier = {t.pk: Ticket.objects.get(pk=t.pk).tier for t, *_ in people}
    ranked = sorted(
        people,
        key=lambda p: (difficulty[p[0].pk], tier[p[0].pk], p[3] / 60, p[0].pk),
        reverse=True,
    )
    hardest = ranked[: math.ceil(len(people) * 0.2)]

    admin = get_user_model().objects.get(username="admin")
    client.force_login(admin)
    page = client.get("/metrics/difficulty/?from=2026-11-23&to=2026-11-29").content.decode()
    week = cells(page, 'data-week="2026-11-23"')
    assert week[:4] == ["2026-11-23", str(len(script)), "5 (42 %)", str(len(people))]
    assert float(week[4]) == statistics.median(difficulty.values())
    assert float(week[5]) == statistics.median(tier.values())
    assert float(week[10]) == round(statistics.median(s / 60 for *_, s in people), 1)
    assert f"The hardest fifth: {len(hardest)} tickets" in page
    for who in ("agent", "tech", "lead"):
        mine = [p for p in people if p[2] == who]
        share = sum(p[2] == who for p in hardest) / len(hardest)
        row = cells(page, f'data-agent="{who}"')
        assert row[:2] == [who, str(len(mine))]
        assert row[3:] == [str(sum(p[2] == who for p in hardest)), f"{round(share * 100)} %"]
    assert "handled 42% of 12 tickets" in page
    classify_local.reset_cache()
