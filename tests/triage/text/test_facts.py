"""Case facts in a reply and the evidence that backs them, in en/de/es/fr."""

import pytest

from knowledge.chunking import chunk_markdown
from triage.text.facts import Evidence, facts_in, generalize, unbacked
from triage.text.language import detect_language
from triage.text.signals import only_thanks


def kinds(sentence: str) -> set[str]:
    return {f.kind for f in facts_in(sentence)}


@pytest.mark.parametrize(
    ("sentence", "kind"),
    [
        ("We had an outage between 09:12 and 09:59 UTC.", "number"),
        ("The renewal was captured twice.", "count"),
        ("It failed because of a retry on our payment provider's side.", "cause"),
        ("Your bank asked for an extra 3-D Secure confirmation.", "account"),
        ("No data was lost.", "event"),
        ("Your parcel left our warehouse yesterday.", "date"),
        ("Der Fehler entstand wegen eines fehlerhaften Updates.", "cause"),
        ("Ihre Karte wurde zweimal belastet.", "count"),
        ("Su tarjeta fue rechazada.", "account"),
        ("Hubo una caída del servicio esta mañana.", "event"),
        ("L'erreur est due à une mise à jour de notre prestataire.", "cause"),
        ("Votre carte a été débitée deux fois.", "count"),
    ],
)
def test_each_kind_of_case_fact_is_found(sentence, kind):
    assert kind in kinds(sentence)


@pytest.mark.parametrize(
    "sentence",
    [
        "Open Settings → Billing and click “Confirm payment”.",
        "If your order has already shipped, you can return it.",
        "I apologize for the inconvenience caused by the payment issue.",
        "Our support team is available 24/7.",
        "1.",
        "Thank you for your message.",
        "We understand your need for help.",
        "Then repeat steps 3 and 4 for the second router.",
        "Siga los pasos 2 a 5 de la guía.",
        "Double-check the spelling of the street before you confirm.",
    ],
)
def test_steps_conditions_apologies_and_pleasantries_state_no_fact(sentence):
    assert not facts_in(sentence)


@pytest.mark.parametrize(
    "sentence",
    [
        "I see that you need a copy of the March statement.",
        "Veo que necesitas cambiar la dirección de envío.",
        "Je vois que vous souhaitez changer de forfait.",
    ],
)
def test_the_customers_request_said_back_is_no_account_fact(sentence):
    assert "account" not in kinds(sentence)


@pytest.mark.parametrize(
    "sentence",
    [
        "The opening hours can be found on the contact page.",
        "The invoice button, usually found at the top of the page, opens a copy.",
        "Tell us which settings you found confusing.",
        "You can exchange your lamp within the stated return window.",
        "Keep your receipt until it has been refunded.",
        "The tracking link for your parcel should be displayed there.",
        "Ihre Bestellung vor Versand ist jederzeit änderbar.",
        "Su reserva durante agosto está sujeta a disponibilidad.",
        "Votre colis pendant août est livré sous cinq jours.",
    ],
)
def test_where_something_is_or_what_the_customer_may_do_is_no_case_fact(sentence):
    assert not kinds(sentence) & {"cause", "account"}, sentence


@pytest.mark.parametrize(
    ("sentence", "kind"),
    [
        ("Our engineer found a loose cable in the junction box.", "cause"),
        ("The fault was found in the junction box.", "cause"),
        ("Your order was shipped from Leeds on Monday.", "account"),
        ("Votre commande a été expédiée hier.", "account"),
    ],
)
def test_what_a_check_found_or_what_happened_to_the_order_is_still_a_case_fact(sentence, kind):
    assert kind in kinds(sentence), sentence


def test_what_a_check_of_the_account_shows_is_still_an_account_fact():
    assert "account" in kinds("I can see that your card was declined on the 4th.")


def test_a_count_written_as_a_word_is_still_a_count():
    assert kinds("The card was debited double for one ticket.") == {"count"}


def test_the_same_number_in_another_form_backs_it():
    evidence = Evidence.of(["Charged 48,00 € at 9:12 on order 00108, two times"])
    text = "We saw the charge of €48.00 at 09:12 for order 108; it was taken twice."
    assert unbacked(text, evidence) == []


def test_a_number_the_evidence_does_not_hold_is_unbacked():
    evidence = Evidence.of(["cancel purchase 3707955617"])
    missing = unbacked("Your order number 370795561790 is cancelled.", evidence)
    assert [f.value for f in missing] == ["370795561790"]


def test_a_cause_is_backed_by_its_words_in_the_evidence_not_by_a_past_reply():
    note = "Investigated: the renewal was captured twice because of a provider retry."
    text = "The renewal was captured twice because of a provider retry."
    assert unbacked(text, Evidence.of([note])) == []
    assert {f.kind for f in unbacked(text, Evidence.of(["My invoice is wrong"]))} == {
        "count",
        "cause",
    }


def test_slots_and_placeholders_are_not_facts():
    assert (
        unbacked("Order {{Order Number}} [confirm: refunded €48 on 3 May]", Evidence.of([])) == []
    )


def test_generalize_turns_case_values_into_placeholders():
    assert generalize("Refunded €48.00 for order 5529 at 09:12, 20% off, mail [EMAIL_1].") == (
        "Refunded {{Amount}} for order {{Order Number}} at {{Time}}, {{Percent}} off, mail "
        "{{Email}}."
    )


@pytest.mark.parametrize(
    ("text", "thanks"),
    [
        ("Brilliant thanks 😊", True),
        ("Thanks, that worked!", True),
        ("Danke, funktioniert wieder!", True),
        ("¡Muchas gracias!", True),
        ("Merci beaucoup !", True),
        ("thanks but the invoice is still wrong", False),
        ("Thanks. How do I export invoices?", False),
        ("Thanks for nothing", False),
        ("My invoice is wrong", False),
    ],
)
def test_a_message_that_only_thanks(text, thanks):
    assert only_thanks(text) is thanks


def test_a_section_or_paragraph_marked_internal_is_an_internal_chunk():
    body = (
        "# Refunds\n\n## Timing\nRefunds take 5 to 10 days.\n\nInternal: approve only with a "
        "lead.\n\n## Outside the policy (internal)\nOnly the Escalations team may approve them."
    )
    chunks = chunk_markdown("Refunds", body)
    public = [c.text for c in chunks if not c.internal]
    internal = [c.text for c in chunks if c.internal]
    assert public == ["Refunds take 5 to 10 days."]
    assert internal == [
        "Internal: approve only with a lead.",
        "Only the Escalations team may approve them.",
    ]


@pytest.mark.parametrize(
    ("text", "hint", "expected"),
    [
        ("word word word", None, "unknown"),
        ("Invoice", None, "unknown"),
        ("Merci", "fr", "fr"),  # too little to tell: the language the customer used before
        ("Help me please", None, "unknown"),  # no clear winner and nothing to break the tie
        ("Help me please", "en", "en"),
        ("Meine Rechnung ist falsch, bitte korrigieren", "en", "de"),  # clear text beats history
        ("My invoice is wrong", None, "en"),
    ],
)
def test_language_keeps_unknown_rather_than_guess_and_history_breaks_ties(text, hint, expected):
    assert detect_language(text, hint=hint)[0] == expected


def test_a_cause_copied_from_another_customers_ticket_needs_this_case_to_state_it():
    ticket = "Since Friday my fibre keeps dropping in Leeds. I swapped the cable, same thing."
    other = "The drops came from a fault in a fibre cable at the Leeds exchange, fixed on 3 May."
    copied = "The drops are due to a fault in a fibre cable at the Leeds exchange."
    # Alone, the customer's own words (fibre, cable, Leeds) carry the clause.
    assert unbacked(copied, Evidence.of([ticket])) == []
    found = unbacked(copied, Evidence.of([ticket], others=[other]))
    assert [(f.kind, f.borrowed) for f in found] == [("cause", ("fault", "exchange"))]
    # A note on this case that names the cause backs it, copied or not.
    note = "Line test: fault found at the Leeds exchange."
    assert unbacked(copied, Evidence.of([ticket, note], others=[other])) == []


def test_a_sentence_that_only_shares_the_topic_with_another_case_is_not_a_copy():
    ticket = "Since Friday my fibre keeps dropping in Leeds. I swapped the cable, same thing."
    other = "The drops came from a fault in a fibre cable at the Leeds exchange, fixed on 3 May."
    reply = "The drops are due to your router's firmware, which our line test shows is outdated."
    found = unbacked(reply, Evidence.of([ticket], others=[other]))
    assert found and all(not f.borrowed for f in found)


@pytest.mark.parametrize(
    ("reply", "ticket"),
    [
        ("We had a problem with the lift that evening.", "The lift was broken when we arrived."),
        ("Es gab am Abend ein Problem mit der Heizung.", "Die Heizung war kalt."),
        ("Hubo un problema con la calefacción esa noche.", "La calefacción no funcionaba."),
        ("Il y a eu un problème de chauffage ce soir-là.", "Le chauffage ne marchait pas."),
    ],
)
def test_a_problem_or_a_time_of_day_is_no_case_detail_to_back(reply, ticket):
    assert [f.kind for f in unbacked(reply, Evidence.of([ticket]))] == []


def test_a_request_restated_in_another_cases_words_is_not_a_copied_fact():
    ticket = "I want to change order 5521, help me"
    other = "I see that you need assistance with changing your order. Go to Orders > Edit."
    reply = "I see that you need assistance with changing your order 5521."
    assert all(not f.borrowed for f in unbacked(reply, Evidence.of([ticket], others=[other])))


@pytest.mark.parametrize(
    "sentence",
    [
        "If you were billed twice for one order, reply with both receipts.",
        "Double payments: if you paid a second time by mistake, the extra is returned.",
        "In case of a duplicate booking, cancel the newer one.",
        ": If your account shows an unknown charge related to an order, tell us.",
        "Late deliveries: if your parcel arrives damaged because of the courier, keep the box.",
        "Our team is determined to settle this quickly.",
    ],
)
def test_a_condition_or_a_resolve_states_no_count_cause_or_account_fact(sentence):
    assert kinds(sentence) & {"count", "cause", "account"} == set(), sentence


@pytest.mark.parametrize(
    ("sentence", "kind"),
    [
        ("If you paid the 49.90 fee, it comes back.", "number"),
        ("You were charged twice for the same order.", "count"),
        ("Our engineer determined that the splitter was faulty.", "cause"),
    ],
)
def test_numbers_in_a_condition_and_plain_counts_and_findings_stay_facts(sentence, kind):
    assert kind in kinds(sentence), sentence
