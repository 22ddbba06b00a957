# ruff: noqa: E501 (the test sentences are data, kept one per line)
"""The guards judge by meaning, in en/de/es/fr: the sentence reader and what backs what.

Every sentence here was written for these tests (other products, other wording than the
development set); each would pass unflagged, or be flagged wrongly, by the guards before the
reader (guards-2).
"""

import pytest

from triage.text import facts, reading
from triage.text.facts import date_keys
from triage.text.guards import Recorded, run_guards


def codes(text, *, language, actions=(), policies=(), ticket="", articles=()):
    flags = run_guards(
        text,
        actions=list(actions),
        policy_texts=list(policies),
        allowed_placeholders=set(),
        evidence=[ticket, *(f"{a.kind} {a.amount} {a.note}" for a in actions), *articles],
        sources=list(articles),
        language=language,
    )
    return {f.code for f in flags}, flags


# --- claims: every grammatical form, each language ---
UNBACKED_CLAIMS = [
    ("en", "Good news: we ran a diagnostic on your modem and swapped the faulty unit."),
    ("en", "I went ahead and unlocked your profile, so you can sign in again."),
    ("en", "Your booking has been moved to the 9:40 departure."),
    ("en", "Your money is on its way back to your card."),
    ("en", "Our engineer replaced the meter yesterday afternoon."),
    ("de", "Ich habe Ihr Passwort zurückgesetzt, Sie können sich jetzt anmelden."),
    ("de", "Ihr Konto wurde soeben freigeschaltet."),
    ("de", "Unser Techniker hat den Router gestern ausgetauscht."),
    ("es", "Te he desbloqueado la cuenta, ya puedes entrar."),
    ("es", "Se ha cancelado tu suscripción anual."),
    ("es", "Nuestro técnico reparó la caldera ayer por la tarde."),
    ("fr", "J'ai annulé votre abonnement premium."),
    ("fr", "Votre réclamation a été transmise au service juridique hier soir."),
    ("fr", "Nous venons de réactiver votre ligne mobile."),
]


@pytest.mark.parametrize(("language", "text"), UNBACKED_CLAIMS)
def test_a_claim_in_any_form_without_a_recorded_action_is_flagged(language, text):
    found, flags = codes(text, language=language)
    assert "unbacked_claim" in found, text
    flag = next(f for f in flags if f.code == "unbacked_claim")
    assert flag.quote and flag.quote in text  # the sentence it is about
    assert "no such action is recorded" in flag.message  # and why


BACKED_IN_OTHER_WORDS = [
    ("en", "We've sent the money back to your card.", Recorded("refund", "25.00")),
    ("en", "We've put a £5 voucher on your account for next time.", Recorded("credit", "5.00")),
    ("de", "Den Betrag von 25 € haben wir Ihnen zurücküberwiesen.", Recorded("refund", "25.00")),
    ("es", "Le hemos abonado 25 € en su cuenta.", Recorded("refund", "25.00")),
    ("fr", "Nous venons de débloquer votre dépôt de garantie.", Recorded("refund", "300.00")),
    ("fr", "Un avoir de 12,00 € a été émis sur votre compte.", Recorded("credit", "12.00")),
]


@pytest.mark.parametrize(("language", "text", "action"), BACKED_IN_OTHER_WORDS)
def test_a_recorded_action_backs_a_claim_written_in_other_words(language, text, action):
    # Read as a claim of something done (so the test is about backing, not about missing it)…
    assert any(s.kind == "claim" for s in reading.read(text, language)), text
    # …and backed by the recorded action.
    found, _ = codes(text, language=language, actions=[action])
    assert "unbacked_claim" not in found, text
    found, _ = codes(text, language=language)
    assert "unbacked_claim" in found, text


@pytest.mark.parametrize(
    ("language", "ticket", "draft"),
    [
        (
            "en",
            "My account got locked after three wrong passwords.",
            "Your account was just unlocked, you can sign in again.",
        ),
        (
            "de",
            "Mein Zugang wurde gestern gesperrt, bitte prüfen.",
            "Ihr Zugang wurde soeben entsperrt.",
        ),
        ("es", "Me han bloqueado la tarjeta esta mañana.", "Su tarjeta se ha desbloqueado ya."),
    ],
)
def test_a_customer_telling_of_a_lock_does_not_back_our_claim_of_an_unlock(language, ticket, draft):
    found, _ = codes(draft, language=language, ticket=ticket, actions=[Recorded("investigate")])
    assert "unbacked_claim" in found, draft


def test_a_check_does_not_back_a_change():
    found, _ = codes(
        "We've checked your eligibility and moved you onto the Saver plan.",
        language="en",
        actions=[Recorded("investigate", "", "Eligibility for Saver plan checked")],
    )
    assert "unbacked_claim" in found


def test_a_claim_of_more_money_than_was_recorded_is_flagged():
    found, flags = codes(
        "We've refunded €80 to your card.", language="en", actions=[Recorded("refund", "30.00")]
    )
    assert "unbacked_claim" in found
    assert "80" in next(f for f in flags if f.code == "unbacked_claim").message


@pytest.mark.parametrize(
    ("language", "text"),
    [
        ("en", "I'm sorry that your flight was cancelled at such short notice."),
        ("en", "Your parcel was handed to the courier on Monday, as you wrote."),
        ("en", "Once we have checked the logs, we will write again."),
        ("de", "Ihr Abonnement wurde automatisch verlängert, wie Sie schreiben."),
        ("es", "¿Te hemos cambiado ya la tarifa?"),
        ("fr", "Nous n'avons pas encore annulé la commande."),
    ],
)
def test_what_is_not_a_claim_of_ours_is_not_flagged_as_one(language, text):
    found, _ = codes(text, language=language, ticket=text)
    assert "unbacked_claim" not in found, text


@pytest.mark.parametrize(
    "text",
    [
        "Review the changes to set up your profile.",
        "Please look over the changes you made before you leave the page.",
        "Open the order to see whether the refund has been issued.",
        "We will write to you once the credit has been approved.",
        "Credits are usually applied to the next bill.",
        "Check that the exchange is correctly processed before you print the label.",
        "Remember to save the changes once you're done.",
        "I can see that you are expecting a refund of 20 dollars.",
    ],
)
def test_an_instruction_the_customers_own_doing_or_what_has_not_happened_yet_is_no_claim(text):
    assert not [s for s in reading.read(text, "en") if s.polarity == "done"], text
    found, _ = codes(text, language="en", ticket="How do I update my delivery details?")
    assert "unbacked_claim" not in found, text


@pytest.mark.parametrize(
    "text",
    [
        "I can see that the refund of 20 dollars went through.",
        "The credit was quietly applied to your last bill.",
    ],
)
def test_a_claim_beside_a_restated_wish_or_an_adverb_is_still_a_claim(text):
    found, _ = codes(text, language="en", ticket="Where is my money?")
    assert "unbacked_claim" in found, text


# --- commitments ---
POLICY_EN = "Vouchers cannot be exchanged for cash. Late deliveries receive a £4 voucher."


@pytest.mark.parametrize(
    ("language", "text", "policy"),
    [
        ("en", "We will pay out the voucher in cash.", POLICY_EN),
        ("en", "We'll add a £15 voucher to your account.", POLICY_EN),
        ("de", "Wir erstatten Ihnen die Versandkosten innerhalb von 2 Tagen.", ""),
        ("de", "Zusätzlich schenken wir Ihnen einen Monat kostenlos.", ""),
        ("es", "Te devolvemos el importe completo mañana mismo.", ""),
        (
            "es",
            "Le aplicaremos un descuento del 40 % durante un año.",
            "Descuento del 10 % por 3 meses.",
        ),
        ("fr", "Nous vous rembourserons sous 24 heures.", "Remboursement sous 10 jours ouvrés."),
        ("fr", "Pour nous excuser, je vous offre deux mois d'abonnement.", ""),
        # beside an offer of help or information, an action promised is still a promise
        ("en", "Happy to help: we will refund the lamp today.", ""),
        ("en", "We will help you pack it and refund the lamp today.", ""),
        ("en", "For your information, we will refund the lamp on Monday.", ""),
        ("de", "Wir helfen Ihnen gern und erstatten Ihnen die Versandkosten.", ""),
        ("es", "Te ayudamos con gusto y te reembolsaremos la lámpara.", ""),
        ("fr", "Pour votre information, nous vous rembourserons la lampe.", ""),
        ("es", "Para ayudarte, te reembolsaremos la lámpara.", ""),
        ("es", "Para ayudarte te devolvemos el importe de la lámpara.", ""),
        ("fr", "Pour vous aider, nous vous remboursons la lampe.", ""),
        ("de", "Um Ihnen zu helfen, erstatten wir Ihnen die Versandkosten.", ""),
        ("en", "We can help by issuing a credit for the lamp.", ""),
        ("fr", "Nous pouvons vous aider en vous remboursant la lampe.", ""),
    ],
)
def test_a_commitment_no_policy_makes_is_flagged(language, text, policy):
    found, flags = codes(text, language=language, policies=[policy] if policy else [])
    assert "unsupported_promise" in found, text
    assert next(f for f in flags if f.code == "unsupported_promise").quote in text


@pytest.mark.parametrize(
    ("language", "text", "policy"),
    [
        ("en", "Should the bank confirm the extra payment was taken twice, we'll refund that one.",
         "A confirmed duplicate charge is refunded in full."),
        ("en", "We're unable to refund the annual plan after 30 days.",
         "Annual plans are refundable within 30 days only."),
        ("de", "Wir erstatten Ihnen die 4 € Liefergebühr.",
         "Bei verspäteter Lieferung wird die Liefergebühr von 4 € erstattet."),
        ("es", "Te daremos un cupón de 5 € para tu próximo pedido.",
         "Si el pedido llega con retraso, el cliente recibe un cupón de 5 €."),
        ("fr", "Nous vous rembourserons sous 10 jours ouvrés.",
         "Le remboursement est effectué sous 10 jours ouvrés."),
    ],
)  # fmt: skip
def test_a_commitment_the_policy_makes_or_a_refusal_is_clean(language, text, policy):
    found, _ = codes(text, language=language, policies=[policy], articles=[policy])
    assert "unsupported_promise" not in found, text


@pytest.mark.parametrize(
    ("language", "text"),
    [
        ("en", "Our team will help you get the refund processed."),
        ("en", "We'll assist you in completing the exchange."),
        ("en", "I'll be glad to help you understand the cases in which a credit applies."),
        ("de", "Wir helfen Ihnen gern bei der Erstattung der Versandkosten."),
        ("de", "Gern erkläre ich Ihnen die Schritte für eine Rückerstattung."),
        ("es", "Te ayudaremos a solicitar el reembolso de la lámpara."),
        ("es", "Te explicaremos los pasos para cambiar la tarifa."),
        ("fr", "Nous allons vous aider à obtenir le remboursement de la lampe."),
        ("fr", "Je vous expliquerai les étapes du remboursement."),
    ],
)
def test_help_or_information_about_an_action_promises_no_action(language, text):
    assert reading.read(text, language) == [], text
    found, _ = codes(text, language=language)
    assert not found & {"unsupported_promise", "unbacked_claim"}, text


# --- facts: the customer's own words, normalised ---
def test_a_model_name_from_a_hashtag_backs_the_reply():
    found, _ = codes(
        "Sorry about the battery on your iPhone 6, let's get it checked.",
        language="en",
        ticket="battery dies at 40% on my #iphone6, help",
    )
    assert "unsupported_fact" not in found


def test_a_distance_written_with_its_unit_backs_the_reply():
    found, _ = codes(
        "The charging cable is 10 m long, so it will reach the socket.",
        language="en",
        ticket="is the cable really 10m? my socket is far away",
    )
    assert "unsupported_fact" not in found


@pytest.mark.parametrize(
    ("language", "text"),
    [
        ("en", "The outage was caused by a storm damaging the mast near your street."),
        ("de", "Die Störung ging auf einen Marderbiss am Kabel zurück."),
        ("es", "Los cortes se deben a una obra en la calle de al lado."),
        ("fr", "La panne résulte d'un câble arraché par une pelleteuse."),
    ],
)
def test_a_cause_nothing_states_is_flagged(language, text):
    found, _ = codes(text, language=language, ticket="no internet since yesterday")
    assert "unsupported_fact" in found, text


# --- text meant for staff ---
@pytest.mark.parametrize(
    ("language", "text"),
    [
        ("en", "Thanks for waiting. (reminder: check the customer's order history first - Sam)"),
        ("en", "Reminder for agents: never waive the fee for monthly plans."),
        ("de", "Vielen Dank. Bitte die Kulanz nicht gegenüber Kunden erwähnen."),
        ("es", "Gracias. [Nota interna: cliente con dos reclamaciones abiertas]"),
        ("fr", "Bonjour [PRENOM_CLIENT], votre colis arrive demain."),
        ("fr", "Merci. Supprimer cette ligne avant envoi."),
        # Guidance that speaks to the agent as "you" is still about the customer.
        ("en", "You can offer the customer a 10% voucher if they push back."),
        ("fr", "Vous pouvez proposer au client un bon d'achat."),
        ("es", "Si el cliente insiste, puedes ofrecerle un 10 %."),
        # Rules for agents, whoever reads them, and the customer's data for staff (guards-6).
        ("en", "Please verify the customer details before refunding."),
        ("en", "The customer is on the legacy plan, so offer the discount."),
        ("en", "Agents may waive the fee once per year."),
        ("en", "Agents can offer a goodwill credit of up to 15 EUR."),
        ("es", "Los agentes deben verificar la identidad antes de reembolsar."),
        ("fr", "Les agents doivent vérifier l'identité avant tout remboursement."),
        ("de", "Mitarbeiter dürfen höchstens 20 € gutschreiben."),
        ("de", "Der Kunde hat schon zweimal angerufen."),
        # Marked internal, told what to do with the reply or what not to say.
        ("en", "Internal: refund approved by Finance only after the audit."),
        ("de", "Interne Notiz: Kulanz nur einmal pro Jahr."),
        ("es", "Reembolso ya aprobado (interno, no reenviar)."),
        ("fr", "Remarque interne : geste commercial déjà accordé en mars."),
        ("en", "Thanks for your patience. Delete this line before sending."),
        ("de", "Vor dem Absenden den Betrag mit der Buchhaltung abgleichen."),
        ("es", "No mencionar el retraso del almacén."),
        ("fr", "Ne pas mentionner le retard de l'entrepôt."),
        # A sentence that opens in brackets with a tool's code, a queue with a code: marks of a
        # note, not a reference cited to the reader (guards-8).
        ("en", "[Macro REF-12] Offer a 10% credit."),
        ("de", "Warteschlange N2 (siehe RISK-L2)."),
        # A label and an aside are one sign together; with a tool's numbered code or a named
        # queue they are still a note, and a point inside the aside does not cut it (guards-9).
        ("es", "Motivo de cierre: duplicado (ver TCK-8812)."),
        ("de", "Prio: hoch (Queue Billing-DE)."),
        ("fr", "Résolution : geste de 10 € validé (réf. GC-4471, plafond atteint)."),
        ("en", "Outcome: credit approved (ref. OPS-2231, max reached)."),
        # sending the reply, said to nobody, is still the writer's (guards-9)
        ("en", "Check the amount with Finance before sending."),
    ],
)
def test_text_meant_for_staff_is_flagged(language, text):
    found, _ = codes(text, language=language)
    assert "internal_text" in found, text


@pytest.mark.parametrize(
    ("language", "text"),
    [
        ("es", "Informe al Cliente del retraso del almacén."),
        ("de", "Der Kunde hat schon dreimal angerufen."),
        # an internal source cites a note's rule; the customer inside the attribution is spoken of
        ("es", "Según el protocolo interno, el cliente debe pasar a Riesgo."),
        ("en", "As per the call with the customer, credit approved."),
        # "con el cliente" in lower case is the customer, not an office (guards-10)
        ("es", "Confirmar con el cliente la dirección antes del envío."),
        ("es", "Revisar la satisfacción del cliente no basta: el cliente amenaza con irse."),
    ],
)
def test_the_customer_outside_a_name_or_a_cited_rule_is_still_spoken_of(language, text):
    """Only a capitalised word before "del/al/du/au Cliente" makes a name of an office (guards-9),
    not the sentence's first word nor German's capitalised nouns; only a rule cited from a source
    that is not internal names its party, not the customer met in the attribution."""
    found, _ = codes(text, language=language)
    assert "internal_text" in found, text


def test_a_point_inside_an_aside_does_not_end_the_sentence():
    assert facts.sentences("Bitte die Nr. 5 nehmen (vgl. Abs. 3). Danke.") == [
        "Bitte die Nr. 5 nehmen (vgl. Abs. 3).",
        "Danke.",
    ]
    # a sentence in brackets still ends at its own point
    assert facts.sentences("(If you have paid, ignore this.) Thanks.")[0].endswith("this.")


def test_an_incident_or_tracker_id_is_still_internal_shorthand():
    """An id alone is no longer shorthand (guards-8); an incident's or an issue tracker's is."""
    found, _ = codes("Linked to INC-4411, see JIRA-2231 for the fix.", language="en")
    assert "internal_shorthand" in found


@pytest.mark.parametrize(
    ("language", "text"),
    [
        ("en", "One of our agents will call you tomorrow between 9 and 11."),
        ("en", "Your reference is CL-55120, as on your letter."),
        ("fr", "Le Service Client reste à votre disposition."),
        ("es", "Un saludo, Atención al Cliente"),
        # Rules about every customer, in a participle's or an adjective's words.
        (
            "fr",
            "Les clients résidant en Belgique peuvent aussi retourner l'article en point relais.",
        ),
        ("es", "Los clientes residentes en Canarias no pagan IVA en el envío."),
        # Customers in the plural: a rule about many, not a note about this one.
        ("es", "Esta oferta es solo para los clientes de fibra."),
        ("fr", "Cette offre est réservée aux clients Fibre."),
        ("fr", "Les clients professionnels ont un numéro dédié."),
        ("de", "Die Zufriedenheit der Kunden ist uns wichtig."),
        ("en", "The customers on the old plan keep their price until March."),
        # The customer's word in the name of a service, a place or a field; an agent the reader
        # meets (guards-6).
        ("en", "Type the customer name into the filter box and press Enter."),
        ("en", "Our customer assistance hours are listed under Contact."),
        ("en", "Sorry that the user interface made this hard to find."),
        ("es", "Puede llamar a la línea de atención del cliente en horario de oficina."),
        ("fr", "Indiquez votre numéro client dans le formulaire."),
        ("en", "Describe the problem briefly so the agent can help you faster."),
        ("en", "Talking to an agent can be quicker for billing questions."),
        ("en", "Our trained agents can walk you through every step."),
        ("de", "Unsere Mitarbeiter können Ihnen am Telefon weiterhelfen."),
        ("es", "Nuestros agentes pueden ayudarle por chat."),
        ("fr", "Un de nos agents peut vous rappeler cet après-midi."),
        # "Internal" as a thing's word, not a mark on the text.
        ("en", "There was an internal error on our side, sorry about that."),
        ("de", "Die interne Prüfung ist abgeschlossen, Ihr Konto ist wieder frei."),
        ("es", "El disco duro interno está dañado, le enviamos uno nuevo."),
        ("fr", "La batterie interne est couverte par la garantie."),
        # Advice to the reader on what not to say, sending a parcel, deleting an app.
        ("en", "Please don't tell anyone your PIN, not even us."),
        ("de", "Bitte Ihre PIN am Telefon nicht nennen."),
        ("es", "Le recomendamos no decir su clave a nadie."),
        ("fr", "Pour votre sécurité, veillez à ne pas communiquer votre code à un tiers."),
        ("en", "Before sending it back, please remove the SIM card."),
        ("de", "Bitte setzen Sie das Gerät vor dem Versand zurück."),
        ("es", "Antes de enviar el paquete, retire la tarjeta SIM."),
        ("fr", "Avant l'envoi du colis, retirez la carte SIM."),
        ("en", "Please delete this app and install it again."),
        ("en", "pls restart your router and let me know if it works."),
        # An id or a tool handed to the reader as theirs; the product's user.
        ("en", "Your return number is RMA-55821; please write it on the parcel."),
        ("de", "Ihre neue Vorgangsnummer lautet VG-40193 (bitte bei Rückfragen angeben)."),
        ("es", "Su número de incidencia es INC-20931."),
        ("fr", "Votre numéro de retour : RET-88120 (à noter sur le colis)."),
        ("en", "You will find the setting in your admin panel under Billing."),
        ("en", "Open the user settings page and switch on two-factor login."),
        # A reference the reply gives, cited in brackets after what it is or as a field holding
        # nothing but the id: the customer's, as an agent types it (guards-8).
        ("en", "I've opened a return for you (RMA-55821), the label is attached."),
        ("en", "Your new router ships from our Leeds warehouse (order SO-44120) tomorrow."),
        ("en", "Reference for this conversation: CS-20931."),
        ("en", "We have logged this as case CS-20931 so you can quote it if you call."),
        ("de", "Der Techniker kommt am Donnerstag (Auftrag AU-5521) zwischen 8 und 12 Uhr."),
        ("de", "Ich habe für Sie eine Rücksendung angelegt (RMA-55821), das Etikett hängt an."),
        ("es", "El técnico irá el jueves (orden OT-5521) entre las 8 y las 12."),
        ("es", "He abierto una devolución (RMA-55821); adjunto la etiqueta."),
        ("fr", "Le technicien passera jeudi (intervention INT-7712) entre 8 h et 12 h."),
        ("fr", "J'ai ouvert un retour (RMA-55821), l'étiquette est en pièce jointe."),
        # A reply laid out as fields: a label and an aside in brackets, one sign together; a
        # code without a digit is a standard's or a product's name; an office named with the
        # customer's word is no customer spoken of (guards-9).
        ("en", "Your refund: £24.99 (the full price of the order), back on your card."),
        ("en", "Delivery: 2-3 working days (after payment)."),
        ("en", "Important: the USB-C charger we sent replaces the faulty one."),
        ("de", "Öffnungszeiten: Montag bis Freitag (außer an Feiertagen) von 9 bis 18 Uhr."),
        ("de", "Gutschrift: 15 € (wird mit der nächsten Rechnung verrechnet)."),
        ("es", "Plazo de devolución: 30 días (desde la entrega)."),
        ("es", "Nota: el cargador USB-C se envía por separado."),
        ("es", "Puede dirigirse también al Defensor del Cliente de la entidad."),
        ("es", "Estado: en cola (posición 3 de 10)."),
        ("fr", "Montant remboursé : 42,50 € (frais de port inclus)."),
        ("fr", "Vous pouvez écrire au Médiateur du Client de la banque."),
        # "Usuario:" is a user name's field; agents who cannot touch the reader's things are
        # told of for the reader's sake (guards-9).
        ("es", "Usuario: el correo electrónico con el que se registró."),
        ("es", "Por seguridad, los agentes no pueden ver los datos de su tarjeta."),
        ("en", "For your security, agents cannot see your card details."),
        ("fr", "Les agents ne peuvent pas voir vos coordonnées bancaires."),
        (
            "es",
            "Solo el equipo de facturación puede modificar su tarifa; le hemos pasado su consulta.",
        ),
        (
            "de",
            "Nur das Technikteam darf Ihren Anschluss umstellen, daher haben wir es weitergeleitet.",
        ),
        ("en", "Only the billing team can change your plan, so I've passed your request to them."),
        # a form's instruction to the reader sends their own text (guards-9)
        ("de", "Bitte prüfen Sie Ihre Angaben vor dem Absenden."),
        ("fr", "Vérifiez bien vos coordonnées avant d'envoyer."),
        ("es", "Revise su solicitud antes de enviar."),
        # A rule cited from its source names its party in the third person (guards-9).
        ("es", "Según nuestras condiciones, el cliente tiene derecho a un reembolso en 14 días."),
        ("es", "Según el reglamento europeo, el pasajero tiene derecho a una compensación."),
        ("en", "Under our terms, the customer is entitled to a full refund within 14 days."),
        ("fr", "Selon nos conditions, le client a droit à un remboursement sous 14 jours."),
        # An office's name after "con el"; the customer as an idea; a right in the future, as
        # "el cliente puede" is (guards-10).
        ("es", "Un saludo, Oficina de Relación con el Cliente"),
        ("es", "La satisfacción del cliente es nuestra prioridad."),
        ("fr", "La confiance du client compte avant tout pour nous."),
        ("es", "El cliente podrá solicitar la devolución en un plazo de 14 días."),
        ("fr", "Le client pourra résilier son contrat sans frais."),
    ],
)
def test_customer_facing_text_is_not_staff_text(language, text):
    found, _ = codes(text, language=language, ticket="my reference CL-55120 and 9 and 11")
    assert not found & {"internal_text", "internal_shorthand"}, text


# --- the reader itself ---
def test_the_reader_gives_kind_action_polarity_and_amount():
    [statement] = reading.read("We will refund the £12.50 delivery fee.", "en")
    assert (statement.kind, statement.action, statement.polarity) == (
        "commitment",
        "refund",
        "will",
    )
    assert statement.amounts == ("12.50",)
    [refusal] = reading.read("Wir können die Gebühr leider nicht erstatten.", "de")
    assert refusal.polarity in {"cannot", "will_not"}
    [condition] = reading.read("Si le colis est perdu, nous vous rembourserons.", "fr")
    assert condition.polarity == "conditional"
    [done] = reading.read("Hemos cancelado tu pedido.", "es")
    assert (done.kind, done.action, done.polarity) == ("claim", "cancel", "done")


def test_a_policy_that_denies_an_action_is_read_as_a_denial():
    terms = reading.read_policy(["Vouchers cannot be exchanged for cash."], "en")
    assert any(t.action == "credit" and t.negative for t in terms)
    assert not any(t.action == "credit" and not t.negative for t in terms)


# --- a second round of sentences, written after the first round passed ---
# (lang, reply, ticket, policies, recorded actions, the one code expected)
MORE_PROBLEMS = [
    (
        "en",
        "hey, ive gone ahead and waived the late fee for you",
        "late fee?",
        [],
        [],
        "unbacked_claim",
    ),
    (
        "en",
        "I've issued a replacement card, it should arrive in a few days.",
        "card stolen",
        [],
        [],
        "unbacked_claim",
    ),
    (
        "en",
        "The courier has been told to redeliver tomorrow.",
        "missed delivery",
        [],
        [],
        "unbacked_claim",
    ),
    (
        "en",
        "Your subscription is now cancelled and you won't be charged again.",
        "cancel pls",
        [],
        [],
        "unbacked_claim",
    ),
    (
        "en",
        "We've credited £20 to your account as a goodwill gesture.",
        "angry",
        [],
        [Recorded("credit", "5.00")],
        "unbacked_claim",
    ),
    (
        "en",
        "We'll give you three months free to make up for it.",
        "outage",
        ["Outages over 24h get one free week."],
        [],
        "unsupported_promise",
    ),
    (
        "en",
        "You'll get the full deposit back by Friday.",
        "deposit?",
        ["Deposits are returned within 14 days."],
        [],
        "unsupported_promise",
    ),
    (
        "en",
        "We can refund the difference, no problem.",
        "price dropped",
        ["Price drops after purchase are not refunded."],
        [],
        "unsupported_promise",
    ),
    (
        "en",
        "The technician found a faulty splitter in your street cabinet.",
        "no internet",
        [],
        [],
        "unsupported_fact",
    ),
    (
        "en",
        "NB for team: customer is on a legacy plan, do not offer upgrade.",
        "question",
        [],
        [],
        "internal_text",
    ),
    ("de", "Ich hab Ihnen die Gebühr von 15 € erlassen.", "Gebühr?", [], [], "unbacked_claim"),
    (
        "de",
        "Ihre Bestellung wurde storniert und der Betrag wird erstattet.",
        "stornieren bitte",
        [],
        [],
        "unbacked_claim",
    ),
    (
        "de",
        "Wir haben Ihnen soeben einen neuen Zugangslink geschickt.",
        "Link abgelaufen",
        [],
        [],
        "unbacked_claim",
    ),
    (
        "de",
        "Als Entschädigung bekommen Sie von uns 50 € gutgeschrieben.",
        "Ausfall",
        ["Bei Ausfällen über 48 Stunden gibt es 10 € Gutschrift."],
        [],
        "unsupported_promise",
    ),
    (
        "de",
        "Wir liefern Ihnen die Ware bis morgen früh.",
        "wann kommt das",
        ["Lieferung in 3-5 Werktagen."],
        [],
        "unsupported_promise",
    ),
    ("de", "[intern: Kunde hat bereits zweimal Kulanz erhalten]", "Frage", [], [], "internal_text"),
    ("es", "Ya te hemos devuelto los 30 € a la tarjeta.", "devolucion?", [], [], "unbacked_claim"),
    (
        "es",
        "He escalado tu caso al equipo de facturación.",
        "factura mal",
        [],
        [],
        "unbacked_claim",
    ),
    ("es", "Se te ha asignado un técnico para mañana.", "averia", [], [], "unbacked_claim"),
    (
        "es",
        "Te regalamos un mes de suscripción por las molestias.",
        "caida",
        [],
        [],
        "unsupported_promise",
    ),
    (
        "es",
        "Te lo reembolsaremos en 24 horas.",
        "reembolso",
        ["Los reembolsos se hacen en 10 días hábiles."],
        [],
        "unsupported_promise",
    ),
    (
        "es",
        "(no mencionar al cliente que hubo un error de stock)",
        "pedido",
        [],
        [],
        "internal_text",
    ),
    (
        "fr",
        "J'ai fait le nécessaire pour que vous soyez remboursée.",
        "remboursement",
        [],
        [],
        "unbacked_claim",
    ),
    ("fr", "Votre carte a été bloquée par nos soins.", "carte volée", [], [], "unbacked_claim"),
    ("fr", "On vous a renvoyé un colis ce matin.", "colis perdu", [], [], "unbacked_claim"),
    (
        "fr",
        "Nous vous offrons 30 % de réduction sur les 6 prochains mois.",
        "trop cher",
        ["Réduction de 10 % pendant 3 mois pour les clients fidèles."],
        [],
        "unsupported_promise",
    ),
    (
        "fr",
        "Vous serez remboursé demain.",
        "remboursement",
        ["Remboursement sous 14 jours."],
        [],
        "unsupported_promise",
    ),
    (
        "fr",
        "Note pour l'équipe : le client a déjà eu un geste commercial.",
        "question",
        [],
        [],
        "internal_text",
    ),
    (
        "en",
        "Your package was lost in the depot fire last week.",
        "where is my package",
        [],
        [],
        "unsupported_fact",
    ),
    (
        "de",
        "Der Fehler lag an einem Softwareupdate vom Montag.",
        "App geht nicht",
        [],
        [],
        "unsupported_fact",
    ),
]


@pytest.mark.parametrize(
    ("language", "text", "ticket", "policies", "actions", "code"), MORE_PROBLEMS
)
def test_each_problem_gets_its_code_and_no_other(language, text, ticket, policies, actions, code):
    found, _ = codes(
        text,
        language=language,
        ticket=ticket,
        policies=policies,
        articles=policies,
        actions=actions,
    )
    found = {"internal_text" if c == "internal_shorthand" else c for c in found}
    assert found == {code}, text


# (lang, reply, ticket, articles and policies)
CLEAN_REPLIES = [
    (
        "en",
        "hi! thanks for reaching out, you can change your delivery slot in the app under Orders. let me know if that works",
        "can i change my delivery slot",
        [],
    ),
    (
        "en",
        "Thanks for your patience. Refunds usually take 5-7 working days to show on your statement.",
        "where is my refund",
        ["Refunds take 5-7 working days to appear on the statement."],
    ),
    (
        "en",
        "You can cancel anytime from Settings > Plan, and you'll keep access until the end of the month.",
        "how do i cancel",
        [
            "Subscriptions can be cancelled anytime; access continues until the end of the billing month."
        ],
    ),
    (
        "en",
        "I'm afraid we can't offer a refund for used gift cards.",
        "refund my gift card",
        ["Gift cards are non-refundable once used."],
    ),
    (
        "en",
        "Could you send us a photo of the damaged item so we can look into it?",
        "my lamp arrived broken",
        [],
    ),
    (
        "en",
        "Sorry for the trouble with your order 4471 - please reply with your postcode and we'll take it from there.",
        "order 4471 never came",
        [],
    ),
    ("en", "Our team is happy to help with anything else you need.", "thanks", []),
    (
        "en",
        "Please restart the router and wait two minutes before testing again.",
        "wifi keeps dropping",
        [],
    ),
    (
        "en",
        "If the payment fails again, please try another card or contact your bank.",
        "payment failed",
        [],
    ),
    (
        "en",
        "We're sorry the driver was rude; you can rate the delivery in the app and every rating is reviewed.",
        "driver was rude",
        ["Customers can rate deliveries in the app; every rating is reviewed."],
    ),
    (
        "de",
        "Hallo, danke für Ihre Nachricht. Sie können die Lieferadresse bis 20 Uhr am Vortag in der App ändern.",
        "Kann ich die Adresse ändern?",
        ["Die Lieferadresse kann bis 20 Uhr am Vortag in der App geändert werden."],
    ),
    (
        "de",
        "hi, sorry für die Umstände! schick uns bitte ein Foto vom Schaden, dann schauen wir uns das an.",
        "Paket kaputt angekommen",
        [],
    ),
    (
        "de",
        "Leider können wir bereits genutzte Gutscheine nicht erstatten.",
        "Gutschein zurück?",
        ["Genutzte Gutscheine werden nicht erstattet."],
    ),
    (
        "de",
        "Eine Kündigung ist jederzeit zum Monatsende möglich.",
        "Wie kündige ich?",
        ["Kündigung jederzeit zum Monatsende möglich."],
    ),
    (
        "de",
        "Bitte starten Sie den Router neu und prüfen Sie die Verbindung erneut.",
        "Internet weg",
        [],
    ),
    (
        "de",
        "Vielen Dank für Ihre Geduld, wir melden uns, sobald wir mehr wissen.",
        "Wo ist mein Paket?",
        [],
    ),
    (
        "es",
        "Hola, gracias por escribirnos. Puedes cambiar la dirección de entrega en la app hasta las 20:00 del día anterior.",
        "puedo cambiar la direccion",
        ["La dirección se puede cambiar en la app hasta las 20:00 del día anterior."],
    ),
    ("es", "hola! mandanos una foto del producto dañado y lo revisamos", "me llego roto", []),
    (
        "es",
        "Lamentablemente no podemos reembolsar las tarjetas regalo ya usadas.",
        "reembolso tarjeta regalo",
        ["Las tarjetas regalo usadas no son reembolsables."],
    ),
    ("es", "Si el cargo vuelve a aparecer, escríbenos y lo revisamos.", "cargo raro", []),
    ("es", "Puedes darte de baja cuando quieras desde Ajustes > Plan.", "como me doy de baja", []),
    (
        "es",
        "Gracias por tu paciencia, te avisaremos en cuanto tengamos novedades.",
        "donde esta mi pedido",
        [],
    ),
    (
        "fr",
        "Bonjour, merci pour votre message. Vous pouvez modifier l'adresse de livraison dans l'application jusqu'à 20 h la veille.",
        "changer adresse ?",
        ["L'adresse peut être modifiée dans l'application jusqu'à 20 h la veille."],
    ),
    ("fr", "bonjour, envoyez-nous une photo du produit abîmé et on regarde ça", "reçu cassé", []),
    (
        "fr",
        "Malheureusement, les cartes cadeaux utilisées ne sont pas remboursables.",
        "rembourser carte cadeau",
        ["Les cartes cadeaux utilisées ne sont pas remboursables."],
    ),
    (
        "fr",
        "Vous pouvez résilier à tout moment depuis Paramètres > Abonnement.",
        "comment résilier",
        [],
    ),
    (
        "fr",
        "Merci pour votre patience, nous revenons vers vous dès que possible.",
        "où est ma commande",
        [],
    ),
    (
        "fr",
        "Si le prélèvement apparaît de nouveau, écrivez-nous et nous vérifierons.",
        "prélèvement bizarre",
        [],
    ),
    ("en", "Great news, thanks for confirming the refund arrived!", "refund arrived, thanks", []),
    (
        "en",
        "Glad to hear the refund arrived this morning.",
        "Just to let you know my refund arrived this morning, thanks.",
        [],
    ),
    (
        "en",
        "Happy to hear the app works again after the update.",
        "works again after update thanks",
        [],
    ),
]


@pytest.mark.parametrize(("language", "text", "ticket", "articles"), CLEAN_REPLIES)
def test_an_ordinary_clean_reply_gets_no_flag(language, text, ticket, articles):
    found, flags = codes(
        text, language=language, ticket=ticket, policies=articles, articles=articles
    )
    assert not found, [(f.code, f.message) for f in flags]


# A third round: clean replies with recorded actions, the customer's references, notes that are
# for the customer ("Important:", "Hinweis:", "À noter :"). (lang, reply, ticket, sources, actions)
CLEAN_WITH_ACTIONS = [
    (
        "en",
        "Hi Priya: sorry about that! I've passed this to our billing team and they'll email you within 2 working days.",
        "double charged on invoice INV-2291",
        ["Billing replies within 2 working days."],
        [Recorded("escalate", "", "Sent to billing")],
    ),
    (
        "en",
        "Important: the new price applies from your next renewal, not the current period.",
        "why did my price change",
        ["New prices apply from the next renewal."],
        [],
    ),
    (
        "en",
        "Your order ORD-88213 is marked as delivered in our system; could you check with your neighbours?",
        "ORD-88213 not here",
        [],
        [],
    ),
    (
        "en",
        "hey Tom, no worries at all - just log out and back in and the badge should show up",
        "badge missing",
        [],
        [],
    ),
    (
        "en",
        "We've refunded the £12.99 for the missing item; it can take 3-5 days to reach your card.",
        "item missing",
        ["Refunds reach the card in 3-5 days."],
        [Recorded("refund", "12.99", "missing item")],
    ),
    (
        "en",
        "Thanks for flagging this, Sam. We've checked your account and the payment went through on our side.",
        "was i charged?",
        [],
        [Recorded("investigate", "", "payment captured ok")],
    ),
    (
        "en",
        "(Just so you know, this applies to all orders placed before March.)",
        "does the sale apply",
        ["The discount applies to orders placed before March."],
        [],
    ),
    ("en", "Our support agents are available 24/7 via chat.", "can i talk to someone", [], []),
    (
        "en",
        "If you'd prefer a refund instead, just reply and we'll sort that for you.",
        "broken kettle",
        ["Defective items can be refunded or replaced within 30 days."],
        [],
    ),
    (
        "en",
        "Per our policy, returns are free within 30 days of delivery.",
        "return costs?",
        ["Returns are free within 30 days of delivery."],
        [],
    ),
    (
        "de",
        "Hallo Frau Weber, Hinweis: Die Änderung gilt erst ab der nächsten Abrechnung.",
        "Tarif ändern",
        ["Tarifänderungen gelten ab der nächsten Abrechnung."],
        [],
    ),
    (
        "de",
        "hi, hab mir das angeschaut: die Zahlung ist bei uns eingegangen, alles gut!",
        "Zahlung angekommen?",
        [],
        [Recorded("investigate", "", "Zahlung eingegangen")],
    ),
    (
        "de",
        "Wir haben Ihre Anfrage an die Buchhaltung weitergeleitet, die sich innerhalb von 3 Werktagen meldet.",
        "Rechnung falsch",
        ["Die Buchhaltung antwortet innerhalb von 3 Werktagen."],
        [Recorded("escalate", "", "an Buchhaltung")],
    ),
    (
        "de",
        "Ihre Kundennummer KD-44120 finden Sie oben rechts auf jeder Rechnung.",
        "wo ist meine Kundennummer KD-44120?",
        [],
        [],
    ),
    (
        "de",
        "Sie können die Bestellung innerhalb von 14 Tagen kostenlos zurückschicken.",
        "Rückgabe?",
        ["Rücksendungen sind innerhalb von 14 Tagen kostenlos."],
        [],
    ),
    (
        "es",
        "Hola Marta: te confirmo que hemos recibido tu devolución y ya está en revisión.",
        "recibieron mi devolución?",
        [],
        [Recorded("investigate", "", "devolución recibida, en revisión")],
    ),
    (
        "es",
        "ojo, el cambio de tarifa se aplica a partir del mes que viene",
        "cambiar tarifa",
        ["El cambio de tarifa se aplica desde el mes siguiente."],
        [],
    ),
    (
        "es",
        "Puedes devolver el pedido gratis durante 30 días desde la entrega.",
        "devolver",
        ["Devolución gratuita durante 30 días desde la entrega."],
        [],
    ),
    (
        "es",
        "Tu número de pedido PED-5521 aparece como entregado; ¿puedes revisar el buzón?",
        "PED-5521 no llega",
        [],
        [],
    ),
    (
        "es",
        "Te hemos reembolsado los 9,99 € del envío.",
        "envio caro",
        [],
        [Recorded("refund", "9.99", "envío")],
    ),
    (
        "fr",
        "Bonjour Claire : bonne nouvelle, votre remboursement de 45 € a été effectué.",
        "remboursement ?",
        [],
        [Recorded("refund", "45.00", "retour")],
    ),
    (
        "fr",
        "À noter : le changement d'offre prend effet au prochain cycle de facturation.",
        "changer d'offre",
        ["Le changement d'offre prend effet au prochain cycle de facturation."],
        [],
    ),
    (
        "fr",
        "Vous pouvez retourner l'article gratuitement sous 30 jours.",
        "retour ?",
        ["Retour gratuit sous 30 jours."],
        [],
    ),
    ("fr", "Votre numéro de dossier SIN-7781 est bien enregistré.", "mon dossier SIN-7781", [], []),
    (
        "fr",
        "salut, j'ai vérifié : le paiement est bien passé de notre côté",
        "paiement ok ?",
        [],
        [Recorded("investigate", "", "paiement ok")],
    ),
]


@pytest.mark.parametrize(("language", "text", "ticket", "articles", "actions"), CLEAN_WITH_ACTIONS)
def test_a_clean_reply_with_its_actions_gets_no_flag(language, text, ticket, articles, actions):
    found, flags = codes(
        text,
        language=language,
        ticket=ticket,
        policies=articles,
        articles=articles,
        actions=actions,
    )
    assert not found, [(f.code, f.message) for f in flags]


# A fourth round: facts about this customer's case, and the same facts when the customer said them.
# (lang, reply, ticket, sources, actions, is it an unsupported fact)
FACT_CASES = [
    (
        "en",
        "Your account was accessed from a new device in Portugal on 4 March.",
        "weird login email",
        [],
        [],
        True,
    ),
    (
        "en",
        "The engineer concluded that the boiler was installed incorrectly.",
        "boiler broken",
        [],
        [Recorded("investigate", "", "engineer report pending")],
        True,
    ),
    ("en", "Your parcel is currently at our Leeds depot.", "where is parcel 7781", [], [], True),
    ("en", "You used 18 GB of data last month, mostly streaming.", "bill too high", [], [], True),
    (
        "en",
        "The delay happened because the warehouse ran out of packaging.",
        "late order",
        [],
        [],
        True,
    ),
    (
        "de",
        "Ihr Konto wurde am 3. April von einem Gerät in Polen genutzt.",
        "komische Mail",
        [],
        [],
        True,
    ),
    (
        "de",
        "Der Gutachter kam zu dem Ergebnis, dass ein Wasserschaden vorliegt.",
        "Schaden",
        [],
        [],
        True,
    ),
    (
        "es",
        "Su paquete está ahora mismo en nuestro almacén de Zaragoza.",
        "donde esta el paquete",
        [],
        [],
        True,
    ),
    ("es", "El técnico concluyó que la avería se debe a la humedad.", "averia", [], [], True),
    (
        "fr",
        "Votre colis se trouve actuellement à notre entrepôt de Lyon.",
        "où est mon colis",
        [],
        [],
        True,
    ),
    (
        "fr",
        "Votre compte a été utilisé le 12 avril depuis une adresse en Belgique.",
        "mail bizarre",
        [],
        [],
        True,
    ),
    (
        "en",
        "Your parcel 7781 left our warehouse on 2 May, as the tracking shows.",
        "parcel 7781 shipped 2 May?",
        [],
        [],
        False,
    ),
    (
        "en",
        "As you mentioned, the app crashes when you open Settings on Android 14.",
        "app crashes on settings android 14",
        [],
        [],
        False,
    ),
    (
        "de",
        "Wie Sie schreiben, ist der Router seit dem 3. April offline.",
        "Router seit 3. April offline",
        [],
        [],
        False,
    ),
    (
        "es",
        "Como indicas, el cargo de 19,99 € aparece dos veces en tu extracto.",
        "cargo de 19,99 € dos veces",
        [],
        [],
        False,
    ),
    (
        "fr",
        "Comme vous l'indiquez, la facture FA-221 mentionne 3 licences au lieu de 2.",
        "facture FA-221 : 3 licences au lieu de 2",
        [],
        [],
        False,
    ),
    (
        "en",
        "Standard delivery takes 3-5 working days within the UK.",
        "delivery time?",
        ["Standard delivery takes 3-5 working days within the UK."],
        [],
        False,
    ),
    (
        "en",
        "The check found no fault on the line.",
        "internet slow",
        [],
        [Recorded("investigate", "", "line test: no fault found")],
        False,
    ),
]


@pytest.mark.parametrize(
    ("language", "text", "ticket", "articles", "actions", "unsupported"), FACT_CASES
)
def test_a_fact_is_flagged_only_when_nothing_about_the_case_states_it(
    language, text, ticket, articles, actions, unsupported
):
    found, _ = codes(
        text,
        language=language,
        ticket=ticket,
        policies=articles,
        articles=articles,
        actions=actions,
    )
    assert found == ({"unsupported_fact"} if unsupported else set()), text


# A fifth round, written after the fourth passed: dates in another form than the note's, rules
# about every customer, a French infinitive that is not a credit, causes that "come from".
# (lang, reply, ticket, sources, actions, the codes expected)
FIFTH_ROUND = [
    (
        "en",
        "Your parcel left our warehouse on Monday and should reach you tomorrow.",
        "where is my parcel??",
        [],
        [Recorded("investigate", "", "Tracking: dispatched Monday, due tomorrow")],
        set(),
    ),
    (
        "en",
        "Your parcel left our warehouse on Tuesday.",
        "where is my parcel??",
        [],
        [Recorded("investigate", "", "Tracking: dispatched Monday")],
        {"unsupported_fact"},
    ),
    (
        "de",
        "Die Kündigung habe ich eingetragen, sie wird zum 31. Mai wirksam.",
        "Ich möchte kündigen.",
        [],
        [Recorded("cancel", "", "Kündigung zum 31.05. eingetragen")],
        set(),
    ),
    (
        "de",
        "Die Kündigung habe ich eingetragen, sie wird zum 30. Juni wirksam.",
        "Ich möchte kündigen.",
        [],
        [Recorded("cancel", "", "Kündigung zum 31.05. eingetragen")],
        {"unsupported_fact"},
    ),
    (
        "de",
        "Unser Techniker kommt am Donnerstag zwischen 8 und 12 Uhr.",
        "Heizung kaputt",
        [],
        [Recorded("escalate", "", "Termin Donnerstag 8-12 Uhr gebucht")],
        set(),
    ),
    (
        "es",
        "Los clientes que contrataron antes de 2024 mantienen su tarifa actual.",
        "¿me sube la tarifa?",
        ["Los clientes que contrataron antes de 2024 mantienen su tarifa."],
        [],
        set(),
    ),
    (
        "fr",
        "Les clients abonnés avant 2022 conservent leur tarif.",
        "mon tarif va augmenter ?",
        ["Les clients abonnés avant 2022 conservent leur tarif."],
        [],
        set(),
    ),
    (
        "fr",
        "Le livreur nous a confirmé avoir déposé le colis chez votre gardienne.",
        "colis pas reçu",
        [],
        [Recorded("investigate", "", "Livreur : déposé chez la gardienne")],
        set(),
    ),
    (
        "fr",
        "Bonjour Marc, la panne vient d'un problème sur le répartiteur de votre quartier.",
        "plus d'internet",
        [],
        [],
        {"unsupported_fact"},
    ),
    (
        "en",
        "The slowdown comes from a congested cabinet at the end of your road.",
        "internet slow every evening",
        [],
        [],
        {"unsupported_fact"},
    ),
    (
        "fr",
        "Nous vous rembourserons intégralement le billet.",
        "train annulé",
        [
            "En cas d'annulation, un avoir valable 12 mois est proposé; le remboursement n'est pas possible."
        ],
        [],
        {"unsupported_promise"},
    ),
]


FIFTH_ROUND += [
    (
        "de",
        "Ich habe nachgesehen: Ihr Paket wurde gestern an GLS übergeben.",
        "Wo bleibt mein Paket?",
        [],
        [Recorded("investigate", "", "Sendung gestern an GLS übergeben")],
        set(),
    ),
    (
        "fr",
        "J'ai vérifié : le bonus de bienvenue de 15 € a bien été crédité hier.",
        "bonus pas reçu",
        [],
        [Recorded("investigate", "", "Bonus bienvenue 15 € crédité hier")],
        set(),
    ),
    (
        "en",
        "The card reader on till 3 was faulty and our engineer has now repaired it.",
        "card declined at till 3",
        [],
        [Recorded("investigate", "", "Till 3 card reader faulty, repaired this morning")],
        set(),
    ),
    (
        "en",
        "Our engineer has now repaired the card reader on till 3.",
        "card declined at till 3",
        [],
        [Recorded("investigate", "", "Asked the store about the card reader on till 3")],
        {"unbacked_claim"},
    ),
    (
        "en",
        "Lunch is served from 12 to 14:30 on the terrace.",
        "when is lunch?",
        ["Lunch: 12:00 to 14:30 on the terrace."],
        [],
        set(),
    ),
    (
        "en",
        "I can see two bookings on your account: #8812 (checked in last Friday) and #8870, "
        "which is still unpaid.",
        "my second booking?",
        [],
        [Recorded("investigate", "", "#8812 checked in last Friday; #8870 unpaid")],
        set(),
    ),
]


@pytest.mark.parametrize(
    ("language", "text", "ticket", "sources", "actions", "expected"), FIFTH_ROUND
)
def test_fifth_round_dates_generic_rules_and_causes(
    language, text, ticket, sources, actions, expected
):
    found, flags = codes(
        text, language=language, ticket=ticket, policies=sources, articles=sources, actions=actions
    )
    assert found == expected, [(f.code, f.message) for f in flags]


def test_date_keys_read_a_day_in_every_form():
    assert date_keys("zum 31. Mai") == date_keys("am 31.05.") == date_keys("May 31st") == {"d31.5"}
    assert date_keys("le 2026-03-04") == date_keys("4 mars") == {"d4.3"}
    assert date_keys("on Monday") == date_keys("el lunes") == {"w0"}
    assert date_keys("version 2.14") == set()


def test_a_confirm_slot_is_for_the_reviewer_not_staff_text_left_in_the_reply():
    found, _ = codes(
        "Hi Sam, thanks for waiting. [confirm: I checked your billing history and the renewal "
        "was captured twice because of a retry on our provider's side.] Sorry about that.",
        language="en",
    )
    assert "internal_text" not in found


# --- sixth round (guards-6): the customer's word inside a name, agents the reader meets, the
# reader's own checks, kinds of action described by a participle ---
@pytest.mark.parametrize(
    "text",
    [
        "Save, then confirm that your delivery address has been updated.",
        "Please make sure that the old card has been removed from your wallet.",
        "Check the history for any updates or changes made to the address.",
        "Any cancellations made after the first week cost a fee.",
        "Exchanges made before the parcel has been shipped cost nothing.",
    ],
)
def test_what_the_reader_checks_or_a_kind_of_action_is_no_claim(text):
    assert [s for s in reading.read(text, "en") if s.kind == "claim"] == [], text


@pytest.mark.parametrize(
    "text",
    [
        "I can confirm that your refund has been processed.",
        "We checked and can confirm the address has been updated.",
        "The refunds issued to your card last week will show soon.",
        "We processed the refunds made to your card.",
        "Your refund has been processed before the deadline.",
        "Before you called, the refund had been processed.",
        "As you can see, your refund has been processed.",
        "You will see that the refund has been issued.",
    ],
)
def test_a_check_we_report_or_a_refund_of_this_customer_is_still_a_claim(text):
    assert any(s.kind == "claim" for s in reading.read(text, "en")), text


# --- what only this case can back, free months, stock-outs, apologies (guards-6) ---
EXCLUSION = "Damage that results from a lack of maintenance is not covered."


def test_what_a_visit_found_is_backed_by_this_case_not_by_a_policy_in_the_same_words():
    reply = "The surveyor concluded that the leak results from a lack of maintenance of the roof."
    ticket = "The surveyor came on Monday about the leak in my shed. What did he find?"
    found, _ = codes(reply, language="en", ticket=ticket, policies=[EXCLUSION])
    assert "unsupported_fact" in found
    note = Recorded("investigate", "", "Survey report: leak results from lack of roof maintenance")
    found, _ = codes(reply, language="en", ticket=ticket, policies=[EXCLUSION], actions=[note])
    assert "unsupported_fact" not in found


@pytest.mark.parametrize(
    ("language", "reply", "credit", "free"),
    [
        (
            "en",
            "To make up for it, we will give you June free of charge.",
            "After an outage of more than 3 days, a credit of 2 EUR per day may be granted.",
            "After an outage of more than 3 days, you get the next month free of charge.",
        ),
        (
            "fr",
            "Pour nous excuser, nous vous offrons le mois de juin.",
            "Après une panne de plus de 3 jours, un avoir de 2 € par jour peut être accordé.",
            "Après une panne de plus de 3 jours, le mois suivant est offert.",
        ),
    ],
)
def test_a_free_month_is_backed_by_a_free_month_not_by_a_credit(language, reply, credit, free):
    found, flags = codes(reply, language=language, policies=[credit])
    assert "unsupported_promise" in found, [f.message for f in flags]
    found, flags = codes(reply, language=language, policies=[free])
    assert "unsupported_promise" not in found, [f.message for f in flags]


@pytest.mark.parametrize(
    ("language", "reply", "ticket"),
    [
        ("en", "The bakery had run out of rye bread that morning.", "I got the wrong loaf"),
        ("de", "Die Winterjacke war leider ausverkauft.", "Warum kam eine andere Jacke?"),
        ("es", "La talla M estaba agotada en el almacén.", "Me llegó una talla L"),
        ("fr", "Le magasin était en rupture de stock de ce modèle.", "J'ai reçu un autre modèle"),
    ],
)
def test_a_stock_out_given_as_the_reason_needs_backing(language, reply, ticket):
    found, _ = codes(reply, language=language, ticket=ticket)
    assert "unsupported_fact" in found, reply
    found, _ = codes(reply, language=language, ticket=ticket, articles=[reply])
    assert "unsupported_fact" not in found, reply


@pytest.mark.parametrize(
    ("language", "reply", "ticket"),
    [
        ("en", "I'm so sorry your parcel arrived crushed and late.", "box came crushed"),
        ("de", "Es tut uns leid, dass Ihre Lieferung beschädigt ankam.", "Paket kaputt"),
        ("es", "Lamentamos que su pedido llegara incompleto y tarde.", "falta una pieza"),
    ],
)
def test_an_apology_that_says_back_the_customers_report_states_no_fact(language, reply, ticket):
    found, flags = codes(reply, language=language, ticket=ticket)
    assert "unsupported_fact" not in found, [f.message for f in flags]


@pytest.mark.parametrize(
    ("language", "reply"),
    [
        # the Spanish preterite, reflexive or not, like the perfect
        ("es", "Su paquete salió del almacén de Zaragoza el martes."),
        ("es", "Tu cuenta se vinculó a un segundo teléfono."),
        # what our system shows: a record, like "our records show"
        ("en", "Our system shows that the order was placed without gift wrapping."),
        ("de", "Laut unserem System enthielt die Bestellung keine Geschenkverpackung."),
        ("es", "Según nuestro sistema, el pedido no incluía envoltorio de regalo."),
        ("fr", "D'après notre système, la commande ne comprenait pas d'emballage cadeau."),
    ],
)
def test_an_account_statement_nothing_backs_is_flagged(language, reply):
    found, _ = codes(reply, language=language, ticket="¿Dónde está mi paquete? / gift wrap?")
    assert "unsupported_fact" in found, reply


# --- guards-7: agents' everyday replies (written here, 2026-12-07) ---
@pytest.mark.parametrize(
    ("language", "reply"),
    [
        ("en", "Could you unplug the router for 30 seconds and plug it back in?"),
        ("de", "Starten Sie bitte den Router neu (Stecker 30 Sekunden ziehen)."),
        ("es", "Mantén pulsado el botón de reinicio 10 segundos y suéltalo."),
        ("fr", "Pouvez-vous débrancher la box 30 secondes puis la rebrancher ?"),
    ],
)
def test_how_long_a_step_lasts_is_no_fact_of_the_case(language, reply):
    found, flags = codes(reply, language=language, ticket="wifi drops / WLAN / wifi / wifi")
    assert "unsupported_fact" not in found, [f.message for f in flags]


@pytest.mark.parametrize(
    "reply",
    [
        "You waited 45 minutes on hold and we owe you 12 EUR.",
        "Your router is an older model that does not support 5 GHz.",
    ],
)
def test_how_long_the_customer_waited_or_what_their_device_supports_is_still_a_fact(reply):
    found, _ = codes(reply, language="en")
    assert "unsupported_fact" in found


@pytest.mark.parametrize(
    "reply",
    [
        "Ich habe beim Versanddienstleister nachgefragt und melde mich morgen bei Ihnen.",
        "Die Versandkosten richten sich nach dem Gewicht des Pakets.",
    ],
)
def test_a_german_compound_is_the_thing_its_last_part_names_not_an_action(reply):
    found, flags = codes(reply, language="de", actions=[Recorded("investigate")])
    assert "unbacked_claim" not in found, [f.message for f in flags]


def test_a_german_compound_whose_last_part_is_the_action_is_still_one():
    found, _ = codes("Die Rückerstattung wurde heute veranlasst.", language="de")
    assert "unbacked_claim" in found


def test_what_the_customer_paid_for_is_no_payment_of_ours():
    found, flags = codes(
        "He tramitado la baja; podrás usar el servicio hasta que acabe el periodo pagado.",
        language="es",
        actions=[Recorded("cancel")],
    )
    assert not found & {"unbacked_claim", "unsupported_promise"}, [f.message for f in flags]
    found, _ = codes("Le pagaremos 50 € por las molestias.", language="es")
    assert "unsupported_promise" in found


@pytest.mark.parametrize(
    ("language", "reply"),
    [
        ("en", "If the parcel hasn't arrived by Friday, we'll refund everything."),
        ("de", "Falls das Paket bis Freitag nicht ankommt, erstatten wir alles."),
        ("es", "Si el paquete no llega antes del viernes, le devolveremos todo."),
        ("fr", "Si le colis n'arrive pas d'ici vendredi, nous vous rembourserons intégralement."),
    ],
)
def test_a_refund_promised_on_a_negative_condition_is_a_promise_the_condition_does_not_negate(
    language, reply
):
    found, flags = codes(reply, language=language)
    assert "unsupported_promise" in found, [f.message for f in flags]


def test_what_happens_in_the_condition_is_not_our_commitment():
    statements = reading.read("If the parcel arrives damaged, we will replace it.", "en")
    assert [(s.action, s.polarity) for s in statements] == [("replace", "conditional")]
    found, _ = codes(
        "Wenn Sie das Gerät nicht zurückschicken, können wir leider nicht erstatten.",
        language="de",
    )
    assert "unsupported_promise" not in found


@pytest.mark.parametrize(
    ("language", "reply", "policy"),
    [
        (
            "en",
            "If your parcel hasn't arrived within 10 days, we'll refund it in full.",
            "If a parcel is not delivered within 10 days, we refund it in full.",
        ),
        (
            "fr",
            "Si votre colis n'est pas arrivé sous 10 jours, nous vous rembourserons.",
            "Si un colis n'est pas livré sous 10 jours, il est remboursé intégralement.",
        ),
    ],
)
def test_a_policy_that_covers_the_same_negative_condition_backs_the_promise(
    language, reply, policy
):
    found, flags = codes(reply, language=language, policies=[policy], articles=[policy])
    assert "unsupported_promise" not in found, [f.message for f in flags]


# Promises in every person and tense of the forms the reader knew (written here, 2026-12-07).
@pytest.mark.parametrize(
    ("language", "reply"),
    [
        ("fr", "Je vous propose un bon d'achat de 20 €."),
        ("fr", "Nous prendrons en charge les frais de réparation."),
        ("fr", "Le montant vous sera reversé sur votre carte."),
        ("fr", "Je m'engage à vous rappeler demain avant midi."),
        ("es", "Me comprometo a llamarle mañana antes de las 12."),
        ("es", "Nos haremos cargo de los gastos de reparación."),
        ("es", "Puedo hacerle un descuento de 10 € en la factura."),
        ("de", "Ich rufe Sie morgen vor 12 Uhr zurück."),
        ("en", "You'll enjoy a free month."),
        # an amount taken off the next bill is a discount (guards-9)
        ("en", "We will deduct the days without service from your next bill."),
        ("es", "Le descontaremos los días sin servicio en la próxima factura."),
        ("fr", "Nous déduirons les jours sans service de votre prochaine facture."),
    ],
)
def test_a_promise_in_the_first_person_singular_or_future_is_flagged_without_a_policy(
    language, reply
):
    found, flags = codes(reply, language=language)
    assert "unsupported_promise" in found, [f.message for f in flags]


@pytest.mark.parametrize(
    ("language", "reply", "policy"),
    [
        (
            "fr",
            "Je vous propose un bon d'achat de 20 €.",
            "En cas de retard de plus de 7 jours, un bon d'achat de 20 € est proposé.",
        ),
        (
            "es",
            "Nos haremos cargo de los gastos de reparación.",
            "Durante la garantía asumimos los gastos de reparación.",
        ),
        (
            "es",
            "Puedo hacerle un descuento de 10 € en la factura.",
            "Se puede aplicar un descuento de 10 € en la factura por incidencias.",
        ),
        (
            "en",
            "You'll enjoy a free month.",
            "Customers affected by the outage get one free month.",
        ),
    ],
)
def test_the_same_promises_are_backed_by_a_policy_that_makes_them(language, reply, policy):
    found, flags = codes(reply, language=language, policies=[policy], articles=[policy])
    assert "unsupported_promise" not in found, [f.message for f in flags]


# Claims in the forms Spanish and French also use (written here, 2026-12-07).
SPANISH_FRENCH_CLAIMS = [
    ("es", "El reembolso se emitió esta mañana.", "refund"),
    ("es", "Tu tarifa se cambió a la anual.", "change"),
    ("es", "Tu suscripción ya está cancelada.", "cancel"),
    ("es", "Tu cuenta ya está desbloqueada.", "reset"),
    ("es", "Ayer enviamos un equipo de sustitución.", "replace"),
    ("fr", "Je viens d'annuler la commande.", "cancel"),
    ("fr", "Votre abonnement est maintenant résilié.", "cancel"),
]


@pytest.mark.parametrize(("language", "reply", "kind"), SPANISH_FRENCH_CLAIMS)
def test_a_reflexive_or_statal_passive_or_a_recent_past_claims_the_action(language, reply, kind):
    found, flags = codes(reply, language=language)
    assert "unbacked_claim" in found, [f.message for f in flags]


@pytest.mark.parametrize(("language", "reply", "kind"), SPANISH_FRENCH_CLAIMS)
def test_the_same_claims_are_backed_by_the_recorded_action(language, reply, kind):
    actions = [Recorded(kind), Recorded("ship")] if kind == "replace" else [Recorded(kind)]
    found, flags = codes(reply, language=language, actions=actions)
    assert "unbacked_claim" not in found, [f.message for f in flags]


# Facts in forms the reader missed (written here, 2026-12-07): where the fault was, damage or loss as
# it happened, the plan the customer is on.
UNMARKED_FACTS = [
    ("en", "The fault was in the cabinet at the end of your street.", "cabinet street fault"),
    (
        "de",
        "Der Fehler lag im Verteiler am Ende Ihrer Straße.",
        "Laut Techniker lag der Fehler im Verteiler am Ende der Straße.",
    ),
    ("es", "La avería estaba en el armario de su calle.", "avería armario calle"),
    ("fr", "La panne venait de l'armoire au bout de votre rue.", "panne armoire rue"),
    ("en", "The item was damaged in our warehouse.", "item damaged warehouse"),
    ("de", "Die Ware wurde in unserem Lager beschädigt.", "Ware Lager beschädigt"),
    ("es", "El artículo se dañó en nuestro almacén.", "artículo dañó almacén"),
    (
        "fr",
        "L'article a été abîmé dans notre entrepôt.",
        "Le livreur dit que l'article a été abîmé dans l'entrepôt.",
    ),
    ("en", "You are on the Basic plan, which has no roaming.", "plan Basic roaming"),
    ("de", "Sie haben den Basistarif, der kein Roaming enthält.", "Basistarif Roaming enthält"),
    (
        "es",
        "Tiene la tarifa Básica, que no incluye itinerancia.",
        "tarifa Básica incluye itinerancia",
    ),
    ("fr", "Vous avez le forfait Essentiel, qui n'inclut pas l'itinérance.", "forfait Essentiel"),
]


@pytest.mark.parametrize(("language", "reply", "backing"), UNMARKED_FACTS)
def test_a_fault_a_damage_or_a_plan_nothing_states_is_flagged(language, reply, backing):
    found, flags = codes(reply, language=language, ticket="help please")
    assert "unsupported_fact" in found, [f.message for f in flags]


@pytest.mark.parametrize(("language", "reply", "backing"), UNMARKED_FACTS)
def test_the_same_facts_are_backed_by_the_case_that_states_them(language, reply, backing):
    found, flags = codes(reply, language=language, ticket=backing)
    assert "unsupported_fact" not in found, [f.message for f in flags]


def test_sorry_that_it_was_damaged_says_back_the_customers_report():
    found, flags = codes("I'm so sorry your parcel was damaged in transit.", language="en")
    assert "unsupported_fact" not in found, [f.message for f in flags]


@pytest.mark.parametrize(
    ("language", "reply"),
    [
        ("en", "All sorted: the money is back on your card."),
        ("de", "Das Geld ist wieder auf Ihrer Karte."),
        ("es", "El dinero ya está de vuelta en tu tarjeta."),
        ("fr", "L'argent est de nouveau sur votre carte."),
    ],
)
def test_the_money_back_on_the_card_claims_a_refund_backed_only_by_one(language, reply):
    found, flags = codes(reply, language=language)
    assert "unbacked_claim" in found, [f.message for f in flags]
    found, flags = codes(reply, language=language, actions=[Recorded("refund")])
    assert "unbacked_claim" not in found, [f.message for f in flags]


@pytest.mark.parametrize(
    "reply",
    [
        "Wie Sie schreiben, haben Sie den Artikel letzte Woche zurückgeschickt.",
        "Sie haben den Artikel bereits zurückgeschickt.",
    ],
)
def test_what_the_customer_has_done_in_german_is_no_claim_of_ours(reply):
    found, flags = codes(reply, language="de", ticket="Artikel zurückgeschickt, letzte Woche")
    assert "unbacked_claim" not in found, [f.message for f in flags]
    found, _ = codes("Wir haben den Artikel gestern verschickt.", language="de")
    assert "unbacked_claim" in found


# --- guards-8: agents' replies, a third round (written here, 2026-12-07) ---


@pytest.mark.parametrize(
    ("language", "reply", "ticket"),
    [
        ("en", "Your return arrived at our warehouse on Monday.", "return received Monday"),
        ("de", "Ihre Rücksendung ist am Montag bei uns angekommen.", "Rücksendung Montag erhalten"),
        ("es", "Su devolución llegó a nuestro almacén el lunes.", "devolución recibida lunes"),
        ("fr", "Votre retour est arrivé chez nous lundi.", "retour reçu lundi"),
    ],
)
def test_the_customers_parcel_arriving_at_us_is_no_shipment_of_ours(language, reply, ticket):
    """A return received is a fact for the case to state, not a claim that we shipped something."""
    found, flags = codes(reply, language=language, ticket=ticket)
    assert "unbacked_claim" not in found, [f.message for f in flags]
    found, _ = codes("Das Paket ist gestern bei Ihnen angekommen.", language="de")
    assert "unbacked_claim" in found  # arriving at the customer's is still our shipment


@pytest.mark.parametrize(
    ("language", "reply"),
    [
        ("es", "Según el seguimiento, su pedido ya está en reparto y le llegará hoy."),
        ("es", "El repartidor pasará mañana por la mañana."),
        ("fr", "Le livreur va repartir ce matin avec votre colis."),
    ],
)
def test_a_delivery_round_is_no_repair(language, reply):
    """ "Reparto" and "repartir" begin as "reparar" and "réparer" do; they name a delivery."""
    found, flags = codes(reply, language=language)
    assert "unbacked_claim" not in found, [f.message for f in flags]
    for language, done in (
        ("es", "Hemos reparado la avería de su línea."),
        ("fr", "Nous avons réparé votre box."),
    ):
        found, _ = codes(done, language=language)
        assert "unbacked_claim" in found, done


@pytest.mark.parametrize(
    "reply",
    [
        "Le mando la etiqueta para devolver las zapatillas de la talla 42.",
        "Le envío la etiqueta de devolución por correo electrónico.",
    ],
)
def test_the_label_for_sending_goods_back_promises_no_refund(reply):
    """ "Devolver" gives back money or goods; what a label or a form is for is the goods."""
    found, flags = codes(reply, language="es", ticket="zapatillas talla 42")
    assert "unsupported_promise" not in found, [f.message for f in flags]
    for promise in (
        "Le haremos la devolución del pedido en 5 días.",
        "Le devolveremos el importe.",
    ):
        found, _ = codes(promise, language="es")
        assert "unsupported_promise" in found, promise


@pytest.mark.parametrize(
    ("language", "reply"),
    [
        ("en", "Restart the router and wait 2 minutes before testing again."),
        ("de", "Starten Sie den Router neu und warten Sie 2 Minuten."),
        ("es", "Reinicie el router y espere 2 minutos antes de probar."),
        ("fr", "Redémarrez la box et attendez 2 minutes avant de réessayer."),
        ("en", "I'll check back with you on Friday to see how it's going."),
        ("de", "Ich melde mich am Freitag noch einmal bei Ihnen."),
        ("es", "Le vuelvo a escribir el viernes para ver cómo va."),
        ("fr", "Je vous rappelle lundi pour faire le point."),
    ],
)
def test_a_steps_wait_and_the_writers_follow_up_day_are_no_facts_of_the_case(language, reply):
    """How long a step lasts and the day the writer will be back in touch are the reply's own, as
    a step's seconds are; the case backs neither."""
    found, flags = codes(reply, language=language)
    assert "unsupported_fact" not in found, [f.message for f in flags]
    for stated in (
        "It was lovely to chat with you on Monday.",
        "Your parcel arrives on Friday.",
        "I'll call you on Friday, after the engineer's visit on Monday.",
    ):
        found, _ = codes(stated, language="en")
        assert "unsupported_fact" in found, stated


def test_asking_the_courier_is_an_investigation_not_a_shipment():
    reply = "I've asked the courier to open a trace; they usually answer within 2 working days."
    found, flags = codes(reply, language="en", actions=[Recorded("investigate")])
    assert "unbacked_claim" not in found, [f.message for f in flags]
    found, _ = codes("We have handed your parcel to the courier.", language="en")
    assert "unbacked_claim" in found
    found, _ = codes("A courier will pick it up tomorrow.", language="en")
    assert "unsupported_promise" in found


def test_a_statement_about_the_account_keeps_its_amount_and_ends_where_a_new_clause_begins():
    said = {f.value for f in facts.facts_in("I can see two charges of $12.99 on 3 March.")}
    assert "two charges of $12.99 on 3 March" in said
    said = {
        f.value for f in facts.facts_in("Votre commande est annulée et vous ne serez pas débité.")
    }
    assert "Votre commande est annulée" in said


def test_a_return_the_account_records_backs_the_reply_in_its_own_words():
    """Pronouns are no content: "bei uns" does not keep the account's record from backing it."""
    assert facts.stems("bei uns angekommen") == ["angek"]
    assert facts.stems("arrivé chez nous") == ["arriv"]
    assert facts.stems("nos llegó a nosotros") == ["llego"]
    found, flags = codes(
        "Ihre Rücksendung ist am Montag bei uns angekommen.",
        language="de",
        ticket="Rücksendung eingegangen Montag",
    )
    assert "unsupported_fact" not in found, [f.message for f in flags]


# --- guards-9: a sixth round of replies (written here, 2026-12-07) ---
def test_a_number_written_as_a_word_is_the_cases_digit_and_auxiliaries_are_no_content():
    """A number word is the case's digit ("trois tentatives", "3 tentatives"); "était",
    "había", "gewesen" are read folded, as the text is, and say nothing of the case."""
    assert facts.stems("était été había für gewesen") == []
    found, flags = codes(
        "Votre compte était bloqué après trois tentatives ratées, je l'ai débloqué.",
        language="fr",
        actions=[Recorded(kind="reset", note="compte débloqué")],
        ticket="Compte bloqué après 3 tentatives. je n'arrive plus à me connecter à mon compte",
    )
    assert "unsupported_fact" not in found, [f.message for f in flags]
    found, _ = codes(
        "Votre compte était bloqué après trois tentatives ratées.",
        language="fr",
        ticket="je n'arrive plus à me connecter",
    )
    assert "unsupported_fact" in found


@pytest.mark.parametrize(
    ("language", "reply", "article"),
    [
        (
            "es",
            "La diferencia se descontará en su próxima factura.",
            "Cuando se corrige una lectura, la diferencia se descuenta en la factura siguiente.",
        ),
        (
            "fr",
            "Le montant sera déduit de votre prochaine facture.",
            "Le montant du bon est déduit de la facture suivante.",
        ),
        (
            "en",
            "The unused days will be deducted from your next bill.",
            "Unused days are deducted from the next bill after a plan change.",
        ),
        (
            "en",
            "As your order arrived late, we'll refund the delivery fee.",
            "When an order arrives after the promised day, the delivery fee is refunded.",
        ),
    ],
)
def test_a_published_article_that_makes_the_commitment_backs_it(language, reply, article):
    """An article is the company's own published word: what it says is done backs the reply
    that says it will be done (guards-9), as a policy does."""
    found, flags = codes(reply, language=language, articles=[article])
    assert "unsupported_promise" not in found, [f.message for f in flags]
