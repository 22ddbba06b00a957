import csv
import dataclasses
import io
import time
from datetime import timedelta

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from dashboard.forms import opened_token
from dashboard.selectors import QueueFilters, QueueRow, queue_page, queue_row_key
from tests.conftest import make_ticket
from triage.models import Outbound, Review, Team, Ticket
from triage.review.decisions import do_reply, reviewer_text
from triage.review.outbound import send_outbound


def many_tickets(n: int, team: Team) -> None:
    now = timezone.now()
    tickets = [
        Ticket(
            source="api",
            channel="api",
            raw_body="x",
            subject=f"Ticket {i}",
            status=Ticket.Status.IN_REVIEW,
            team=team,
            urgency="P3",
            category="billing",
            sentiment="neutral",
            tier=1,
            sla_due_at=now,
            queue_rank_at=now + timezone.timedelta(minutes=i),
        )
        for i in range(n)
    ]
    Ticket.objects.bulk_create(tickets)


def queries_for(client, url: str) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


def test_queue_runs_a_bounded_number_of_queries(client, people):
    billing = Team.objects.get(slug="billing")
    client.force_login(people["agent"])
    many_tickets(5, billing)
    # session, user with role and teams, the page of rows, who else has them open, the count
    # still in the pipeline, and the filter choices (teams, categories) the first time
    assert queries_for(client, "/") == 7
    few = queries_for(client, "/")
    assert few == 5
    many_tickets(120, billing)
    assert queries_for(client, "/") == few
    assert queries_for(client, "/?flagged=1&urgency=P3") <= few  # no rows: nobody to look up
    first_page = client.get("/").content.decode()
    assert "Next page" in first_page


def test_keyset_pagination_walks_every_ticket_once(client, people):
    billing = Team.objects.get(slug="billing")
    many_tickets(120, billing)
    client.force_login(people["agent"])

    seen, after = [], ""
    while True:
        rows, after = queue_page(
            user=people["agent"], filters=QueueFilters(), after=after, limit=50
        )
        seen += [t.pk for t in rows]
        if not after:
            break
    assert len(seen) == 120 and len(set(seen)) == 120


def test_sla_board_and_its_partial_are_bounded_and_show_states(client, people):
    billing = Team.objects.get(slug="billing")
    now = timezone.now()
    breached = make_ticket(body="late one")
    Ticket.objects.filter(pk=breached.pk).update(
        team=billing,
        status="in_review",
        sla_due_at=now - timezone.timedelta(hours=1),
        created_at=now - timezone.timedelta(hours=5),
    )
    client.force_login(people["lead"])
    page = client.get("/sla/").content.decode()
    assert "Breached <strong>1</strong>" in page
    few = queries_for(client, "/sla/")
    many_tickets(60, billing)
    assert queries_for(client, "/sla/") == few


def test_metrics_show_a_decision_and_export_it_as_csv(client, people, billing_ticket):
    client.force_login(people["agent"])
    text = reviewer_text(billing_ticket, billing_ticket.drafts.first().text)
    client.post(
        f"/tickets/{billing_ticket.pk}/reply/",
        {
            "opened": opened_token(billing_ticket.pk, time.time() - 30),
            "final_text": text + " Thanks again.",
        },
    )
    review = Review.objects.get()
    client.force_login(people["lead"])
    page = client.get("/metrics/").content.decode()
    assert (
        f"#{billing_ticket.pk}</a></td><td>Approved Edited</td><td>{review.edit_distance:.3f}</td>"
        in page
    )
    assert "<svg" in page
    export = client.get("/metrics.csv")
    rows = list(csv.reader(io.StringIO(b"".join(export.streaming_content).decode())))
    assert rows[0][:3] == ["review_id", "ticket_id", "team"] and rows[1][7] == "approved_edited"
    assert client.get("/metrics/?from=2026-13-01").status_code == 422
    assert client.get("/metrics/?from=2026-05-01&to=2026-01-01").status_code == 422


def test_cached_queue_rows_show_every_change_at_once(client, people):
    """Rows are cached by a digest of what they show: a change made behind the ORM's back (a bulk
    update) shows on the next request, and an unchanged row renders as before."""
    billing = Team.objects.get(slug="billing")
    many_tickets(3, billing)
    client.force_login(people["agent"])

    def rows() -> str:
        page = client.get("/").content.decode()
        return page[page.index("<tbody>") : page.index("</tbody>")]

    first = rows()
    assert first.count("u-P3") == 3 and "u-P1" not in first
    assert rows() == first
    ticket = Ticket.objects.order_by("pk").first()
    Ticket.objects.filter(pk=ticket.pk).update(urgency="P1", flag_codes=["unbacked_claim"])
    after = rows()
    assert after.count("u-P3") == 2 and after.count("u-P1") == 1
    assert "unbacked_claim" in after
    Ticket.objects.filter(pk=ticket.pk).update(subject="Renamed by the customer")
    assert "Renamed by the customer" in rows()


def test_an_unchanged_queue_table_is_served_without_rendering_a_row(client, people, monkeypatch):
    """The table is cached by a digest of its rows' keys, each row by its own: a repeated page
    renders no row, a page with one changed row renders only that row."""
    billing = Team.objects.get(slug="billing")
    many_tickets(3, billing)
    now = timezone.now()
    monkeypatch.setattr(timezone, "now", lambda: now)  # one minute for the whole test
    client.force_login(people["agent"])
    first = client.get("/").content.decode()
    titles = []
    real_title = QueueRow.title
    monkeypatch.setattr(
        QueueRow, "title", property(lambda row: titles.append(row.pk) or real_title.fget(row))
    )
    assert client.get("/").content.decode().count("data-queue-row") == 3
    assert titles == []
    changed = Ticket.objects.order_by("pk").first()
    Ticket.objects.filter(pk=changed.pk).update(reviewer=people["agent"])
    page = client.get("/").content.decode()
    assert titles == [changed.pk] and '· <span class="reviewer-name">ann</span>' in page
    assert client.get("/?flagged=1").content.decode() != first  # another table, its own key


def test_a_queue_row_key_changes_with_what_the_row_shows_and_the_minute():
    now = timezone.now().replace(second=10)
    row = QueueRow(
        pk=7, subject="Charged twice", masked_text="", channel="email", language="en",
        status="in_review", urgency="P2", category="billing", sentiment="neutral", tier=1,
        escalation_codes=[], needs_human_triage=False, flag_codes=[],
        sla_due_at=now + timezone.timedelta(hours=4), sla_paused_at=None, first_response_at=None,
        created_at=now, queue_rank_at=now, customer_id=None, customer_name=None,
        customer_email=None, customer_tier=None, team_name="Billing", reviewer_username=None,
    )  # fmt: skip
    key = queue_row_key(row, now=now)
    assert queue_row_key(row, now=now + timezone.timedelta(seconds=30)) == key
    assert queue_row_key(row, now=now + timezone.timedelta(minutes=1)) != key
    assert queue_row_key(dataclasses.replace(row, sentiment="angry"), now=now) != key
    assert queue_row_key(dataclasses.replace(row, reviewer_username="ann"), now=now) != key


def test_a_reply_whose_tries_ran_out_is_on_the_sla_board_with_its_error_and_a_retry(
    client, people, billing_ticket, settings
):
    settings.EMAIL_BACKEND = "tests.dashboard.failing_email.FailingBackend"
    review = do_reply(
        ticket=billing_ticket,
        draft=billing_ticket.drafts.first(),
        user=people["agent"],
        final_text=reviewer_text(billing_ticket, billing_ticket.drafts.first().text),
        seconds_spent=3,
    )
    row_id = review.outbound.pk
    later = timezone.now()
    for _ in range(Outbound.MAX_ATTEMPTS):
        later += timedelta(hours=2)
        send_outbound(outbound_id=row_id, now=later)
    assert Outbound.objects.get(pk=row_id).next_attempt_at is None
    client.force_login(people["lead"])
    board = client.get("/sla/").content.decode()
    assert "Replies not delivered (1)" in board and "SMTP server is down" in board
    assert f"/tickets/{billing_ticket.pk}/outbound/{row_id}/retry/" in board
    response = client.post(
        f"/tickets/{billing_ticket.pk}/outbound/{row_id}/retry/", {"from": "board"}
    )
    assert response.status_code == 302 and response.url == "/sla/"
    assert Outbound.objects.get(pk=row_id).status == Outbound.Status.PENDING
    assert "Replies not delivered" not in client.get("/sla/").content.decode()


def test_metrics_say_dash_where_nothing_was_decided(client, people, billing_ticket, tech_ticket):
    client.force_login(people["lead"])
    html = client.get("/metrics/").content.decode()
    for label in ("SLA attainment", "Classification correction rate", "Reopen rate"):
        assert f"<dt>{label}</dt><dd>–</dd>" in html, label
    assert ">0%<" not in html.replace("<dt>Escalation rate</dt><dd>0%</dd>", "")
