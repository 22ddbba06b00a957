"""The review actions through the views: permissions, bad input, double submit, send failure,
helpdesk send."""

import json
import re
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.core import mail

from dashboard.forms import opened_token
from knowledge.models import KnowledgeEntry
from tests.dashboard.conftest import run_outbox
from triage.ingest.service import CustomerInput, TicketInput, ingest_ticket
from triage.models import Draft, EvaluationCase, Outbound, Review, SourceUsage, Ticket, TicketAction
from triage.pipeline.guard import recheck_open_draft
from triage.review.decisions import reviewer_text

ACTIONS = [
    "reply",
    "note",
    "close",
    "merge",
    "reject",
    "escalate",
    "wait",
    "resolve",
    "action",
    "correct",
    "reassign",
]


def opened(ticket, seconds_ago: float = 42) -> str:
    return opened_token(ticket.pk, time.time() - seconds_ago)


def shown_text(client, ticket) -> str:
    return reviewer_text(ticket, ticket.drafts.first().text)


@pytest.mark.parametrize("action", ACTIONS)
def test_another_teams_agent_gets_404_for_every_action(client, people, billing_ticket, action):
    actions_before = TicketAction.objects.count()
    client.force_login(people["other"])
    response = client.post(
        f"/tickets/{billing_ticket.pk}/{action}/",
        {
            "opened": opened(billing_ticket),
            "final_text": "x",
            "reason": "x",
            "note": "x",
            "kind": "refund",
            "body": "x",
            "into": "1",
        },
    )
    assert response.status_code == 404
    assert not Review.objects.exists() and TicketAction.objects.count() == actions_before
    billing_ticket.refresh_from_db()
    assert billing_ticket.status == "in_review" and not billing_ticket.notes.exists()


def test_only_leads_reassign(client, people, billing_ticket):
    client.force_login(people["agent"])
    assert (
        client.post(
            f"/tickets/{billing_ticket.pk}/reassign/", {"team": billing_ticket.team_id}
        ).status_code
        == 404
    )
    client.force_login(people["lead"])
    response = client.post(
        f"/tickets/{billing_ticket.pk}/reassign/",
        {"team": billing_ticket.team_id, "reviewer": people["lead"].pk},
    )
    assert response.status_code == 302
    billing_ticket.refresh_from_db()
    assert billing_ticket.reviewer == people["lead"]


def test_reassigning_to_a_non_member_is_422(client, people, billing_ticket):
    client.force_login(people["lead"])
    response = client.post(
        f"/tickets/{billing_ticket.pk}/reassign/",
        {"team": billing_ticket.team_id, "reviewer": people["other"].pk},
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 422 and "is not a member of Billing" in response.content.decode()


def test_approve_unchanged_sends_once_and_records_the_decision(client, people, billing_ticket):
    client.force_login(people["agent"])
    text = shown_text(client, billing_ticket)
    data = {"opened": opened(billing_ticket, 42), "final_text": text}
    response = client.post(f"/tickets/{billing_ticket.pk}/reply/", data)
    run_outbox()  # what the worker does with the queued send
    assert response.status_code == 302
    review = Review.objects.get()
    assert (
        review.decision == "approved_unchanged"
        and review.edit_distance == 0.0
        and review.reviewer == people["agent"]
    )
    assert 40 <= review.seconds_spent <= 60
    assert (
        len(mail.outbox) == 1
        and mail.outbox[0].to == ["jane@customer.example"]
        and mail.outbox[0].body == text
    )
    billing_ticket.refresh_from_db()
    assert (
        billing_ticket.status == Ticket.Status.SENT and billing_ticket.first_response_at is not None
    )
    # a double submit (the same form again) is recognised: it lands where the first did, and
    # sends nothing more
    again = client.post(f"/tickets/{billing_ticket.pk}/reply/", data, HTTP_HX_REQUEST="true")
    run_outbox()  # what the worker does with the queued send
    assert again.status_code == 200 and again["HX-Redirect"] == f"/tickets/{billing_ticket.pk}/"
    assert len(mail.outbox) == 1 and Review.objects.count() == 1 and Outbound.objects.count() == 1


def test_approve_edited_records_the_edit_distance(client, people, billing_ticket):
    client.force_login(people["agent"])
    text = shown_text(client, billing_ticket)
    edited = text.replace("Hi Jane,", "Hello Jane, thanks for writing,")
    client.post(
        f"/tickets/{billing_ticket.pk}/reply/",
        {"opened": opened(billing_ticket), "final_text": edited},
    )
    run_outbox()  # what the worker does with the queued send
    review = Review.objects.get()
    assert review.decision == "approved_edited"
    assert 0 < review.edit_distance < 0.1 and 90 <= review.token_ratio <= 100


@pytest.mark.parametrize(
    ("data", "message", "status"),
    [
        ({"final_text": "   "}, "Write the reply first.", 422),
        ({"final_text": "Fine reply", "opened": "forged"}, "too old or was altered", 422),
    ],
)
def test_bad_approval_input_rerenders_the_form(
    client, people, billing_ticket, data, message, status
):
    client.force_login(people["agent"])
    payload = {"opened": opened(billing_ticket), **data}
    response = client.post(f"/tickets/{billing_ticket.pk}/reply/", payload, HTTP_HX_REQUEST="true")
    run_outbox()  # what the worker does with the queued send
    assert response.status_code == status
    body = response.content.decode()
    assert message in body and 'id="review-panel"' in body
    assert not Review.objects.exists() and not mail.outbox


def test_token_of_another_ticket_is_refused(client, people, billing_ticket, tech_ticket):
    client.force_login(people["lead"])
    response = client.post(
        f"/tickets/{billing_ticket.pk}/reply/",
        {"opened": opened(tech_ticket), "final_text": "Hello"},
    )
    run_outbox()  # what the worker does with the queued send
    assert response.status_code == 422 and "belongs to another ticket" in response.content.decode()


def test_send_failure_keeps_the_reply_and_can_be_retried(client, people, billing_ticket, settings):
    settings.EMAIL_BACKEND = "tests.dashboard.failing_email.FailingBackend"
    client.force_login(people["agent"])
    text = shown_text(client, billing_ticket)
    client.post(
        f"/tickets/{billing_ticket.pk}/reply/",
        {"opened": opened(billing_ticket), "final_text": text},
    )
    run_outbox()  # what the worker does with the queued send
    outbound = Outbound.objects.get()
    assert (
        outbound.status == "failed"
        and "SMTP server is down" in outbound.last_error
        and outbound.body == text
    )
    billing_ticket.refresh_from_db()
    assert billing_ticket.status != Ticket.Status.SENT
    page = client.get(f"/tickets/{billing_ticket.pk}/").content.decode()
    assert "SMTP server is down" in page and "Retry sending" in page
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    client.post(f"/tickets/{billing_ticket.pk}/outbound/{outbound.pk}/retry/")
    run_outbox()  # what the worker does with the queued send
    client.post(
        f"/tickets/{billing_ticket.pk}/outbound/{outbound.pk}/retry/"
    )  # a second click sends nothing more
    run_outbox()  # what the worker does with the queued send
    outbound.refresh_from_db()
    assert outbound.status == "sent" and outbound.attempts == 2 and len(mail.outbox) == 1


def test_reject_needs_a_reason_and_becomes_an_evaluation_case(client, people, billing_ticket):
    client.force_login(people["agent"])
    bad = client.post(
        f"/tickets/{billing_ticket.pk}/reject/",
        {"opened": opened(billing_ticket), "reason": ""},
        HTTP_HX_REQUEST="true",
    )
    assert bad.status_code == 422 and "This field is required" in bad.content.decode()
    client.post(
        f"/tickets/{billing_ticket.pk}/reject/",
        {"opened": opened(billing_ticket), "reason": "Wrong policy cited"},
    )
    review = Review.objects.get()
    assert review.decision == "rejected" and review.reason == "Wrong policy cited"
    assert Draft.objects.get(ticket=billing_ticket).status == "rejected"
    case = EvaluationCase.objects.get()
    assert case.origin == "rejected_draft" and "jane@customer.example" not in case.masked_text


def test_escalate_hands_over_with_the_note(client, people, billing_ticket):
    client.force_login(people["agent"])
    assert (
        client.post(
            f"/tickets/{billing_ticket.pk}/escalate/",
            {"opened": opened(billing_ticket), "note": ""},
            HTTP_HX_REQUEST="true",
        ).status_code
        == 422
    )
    client.post(
        f"/tickets/{billing_ticket.pk}/escalate/",
        {
            "opened": opened(billing_ticket),
            "note": "Customer threatens chargeback; needs a refund decision.",
        },
    )
    billing_ticket.refresh_from_db()
    assert billing_ticket.status == "escalated" and billing_ticket.team.slug == "escalations"
    assert Review.objects.get().decision == "escalated"
    assert TicketAction.objects.filter(kind="escalate").count() == 1


def test_waiting_on_customer_pauses_the_sla(client, people, billing_ticket):
    client.force_login(people["agent"])
    client.post(f"/tickets/{billing_ticket.pk}/wait/")
    billing_ticket.refresh_from_db()
    assert (
        billing_ticket.status == "waiting_on_customer" and billing_ticket.sla_paused_at is not None
    )
    client.post(f"/tickets/{billing_ticket.pk}/wait/", {"resume": "1"})
    billing_ticket.refresh_from_db()
    assert billing_ticket.status == "in_review" and billing_ticket.sla_paused_at is None


def test_clarification_request_waits_on_the_customer(client, people, billing_ticket):
    client.force_login(people["agent"])
    client.post(
        f"/tickets/{billing_ticket.pk}/reply/",
        {
            "opened": opened(billing_ticket),
            "final_text": "Which invoice number was charged twice?",
            "then": "wait",
        },
    )
    run_outbox()  # what the worker does with the queued send
    billing_ticket.refresh_from_db()
    assert (
        billing_ticket.status == "waiting_on_customer" and billing_ticket.sla_paused_at is not None
    )
    assert len(mail.outbox) == 1


def test_recording_the_action_clears_the_unbacked_claim_flag(
    client, people, unchecked_billing_ticket
):
    billing_ticket = unchecked_billing_ticket
    draft = billing_ticket.drafts.first()
    # A draft that states the claims outright (as an LLM's might): the guards flag them.
    draft.text = re.sub(r"\[confirm: ([^\]]*)\]", r"\1", draft.text)
    draft.guard_flags = []
    draft.save(update_fields=["text", "guard_flags"])
    recheck_open_draft(ticket=billing_ticket)
    draft.refresh_from_db()
    assert any(f["code"] == "unbacked_claim" for f in draft.guard_flags)
    client.force_login(people["agent"])
    for kind in ("refund", "investigate"):
        client.post(
            f"/tickets/{billing_ticket.pk}/action/",
            {"kind": kind, "amount": "49.00", "currency": "EUR"},
        )
    draft.refresh_from_db()
    assert not any(f["code"] == "unbacked_claim" for f in draft.guard_flags)
    bad = client.post(
        f"/tickets/{billing_ticket.pk}/action/", {"kind": "teleport"}, HTTP_HX_REQUEST="true"
    )
    assert bad.status_code == 422


def test_correction_is_recorded_and_becomes_an_evaluation_case(client, people, billing_ticket):
    client.force_login(people["agent"])
    response = client.post(
        f"/tickets/{billing_ticket.pk}/correct/",
        {"urgency": "P1", "category": "technical", "subcategory": "outage", "sentiment": "angry"},
    )
    assert response.status_code == 302
    current = billing_ticket.classifications.first()
    assert (
        current.engine == "human"
        and current.category == "technical"
        and current.corrected_by == people["agent"]
    )
    case = EvaluationCase.objects.get(origin="correction")
    assert case.labels["category"] == "technical" and case.predicted["category"] == "billing"
    billing_ticket.refresh_from_db()
    assert billing_ticket.category == "technical" and billing_ticket.urgency == "P1"
    # re-routed to the technical team: the billing agent is sent back to the queue, told so
    assert billing_ticket.team.slug == "technical" and response.url == "/"
    client.force_login(people["lead"])
    unchanged = client.post(
        f"/tickets/{billing_ticket.pk}/correct/",
        {"urgency": "P1", "category": "technical", "subcategory": "outage", "sentiment": "angry"},
        HTTP_HX_REQUEST="true",
    )
    assert unchanged.status_code == 422 and "nothing changed" in unchanged.content.decode()
    bad = client.post(
        f"/tickets/{billing_ticket.pk}/correct/",
        {"urgency": "P9", "category": "astrology", "sentiment": "angry"},
        HTTP_HX_REQUEST="true",
    )
    assert bad.status_code == 422 and 'id="classification-panel"' in bad.content.decode()


def test_resolving_feeds_the_knowledge_base(client, people, billing_ticket):
    client.force_login(people["agent"])
    assert (
        client.post(f"/tickets/{billing_ticket.pk}/resolve/", HTTP_HX_REQUEST="true").status_code
        == 409
    )
    client.post(
        f"/tickets/{billing_ticket.pk}/reply/",
        {"opened": opened(billing_ticket), "final_text": shown_text(client, billing_ticket)},
    )
    run_outbox()  # what the worker does with the queued send
    client.post(f"/tickets/{billing_ticket.pk}/resolve/")
    entry = KnowledgeEntry.objects.get(source_ticket=billing_ticket)
    assert entry.gold_proposed and entry.category == "billing"


def test_triage_queue_accepts_a_suggestion_in_one_click(client, people, billing_ticket):
    Ticket.objects.filter(pk=billing_ticket.pk).update(needs_human_triage=True)
    client.force_login(people["agent"])
    page = client.get("/triage/").content.decode()
    assert "Charged twice" in page and 'name="category" value="billing"' in page
    assert (
        client.post(f"/triage/{billing_ticket.pk}/accept/", {"category": "nope"}).status_code == 422
    )
    client.post(f"/triage/{billing_ticket.pk}/accept/", {"category": "general"})
    billing_ticket.refresh_from_db()
    assert not billing_ticket.needs_human_triage and billing_ticket.category == "general"
    assert billing_ticket.team.slug == "general"  # the accepted category routes it again


class _Helpdesk(BaseHTTPRequestHandler):
    calls: list = []
    status = 200

    def do_PUT(self):  # noqa: N802
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        _Helpdesk.calls.append((self.path, self.headers.get("Authorization"), body))
        self.send_response(_Helpdesk.status)
        self.end_headers()
        self.wfile.write(b"{}")

    def log_message(self, *args):
        pass


@pytest.fixture
def zendesk_server(settings):
    _Helpdesk.calls, _Helpdesk.status = [], 200
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Helpdesk)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    settings.ZENDESK_API_URL = f"http://127.0.0.1:{server.server_address[1]}"
    settings.ZENDESK_API_USER, settings.ZENDESK_API_TOKEN = "agent@ledgerly.example", "tok"
    yield _Helpdesk
    server.shutdown()
    server.server_close()


def test_zendesk_ticket_is_answered_through_the_zendesk_api(
    client, people, billing_ticket, zendesk_server
):
    Ticket.objects.filter(pk=billing_ticket.pk).update(source="zendesk", external_id="35436")
    client.force_login(people["agent"])
    client.post(
        f"/tickets/{billing_ticket.pk}/reply/",
        {"opened": opened(billing_ticket), "final_text": "We looked into it."},
    )
    run_outbox()  # what the worker does with the queued send
    path, auth, body = zendesk_server.calls[0]
    assert path == "/api/v2/tickets/35436.json" and auth.startswith("Basic ")
    assert body == {"ticket": {"comment": {"body": "We looked into it.", "public": True}}}
    assert (
        Outbound.objects.get().status == "sent"
        and Outbound.objects.get().via == "zendesk"
        and not mail.outbox
    )


def test_helpdesk_error_is_shown_and_retryable(client, people, billing_ticket, zendesk_server):
    Ticket.objects.filter(pk=billing_ticket.pk).update(source="zendesk", external_id="35436")
    zendesk_server.status = 503
    client.force_login(people["agent"])
    client.post(
        f"/tickets/{billing_ticket.pk}/reply/",
        {"opened": opened(billing_ticket), "final_text": "We looked into it."},
    )
    run_outbox()  # what the worker does with the queued send
    outbound = Outbound.objects.get()
    assert outbound.status == "failed" and "answered 503" in outbound.last_error
    zendesk_server.status = 200
    client.post(f"/tickets/{billing_ticket.pk}/outbound/{outbound.pk}/retry/")
    run_outbox()  # what the worker does with the queued send
    outbound.refresh_from_db()
    assert outbound.status == "sent" and len(zendesk_server.calls) == 2


def test_customer_reply_after_sending_reopens(client, people, billing_ticket):
    client.force_login(people["agent"])
    client.post(
        f"/tickets/{billing_ticket.pk}/reply/",
        {"opened": opened(billing_ticket), "final_text": shown_text(client, billing_ticket)},
    )
    run_outbox()  # what the worker does with the queued send
    ingest_ticket(
        data=TicketInput(
            channel="email",
            subject="Re: Charged twice",
            body="It happened again.",
            customer=CustomerInput(email="jane@customer.example"),
        ),
        thread=True,
    )
    billing_ticket.refresh_from_db()
    assert billing_ticket.status == "reopened" and billing_ticket.reopen_count == 1


def test_reviewer_flags_a_source_and_curation_sees_it(client, people, billing_ticket):
    usage = SourceUsage.objects.filter(draft__ticket=billing_ticket).first()
    client.force_login(people["agent"])
    assert (
        client.post(
            f"/tickets/{billing_ticket.pk}/sources/{usage.pk}/flag/", {"note": ""}
        ).status_code
        == 422
    )
    client.post(
        f"/tickets/{billing_ticket.pk}/sources/{usage.pk}/flag/",
        {"note": "Refund policy changed in May"},
    )
    usage.refresh_from_db()
    assert usage.flagged_inaccurate and usage.flag_note == "Refund policy changed in May"
    client.force_login(people["other"])
    assert (
        client.post(
            f"/tickets/{billing_ticket.pk}/sources/{usage.pk}/flag/", {"note": "x"}
        ).status_code
        == 404
    )
    client.force_login(people["admin"])
    assert (
        f"/knowledge/entries/{usage.entry_id}/"
        in client.get("/knowledge/needs-review/").content.decode()
    )
