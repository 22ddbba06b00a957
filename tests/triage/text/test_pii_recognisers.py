"""Personal data by trained and checked recognisers: people by the tagger of each language,
phone numbers by libphonenumber's data, IBANs by their checks, whole postal addresses.

Every message here was written for these tests."""

import pytest

from triage.text import ner
from triage.text.names import name_spans
from triage.text.pii import mask_pii


def masked(text: str, **kw) -> str:
    return mask_pii(text, **kw).text


def covered(text: str, value: str, **kw) -> bool:
    """Every non-space character of ``value`` is inside a masked span."""
    spans = mask_pii(text, **kw).spans
    start = text.index(value)
    return all(
        any(s["start"] <= i < s["end"] for s in spans)
        for i in range(start, start + len(value))
        if not text[i].isspace()
    )


@pytest.mark.parametrize("language", ner.LANGUAGES)
def test_every_language_has_a_trained_tagger_in_the_repository(language):
    assert ner.available(language)


PEOPLE = {
    "en": [
        ("Yesterday Oluwaseun Adeyemi from your shop promised a callback.", "Oluwaseun Adeyemi"),
        ("I was served by Hannah Kowalczyk at the front desk.", "Hannah Kowalczyk"),
        ("Please pass this to Rajesh Iyer in accounts.", "Rajesh Iyer"),
        ("The parcel was signed for by Callum Fraser, who is not a neighbour.", "Callum Fraser"),
    ],
    "de": [
        (
            "Gestern hat Dragan Petrović aus Ihrer Filiale einen Rückruf versprochen.",
            "Dragan Petrović",
        ),
        ("Die Bestellung hat Annika Brandtner für mich aufgegeben.", "Annika Brandtner"),
        ("Bitte geben Sie das an Malte Osterkamp weiter.", "Malte Osterkamp"),
        ("Unterschrieben hat das Paket Svenja Ruhland, nicht ich.", "Svenja Ruhland"),
    ],
    "es": [
        ("Ayer Xiomara Quintero, de su tienda, me prometió una llamada.", "Xiomara Quintero"),
        ("El pedido lo hizo Iñaki Goikoetxea desde mi cuenta.", "Iñaki Goikoetxea"),
        ("Por favor, pásenle esto a Rocío Benjumea en contabilidad.", "Rocío Benjumea"),
        ("El paquete lo firmó Baltasar Quiroga, que no es vecino mío.", "Baltasar Quiroga"),
    ],
    "fr": [
        ("Hier, Aurélien Castagnède de votre magasin m'a promis un rappel.", "Aurélien Castagnède"),
        ("La commande a été passée par Solène Kerbrat depuis mon compte.", "Solène Kerbrat"),
        ("Merci de transmettre ceci à Gaspard Lemonnier à la comptabilité.", "Gaspard Lemonnier"),
        ("Le colis a été signé par Maëlle Tanguy, qui n'est pas ma voisine.", "Maëlle Tanguy"),
    ],
}


def _found_by_rules(text: str, person: str) -> bool:
    start = text.index(person)
    return any(s <= start and start + len(person) <= e for s, e in name_spans(text))


def test_the_tagger_finds_people_the_rules_cannot():
    # No greeting, title or relation word before these names: the rules find only known first
    # names; the tagger must find more, in every language.
    for language, cases in PEOPLE.items():
        tagger = sum(covered(text, person, language=language) for text, person in cases)
        rules = sum(_found_by_rules(text, person) for text, person in cases)
        assert tagger > rules, (language, tagger, rules)


@pytest.mark.parametrize(
    ("text", "phone"),
    [
        ("Ring me back on 030 901820-12 please", "030 901820-12"),
        ("my mobile: (415) 555-0137", "(415) 555-0137"),
        ("appelez le 04.72.10.33.48 svp", "04.72.10.33.48"),
        ("llámame al 655 12 34 56", "655 12 34 56"),
    ],
)
def test_a_phone_number_in_a_national_format_is_masked(text, phone):
    assert covered(text, phone), masked(text)


def test_an_iban_is_masked_without_the_word_after_it():
    text = "Bitte auf DE89 3704 0044 0532 0130 00 zurückzahlen, danke"
    result = mask_pii(text)
    assert "[IBAN_1]" in result.text and "zurückzahlen" in result.text


def test_an_iban_with_a_wrong_check_digit_is_not_an_iban():
    assert "[IBAN_" not in masked("reference DE00 3704 0044 0532 0130 00 for the order")


@pytest.mark.parametrize(
    "address",
    [
        "Flat 2, 41 Quarry Road, Sheffield S11 8XY",
        "Lindenweg 7, Whg. 4, 34117 Kassel",
        "Calle del Pez 19, 2º dcha., 28004 Madrid",
        "18 rue des Tanneurs, 67000 Strasbourg, France",
        "Postfach 12 03 44\n70173 Stuttgart",
    ],
)
def test_a_postal_address_is_masked_whole(address):
    text = f"Please send the replacement to {address}. Thanks!"
    assert covered(text, address), masked(text)


def test_a_city_on_its_own_and_a_brand_stay_readable():
    text = "I bought the jacket at your Hamburg store last week."
    assert masked(text, language="en") == text
