import pytest

from tests.conftest import make_ticket
from triage.ingest.service import CustomerInput
from triage.models import PiiVault
from triage.pipeline.classify import ticket_text
from triage.pipeline.preprocess import preprocess_ticket
from triage.text.cleaning import clean_text, cut_to_budget
from triage.text.language import detect_language
from triage.text.pii import PLACEHOLDER, luhn_valid, mask_pii, unmask


def test_html_quotes_and_signatures_are_removed_and_the_sign_off_stays():
    html = (
        "<html><head><style>p{color:red}</style></head><body><div>Hi,</div>"
        "<p>The export is <b>missing</b> invoices.</p>\n"
        "    <p>Best regards,<br>Jane Doe<br>CFO, Acme</p>\n"
        '    <div class="gmail_quote">On Mon, 3 Mar 2025 at 10:00, Support wrote:'
        "<blockquote>Old text</blockquote></div></body></html>"
    )
    text = clean_text(html)
    assert "export is missing invoices" in text
    assert "Old text" not in text and "CFO" not in text and "color" not in text
    assert text.endswith("Best regards,\nJane Doe")


@pytest.mark.parametrize(
    "header",
    [
        "On Mon, 3 Mar 2025 at 10:00, Support <s@x.example> wrote:",
        "Am 03.03.2025 um 10:00 schrieb Support <s@x.example>:",
        "El lun, 3 mar 2025 a las 10:00, Support (<s@x.example>) escribió:",
        "Le lun. 3 mars 2025 à 10:00, Support <s@x.example> a écrit :",
    ],
)
def test_quoted_replies_are_cut_in_four_languages(header):
    text = clean_text(f"New problem here.\n\n{header}\n> old quoted line\n> more")
    assert text == "New problem here."


def test_mobile_signature_and_disclaimer_are_removed():
    raw = (
        "Bank sync is broken.\n\nSent from my iPhone\n\nThis email and any attachments are "
        "confidential and intended solely for the addressee."
    )
    assert clean_text(raw) == "Bank sync is broken."


def test_budget_cut_keeps_whole_words():
    text = "word " * 5000
    cut = cut_to_budget(text, tokens=100)
    assert cut.endswith("word …") and len(cut.split()) <= 78


def test_pii_is_masked_with_numbered_reversible_placeholders():
    raw = (
        "Mail a@b.example or a@b.example, call +49 170 1234567, card 4111 1111 1111 1111, not "
        "4111 1111 1111 1112, IBAN DE89 3704 0044 0532 0130 00, SSN 123-45-6789, IP 10.1.2.3"
    )
    masked = mask_pii(raw)
    assert masked.text.count("[EMAIL_1]") == 2
    for placeholder in ("[PHONE_1]", "[CARD_1]", "[IBAN_1]", "[SSN_1]", "[IP_1]"):
        assert placeholder in masked.text
    assert "4111 1111 1111 1112" in masked.text  # fails the Luhn check: not a card
    assert unmask(masked.text, masked.mapping) == raw


def test_luhn():
    assert luhn_valid("4111111111111111") and not luhn_valid("4111111111111112")


def test_dates_amounts_and_ids_are_not_masked():
    text = "Invoice INV-2025-0042 of 2025-01-31 for 1,250.00 EUR, order 12345"
    assert mask_pii(text).text == text


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("Seit Freitag kommen keine Umsätze von unserem Geschäftskonto mehr an.", "de"),
        ("Intento restablecer mi contraseña pero el correo nunca llega.", "es"),
        ("Nos factures PDF affichent le symbole dollar au lieu de l'euro.", "fr"),
        ("Our bank feed stopped syncing on Friday.", "en"),
    ],
)
def test_language_detection(text, language):
    assert detect_language(text)[0] == language


@pytest.mark.django_db
def test_preprocess_stores_pii_apart_and_only_masked_text_on_the_ticket():
    ticket = make_ticket(
        body="Hi, my card 4111 1111 1111 1111 was charged twice. Call me at +1 415 555 "
        "0100.\n\nThanks,\nJane"
    )
    preprocess_ticket(ticket=ticket, run=1)
    ticket.refresh_from_db()
    assert "4111" not in ticket.masked_text and "555" not in ticket.masked_text
    assert PiiVault.objects.get(ticket=ticket).mapping["[CARD_1]"] == "4111 1111 1111 1111"
    event = ticket.events.get(stage="preprocess")
    # The signature's "Jane" is masked in the stored thread, so its placeholder is in the vault.
    assert event.outputs["pii_masked"] == ["CARD", "NAME", "PHONE"]
    assert "4111" not in str(event.inputs) + str(event.outputs)


@pytest.mark.django_db
def test_the_ticket_keeps_its_sign_off_masked_and_the_engines_read_it_without():
    ticket = make_ticket(
        subject="Export", body="The export is empty since Monday.\n\nBest regards,\nJane Holloway"
    )
    preprocess_ticket(ticket=ticket, run=1)
    ticket.refresh_from_db()
    assert ticket.masked_text == "The export is empty since Monday.\n\nBest regards,\n[NAME_1]"
    assert ticket_text(ticket) == "Export\nThe export is empty since Monday."


@pytest.mark.django_db
def test_every_placeholder_in_the_masked_thread_can_be_restored():
    ticket = make_ticket(body="Please call my colleague Priya Raman on 0161 496 0732.\n\nJane")
    preprocess_ticket(ticket=ticket, run=1)
    mapping = PiiVault.objects.get(ticket=ticket).mapping
    for message in ticket.messages.all():
        placeholders = {m.group(0) for m in PLACEHOLDER.finditer(message.masked_body)}
        assert placeholders and placeholders <= set(mapping), (message.masked_body, mapping)


@pytest.mark.django_db
def test_a_short_message_takes_the_language_the_customer_wrote_in_before():
    who = CustomerInput(email="jonas@kunde.example", name="Jonas")
    earlier = make_ticket(
        body="Meine Rechnung vom März ist falsch, bitte korrigieren Sie die Adresse.",
        subject="Rechnung",
        customer=who,
    )
    assert preprocess_ticket(ticket=earlier, run=1).language == "de"
    short = make_ticket(body="Danke!!", subject="", customer=who)
    assert preprocess_ticket(ticket=short, run=1).language == "de"
    stranger = make_ticket(body="Danke!!", subject="", customer=CustomerInput(email="x@y.example"))
    assert preprocess_ticket(ticket=stranger, run=1).language == "unknown"
