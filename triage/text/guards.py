"""The guards' rules: plain functions over a reply's (masked) text and the evidence about its
ticket, no database. ``triage.pipeline.guard`` runs them on every draft from any engine and on
what a reviewer sends.

- unbacked_claim: a sentence says an action was taken (refunded, credited, cancelled,
  escalated, reset, "I've checked", an amount of money) and no recorded TicketAction backs it.
- unsupported_promise: a promise (refund, credit, discount, a deadline) that no retrieved
  policy supports; amounts and percentages must appear in that policy.
- internal_shorthand: internal ticket ids, queues, tools or jargon.
- internal_text: guidance written for agents ("agents must not promise…", "only the Escalations
  team may approve…"), in en/de/es/fr: a passage of an article meant for the team, not the
  customer (articles mark such passages internal and drafts never get them; this catches the rest).
- unsupported_fact: a case-specific fact (a time, date, amount, count, order number, a named
  cause, a statement about the customer's account or a service event) that nothing known about
  this case backs: the thread, the account, a recorded action, a knowledge article or policy
  (``triage.text.facts``). Another customer's reply backs nothing.
- unsafe_output: HTML in the text, links outside the allowed domains, placeholders that belong
  to another ticket's masked data.
Every flag blocks auto-send and is shown to the reviewer first.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from urllib.parse import urlparse

from triage.text import facts, reading
from triage.text.language import detect_language
from triage.text.pii import PLACEHOLDER
from triage.text.placeholders import is_foreign_placeholder

GUARDS_VERSION = "guards-10"
GUARD_CODES = frozenset(
    {
        "unbacked_claim",
        "unsupported_promise",
        "unsupported_fact",
        "internal_shorthand",
        "internal_text",
        "unsafe_output",
    }
)


@dataclass(frozen=True)
class Recorded:
    """An action recorded on the ticket: what backs a claim."""

    kind: str
    amount: str = ""
    note: str = ""


SHORTHAND = re.compile(
    r"\b(?:INC-\d+|FR-\d+|JIRA-?\d*|L[123] (?:queue|support|team)|T[123] "
    r"queue|tier[- ]?[123] queue|billing console|admin panel|internal "
    r"note|runbook|macro|escalations? queue|on-?call|slack|#[a-z][\w-]+|suppression list|sev "
    r"?[0-4]|p[0-4] incident)\b",
    re.IGNORECASE,
)
HTML = re.compile(r"<\s*/?\s*[a-z][a-z0-9]*(?:\s[^<>]*)?>", re.IGNORECASE)
URL = re.compile(
    r"\b(?:https?://[^\s<>()]+|www\.[^\s<>()]+|[a-z0-9-]+(?:\.[a-z0-9-]+)+/[^\s<>()]*)",
    re.IGNORECASE,
)
BARE_DOMAIN = re.compile(
    r"\b(?:[a-z0-9-]+\.)+(?:com|net|org|io|co|example|de|es|fr|ly)\b", re.IGNORECASE
)


@dataclass(frozen=True)
class Flag:
    code: str
    message: str
    quote: str = ""

    def as_dict(self) -> dict:
        return asdict(self)


def sentences(text: str) -> list[str]:
    """The sentences the guards read: slots and placeholders left out (the reviewer fills them)."""
    return facts.sentences(facts.SLOT.sub(" ", text))


def _recorded(actions: Iterable[Recorded | str]) -> list[Recorded]:
    return [a if isinstance(a, Recorded) else Recorded(kind=a) for a in actions]


def _backing_actions(statement: reading.Statement, recorded: list[Recorded], language: str):
    """The recorded actions that back a statement of this kind: the same kind (or one that does the
    same thing: a voucher is a credit), or a note that names it ("Caution débloquée" on a
    refund)."""
    kinds = reading.BACKED_BY.get(statement.action, frozenset()) | {statement.action}
    if statement.action == "investigate":
        return recorded  # any recorded action was preceded by a look at the case
    return [
        a
        for a in recorded
        if a.kind in kinds
        # a note on an action taken, or a check's note that says it was done ("bonus credited
        # yesterday"), not one that names it as a topic ("asked about the meter change")
        or (
            a.kind != "investigate"
            and statement.action in {k for _, k in reading.kinds_in_text(a.note, language)}
        )
        or (
            a.kind == "investigate"
            and statement.action in reading.kinds_done_in_text(a.note, language)
        )
    ]


def _amount_backed(statement: reading.Statement, backing: list[Recorded]) -> bool:
    money = [a for a in statement.amounts if not a.endswith("%")]
    recorded = [reading.normal_amount(a.amount) for a in backing if a.amount]
    if not money or not recorded:
        return True
    most = max(float(r) for r in recorded)
    return all(float(m) <= most + 0.005 or m in recorded for m in money)


def check_claims(
    text: str,
    actions: Iterable[Recorded | str],
    *,
    language: str = "en",
    case_text: str = "",
) -> list[Flag]:
    """Each sentence that says an action was done (any grammatical form, en/de/es/fr) and no
    recorded action of that kind backs it, or for a larger amount than was recorded. A clause
    without a first-person subject about what the customer says has happened ("thanks for
    confirming the refund arrived") reports the customer's words, not something we did."""
    recorded = _recorded(actions)
    # What the customer says has happened ("my refund arrived this morning"), by the words that
    # name it: "my card was blocked" tells nothing of an unblocking.
    told: dict[str, set[str]] = {}
    for said in reading.read(case_text, language):
        if said.kind == "claim":
            told.setdefault(said.action, set()).update(
                reading.action_words(said.clause, said.action, language)
            )
    flags = []
    # Per sentence the most telling claim first: "we checked and swapped the unit" is a swap.
    statements = sorted(reading.read(text, language), key=lambda s: s.action == "investigate")
    for statement in statements:
        if statement.kind != "claim":
            continue
        if (
            statement.action in told
            and not reading.by_us(statement.clause)
            and told[statement.action]
            & reading.action_words(statement.clause, statement.action, language)
        ):
            continue
        backing = _backing_actions(statement, recorded, language)
        if not backing:
            reason = (
                f"Claims {statement.what} was done; no such action is recorded on the ticket."
                if statement.action != "investigate"
                else "Claims the case was checked; nothing is recorded on the ticket."
            )
        elif not _amount_backed(statement, backing):
            reason = (
                f"Claims {statement.what} of {', '.join(statement.amounts)}; the recorded one is "
                f"{', '.join(a.amount for a in backing if a.amount)}."
            )
        else:
            continue
        flags.append(Flag("unbacked_claim", reason, statement.sentence))
    return _one_per_sentence(flags)


def _one_per_sentence(flags: list[Flag]) -> list[Flag]:
    seen, out = set(), []
    for flag in flags:
        if (flag.code, flag.quote) not in seen:
            seen.add((flag.code, flag.quote))
            out.append(flag)
    return out


def _family(action: str) -> frozenset[str]:
    return reading.BACKED_BY.get(action, frozenset()) | {action}


def check_promises(
    text: str,
    policy_texts: Iterable[str],
    *,
    language: str = "en",
    actions: Iterable[Recorded | str] = (),
    sources: Iterable[str] = (),
    evidence_amounts: Iterable[str] = (),
) -> list[Flag]:
    """Each commitment of money or goodwill (refund, credit, discount, free months, a waived
    charge, a payment) that no policy or published article makes with the same polarity and
    amounts, and each deadline that no policy or article states. A commitment of a recorded action
    is backed (its timeline still needs a source). ``sources``: the articles and policies (an
    article is the company's own published word: "the amount is deducted from the next bill");
    ``evidence_amounts``: the amounts the ticket and account state (the customer's price)."""
    policies = list(policy_texts)
    terms = reading.read_policy([*policies, *(s for s in sources if s not in policies)], language)
    recorded = _recorded(actions)
    source_text = " ".join([*policies, *sources, *(a.note for a in recorded)])
    source_periods = set(reading.periods_in(source_text))
    source_folded = reading.fold(source_text)
    known_amounts = set(evidence_amounts) | set(reading.amounts_in(source_text))
    flags = []
    for statement in reading.read(text, language):
        if statement.kind != "commitment" or statement.polarity in ("will_not", "cannot"):
            continue
        reason = ""
        if statement.action in reading.PROMISE_KINDS:
            reason = _policy_reason(statement, terms, recorded, known_amounts)
        if not reason and (statement.periods or statement.deadline):
            missing = [p for p in statement.periods if p not in source_periods]
            if missing or (
                statement.deadline
                and not statement.periods
                and not reading.deadline_backed(statement.sentence, source_folded)
            ):
                reason = f"Promises a time for {statement.what} that no policy or article states."
        if reason:
            flags.append(Flag("unsupported_promise", reason, statement.sentence))
    return _one_per_sentence(flags)


_CASH = frozenset({"refund", "pay"})
_GOODWILL = frozenset({"credit", "free", "discount", "waive"})
# A free month or a free service is a thing of its own: a policy that grants a credit of some
# amount ("5 € per day of outage") does not back "we offer you the month of March".
_PROMISE_FAMILIES = (
    {kind: _CASH for kind in _CASH}
    | {kind: _GOODWILL for kind in _GOODWILL}
    | {"free": frozenset({"free", "waive"})}
)


def _policy_reason(
    statement: reading.Statement,
    terms: list[reading.PolicyTerm],
    recorded: list[Recorded],
    known_amounts: set[str],
) -> str:
    family = _family(statement.action)
    if any(a.kind in family for a in recorded):
        return ""  # "we'll refund the £12" with the refund recorded
    # A policy backs a commitment of its own kind: money back (refund, payment) or goodwill
    # (credit, voucher, discount, a waived charge), not one for the other; free months only by
    # free months or a waived charge.
    kin = _PROMISE_FAMILIES.get(statement.action, frozenset({statement.action}))
    matching = [t for t in terms if t.action in kin]
    if not matching:
        return f"Promises {statement.what}; no policy or article given with the draft offers it."
    if all(t.negative for t in matching):
        return (
            f"Promises {statement.what}; the policy says it is not given: “{matching[0].sentence}”"
        )
    allowed = {a for t in matching if not t.negative for a in t.amounts} | known_amounts
    extra = [a for a in statement.amounts if a not in allowed]
    if extra:
        return (
            f"Promises {statement.what} of {', '.join(extra)}; the policy says "
            f"“{next(t for t in matching if not t.negative).sentence}”"
        )
    return ""


def check_facts(
    text: str,
    evidence: facts.Evidence,
    *,
    skip: Iterable[str] = (),
    judged: dict[str, set[str]] | None = None,
) -> list[Flag]:
    """Each case-specific fact nothing known about this case backs, except in the sentences
    ``skip`` and the numbers ``judged`` gives per sentence (a claim's amount, a commitment's
    period: a recorded action or a policy backs those, and their own flag says so)."""
    return [
        Flag(
            "unsupported_fact",
            f"States {_FACT_NAMES[fact.kind]} “{fact.value}” in words taken from another "
            f"customer's ticket ({', '.join(fact.borrowed)}) that nothing about this ticket "
            f"states (in: “{fact.sentence[:160]}”). It needs {facts.WHAT_BACKS[fact.kind]}."
            if fact.borrowed
            else f"States {_FACT_NAMES[fact.kind]} “{fact.value}” that nothing about this ticket "
            f"backs (in: “{fact.sentence[:160]}”). It needs {facts.WHAT_BACKS[fact.kind]}; "
            f"another customer's reply does not count.",
            fact.value,
        )
        for fact in facts.unbacked(text, evidence, skip=skip)
        if reading.normal_amount(fact.value) not in (judged or {}).get(fact.sentence.strip(), ())
    ]


_FACT_NAMES = {
    "number": "a number",
    "count": "a count",
    "date": "a date",
    "cause": "a cause",
    "account": "something about the customer's account",
    "event": "an event",
}


INTERNAL = re.compile(
    r"\b(?:agents?|support staff|reps?) (?:must|should|may|can) ?(?:not|never)\b|\bonly the "
    r"[\w -]{1,30} team (?:may|can|is allowed to|must)\b|\bdo not (?:tell|promise|mention|offer) "
    r"(?:this )?(?:to )?(?:the )?customers?\b|\b(?:internal only|for internal use|not for "
    r"customers|never tell the customer)\b|"
    r"\b(?:agenten|mitarbeiter(?:innen)?) dürfen (?:nicht|keine?)\b|\bnur das [\w -]{1,30}team "
    r"darf\b|\bnur (?:für den )?intern(?:en gebrauch)?\b|"
    r"\blos agentes no (?:deben|pueden)\b|\bsolo el equipo (?:de )?[\w -]{1,30} puede\b|\b(?:de "
    r"|para )?uso interno\b|"
    r"\bles agents ne (?:doivent|peuvent) pas\b|\bseule l'équipe [\w' -]{1,30} peut\b|\b(?:à )?"
    r"usage interne\b",
    re.IGNORECASE,
)
# "Les clients abonnés avant 2022 …", "los clientes que …", "les clients résidant en …": a rule
# about every customer, as a policy states it, not a note about this one.
_GENERIC = (
    r"(?!(?<=s) (?:que|qui|dont|con|avec|cuy[oa]s?|"
    r"\w+(?:és|ées|ados|idos|adas|idas|ant|ants|antes|entes))\b)"
)
_THIRD_PERSON = "speaks of the customer in the third person"
_NOT_TO_SAY = "tells the writer what not to say"
# Nothing after a verb but punctuation or the end: "… before sending]", "avant envoi."
_NO_OBJECT = r"(?=\s*(?:[^\w\s]|$))"
_TO_AGENTS = "addresses agents"
_BEFORE_SENDING = "tells the writer what to do with the reply"
_EDIT_THE_REPLY = re.compile(r"delete|remove|löschen|borrar|supprimer|remplacer", re.IGNORECASE)
# Text written for staff, by its shape rather than its words: it speaks of the customer in the third
# person (a reply says "you"), addresses agents, says it is internal, tells the writer what to do
# with the reply before it goes, or leaves a template's blank unfilled.
_STAFF_STRONG = [
    (
        _THIRD_PERSON,
        re.compile(
            r"\b(?:the|this|that) (?:customer|guest|client|caller|passenger)(?:'s|s)?\b|"
            r"\b(?:to|with) (?:the )?guests?\b|\b\w+-tier customers\b|"
            r"\b(?:der|dem|den|die) (?:kunde|kundin|kunden|gast|gäste)\b|"
            r"\b(?:gegenüber|an) (?:gästen|kunden|kundinnen)\b|"
            r"\b(?:el|al|del|la|los) (?:cliente|clientes|huésped|pasajero)\b"
            r"(?! (?:puede|pueden|podrá|podrán)\b)"
            rf"{_GENERIC}|\b(?:le|au|du|la|les|aux) (?:client|cliente|clients|voyageur)\b"
            rf"(?! (?:peut|peuvent|pourra|pourront)\b){_GENERIC}",
            re.IGNORECASE,
        ),
    ),
    (
        _TO_AGENTS,
        re.compile(
            r"\b(?:note|reminder|hinweis|nota|rappel|memo)(?: (?:to|for|für|para|aux|pour))?"
            r"(?: the| los| les)? (?:agents?|agentes|agenten)\b|\b(?:agents?|agentes|agenten) "
            r"(?:are|is|were) (?:allowed|permitted|not|only)|\b(?:agents?|agentes|agenten|"
            r"mitarbeiter) (?:must|should|may|can(?:not|'t)?|never|dürfen|müssen|sollen|deben|"
            r"pueden|tienen|doivent|peuvent|ne)\b|^\W*(?:agents?|agentes|agenten)\s?:",
            re.I,
        ),
    ),
    (
        # A note that opens on the customer ("Customer: VIP, third complaint"); "Usuario:" is the
        # product's user name, as "the user" is its user.
        "is a note for the team",
        re.compile(
            r"^\W*(?:nb|n\.b\.|fyi|note|notiz|nota|memo)\b[^:]{0,30}(?:team|équipe|equipo|agent|"
            r"kolleg|colleg|compañer)\w*\s?:|(?:^|:\s*)(?:customer|guest|client|kunde|kundin|"
            r"cliente)\b(?! (?:service|care|support|relations|team))",
            re.I,
        ),
    ),
    (
        # The text marked internal: a label ("Intern:", "Internal note –"), a bracket, a note.
        # "An internal error", "our internal team", "le disque interne" are things, not marks.
        "says it is internal",
        re.compile(
            r"^\W*(?:internal|intern|interne[rnms]?|interno|interna)\b[^:.!?]{0,30}:|"
            r"[\[(]\s*(?:internal|intern|interne?|interno|interna)\b|"
            r"\b(?:internal|interne[rnms]?|interno|interna) (?:note|notes|memo|comment|hinweis|"
            r"notiz|vermerk|nota|notas|comentario|remarque|commentaire)\b|"
            r"\b(?:note|nota|notiz|memo|remarque) (?:interne|interna)\b",
            re.I,
        ),
    ),
    (
        # What to do with the reply itself: the writer's. "Before sending it back" and "vor dem
        # Versand" speak of a parcel; only sending without an object, or the reply, is. A form's
        # instruction to the reader ("prüfen Sie Ihre Angaben vor dem Absenden", "vérifiez vos
        # coordonnées avant d'envoyer") sends their own text.
        _BEFORE_SENDING,
        re.compile(
            rf"\b(?:(?:before sending|antes de enviar|avant (?:l'\s?)?envoi|avant d'envoyer)"
            rf"{_NO_OBJECT}|vor dem (?:ab)?senden\b|before sending (?:this|the (?:reply|e-?mail|"
            rf"mail|message|answer|response))\b|(?:delete|remove) this (?:line|note|paragraph|part|"
            rf"sentence|section|comment|reminder|bit){_NO_OBJECT}|delete this{_NO_OBJECT}|"
            rf"zeile löschen|borrar esta (?:línea|nota|frase)|supprimer cette (?:ligne|mention|"
            rf"note|phrase)|remplacer \[)",
            re.IGNORECASE,
        ),
    ),
    (
        # What not to say: the writer's when nobody is addressed; "please don't tell anyone
        # your PIN", "ne pas communiquer votre code" is advice to the reader.
        _NOT_TO_SAY,
        re.compile(
            r"\b(?:do ?n[o']?t (?:mention|tell|say)|nicht (?:\w+ ){0,4}(?:erwähnen|"
            r"kommunizieren|nennen|sagen)|no (?:enviar|mencionar|ofrecer|decir)|ne pas "
            r"(?:mentionner|communiquer|dire|envoyer))\b",
            re.IGNORECASE,
        ),
    ),
    ("leaves a template's blank unfilled", re.compile(r"\[[A-Z][A-Z]+(?:_[A-Z]+)+\]")),
]
# The customer's word inside the name of a service, a place or a field ("customer assistance
# hours", "enter the customer name", "the user interface", "línea de atención del cliente",
# "numéro client"), or the customer as an idea ("la satisfacción del cliente", "la confiance du
# client"): a thing, not the customer spoken of.
_SIGN_OFF = re.compile(
    r"\b(?:(?:customer|client|user|guest) (?:service|care|relations|support|team|assistance|"
    r"hours|portal|area|account|number|name|names|id|interface|centre|center|desk|hotline)|"
    r"(?:atención|servicio|línea|área|portal|espacio|zona|"
    r"número|nombre|datos|satisfacción|experiencia|confianza|privacidad|protección|derechos|"
    r"opinión|voz) (?:al|del|de(?: los)?) clientes?|(?:satisfaction|expérience|confiance|"
    r"protection|droits|voix) (?:du|des) clients?|service client[èe]le|(?:service|"
    r"relation|espace|compte|numéro|nom|portail) clients?|área de clientes?|kundenservice|"
    r"kundendienst)\b",
    re.IGNORECASE,
)
# A code from a staff tool or a reference: capitals and digits joined by dashes.
_ID = r"[A-Z][A-Z0-9]*(?:-[A-Z0-9]+)+"
# Weak signs of a note, two needed: the sentence's layout (a label opening it, "NOTE TO AGENT:",
# "Macro FACT-12 :", or an aside in brackets), a sentence that opens in brackets, a named queue or a
# level ("Queue Billing-DE", "N2"; "en cola" is the reader's wait), and a numbered code from a
# staff tool ("RISK-L2", "HOT-IT-448"). A label and an aside count once together: a reply laid out
# as fields does both ("Plazo de devolución: 30 días (desde la entrega).", "Delivery: 2-3 working
# days (after payment)."). A code without a digit is more often a standard or a product's name
# than a tool's ("USB-C", "LTE-A").
_STAFF_LAYOUT = (
    re.compile(r"^\W*(?:[\w-]+\s){0,3}[\w-]+\s?:\s"),
    # an aside within the sentence; a link's address is none ("[here](https://…)")
    re.compile(r"(?<=\S)\s*[\[(](?!\s*(?:https?://|www\.))[^\])]{12,}[\])]"),
)
_QUEUE = re.compile(
    r"\b(?:(?:queue|cola|warteschlange|file d'attente)\s+(?-i:[A-Z])[\w-]*|N[123]|L[123]|"
    r"tier[- ]?[123])\b",
    re.I,
)
_STAFF_WEAK = [
    re.compile(r"^\s*[\[(](?![^\])]*\]\()"),
    _QUEUE,
    re.compile(rf"\b(?=[A-Z0-9-]*\d){_ID}\b"),
]


# Customers in the plural ("offers for the customers on fibre", "los clientes de fibra", "aux
# clients Fibre", "die Zufriedenheit der Kunden") are a rule about many, not a note about this one.
# (What staff write about customers in the plural is listed as such.) A sentence that also speaks
# to the reader is no exception: "you can offer the customer a voucher" is guidance for an agent.
_PLURAL_CUSTOMERS = re.compile(
    r"(?:customers|guests|clients|callers|passengers|users|clientes|usuarios|huéspedes|pasajeros|"
    r"voyageurs|(?:die|der) (?:kunden|gäste))$",
    re.IGNORECASE,
)
_STAFF_PLURAL = re.compile(
    r"-tier customers|^(?:gegenüber|an) |^(?:to|with) (?:the )?guests", re.IGNORECASE
)


# "Speaking with an agent can help", "so the agent can better assist you", "our agents can call
# you back": an agent the reader deals with, not agents told what they may do. Staff rules speak
# of "the customer", not "you".
_AGENT_AS_OBJECT = re.compile(
    r"\b(?:with|to|from|by|via|through|mit|von|con|por|avec|à|par)\s+(?:(?:an?|the|one of|our|"
    r"einem|einer|dem|den|unsere[mnr]?|una?|el|la|los|nuestros?|une?|le|les|nos)\s+)?(?:\w+\s+)?$|"
    r"\b(?:our|unsere[n]?|nuestr[oa]s|nos)\s+(?:\w+\s+)?$",
    re.IGNORECASE,
)
_READER = re.compile(
    r"\b(?:you|your|yours|usted|ustedes|vous|votre|vos)\b|\b(?:Ihnen|Ihre?[mnrs]?|Sie)\b"
)
# The reader's things ("your", "su clave", "tu contraseña", "dein Passwort"; German's formal "Ihr"
# only with its capital), and the reader addressed.
_READERS = r"your|votre|vos|su|sus|tu|tus|ton|ta|tes|dein\w*"
_SPEAKS_TO_READER = re.compile(
    rf"(?i:\b(?:you|yours|usted|ustedes|vous|te|dich|dir|{_READERS})\b)|\b(?:Ihnen|Ihre?[mnrs]?|Sie)\b"
)


def _clause_after(body: str, match: re.Match) -> str:
    return re.split(r"[.;:!?]", body[match.end() :], maxsplit=1)[0]


def _agent_for_the_reader(body: str, match: re.Match) -> bool:
    """A modal after "agent(s)" (see _STAFF_STRONG) that speaks of an agent the reader meets."""
    if not re.match(r"\W*(?:agents?|agentes|agenten|mitarbeiter)\b", match.group(0), re.I):
        return False  # "Note to agents", "Agents:": a label, whatever follows
    return bool(
        _AGENT_AS_OBJECT.search(body[: match.start()]) or _READER.search(_clause_after(body, match))
    )


def _of_this_customer(match: re.Match) -> bool:
    """A third-person mention that is about this customer (see _PLURAL_CUSTOMERS)."""
    said = match.group(0)
    if _STAFF_PLURAL.search(said):
        return True
    return not _PLURAL_CUSTOMERS.search(said)


# The customer's word capitalised after a capitalised word and "del", "al", "du", "au" (or "con
# el", "avec le"): the name of an office or a service ("el Defensor del Cliente", "Servicio de
# Atención al Cliente", "Oficina de Relación con el Cliente", "Médiateur du Client"), not the
# customer spoken of; German capitalises every noun, so only these articles.
_NAME_LINKS = frozenset("de del al con y el la du au avec et le".split())


def _in_a_name(body: str, match: re.Match) -> bool:
    words = match.group(0).split()
    article = words[0].lower()
    if article not in ("del", "al", "du", "au", "el", "le") or not words[-1].istitle():
        return False
    before = body[: match.start()].split()
    if article in ("el", "le") and (not before or before[-1].lower() not in ("con", "avec")):
        return False
    while before and before[-1].lower() in _NAME_LINKS:
        before.pop()
    # not the sentence's first word, capitalised as every first word is ("Informe al Cliente …")
    return len(before) >= 2 and before[-1].istitle()


# Agents who cannot do something to the reader's things, or the one team that can: "for your
# security, agents cannot see your card details", "los agentes no pueden ver los datos de su
# tarjeta", "only the billing team can change your plan, so I've passed it on", "nur das
# Technikteam darf Ihren Anschluss umstellen". A rule for agents names no reader: "Agents must not
# promise such a refund.", "Solo el equipo de escalado puede aprobarlo."
_AGENTS_RULE = re.compile(
    r"\W*(?:(?:los|les)\s+)?(?:agents?|support staff|reps?|agentes|agenten|mitarbeiter)\b|"
    r"\W*(?:only the|solo el|nur das|seule l['’])",
    re.I,
)


def _rule_for_the_readers_sake(body: str, match: re.Match) -> bool:
    return bool(
        _AGENTS_RULE.match(match.group(0)) and _SPEAKS_TO_READER.search(_clause_after(body, match))
    )


# A rule cited from its source ("Según nuestras condiciones, el cliente tiene derecho a …", "Under
# our terms, the customer is entitled to …", "Nach unseren AGB hat der Kunde …"): the customer it
# names is the rule's party, told to the reader. An internal source is a note's ("Gemäß interner
# Kulanzrichtlinie …", "según el protocolo interno …").
_CITED_RULE = re.compile(
    r"^\W*(?:según|de acuerdo con|conforme a|under|according to|as per|in line with|nach|gemäß|"
    r"laut|selon|conformément à|d'après|d’après)\s(?:(?!intern)[^,:]){1,80}[,:]\s",
    re.IGNORECASE,
)


def _staff_reason(sentence: str, evidence: str) -> str:
    body = _SIGN_OFF.sub(" ", sentence)
    if any(not _rule_for_the_readers_sake(body, m) for m in INTERNAL.finditer(body)):
        return "reads like guidance for agents"
    for reason, pattern in _STAFF_STRONG:
        for match in pattern.finditer(body):
            if match.group(0).lower() in evidence:
                continue
            if reason == _THIRD_PERSON and (
                not _of_this_customer(match)
                or _in_a_name(body, match)
                or (rule := _CITED_RULE.match(body)) is not None
                and match.start() >= rule.end()
            ):
                continue
            if reason == _TO_AGENTS and _agent_for_the_reader(body, match):
                continue
            if (
                reason == _BEFORE_SENDING
                and not _EDIT_THE_REPLY.search(match.group(0))
                and _SPEAKS_TO_READER.search(body)
            ):
                continue
            if reason == _NOT_TO_SAY and _SPEAKS_TO_READER.search(body):
                continue
            return reason

    def signed(pattern: re.Pattern) -> bool:
        return any(_staff_sign(m, body, evidence) for m in pattern.finditer(body))

    weak = any(signed(p) for p in _STAFF_LAYOUT) + sum(signed(p) for p in _STAFF_WEAK)
    return "reads like a note for staff" if weak >= 2 else ""


# A reference cited the way customers and agents both cite one: an id in brackets after the word
# for what it is, mid-sentence ("(order SO-44120)", "(Auftrag AU-5521)", "(intervention INT-7712)";
# a sentence that opens in brackets is still marked: "[Macro REF-12] …"), or a field
# that holds nothing but an id ("Reference for this conversation: CS-20931."). The id may still
# be a sign; its brackets or its label are not a second one.
_CITED_REFERENCE = re.compile(rf"[\[(](?:[^\W\d][\w'’.°º-]*\s+){{0,3}}{_ID}[\])]")
_FIELD_OF_AN_ID = re.compile(rf"^\W*(?:[\w-]+\s){{0,4}}[\w-]+\s?:\s*{_ID}\W*$")


def _staff_sign(match: re.Match, body: str, evidence: str) -> bool:
    """A weak sign that is not the customer's: not in the ticket, not an id handed to the reader
    ("Ihre Vorgangsnummer VG-40193"), not a label addressed to them ("Votre numéro de retour :"),
    not the brackets or the label of a cited reference (_CITED_REFERENCE)."""
    said = match.group(0)
    if said.lower() in evidence or _GIVEN_TO_READER.search(body[: match.start()]):
        return False
    cited = _CITED_REFERENCE.fullmatch(said.strip()) and not _QUEUE.search(said)
    if body[: match.start()].strip() and cited:
        return False  # a reference cited mid-sentence; a sentence opening in brackets still counts
    if said.rstrip().endswith(":") and _FIELD_OF_AN_ID.match(body):
        return False
    return not (said.rstrip().endswith(":") and _SPEAKS_TO_READER.search(said))


# A slot, or the part of one a sentence holds ("[confirm: … side." ends before its "]").
_CONFIRM = re.compile(r"\[confirm:[^\]]*(?:\]|$)|^[^\[]*\]")


def check_internal(text: str, *, evidence: Iterable[str] = ()) -> list[Flag]:
    """Text meant for staff left in a reply: agents' notes, internal rules, macro instructions,
    unfilled template blanks (en/de/es/fr). What the ticket itself says is not a leak."""
    known = " ".join(evidence).lower()
    flags = []
    for sentence in facts.sentences(text):  # template blanks stay in: they are the leak
        # a "[confirm: …]" slot is the reviewer's to fill, flagged as such (confirm_slots)
        reason = _staff_reason(_CONFIRM.sub(" ", sentence), known)
        if reason:
            flags.append(
                Flag(
                    "internal_text",
                    f"Text meant for staff, not the customer ({reason}): remove it.",
                    sentence,
                )
            )
    return flags


def check_shorthand(text: str, *, evidence: Iterable[str] = ()) -> list[Flag]:
    """Internal ids, queues and tools; an id the ticket, account or an action states is the
    customer's own reference (their invoice, their claim number)."""
    known = " ".join(evidence).lower()
    return [
        Flag("internal_shorthand", f"Mentions internal shorthand “{m.group(0)}”.", m.group(0))
        for m in SHORTHAND.finditer(text)
        if m.group(0).lower() not in known and not _GIVEN_TO_READER.search(text[: m.start()])
    ]


# An id or a tool given to the reader as theirs: "your return number is RMA-55821", "Ihre neue
# Vorgangsnummer: VG-40193", "votre dossier DOS-1182", "in your admin panel". Only what the reply
# does not hand over is shorthand.
_GIVEN_TO_READER = re.compile(
    rf"(?:(?i:\b(?:{_READERS})\b)|\bIhre?[mnrs]?\b)(?:\s+[^\W\d][\w'’-]*){{0,5}}\s*:?\s*$"
)


def check_output(
    text: str, allowed_placeholders: set[str], *, allowed_domains: Iterable[str] = ()
) -> list[Flag]:
    flags = []
    for match in HTML.finditer(text):
        if is_foreign_placeholder(match.group(0)):
            continue  # another helpdesk's blank (<name>): the composer asks for it to be filled
        flags.append(
            Flag("unsafe_output", "Contains HTML; replies are plain text.", match.group(0))
        )
    allowed = {d.lower() for d in allowed_domains}
    for match in [*URL.finditer(text), *BARE_DOMAIN.finditer(text)]:
        value = match.group(0)
        host = (urlparse(value if "://" in value else f"http://{value}").hostname or "").lower()
        if (
            host
            and not any(host == d or host.endswith("." + d) for d in allowed)
            and "@" not in text[max(0, match.start() - 1) : match.start()]
        ):
            flags.append(
                Flag("unsafe_output", f"Links to {host}, which is not an allowed domain.", value)
            )
    for match in PLACEHOLDER.finditer(text):
        if match.group(0) not in allowed_placeholders:
            flags.append(
                Flag(
                    "unsafe_output",
                    "Contains a placeholder from another ticket's masked data.",
                    match.group(0),
                )
            )
    return _dedupe(flags)


def _dedupe(flags: list[Flag]) -> list[Flag]:
    seen, unique = set(), []
    for flag in flags:
        key = (flag.code, flag.quote)
        if key not in seen:
            seen.add(key)
            unique.append(flag)
    return unique


def _facts_beside(
    text: str,
    evidence: facts.Evidence,
    language: str,
    *,
    internal: list[Flag],
    claims: list[Flag],
) -> list[Flag]:
    """The fact flags, less what another flag already judges: text meant for staff is removed
    whole, and the amount or period of a claim or commitment is judged with it (a recorded action
    or a policy backs it, not the ticket)."""
    judged: dict[str, set[str]] = {}
    claimed = {f.quote for f in claims}
    # A clause that claims an unrecorded action is flagged as such: its date, its account
    # wording ("Votre dossier a été transmis…") are the claim, not another fact.
    clauses = [
        s.clause
        for s in reading.read(text, language)
        if s.kind == "claim" and s.sentence in claimed and s.clause
    ]
    for statement in reading.read(text, language):
        numbers = judged.setdefault(statement.sentence, set())
        numbers |= {a.removesuffix("%") for a in statement.amounts}
        numbers |= {m.group("n") for m in reading.PERIOD.finditer(statement.sentence)}
    return [
        f
        for f in check_facts(text, evidence, skip={f.quote for f in internal}, judged=judged)
        if not any(f.quote and f.quote in clause for clause in clauses)
    ]


def run_guards(
    text: str,
    *,
    actions: Iterable[Recorded | str],
    policy_texts: Iterable[str],
    allowed_placeholders: set[str],
    evidence: Iterable[str] = (),
    allowed_domains: Iterable[str] = (),
    sources: Iterable[str] = (),
    language: str | None = None,
    other_cases: Iterable[str] = (),
) -> list[Flag]:
    """All flags for ``text`` (a masked draft). ``actions``: what is recorded on the ticket
    (kinds, or ``Recorded`` with amount and note). ``evidence``: the texts that back facts about
    this case (thread, account, recorded actions, articles and policies); the policy texts count
    too. ``sources``: the articles and policies given with the draft (they back deadlines and
    links). ``allowed_domains``: where links may point besides the sources' own. ``language``: the
    reply's (detected when not given). ``other_cases``: other customers' resolved tickets and the
    replies they got, given with the draft: they back nothing, and a cause or event copied from
    one is flagged for the words only that case states."""
    policies = list(policy_texts)
    given = [*sources, *policies]
    evidence = list(evidence)
    # The case's own texts (thread, account, actions): what makes an id the customer's reference.
    case_texts = [t for t in evidence if t not in set(given)]
    if language not in reading.LANGUAGES:
        language = detect_language(text)[0] if text.strip() else "en"
    recorded = _recorded(actions)
    claims = check_claims(text, recorded, language=language, case_text=" ".join(case_texts))
    promises = check_promises(
        text,
        policies,
        language=language,
        actions=recorded,
        sources=given,
        evidence_amounts=reading.amounts_in(" ".join(evidence)),
    )
    internal = check_internal(text, evidence=case_texts)
    domains = [*allowed_domains, *(m.group(0) for t in given for m in BARE_DOMAIN.finditer(t))]
    return _dedupe(
        claims
        + promises
        + _facts_beside(
            text,
            facts.Evidence.of([*evidence, *policies], others=other_cases, case=case_texts),
            language,
            internal=internal,
            claims=claims,
        )
        + check_shorthand(text, evidence=case_texts)
        + internal
        + check_output(text, allowed_placeholders, allowed_domains=domains)
    )
