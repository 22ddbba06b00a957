"""Each reply is delivered once, also when a send's outcome is unknown: a helpdesk that answers
after the timeout or with a 500 after applying the reply, a mail server that goes quiet after it
was handed the message, a worker that died mid-send. The next attempt looks before it sends."""

from datetime import timedelta

import pytest
from django.utils import timezone

from tests.stubs import SmtpStub, ZendeskStub
from triage import lifecycle
from triage.models import Outbound, Ticket
from triage.review import outbound as outbox
from triage.review.decisions import do_reply

TEXT = "We have corrected the VAT number on invoice INV-2291."


def reply(people, ticket) -> Outbound:
    review = do_reply(
        ticket=ticket,
        draft=ticket.drafts.first(),
        user=people["agent"],
        final_text=TEXT,
        seconds_spent=3,
        acknowledged=None,
    )
    return review.outbound


@pytest.fixture
def zendesk(settings, billing_ticket):
    with ZendeskStub() as stub:
        settings.ZENDESK_API_URL = stub.url
        settings.ZENDESK_API_USER, settings.ZENDESK_API_TOKEN = "bot@acme.example", "t0ken"
        settings.HELPDESK_TIMEOUT_SECONDS = 1.0
        Ticket.objects.filter(pk=billing_ticket.pk).update(source="zendesk", external_id="4411")
        billing_ticket.refresh_from_db()
        yield stub


@pytest.fixture
def smtp(settings):
    with SmtpStub() as stub:
        settings.EMAIL_BACKEND = "triage.review.mail.SmtpEmailBackend"
        settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", stub.port
        settings.EMAIL_TIMEOUT = 1.0
        yield stub


def later(row: Outbound) -> None:
    """Time passes until the row's next attempt."""
    Outbound.objects.filter(pk=row.pk).update(next_attempt_at=timezone.now())


@pytest.mark.django_db
def test_a_helpdesk_slower_than_the_timeout_gets_the_reply_once(people, billing_ticket, zendesk):
    row = reply(people, billing_ticket)
    assert row.via == "zendesk"
    zendesk.delay_after_apply = 2.0  # applies the comment, answers after the 1 s timeout
    first = outbox.send_outbound(outbound_id=row.pk)
    assert first.status == Outbound.Status.CHECKING and first.check_first
    assert "did not answer within" in first.last_error
    zendesk.delay_after_apply = 0.0
    later(first)
    second = outbox.send_outbound(outbound_id=row.pk)
    assert second.status == Outbound.Status.SENT and "comments" in second.delivery_note
    assert zendesk.count("4411", TEXT) == 1
    billing_ticket.refresh_from_db()
    assert billing_ticket.status == Ticket.Status.SENT


@pytest.mark.django_db
def test_a_500_after_the_helpdesk_applied_the_reply_is_checked_not_repeated(
    people, billing_ticket, zendesk
):
    row = reply(people, billing_ticket)
    zendesk.fail_after_apply = True
    assert outbox.send_outbound(outbound_id=row.pk).status == Outbound.Status.CHECKING
    zendesk.fail_after_apply = False
    outbox.retry_outbound(outbound=Outbound.objects.get(pk=row.pk))  # "check again now"
    assert outbox.send_outbound(outbound_id=row.pk).status == Outbound.Status.SENT
    assert zendesk.count("4411", TEXT) == 1


@pytest.mark.django_db
def test_a_reply_the_helpdesk_never_got_is_sent_after_the_check(people, billing_ticket, zendesk):
    row = reply(people, billing_ticket)
    Outbound.objects.filter(pk=row.pk).update(
        status=Outbound.Status.SENDING, sending_until=timezone.now() - timedelta(seconds=1)
    )  # a worker took it and died before calling the helpdesk
    sent = outbox.send_outbound(outbound_id=row.pk)
    assert sent.status == Outbound.Status.SENT and sent.delivery_note == ""
    assert zendesk.count("4411", TEXT) == 1


@pytest.mark.django_db
def test_a_refusal_is_a_failure_and_is_sent_again(people, billing_ticket, zendesk):
    row = reply(people, billing_ticket)
    zendesk.refuse = True
    failed = outbox.send_outbound(outbound_id=row.pk)
    assert failed.status == Outbound.Status.FAILED and "422" in failed.last_error
    zendesk.refuse = False
    later(failed)
    assert outbox.send_outbound(outbound_id=row.pk).status == Outbound.Status.SENT
    assert zendesk.count("4411", TEXT) == 1


@pytest.mark.django_db
def test_a_mail_server_handed_the_message_never_gets_it_twice(people, billing_ticket, smtp):
    row = reply(people, billing_ticket)
    smtp.hold_after_data = 2.5  # has the message, then goes quiet past the 1 s timeout
    first = outbox.send_outbound(outbound_id=row.pk)
    assert first.status == Outbound.Status.CHECKING and first.handed_at is not None
    smtp.hold_after_data = 0.0
    later(first)
    second = outbox.send_outbound(outbound_id=row.pk)
    assert second.status == Outbound.Status.SENT and "mail server" in second.delivery_note
    assert smtp.count(TEXT) == 1


@pytest.mark.django_db
def test_a_mail_server_that_went_quiet_before_the_message_gets_it_once(
    people, billing_ticket, smtp
):
    row = reply(people, billing_ticket)
    smtp.hold_before_data = 2.5  # stalls before DATA: it never had the message
    first = outbox.send_outbound(outbound_id=row.pk)
    # Never handed the message: a plain failure, safe to send again.
    assert first.status == Outbound.Status.FAILED and first.handed_at is None
    smtp.hold_before_data = 0.0
    later(first)
    assert outbox.send_outbound(outbound_id=row.pk).status == Outbound.Status.SENT
    assert smtp.count(TEXT) == 1


@pytest.mark.django_db
def test_a_mail_server_refusing_the_message_is_a_failure_and_it_is_sent_again(
    people, billing_ticket, smtp
):
    row = reply(people, billing_ticket)
    smtp.answer_after_data = "554 rejected for policy reasons"
    failed = outbox.send_outbound(outbound_id=row.pk)
    assert failed.status == Outbound.Status.FAILED and failed.handed_at is None
    smtp.answer_after_data = "250 OK queued"
    later(failed)
    assert outbox.send_outbound(outbound_id=row.pk).status == Outbound.Status.SENT
    assert smtp.count(TEXT) == 2  # the refused copy and the accepted one: it arrived once


@pytest.mark.django_db
def test_a_worker_that_died_after_handing_the_message_over_sends_nothing_more(
    people, billing_ticket, smtp
):
    row = reply(people, billing_ticket)
    Outbound.objects.filter(pk=row.pk).update(
        status=Outbound.Status.SENDING,
        attempts=1,
        handed_at=timezone.now(),
        sending_until=timezone.now() - timedelta(seconds=1),
    )
    later_now = timezone.now() + lifecycle.claim_lease()
    done = outbox.send_outbound(outbound_id=row.pk, now=later_now)
    assert done.status == Outbound.Status.SENT and smtp.count(TEXT) == 0
