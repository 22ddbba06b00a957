"""Reply and signature extraction on the mail-client fixture (13 languages, plain, HTML and
MIME), and the cases where a rule could eat the customer's own words."""

import json
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from triage.evaluation.datasets import EvalError
from triage.evaluation.text import evaluate_file
from triage.text.cleaning import (
    Visible,
    clean_text,
    html_to_text,
    visible_parts,
    visible_text,
    without_closing,
)
from triage.text.mail import read_message

FIXTURES = Path(__file__).parents[2] / "fixtures" / "text"


def test_replies_fixture_is_read_exactly_at_least_nine_times_in_ten():
    result = evaluate_file(FIXTURES / "replies.jsonl")
    assert result["cases"] >= 80
    assert set(result["per"]["language"]) >= {
        "en", "de", "es", "fr", "it", "nl", "pt", "pl", "ru", "sv", "da", "no", "fi",
    }  # fmt: skip
    assert result["exact_match"] >= 0.9, result["misses"]
    assert all(rate >= 0.75 for rate in result["per"]["client"].values()), result["per"]


def test_a_forward_keeps_the_note_and_the_forwarded_text_but_not_its_headers():
    raw = (
        "See below.\n\nThanks,\nAnna\n\n---------- Forwarded message ---------\n"
        "From: Shop <noreply@shop.example>\nDate: Mon, Nov 23, 2026 at 10:15 AM\n"
        "Subject: Order 8812\nTo: <anna@example.org>\n\nYour order 8812 was cancelled.\n"
    )
    assert clean_text(raw) == "See below.\n\nThanks,\nAnna\n\nYour order 8812 was cancelled."


REPLY_FIXTURES = (
    Path(__file__).parents[3].parent / "shared" / "data" / "email_reply_fixtures"
) / "email_reply_fixtures.jsonl"


def test_other_projects_quoted_mail_fixtures_are_read_exactly_at_least_95_times_in_100():
    """Discourse's and quotequail's own fixtures (outside the repository): the rows with an
    expected visible text, development and held-out parts together."""
    if not REPLY_FIXTURES.exists():
        pytest.skip(f"the reply fixtures are not at {REPLY_FIXTURES} (../shared/data/)")
    result = evaluate_file(REPLY_FIXTURES)
    assert result["cases"] >= 70
    assert result["exact_match"] >= 0.95, f"{len(result['misses'])} of {result['cases']} missed"


def test_a_forwards_note_is_the_new_text_and_the_forwarded_mail_is_kept_apart():
    raw = (
        "Can you explain this charge?\n\n---------- Forwarded message ---------\n"
        "From: Bank <alerts@bank.example>\nDate: Mon, Nov 23, 2026 at 10:15 AM\n"
        "Subject: Card payment\nTo: <anna@example.org>\n\nCard payment of 49.00 EUR to Northwind.\n"
    )
    parts = visible_parts(raw)
    assert parts.new == visible_text(raw) == "Can you explain this charge?"
    assert parts.forwarded == ("Card payment of 49.00 EUR to Northwind.",)
    # what the pipeline reads: both, the note first
    assert (
        clean_text(raw)
        == parts.text
        == ("Can you explain this charge?\n\nCard payment of 49.00 EUR to Northwind.")
    )
    message = read_message(raw)
    assert (message.new_text, message.forwarded, message.clean_text) == (
        parts.new,
        parts.forwarded,
        parts.text,
    )


def test_a_forward_with_nothing_written_above_it_is_what_the_customer_sent():
    raw = (
        "Begin forwarded message:\n\nFrom: Courier <track@courier.example>\n"
        "Subject: Delivery failed\nDate: 23 November 2026 at 10:15:03 CET\n\n"
        "We could not deliver parcel 77120 today.\n"
    )
    assert visible_parts(raw) == Visible("We could not deliver parcel 77120 today.", ())
    assert visible_parts("No forward here.\n\n> quoted\n") == Visible("No forward here.", ())


def test_a_reply_row_that_lists_forwarded_mails_is_exact_only_when_they_are_read_too(tmp_path):
    row = {
        "id": "fw",
        "raw": "See below.\n\n---------- Forwarded message ---------\nFrom: Shop <s@shop.example>\n"
        "Subject: Order\nDate: Mon, Nov 23, 2026 at 10:15 AM\n\nOrder 8812 was cancelled.\n",
        "expected": "See below.",
    }
    path = tmp_path / "replies.jsonl"
    for forwarded, exact in (
        (["Order 8812 was cancelled."], 1.0),
        (["Order 8812 was shipped."], 0.0),
        ([], 0.0),
        (None, 1.0),  # not said: only the new text is compared
    ):
        line = row if forwarded is None else {**row, "forwarded": forwarded}
        path.write_text(json.dumps(line) + "\n")
        assert evaluate_file(path)["exact_match"] == exact, forwarded
    path.write_text(json.dumps({**row, "forwarded": "Order 8812 was cancelled."}) + "\n")
    with pytest.raises(EvalError, match="line 1: 'forwarded' must be a list of strings"):
        evaluate_file(path)


def test_bottom_posted_reply_keeps_the_text_under_the_quote():
    raw = "Am 23.11.26 um 10:15 schrieb Support:\n> Welche Version?\n\nVersion 4.1.\n\nGruß\nJörg"
    assert clean_text(raw) == "Version 4.1.\n\nGruß\nJörg"


@pytest.mark.parametrize(
    ("raw", "visible"),
    [
        # the signature under the name goes: title, company, phone, address
        (
            "The refund has not arrived.\n\nBest regards,\nAnna Lindqvist\nOperations, Northwind"
            " Ltd\n+44 20 7946 0958",
            "The refund has not arrived.\n\nBest regards,\nAnna Lindqvist",
        ),
        (
            "Please call me back.\n\nMet vriendelijke groet,\n\nDaan de Vries\nInkoop",
            "Please call me back.\n\nMet vriendelijke groet,\n\nDaan de Vries",
        ),
        ("Still broken.\n\nThanks,\n//Jo", "Still broken.\n\nThanks,\n//Jo"),
        ("Still broken.\n\nThank you!", "Still broken.\n\nThank you!"),
        ("It works now.\n\n— Ryan\nryan.example.org | +1 555 0100", "It works now.\n\n— Ryan"),
        # no name under the sign-off: the block under it goes
        (
            "Invoice attached.\n\nKind regards,\nSales department, ACME Ltd, tel. 030 1234567",
            "Invoice attached.\n\nKind regards,",
        ),
        # a delimiter still cuts everything under it, sign-off included
        ("Still broken.\n\n-- \nRegards,\nAnna", "Still broken."),
    ],
)
def test_the_sign_off_and_the_name_under_it_stay_and_the_signature_below_goes(raw, visible):
    assert clean_text(raw) == visible


@pytest.mark.parametrize(
    "raw",
    [
        "Sent from my desk, I can see the order never left your warehouse.",
        "Your colleague wrote: restart the app. I did and it still fails.",
        "Three problems:\n- the export is empty\n- Safari shows a blank page",
        # One-letter list items are not a "-Name" signature.
        "Options I tried:\n\n- A\n- B\n\nnone of them worked",
        # A link with digits is not the start of an attribution a few lines further down.
        "Our guide (\nhttps://docs.example/v2/install-2024.md)\nworks on version 2 too.",
        "I reset it.\nThanks to that I can log in, but the dashboard is empty.",
        "Thanks!",
    ],
)
def test_the_customers_own_words_are_never_taken_for_a_quote_or_signature(raw):
    assert clean_text(raw) == raw


def test_html_quote_containers_are_cut_and_marks_never_leak():
    html = (
        '<div>Still broken.</div><div id="Signature">Anna</div><hr>'
        '<div id="divRplyFwdMsg"><b>From:</b> Support<br><b>Sent:</b> Monday</div><div>Old</div>'
    )
    assert clean_text(html) == "Still broken."
    # The knowledge importer's reading of HTML is unchanged: quotes dropped, no marks.
    assert html_to_text("<p>Text</p><blockquote>Quoted</blockquote><hr>").strip() == "Text"


def test_evaluate_preprocess_prints_the_rate_and_refuses_an_unknown_file(tmp_path):
    out = tmp_path / "out.json"
    call_command("evaluate", "--preprocess", str(FIXTURES / "replies.jsonl"), "--json", str(out))
    assert '"exact_match"' in out.read_text()
    strange = tmp_path / "strange.jsonl"
    strange.write_text('{"foo": 1}\n')
    with pytest.raises(CommandError, match="none of the fields"):
        call_command("evaluate", "--preprocess", str(strange))
    broken = tmp_path / "broken.jsonl"
    broken.write_text("{\n")
    with pytest.raises(EvalError, match="line 1: not JSON"):
        evaluate_file(broken)


# --- attributions and rules other clients write (each message written for these tests) ---
@pytest.mark.parametrize(
    ("raw", "new_text"),
    [
        # The attribution wrapped over three lines around a long address.
        (
            'Parfait, merci !\n\nLe 12 févr. 2026 08:41, "Service Client"\n'
            "<service@boutique.example>\na écrit :\n\n> Votre colis est parti.\n",
            "Parfait, merci !",
        ),
        # A sender's address and the verb, no date.
        (
            "Works now.\n\nSupport Team <help@shop.example> wrote:\n\n> Please restart the app.\n",
            "Works now.",
        ),
        (
            "Passt, danke.\n\nKundendienst via Portal <info@shop.example> schrieb:\n\n"
            "> Bitte neu starten.\n",
            "Passt, danke.",
        ),
        # "Original Message" in asterisks, a long rule of dashes before a header block.
        ("See below.\n\n*-------- Original Message --------*\nOld text\n", "See below."),
        (
            "Reply on top.\n\n ------------------------------\n\n*From:* Shop\n*Sent:* 2026-01-02\n"
            "*To:* me@example.com\n*Subject:* Your order\n\nOld order text\n",
            "Reply on top.",
        ),
        # The lone dot a mail tracker leaves.
        ("The invoice is attached.\n\nᐧ\n", "The invoice is attached."),
        # An attribution broken over five lines with a blank line inside.
        (
            "Got it, thanks.\n\nOn Mon, 2 Feb 2026 at 09:12 Billing Desk\n\n<\n"
            "mailto:Billing Desk <billing@shop.example>\n> wrote:\n\n> Your invoice is ready.\n",
            "Got it, thanks.",
        ),
        # A first line ending on the dot of a German date.
        (
            "Alles klar.\n\nKundenservice <service@laden.example> schrieb am Di., 3.\n"
            "Feb. 2026 um 14:05 Uhr:\n\n> Ihr Paket ist unterwegs.\n",
            "Alles klar.",
        ),
        # Gmail's old attribution (date, name, address) above a quote marked with bars.
        (
            "Still not fixed.\n\n2026/2/4 Help Centre via Portal <help@portal.example>\n\n"
            "| Help Centre replied to your request:\n| Please clear the cache.\n",
            "Still not fixed.",
        ),
        # A forward whose header block is one "From:" line.
        (
            "FYI\n\n---------- Forwarded message ----------\nFrom: Shop <no@shop.example>\n\n"
            "-- \nShop\n",
            "FYI",
        ),
    ],
)
def test_other_clients_attributions_and_rules_end_the_new_text(raw, new_text):
    assert visible_text(raw) == new_text


def test_answers_written_between_the_quoted_questions_keep_the_questions_they_answer():
    raw = (
        "Answers below.\n\nOn Mon, 2 Feb 2026 at 09:12, Support <help@shop.example> wrote:\n"
        "> What is your order number?\n\n55120\n\n> Which browser?\n\nFirefox 128\n\nThanks,\nAnna"
        "\n\n> Kind regards,\n> Support\n"
    )
    # the attribution goes, and so does the quote under the last answer
    assert visible_text(raw) == (
        "Answers below.\n\n> What is your order number?\n\n55120\n\n> Which browser?\n\n"
        "Firefox 128\n\nThanks,\nAnna"
    )


@pytest.mark.parametrize(
    "raw",
    [
        # bottom-posted: the quote above one block of new text
        "On Mon, 2 Feb 2026 at 09:12, Support <help@shop.example> wrote:\n> Which browser?\n\n"
        "Firefox 128.",
        # top-posted under a note, the quote below it
        "Firefox 128.\n\n> Which browser?\n",
        # a quote marked with the writer's initials (Supercite: "SP>") is a quote too
        "Firefox 128.\n\nSP> Which browser?\nSP>\n",
    ],
)
def test_a_quote_only_above_or_only_below_the_new_text_is_not_kept(raw):
    assert visible_text(raw) == "Firefox 128."


def test_a_passage_quoted_above_the_reply_without_an_attribution_is_kept():
    # the customer chose what to quote; no client quoted a whole mail here
    raw = "> Your refund was issued on 3 May.\n\nIt was not, my bank shows nothing.\n"
    assert visible_text(raw) == (
        "> Your refund was issued on 3 May.\n\nIt was not, my bank shows nothing."
    )
    with_attribution = "On Mon, 2 Feb 2026 at 09:12, Support <help@shop.example> wrote:\n" + raw
    assert visible_text(with_attribution) == "It was not, my bank shows nothing."


def test_lines_marked_with_the_writers_initials_are_read_as_quotes():
    raw = "Yes.\n\nJD> Shall we cancel it?\n\nAnd please refund it.\n\nJD> Anything else?\nJD>\n"
    assert visible_text(raw) == "Yes.\n\n> Shall we cancel it?\n\nAnd please refund it."


@pytest.mark.parametrize(
    "below_the_quote",
    [
        "Sent from my iPhone",
        "Regards,\nJohn Smith\nAcme Ltd",
        "-- \nJohn",
        "_______________________________________________\nUsers mailing list\nusers@lists.example",
    ],
)
def test_a_signature_or_footer_under_a_top_posted_quote_is_not_an_answer(below_the_quote):
    raw = (
        "Still broken.\n\nOn Mon, 2 Feb 2026 at 09:12, Support <help@shop.example> wrote:\n"
        f"> Please restart the app.\n\n{below_the_quote}\n"
    )
    assert visible_text(raw) == "Still broken."


@pytest.mark.parametrize(
    ("text", "read"),
    [
        ("Still broken.\n\nThanks,\n[NAME_1]", "Still broken."),
        ("Still broken.\n\nThanks, [NAME_1]", "Still broken."),
        (
            "Die Rechnung ist falsch.\n\nMit freundlichen Grüßen\n\nJörg Müller",
            "Die Rechnung ist falsch.",
        ),
        ("It works now.\n\n— [NAME_1]", "It works now."),
        ("Please send the invoice.\nThanks", "Please send the invoice."),
        # nothing but a closing, or no closing: as it is
        ("Thanks!", "Thanks!"),
        ("Thanks,\n[NAME_1]", "Thanks,\n[NAME_1]"),
        (
            "Thank you for the quick help with the export!",
            "Thank you for the quick help with the export!",
        ),
        (
            "Still broken, see the log below.\nError 502 at checkout",
            "Still broken, see the log below.\nError 502 at checkout",
        ),
    ],
)
def test_what_models_read_leaves_out_the_closing_the_visible_text_keeps(text, read):
    assert without_closing(text) == read
