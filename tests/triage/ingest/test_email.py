"""Real RFC 822 messages: multipart with HTML, quoted replies, attachments, charsets, threading."""

import mailbox
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from triage.models import Message, Ticket
from triage.pipeline.run import run_pipeline

AUTH = {"HTTP_AUTHORIZATION": "Bearer dev-api-token"}


def mail(
    body_text: str | None,
    *,
    html: str | None = None,
    subject: str = "Export missing invoices",
    sender: str = "Jane Doe <jane@acme.example>",
    msgid: str | None = None,
    in_reply_to: str | None = None,
    attachment: bytes | None = None,
    charset: str = "utf-8",
) -> bytes:
    message = EmailMessage()
    message["From"] = sender
    message["To"] = "support@ledgerly.example"
    message["Subject"] = subject
    message["Date"] = format_datetime(timezone.now())
    message["Message-ID"] = msgid or make_msgid(domain="acme.example")
    if in_reply_to:
        message["In-Reply-To"] = in_reply_to
        message["References"] = in_reply_to
    if body_text is not None:
        message.set_content(body_text, charset=charset)
    if html is not None:
        if body_text is None:
            message.set_content(html, subtype="html")
        else:
            message.add_alternative(html, subtype="html")
    if attachment is not None:
        message.add_attachment(
            attachment, maintype="application", subtype="pdf", filename="invoice.pdf"
        )
    return bytes(message)


def post_mail(client, raw: bytes):
    return client.post("/api/v1/ingest/email", raw, content_type="message/rfc822", **AUTH)


@pytest.mark.django_db
def test_multipart_mail_with_html_quote_and_attachment(client):
    text = (
        "Hi,\n\nthe DATEV export misses last week's invoices.\n\nOn Mon, 3 Mar 2025, Support "
        "<s@ledgerly.example> wrote:\n> Anything else?\n\n-- \nJane Doe\nCFO"
    )
    html = (
        "<p>Hi,</p><p>the DATEV export misses last week's invoices.</p><blockquote>Anything "
        "else?</blockquote>"
    )
    response = post_mail(client, mail(text, html=html, attachment=b"%PDF-1.4 fake"))
    assert response.status_code == 201
    ticket = Ticket.objects.get()
    message = ticket.messages.get()
    assert message.attachments == [
        {"filename": "invoice.pdf", "content_type": "application/pdf", "size": 13}
    ]
    assert ticket.customer.email == "jane@acme.example" and ticket.customer.name == "Jane Doe"

    run_pipeline(ticket_id=ticket.pk)
    ticket.refresh_from_db()
    assert ticket.cleaned_text == "Hi,\n\nthe DATEV export misses last week's invoices."


@pytest.mark.django_db
def test_html_only_mail_in_latin1(client):
    raw = mail(
        None,
        html="<html><body><p>Gr\u00fc\u00dfe, die Bankverbindung synchronisiert "
        "nicht.</p></body></html>",
        charset="latin-1",
    )
    assert post_mail(client, raw).status_code == 201

    ticket = Ticket.objects.get()
    run_pipeline(ticket_id=ticket.pk)
    ticket.refresh_from_db()
    assert (
        "Bankverbindung synchronisiert nicht" in ticket.cleaned_text
        and "<p>" not in ticket.cleaned_text
    )
    assert ticket.language == "de"


@pytest.mark.django_db
def test_reply_joins_the_thread_and_redelivery_adds_nothing(client):
    first_id = make_msgid(domain="acme.example")
    raw = mail("Export is missing invoices.", msgid=first_id)
    created = post_mail(client, raw)
    assert post_mail(client, raw).json()["status"] == "duplicate"
    reply = post_mail(
        client, mail("Any update?", subject="Re: Export missing invoices", in_reply_to=first_id)
    )
    assert reply.status_code == 200 and reply.json() == {
        "id": created.json()["id"],
        "status": "joined_thread",
    }
    # same customer and subject without reply headers joins too
    post_mail(client, mail("Still broken.", subject="RE: Export missing invoices"))
    assert Ticket.objects.count() == 1 and Message.objects.count() == 3


@pytest.mark.django_db
def test_reply_after_we_answered_reopens_the_ticket(client):
    first_id = make_msgid(domain="acme.example")
    post_mail(client, mail("Export is missing invoices.", msgid=first_id))
    ticket = Ticket.objects.get()
    Ticket.objects.filter(pk=ticket.pk).update(status=Ticket.Status.SENT)
    post_mail(
        client,
        mail("It is still missing.", subject="Re: Export missing invoices", in_reply_to=first_id),
    )
    ticket.refresh_from_db()
    assert ticket.status == Ticket.Status.REOPENED and ticket.reopen_count == 1


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        (b"", "empty"),
        (b"From: nobody\r\nSubject: x\r\n\r\nbody text here", "no valid From"),
        (b"From: a@b.example\r\nSubject: x\r\n\r\n", "no text part"),
        (b"From: a@b.example\r\nSubject: x\r\n\r\nbody\x00with nul", "NUL bytes"),
    ],
)
@pytest.mark.django_db
def test_unusable_mails_are_refused(client, raw, reason):
    response = post_mail(client, raw)
    assert response.status_code == 400 and reason in response.json()["error"]
    assert Ticket.objects.count() == 0


@pytest.mark.django_db
def test_ingest_mbox(tmp_path, capsys):
    path = tmp_path / "support.mbox"
    box = mailbox.mbox(str(path))
    first_id = make_msgid(domain="acme.example")
    for raw in (
        mail("Export is missing invoices.", msgid=first_id),
        mail("Any update?", subject="Re: Export missing invoices", in_reply_to=first_id),
        mail("How do I add my logo?", subject="Logo", sender="bob@b.example"),
        b"From: broken\r\n\r\n",
    ):
        box.add(raw)
    box.flush()
    call_command("ingest_mbox", str(path))
    assert (
        "2 new tickets, 1 replies joined a thread, 0 already ingested, 1 skipped."
        in capsys.readouterr().out
    )
    call_command("ingest_mbox", str(path))
    assert "0 new tickets" in capsys.readouterr().out
    assert Ticket.objects.count() == 2
    with pytest.raises(CommandError, match="does not exist"):
        call_command("ingest_mbox", str(tmp_path / "missing.mbox"))


@pytest.mark.django_db
def test_ingest_csv(tmp_path, capsys):
    path = tmp_path / "tickets.csv"
    path.write_text(
        "Id,Title,Description,Email\n1,Logo,How do I add my "
        "logo?,a@x.example\n2,Empty,,b@x.example\n"
    )
    call_command(
        "ingest_csv",
        str(path),
        "--map",
        "external_id=Id,subject=Title,body=Description,email=Email",
    )
    out = capsys.readouterr().out
    assert (
        "1 tickets created, 0 already there, 1 skipped." in out
        and "line 3: the body is empty" in out
    )
    call_command(
        "ingest_csv",
        str(path),
        "--map",
        "external_id=Id,subject=Title,body=Description,email=Email",
    )
    assert "0 tickets created, 1 already there" in capsys.readouterr().out
    with pytest.raises(CommandError, match="has no column 'Body'"):
        call_command("ingest_csv", str(path), "--map", "body=Body")
