"""A sentence-level reading of a reply, in en/de/es/fr: what each sentence asserts.

Each sentence becomes one or more ``Statement``s: a completed-action claim ("we've sent the money
back", "Ihre Karte wurde entsperrt", "le hemos abonado 24,30 €"), a commitment ("we'll refund",
"wir erstatten Ihnen", "nous vous rembourserons", conditional or not), or nothing the guards judge
(a question, an instruction, courtesy, a description). A statement has an action kind (refund,
credit, cancel, replace, reset, change, escalate, investigate, ship, call back, discount, free,
waive, pay, deliver), the amounts and periods it names, and a polarity: done, will, will_not,
cannot, conditional.

How it reads, per language:
- the **action kind** comes from the lemma of a verb or noun (``simplemma``: "sent" → send,
  "gutgeschrieben" → gutschreiben, "rembourserons" → rembourser) matched against a short lexicon of
  stems per kind; a generic verb ("processed", "effectué", "veranlasst", "realizado") takes the kind
  of the action noun beside it ("the refund has been processed");
- the **tense** comes from grammar, not from listed sentences: an auxiliary of the perfect or the
  passive with a participle (have/has/'ve/was/were/been; haben/hat/wurde/ist; he/ha/hemos/se ha;
  ai/avons/a/a été/on a), a simple past after a first-person or "our …" subject, the recent past
  ("nous venons de", "acabamos de", "soeben", "just"), the future (will/'ll/going to; werden;
  -ré/-rá/-remos, vamos a; -rai/-rons, allons), and the first-person present that German, Spanish
  and French use for commitments ("wir erstatten Ihnen", "te devolvemos", "je vous offre");
- **negation** (not, nicht/kein, no/nunca, ne … pas) and **conditions** (if, wenn/falls/sollte,
  si/en caso de, si/en cas de) set the polarity.

It reads policies too (``read_policy``): a policy's sentences give the action kinds it covers, with
their polarity, amounts and periods, so a commitment can be compared with what the policy says.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

import simplemma

from triage.text import facts
from triage.text.language import detect_language

LANGUAGES = ("en", "de", "es", "fr")

# Stems of the words that name each kind of action, per language (matched on the folded lemma and
# on the folded word, at the start). A kind is what a recorded action can back.
_LEXICON: dict[str, dict[str, tuple[str, ...]]] = {
    "refund": {
        "en": (
            "deposit back",
            "your deposit",
            "refund",
            "reimburs",
            "your money",
            "the money",
            "repaid",
            "repay",
            "money back",
            "paid back",
            "sent back the",
            "charge back",
            "chargeback",
            "reversed the charge",
            "reverse the charge",
        ),
        "de": (
            "erstatt",
            "ruckerstatt",
            "zuruckerstatt",
            "ruckzahl",
            "zuruckzahl",
            "zuruckuberweis",
            "zuruckuberwies",
            "zuruckbuch",
            "ruckbuch",
            "erstattung",
            "das geld",
            "ihr geld",
        ),
        "es": (
            "reembols",
            "devolucion",
            "devolv",
            "devuel",
            "abon",
            "reintegr",
            "el dinero",
            "su dinero",
            "tu dinero",
        ),
        "fr": (
            "rembours",
            "restitu",
            "recredit",
            "revers",
            "l'argent",
            "votre argent",
            "te rend",
            "vous rend",
            "rendons",
            "rendrons",
        ),
    },
    "credit": {
        "en": ("credit", "voucher", "goodwill", "coupon", "gift card"),
        "de": ("gutschrift", "gutschreib", "gutgeschrieb", "gutschein"),
        "es": ("credito", "cupon", "vale ", "saldo a favor", "bono"),
        "fr": (
            "avoir de ",  # "un avoir de 5 €", not "avoir déposé"
            "un avoir",
            "l'avoir",
            "credit",
            "bon d'achat",
            "geste commercial",
            "code promo",
        ),
    },
    "discount": {
        "en": ("discount", "% off", "reduction", "reduced price", "cheaper", "deduct"),
        "de": ("rabatt", "nachlass", "ermassig", "preisnachlass"),
        "es": ("descuent", "descont", "rebaja"),  # descuento, se descuenta, descontaremos
        "fr": ("reduction", "une remise", "remise exceptionnelle", "rabais", "dedui", "deduct"),
    },
    "free": {
        "en": (
            "free of charge",
            "free month",
            "months free",
            "month free",
            "for free",
            "on us",
            "complimentary",
            "at no cost",
            "at no charge",
            "free upgrade",
            "free night",
            "free delivery",
            "free shipping",
            "free return",
            "free rebooking",
        ),
        "de": ("kostenlos", "gratis", "geschenkt", "schenk", "umsonst", "ohne aufpreis"),
        "es": ("gratis", "gratuit", "sin coste", "sin cargo", "regal"),
        "fr": ("gratuit", "offert", "vous offre", "vous offrons", "sans frais", "cadeau"),
    },
    "waive": {
        "en": (
            "waive",
            "cover the excess",
            "cover your excess",
            "write off",
            "cancel the fee",
            "drop the fee",
        ),
        "de": ("erlass", "ubernehm", "verzicht", "ubernomm"),
        "es": ("condon", "exim", "asumir", "asumimos", "haremos cargo", "hacemos cargo", "no cobr"),
        "fr": (
            "exoner",
            "prendre en charge",
            "prenons en charge",
            "prendrons en charge",
            "pris en charge",
            "annuler les frais",
        ),
    },
    "pay": {
        "en": ("cash", "in cash", "pay out", "paid out", "compensat", "payout"),
        "de": ("auszahl", "ausgezahlt", "zahlen wir", "entschadig", "zahlen ihnen", "zahle ihnen"),
        # "pagar" alone is what customers do ("el periodo pagado"); ours is "le pagamos", as in
        # the other languages' lists
        "es": ("indemniz", "compens", "pagamos", "pagaremos", "hemos pagado", "abonaremos", "pago"),
        "fr": ("indemnis", "verser", "versons", "versement", "dedommag", "compens"),
    },
    "cancel": {
        "en": ("cancel", "terminat", "close your account", "closed your account", "unsubscrib"),
        "de": ("kundig", "storn", "aufgelost", "beendet"),
        "es": ("cancel", "anul", "dar de baja", "dado de baja", "baja"),
        "fr": ("annul", "resili", "clotur"),
    },
    "replace": {
        "en": ("replace", "replacement", "exchange", "swap", "new one", "new card"),
        "de": (
            "ersetz",
            "ersatz",
            "austausch",
            "ausgetausch",
            "tausch",
            "umtausch",
            "neu ausgestellt",
            "neu ausstell",
            "neue karte",
        ),
        "es": ("reemplaz", "sustitu", "reponer", "repuesto", "nueva tarjeta"),
        "fr": ("remplac", "echang", "nouvelle carte"),
    },
    "ship": {
        "en": (
            "redeliver",
            "resen",
            "re-sen",
            "send",
            "sent",
            "ship",
            "dispatch",
            "post",
            "order you ",
            "ordered you ",
            "deliver",
            "courier",
            "arriv",
        ),
        "de": ("schick", "versend", "versand", "zustell", "liefer", "ankomm", "eintreff"),
        "es": ("envi", "mand", "entreg", "lleg"),
        "fr": ("renvoy", "reexpedi", "envoy", "envoi", "expedi", "livr", "arriv"),
    },
    "reset": {
        "en": (
            "reset",
            "unlock",
            "unblock",
            "reactivat",
            "re-activat",
            "restor",
            "reinstat",
            "re-enable",
            "lift",
            "block",
            "freez",
            "froze",
            "repair",
            "fix",
            "reconnect",
        ),
        "de": (
            "zurucksetz",
            "zuruckgesetz",
            "entsperr",
            "freischalt",
            "freigeschalt",
            "reaktivier",
            "wiederherstell",
            "instand",
            "sperr",
            "repar",
            "behob",
            "beheb",
            "wieder aktiv",
        ),
        # "repara", "reparé", "reparó"; not "reparto", "repartir" (a delivery, leaving again)
        "es": (
            "restablec",
            "desbloque",
            "reactiv",
            "restaur",
            "bloque",
            "repara",
            "repare",
            "reparo",
            "reinici",
        ),
        "fr": (
            "reinitialis",
            "debloqu",
            "reactiv",
            "retabl",
            "bloqu",
            "opposition",
            "repara",
            "repare",
            "reparo",
            "rebranch",
        ),
    },
    "change": {
        "en": (
            "change",
            "switch",
            "upgrad",
            "downgrad",
            "move",
            "rebook",
            "extend",
            "reduc",
            "updat",
            "adjust",
            "amend",
            "transfer",
            "correct",
            "reissu",
            "re-issu",
            "remov",
            "open for you",
            "now open",
            "unlocked for you",
        ),
        "de": (
            "ander",
            "umbuch",
            "umgebuch",
            "umstell",
            "umgestell",
            "stell sie",
            "verlang",
            "wechsel",
            "gewechsel",
            "aktualisier",
            "hinzugefug",
            "hochgestuft",
            "korrigier",
            "berichtig",
            "freigegeb",
        ),
        "es": (
            "cambi",
            "modific",
            "actualiz",
            "ampli",
            "prorrog",
            "anad",
            "traslad",
            "corrig",
            "reabr",
            "reabier",
        ),
        "fr": (
            "modifi",
            "chang",
            "prolong",
            "mis a jour",
            "mettre a jour",
            "ajout",
            "corrig",
            "bascul",
            "transfer",
            "rouvert",
            "rouvr",
            "passe a",
            "passe sur",
        ),
    },
    "escalate": {
        "en": (
            "assign",
            "escalat",
            "forward",
            "passed this on",
            "passed it on",
            "passed your",
            "pass this on",
            "referred",
            "raised",
            "reported",
            "handed",
            "chased",
        ),
        "de": (
            "zugewies",
            "eskalier",
            "weiterleit",
            "weitergeleit",
            "weitergegeb",
            "weitergeb",
            "ubergeb",
            "gemeldet",
            "beauftrag",
            "nachgehak",
        ),
        "es": ("asign", "escal", "transfer", "deriv", "remit", "trasladad", "reclamad", "avisad"),
        "fr": (
            "assign",
            "affect",
            "escalad",
            "transmis",
            "transmett",
            "signal",
            "relanc",
            "remont",
        ),
    },
    "investigate": {
        "en": (
            "check",
            "review",
            "investigat",
            "looked into",
            "look into",
            "verif",
            "test",
            "diagnos",
            "confirm",
            "examin",
            "analys",
            "inspect",
            "ran a",
            "run a",
            "opened",
            "open a",
        ),
        "de": (
            "prufung",
            "pruf",
            "gepruft",
            "sicht",
            "gesichtet",
            "untersuch",
            "gemess",
            "mess",
            "kontrollier",
            "angelegt",
            "abgeglich",
            "festgestellt",
            "vermerkt",
        ),
        "es": (
            "revis",
            "comprob",
            "verific",
            "consult",
            "analiz",
            "prueba",
            "abierto",
            "abrimos",
            "detectad",
            "inspeccion",
        ),
        "fr": (
            "verifi",
            "examin",
            "controle",
            "analys",
            "relu",
            "diagnostic",
            "constat",
            "ouvert",
            "inspect",
            "consult",
        ),
    },
    "callback": {
        "en": ("call you back", "ring you", "call you", "phone you"),
        "de": ("ruckruf", "rufen sie", "rufen wir", "rufe sie", "rufe ich", "anrufen"),
        "es": ("llamar", "llamaremos", "te llam", "le llam"),
        "fr": ("rappel", "appeler", "appellerons"),
    },
}
# What a recorded action of each kind backs (a voucher is a credit; a reopened module a change).
BACKED_BY: dict[str, frozenset[str]] = {
    "refund": frozenset({"refund", "credit"}),
    "credit": frozenset({"credit", "refund"}),
    "pay": frozenset({"refund", "credit"}),
    "cancel": frozenset({"cancel"}),
    "replace": frozenset({"change", "replace", "reset"}),
    "ship": frozenset({"change", "replace"}),
    "reset": frozenset({"reset", "change"}),
    "change": frozenset({"change", "reset", "cancel"}),
    "escalate": frozenset({"escalate"}),
    "callback": frozenset({"escalate", "investigate"}),
    "discount": frozenset({"credit", "refund"}),
    "free": frozenset({"credit", "refund"}),
    "waive": frozenset({"credit", "refund"}),
}
# Money and goodwill: what only a policy may promise. Deadlines too (``periods``).
PROMISE_KINDS = frozenset({"refund", "credit", "discount", "free", "waive", "pay"})
NAMES = {
    "refund": "a refund",
    "credit": "a credit or voucher",
    "discount": "a discount",
    "free": "something free of charge",
    "waive": "a waived charge",
    "pay": "a payment",
    "cancel": "a cancellation",
    "replace": "a replacement",
    "ship": "a shipment",
    "reset": "an unblock, reset or repair",
    "change": "a change to the booking or account",
    "escalate": "a hand-over to another team",
    "investigate": "a check",
    "callback": "a call back",
    "deliver": "a delivery date",
}
_NEGATION = {
    "en": {
        "not",
        "n't",
        "never",
        "no",
        "cannot",
        "can't",
        "won't",
        "unable",
        "neither",
        "nor",
        "dont",
        "cant",
        "wont",
    },
    "de": {"nicht", "kein", "keine", "keinen", "keiner", "keinem", "nie", "niemals", "leider"},
    "es": {"no", "nunca", "ni", "tampoco", "ningún", "ninguna", "ninguno"},
    "fr": {"ne", "n'", "pas", "jamais", "aucun", "aucune", "ni", "plus"},
}
_CANNOT = {
    "en": {"cannot", "can't", "cant", "unable", "not possible", "not able", "no way"},
    "de": {"nicht möglich", "können", "kann", "leider nicht"},
    "es": {"no podemos", "no es posible", "no puedo"},
    "fr": {"ne pouvons", "ne peux", "pas possible", "impossible"},
}
_CONDITION = re.compile(
    r"^\W*(?:if|once|when|should|provided|as soon as|in case|unless)\b|\b(?:if|provided that|"
    r"as long as|in case|unless)\b|^\W*(?:wenn|falls|sofern|sobald|sollte|sollten)\b|\b(?:wenn|"
    r"falls|sofern|vorausgesetzt)\b|^\W*(?:si|en caso de|siempre que|cuando|una vez)\b|"
    r"\b(?:si|en caso de que|siempre que|en caso de)\b|^\W*(?:si|s'il|en cas d|dès que|lorsque|"
    r"une fois)\b|\b(?:si|s'il|en cas de|à condition)\b",
    re.IGNORECASE,
)
# Subjects that are "us": first person, our staff, the passive.
_FIRST_PERSON = {
    "en": re.compile(
        r"\b(?:i|we|i've|we've|ive|weve|our (?:\w+ ){0,2}(?:team|technician|"
        r"engineer|agent|colleague|staff|department|courier|driver)s?|the "
        r"(?:technician|engineer))\b",
        re.I,
    ),
    "de": re.compile(
        r"\b(?:ich|wir|unser(?:e|er|en)? (?:\w+ )?(?:techniker|team|"
        r"kollege|kollegin|mitarbeiter|abteilung|service)|der techniker)\b",
        re.I,
    ),
    "es": re.compile(
        r"\b(?:he|hemos|nosotros|yo|nuestr[oa]s? (?:\w+ )?(?:técnico|equipo|"
        r"compañer[oa]|departamento)|el técnico)\b|^\W*(?:te|le|les|os|me)\b",
        re.I,
    ),
    "fr": re.compile(
        r"\b(?:je|j'|nous|on|notre (?:\w+ )?(?:technicien|équipe|service|"
        r"conseiller)|le technicien)\b",
        re.I,
    ),
}
_MONEY = re.compile(
    r"(?:[€$£]\s?\d[\d.,  ]*\d|[€$£]\s?\d|\b\d[\d.,  ]*\s?(?:€|eur\b|euros?\b|usd\b|gbp\b|"
    r"dollars?\b|pounds?\b))",
    re.IGNORECASE,
)
_PERCENT = re.compile(r"\b\d+(?:[.,]\d+)?\s?%")
PERIOD = re.compile(
    r"\b(?P<n>\d+(?:[.,]\d+)?|one|two|three|four|five|six|seven|ten|twelve|ein(?:e|en)?|zwei|"
    r"drei|vier|fünf|sechs|sieben|zehn|zwölf|un[oa]?|dos|tres|cuatro|cinco|seis|siete|diez|doce|"
    r"une?|deux|trois|quatre|cinq|sept|dix|douze)\s?(?:-\s?\d+\s?)?(?:(?:business|working|"
    r"calendar|bank|full|next|prochaine?s?|nächsten?|próximos?|próximas?) )?"
    r"(?P<unit>h\b|hours?|hrs?|stunden?|std|horas?|heures?|days?|tagen?|tage|werktagen?|días?|dias?|jours?|weeks?|"
    r"wochen?|semanas?|semaines?|months?|monaten?|monate|meses|mes|mois|minutes?|minuten?|"
    r"minutos?|min)\b",
    re.IGNORECASE,
)
_DEADLINE = re.compile(
    r"\b(?:tomorrow|today|tonight|by (?:monday|tuesday|wednesday|thursday|friday|the end of|end "
    r"of)|morgen|heute noch|bis (?:montag|dienstag|mittwoch|donnerstag|freitag|ende)|mañana|hoy "
    r"mismo|sin falta|antes del? (?:lunes|martes|miércoles|jueves|viernes|fin)|demain|"
    r"aujourd'hui|d'ici (?:la fin|demain|lundi|mardi|mercredi|jeudi|vendredi|ce soir)|sous "
    r"\d+|within \d+|innerhalb|en \d+ ?h|in \d+ ?h|dentro de|en un plazo|immediately|right "
    r"away|sofort|inmediatamente|ahora mismo|immédiatement|tout de suite)\b",
    re.IGNORECASE,
)
_NUMBER_WORDS = {
    "one": 1,
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "seven": 7,
    "ten": 10,
    "twelve": 12,
    "ein": 1,
    "eine": 1,
    "einen": 1,
    "zwei": 2,
    "drei": 3,
    "vier": 4,
    "fünf": 5,
    "sechs": 6,
    "sieben": 7,
    "zehn": 10,
    "zwölf": 12,
    "un": 1,
    "uno": 1,
    "una": 1,
    "dos": 2,
    "tres": 3,
    "cuatro": 4,
    "cinco": 5,
    "seis": 6,
    "siete": 7,
    "diez": 10,
    "doce": 12,
    "une": 1,
    "deux": 2,
    "trois": 3,
    "quatre": 4,
    "cinq": 5,
    "sept": 7,
    "dix": 10,
    "douze": 12,
}
_UNIT_HOURS = {
    "h": 1,
    "hour": 1,
    "hr": 1,
    "stund": 1,
    "std": 1,
    "hora": 1,
    "heure": 1,
    "day": 24,
    "tag": 24,
    "werktag": 24,
    "dia": 24,
    "jour": 24,
    "week": 168,
    "woch": 168,
    "seman": 168,
    "month": 720,
    "monat": 720,
    "mes": 720,
    "moi": 720,
    "minut": 1 / 60,
    "min": 1 / 60,
}
_WORD = re.compile(r"[^\W\d_]+(?:['’][^\W\d_]+)?|\d+(?:[.,]\d+)*|[%€$£]", re.UNICODE)


@dataclass(frozen=True)
class Statement:
    sentence: str
    kind: str  # claim | commitment
    action: str
    polarity: str  # done | will | will_not | cannot | conditional
    amounts: tuple[str, ...] = ()
    periods: tuple[float, ...] = ()
    deadline: bool = False
    clause: str = ""

    @property
    def what(self) -> str:
        return NAMES.get(self.action, self.action)


@dataclass
class PolicyTerm:
    action: str
    negative: bool
    amounts: tuple[str, ...]
    periods: tuple[float, ...]
    sentence: str


def fold(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text.lower().replace("’", "'"))
    return "".join(c for c in decomposed if not unicodedata.combining(c))


@lru_cache(maxsize=20000)
def _lemma(word: str, language: str) -> str:
    try:
        return simplemma.lemmatize(word, lang=language)
    except ValueError:  # pragma: no cover - a language simplemma lacks
        return word


@lru_cache(maxsize=16)
def _kind_patterns(language: str) -> list[tuple[str, re.Pattern[str], re.Pattern[str] | None]]:
    """Per action kind, in the lexicon's order: a pattern for its stems at the start of a word
    (or of the words from there on), and for German one for its longer one-word stems anywhere
    inside a word (compounds: "Rückerstattung", "Gutschrift")."""
    out = []
    for kind, by_language in _LEXICON.items():
        stems = by_language.get(language, ())
        if not stems:
            continue
        start = re.compile("|".join(re.escape(stem) for stem in stems))
        inner = [stem for stem in stems if len(stem) >= 5 and " " not in stem]
        inside = re.compile("|".join(map(re.escape, inner))) if language == "de" and inner else None
        out.append((kind, start, inside))
    return out


def _kinds_in(text: str, words: list[str], language: str) -> list[tuple[int, str]]:
    """(word index, action kind) for each word (or phrase starting there) that names an action."""
    patterns = _kind_patterns(language)
    out = []
    folded_words = [fold(w) for w in words]
    for i, word in enumerate(words):
        lemma = fold(_lemma(word, language))
        # "bon d'achat" is cut "bon", "d'", "achat" in French: joined again as written
        head = " ".join(folded_words[i : i + 5]).replace("' ", "'") + " "
        for kind, start, inside in patterns:
            if (
                _stem_heads(start.match(lemma), lemma, language)
                or _stem_heads(start.match(head), head, language, first=folded_words[i])
                or (
                    inside is not None
                    and (
                        _stem_heads(inside.search(lemma), lemma, language)
                        or _stem_heads(inside.search(folded_words[i]), folded_words[i], language)
                    )
                )
            ):
                if (
                    kind == "escalate"
                    and _CARRIER.search(" ".join(folded_words[i : i + 8]))
                    and not _ASKED.match(folded_words[i])
                ):
                    kind = "ship"  # handed to the courier: a shipment, not an escalation
                if kind == "escalate" and _CARRIER.search(
                    " ".join(folded_words[max(0, i - 4) : i])
                ):
                    kind = "ship"  # "an DHL übergeben"
                if kind == "refund" and language == "es" and _goods_returned(folded_words, i):
                    break
                if kind == "ship" and (
                    _ARRIVAL.match(folded_words[i])
                    and _NOT_OUR_SHIPMENT.search(" ".join(folded_words[max(0, i - 6) : i + 6]))
                    or folded_words[i].startswith("courier")
                    and _ASKED.search(" ".join(folded_words[max(0, i - 3) : i]))
                ):
                    break
                out.append((i, kind))
                break
    return out


def _stem_heads(
    match: re.Match[str] | None, word: str, language: str, *, first: str | None = None
) -> bool:
    """An action stem found in ``word`` that is the word's head. A German compound names what its
    last part names: "Rückerstattung" is a refund, "Versanddienstleister" (the carrier),
    "Versandkosten" and "Lieferadresse" are no shipment; after the stem only an ending may follow
    ("-ung", "-en", "-et", "-ungen"). ``first``: the first word when ``word`` is the words from
    there on (a stem of several words is judged as a phrase)."""
    if match is None:
        return False
    if language != "de":
        return True
    if first is not None:
        if match.end() > len(first):
            return True
        word = first
    return len(word) - match.end() <= 5


# "Devolver" and "devolución" give back money or goods. What the customer sends back with a label
# or a form is no refund ("le envío la etiqueta de devolución", "la etiqueta para devolver las
# zapatillas"); "la devolución del pedido" and "le devolvemos la reserva" are refunds of what was
# paid, so the thing named after the word says nothing.
_RETURN_PAPERS = re.compile(
    r"(?:etiqueta|etiquetas|formulario|direccion|instrucciones|bulto|caja) (?:de|para) "
    r"(?:la |su )?$"
)


def _goods_returned(folded_words: list[str], i: int) -> bool:
    return bool(_RETURN_PAPERS.search(" ".join(folded_words[max(0, i - 4) : i]) + " "))


# A parcel that came to us (the customer's return received: "bei uns angekommen", "arrived at our
# warehouse", "llegó a nuestro almacén", "arrivé chez nous"): no shipment of ours.
_NOT_OUR_SHIPMENT = re.compile(
    r"\b(?:arriv\w* (?:at|with|back (?:at|with)) (?:us|our)|(?:bei|zu) uns (?:an|ein)?(?:gekommen|"
    r"eingegangen|eingetroffen)|(?:ist|sind) bei uns|(?:lleg\w*|ha llegado) (?:a|hasta) (?:nuestr|"
    r"nosotros)|nos (?:ha |han )?lleg\w*|arriv\w* (?:chez nous|a notre|dans notre|a nos))"
)
# The courier as the one we spoke to ("I've asked the courier to open a trace"): no shipment.
_ASKED = re.compile(
    r"\b(?:ask|asked|contact|contacted|chase|chased|call|called|told|spoke|email|"
    r"emailed|message|messaged|check|checked|with)\b"
)
_ARRIVAL = re.compile(r"arriv|lleg|ankomm|angekommen|eingegangen|eingetroffen|eintreff")
# Parcel carriers and the words for them: what is handed to one is shipped.
_CARRIER = re.compile(
    r"\b(?:dhl|ups|dpd|gls|fedex|hermes|tnt|usps|royal mail|evri|yodel|colissimo|chronopost|la "
    r"poste|correos|seur|mrw|courier|carrier|kurier|paketdienst|zusteller|spedition|"
    r"transportista|mensajer\w*|repartidor|transporteur|livreur)\b"
)


# English verbs whose participle is their base form.
_EN_SAME_FORM = frozenset("reset set put cut shut let quit cast upset rebuilt refit".split())


def _is_past_form(word: str, language: str) -> bool:
    """A participle or a simple past, by the word's shape and its lemma."""
    w = fold(word)
    lemma = fold(_lemma(word, language))
    if language == "en":
        if w.endswith("ed") and len(w) > 4 or w in _EN_SAME_FORM:
            return True
        return lemma != w and not w.endswith(("s", "ing")) and len(w) > 2
    if language == "de":
        return bool(
            re.search(r"(?:ge\w+(?:t|en)|iert|t)$", w) and (lemma != w or "ge" in w[:8])
        ) or bool(re.search(r"(?:te|ten)$", w) and lemma != w and not lemma.endswith("te"))
    if language == "es":
        return bool(re.search(r"(?:ado|ada|ados|adas|ido|ida|idos|idas|to|cho|sto|elto)$", w)) or (
            bool(re.search(r"(?:é|ó|aron|ieron|ió|iste|aste)$", word.lower())) and lemma != w
        )
    if language == "fr":
        return bool(re.search(r"(?:é|ée|és|ées|i|is|ise|it|u|ue|us|t)$", word.lower())) and (
            lemma != w or w.endswith(("e", "i", "is", "u"))
        )
    return False


def _is_future_form(word: str, language: str) -> bool:
    w = word.lower()
    if language == "es":
        return bool(re.search(r"(?:ré|rás|rá|remos|réis|rán)$", w)) and len(w) > 4
    if language == "fr":
        return bool(re.search(r"(?:rai|ras|ra|rons|rez|ront|rions|rais|rait)$", w)) and len(w) > 5
    return False


def _first_person_present(words: list[str], i: int, language: str) -> bool:
    """ "wir erstatten", "erstatten wir", "ich stell Sie um", "te devolvemos", "je vous offre",
    "nous vous accordons": the present that German, Spanish and French use for a commitment."""
    w = words[i]
    lw = w.lower()
    window = [x.lower() for x in words[max(0, i - 3) : i + 3]]
    if (w != lw and i > 0) or (_is_past_form(w, language) and language != "fr"):
        return False  # a noun (German capitals), or a participle
    if language == "de":
        return (lw.endswith(("en", "rn", "ln")) and "wir" in window) or (
            "ich" in window
            and re.fullmatch(r"[a-zäöüß]+", lw) is not None
            and lw not in _DE_FUNCTION_WORDS
        )
    if language == "es":
        clitic = i > 0 and words[i - 1].lower() in {"te", "le", "les", "os"}
        return (
            bool(re.search(r"(?:amos|emos|imos)$", lw)) and (clitic or "nosotros" in window)
        ) or (clitic and bool(re.search(r"[^aeiouj]o$", lw)) and len(lw) > 4)
    if language == "fr":
        return (lw.endswith("ons") and "nous" in window[:3]) or (
            i > 0
            and words[i - 1].lower() in {"vous", "te", "t'"}
            and bool({"je", "j'", "nous", "on"} & set(window[:3]))
        )
    return False


_DE_FUNCTION_WORDS = frozenset(
    "ich sie ihnen ihr ihre die der das den dem und ab auf um in im an am zu mit für von bei "
    "noch schon gern gerne leider auch nur dann".split()
)


def _numbers_of(pattern: re.Pattern, text: str) -> tuple[str, ...]:
    out = []
    for match in pattern.finditer(text):
        digits = re.sub(r"[^\d.,]", "", match.group(0)).strip(".,")
        if digits:
            out.append(normal_amount(digits))
    return tuple(out)


def normal_amount(value: str) -> str:
    """ "1.250", "1,250", "1 250" → "1250"; "9,99" / "9.99" → "9.99"; "48.00" → "48"."""
    value = value.replace(" ", "").replace(" ", "")
    if re.fullmatch(r"\d{1,3}(?:[.,]\d{3})+", value):
        value = re.sub(r"[.,]", "", value)
    value = value.replace(",", ".")
    if re.fullmatch(r"\d+\.0+", value):
        value = value.split(".")[0]
    return value


def periods_in(text: str) -> tuple[float, ...]:
    out = []
    for match in PERIOD.finditer(text):
        n = match.group("n").lower()
        number = _NUMBER_WORDS.get(n)
        if number is None:
            try:
                number = float(n.replace(",", "."))
            except ValueError:
                continue
        unit = fold(match.group("unit")).rstrip("s")
        factor = next((f for u, f in _UNIT_HOURS.items() if unit.startswith(u)), None)
        if factor is not None:
            out.append(round(number * factor, 3))
    return tuple(out)


def amounts_in(text: str) -> tuple[str, ...]:
    return _numbers_of(_MONEY, text) + tuple(a + "%" for a in _numbers_of(_PERCENT, text))


def _clauses(sentence: str) -> list[str]:
    """A sentence cut where a new subject may start: ";", ":", " - ", ", so", "; and"…"""
    parts = re.split(
        r"\s*(?:;|:\s|\s[-–—]\s|,\s(?=(?:so|and|then|but|which|who|aber|sodass|damit|und|"
        r"der|die|das|pero|así que|por lo que|y|que|quien|mais|donc|et|qui)\b))\s*",
        sentence,
    )
    return [p for p in parts if p.strip()]


def read(text: str, language: str) -> list[Statement]:
    """The claims and commitments in a reply (masked text, ``language`` one of LANGUAGES); each
    guard reads the same draft, so a reading is kept for the few texts read last."""
    return list(_read(text, language))


def forget() -> None:
    """Drop the kept readings (the word lemmas stay: they hold for every text)."""
    _read.cache_clear()
    sentence_language.cache_clear()


@lru_cache(maxsize=64)
def _read(text: str, language: str) -> tuple[Statement, ...]:
    language = language if language in LANGUAGES else "en"
    out: list[Statement] = []
    for sentence in facts.sentences(facts.SLOT.sub(" ", text)):
        if "?" in sentence or _SORRY_THAT.search(sentence):
            continue  # a question asks; "sorry that your flight was cancelled" restates the ticket
        own = sentence_language(sentence, language)
        for clause in _clauses(sentence):
            out += _read_clause(clause, sentence, own)
    return tuple(out)


@lru_cache(maxsize=4096)
def sentence_language(sentence: str, default: str) -> str:
    """The sentence's own language when it is clearly another of the four (an English P.S. in a
    French reply), else the reply's."""
    if len(sentence.split()) < 5:
        return default
    found, probability = detect_language(sentence)
    return found if found in LANGUAGES and found != default and probability >= 0.95 else default


def _words(text: str, language: str) -> list[str]:
    words = _WORD.findall(text.replace("’", "'"))
    if language == "fr":  # "j'ai", "n'a", "l'avoir": the elided word on its own
        split: list[str] = []
        for w in words:
            m = re.match(r"^([jlndmtsc]|qu)'(.+)$", w, re.I)
            split += [m.group(1).lower() + "'", m.group(2)] if m else [w]
        words = split
    return words


_LEADING_CONDITION = re.compile(
    r"^\W*(?:if|once|when|should|provided|as soon as|in case|unless|wenn|falls|sofern|sobald|"
    r"sollte|sollten|si|s'il|en caso de|siempre que|cuando|una vez|en cas d\w*|dès que|lorsque|"
    r"une fois)\b[^,]*,",
    re.IGNORECASE,
)


def _condition(clause: str, language: str) -> tuple[int, str]:
    """How many words the condition that opens ``clause`` holds, and the clause after it ("If the
    parcel hasn't arrived by Friday, we'll refund everything": 7, "we'll refund everything"); 0
    and the whole clause when none opens it or nothing follows its comma."""
    match = _LEADING_CONDITION.match(clause)
    if not match or not _WORD.search(clause[match.end() :]):
        return 0, clause
    return len(_words(match.group(0), language)), clause[match.end() :]


def _read_clause(clause: str, sentence: str, language: str) -> list[Statement]:
    # A bracketed aside is not the clause's own negation or tense: "(nicht an Kunden …)".
    clause = re.sub(r"\([^)]*\)", " ", clause)
    words = _words(clause, language)
    if not words:
        return []
    # The condition is the circumstance, not our doing: its actions ("if the parcel hasn't
    # arrived") are no commitment, and its negation is not the main clause's.
    condition, _ = _condition(clause, language)
    lower = [w.lower() for w in words]
    folded = fold(clause)
    causal = bool(_CAUSAL.search(fold(sentence)))
    kinds = _kinds_in(clause, words, language)
    if not kinds:
        return []
    if _SYSTEM_EVENT.search(folded):
        return []  # "renewed automatically": the system's doing, a fact about the account
    conditional = bool(_CONDITION.search(clause)) or bool(_CONDITION.match(sentence))
    subject_us = bool(_FIRST_PERSON[language].search(clause))
    amounts = amounts_in(clause)
    periods = periods_in(clause)
    deadline = bool(_DEADLINE.search(clause))
    seen: set[tuple[str, str]] = set()
    out: list[Statement] = []
    for index, kind in kinds:
        if _NOT_AN_ACTION.match(" ".join(lower[index : index + 2])) or index < condition:
            continue
        if kind == "reset" and _DEPOSIT.search(folded):
            kind = "refund"
        if _helped_with(words, lower, index, language):
            continue  # "we'll guide you through the refund": help is given, no refund promised
        mode = _mode(words, lower, index, language, subject_us, folded, causal=causal)
        if mode is None:
            continue
        polarity = mode
        negated = _negated(lower[condition:], index - condition, language)
        if mode == "will" and negated:
            polarity = (
                "cannot" if any(c in folded for c in map(fold, _CANNOT[language])) else ("will_not")
            )
        elif mode == "done" and negated:
            continue  # "we have not refunded": no claim that it was done
        if conditional and polarity == "will":
            polarity = "conditional"
        if conditional and polarity == "done":
            continue  # "once we have checked …": the future, not something done
        key = (kind, polarity)
        if key in seen:
            continue
        seen.add(key)
        out.append(
            Statement(
                sentence=sentence.strip(),
                kind="claim" if polarity == "done" else "commitment",
                action=kind,
                polarity=polarity,
                amounts=amounts,
                periods=periods,
                deadline=deadline,
                clause=clause.strip(),
            )
        )
    return _generic_nouns(out)


_SYSTEM_EVENT = re.compile(r"\b(?:automatically|automatisch|automaticamente|automatiquement)\b")
# Words that name an action kind only in other senses: a credit card, the ordered item.
_NOT_AN_ACTION = re.compile(
    r"^(?:credit[ /-]?(?:card|cards|debit|score|check|limit|/debit)|debit card|"
    r"tarjeta de credito|carte de credit|kreditkarte|(?:delivery|shipping|postage|refund|"
    r"cancellation|change|rebooking|exchange|replacement) (?:fee|fees|cost|costs|charge|charges|"
    r"address|time|times|method|methods|policy|option|options|form|request|status))"
)
# Releasing a deposit gives money back: a refund, whatever the verb.
_DEPOSIT = re.compile(r"\b(?:deposit|caution|depot de garantie|kaution|fianza)\b")


# Words of helping and informing (stems of the folded word): an action word in their complement is
# what the help or the information is about, not an action done or promised ("I can help you
# understand when you can request a reimbursement", "te explico los pasos para el reembolso").
_HELP_WORDS = {
    "en": ("help", "assist", "guid", "explain", "explanation", "inform", "info", "detail",
           "instruction", "step", "walk", "clarif", "understand", "question"),
    "de": ("helf", "hilf", "erklar", "erlauter", "informier", "information", "detail", "schritt",
           "anleitung", "frage", "berat"),
    "es": ("ayud", "guia", "explic", "inform", "detall", "paso", "instrucc", "orient", "asesor",
           "duda"),
    "fr": ("aid", "guid", "expliqu", "explicat", "inform", "detail", "etape", "instruction",
           "renseign", "question"),
}  # fmt: skip
# A new subject of ours: what follows is our own doing again ("for your information, we refunded").
_HELP_BREAK = {
    "en": frozenset("i we i've we've ive weve i'll we'll i'm we're".split()),
    "de": frozenset("ich wir".split()),
    "es": frozenset("yo nosotros he hemos".split()),
    "fr": frozenset("je j' nous on ai avons".split()),
}


# The help given by doing the action: "by issuing", "en vous remboursant", "indem wir", "dadurch".
_BY_MEANS = {
    "en": frozenset({"by"}),
    "de": frozenset({"indem", "dadurch"}),
    "es": frozenset(),
    "fr": frozenset({"en"}),
}


def _helped_with(words: list[str], lower: list[str], index: int, language: str) -> bool:
    """The action word at ``index`` sits in the complement of a word of helping or informing in
    the same clause: back to a new subject or a conjunction, and in German also ahead to the
    clause's end, where its verb stands ("wir helfen Ihnen gern bei der Erstattung", "… bei der
    Erstattung helfen")."""
    if _is_future_form(words[index], language) or _first_person_present(words, index, language):
        return False  # the action is our own verb: "para ayudarte, te reembolsaremos 20 €"
    stems = _HELP_WORDS[language]
    for j in range(index - 1, max(-1, index - 9), -1):
        word = lower[j]
        if word in _SUBORDINATORS or word in _HELP_BREAK[language]:
            break
        if word in _BY_MEANS[language]:
            return False  # the means of the help: "we can help by issuing a credit"
        if fold(word).startswith(stems):
            return True
    if language == "de":
        for word in lower[index + 1 :]:
            if word in _SUBORDINATORS:
                break
            if fold(word).startswith(stems):
                return True
    return False


def _generic_nouns(statements: list[Statement]) -> list[Statement]:
    """ "The refund has been processed": one claim (a refund), not a check as well."""
    kinds = {s.action for s in statements if s.kind == "claim"}
    if kinds - {"investigate", "ship"} and "ship" in kinds:
        statements = [s for s in statements if not (s.kind == "claim" and s.action == "ship")]
    return statements


_COURTESY_NEGATION = re.compile(
    r"\b(?:no problem|no worries|kein problem|keine sorge|kein thema|sin problema|no hay "
    r"problema|no te preocupes|pas de (?:problème|souci)|aucun (?:problème|souci))\b"
)


def _negated(lower: list[str], index: int, language: str) -> bool:
    lower = _COURTESY_NEGATION.sub("", " ".join(lower)).split()
    # German puts "nicht" at the clause's end ("können wir leider nicht erstatten"); the others
    # before the verb, a few words ahead of the noun it governs.
    window = (
        lower[max(0, index - 4) :] if language == "de" else lower[max(0, index - 8) : index + 3]
    )
    negations = _NEGATION[language]
    if language == "fr":
        return ("ne" in window or "n'" in window) and bool(
            {"pas", "jamais", "plus", "aucun", "aucune", "ni"} & set(lower)
        )
    return any(w in negations or w.endswith("n't") for w in window)


_FIRST_PERSON_WORDS = frozenset(
    "i we i've we've ive weve i'll we'll i'm we're ich wir habe hab haben yo nosotros he hemos "
    "je j' nous on ai avons".split()
)


def by_us(clause: str) -> bool:
    """The clause has a first-person subject or auxiliary ("we", "wir", "hemos", "j'ai")."""
    words = {w.lower() for w in _WORD.findall(clause.replace("’", "'"))}
    return bool(words & _FIRST_PERSON_WORDS) or bool(re.search(r"\b[jJ]'", clause))


_HAVE = {
    "en": {"have", "has", "'ve", "ve", "had", "ive", "weve", "i've", "we've"},
    "de": {"habe", "hab", "haben", "hat", "hatten", "hatte"},
    "es": {"he", "has", "ha", "hemos", "han", "habéis", "había", "habíamos", "hube"},
    "fr": {"ai", "as", "a", "avons", "avez", "ont", "avions", "avait"},
}
# Auxiliaries that carry the person themselves ("hemos", "avons", "ai"): no subject needed.
_HAVE_FIRST = {
    "en": set(),
    "de": {"habe", "hab", "haben"},
    "es": {"he", "hemos"},
    "fr": {"ai", "avons"},
}
_PASSIVE = {
    "en": {"was", "were", "been", "got"},
    "de": {"wurde", "wurden", "worden", "ist", "sind"},
    "es": {"sido", "fue", "fueron", "se"},
    "fr": {"été"},
}
_FUTURE = {
    "en": {"will", "'ll", "ll", "shall", "gonna"},
    "de": {"werde", "werden", "wird", "wirst", "werdet"},
    "es": {"vamos", "voy"},
    "fr": {"allons", "vais"},
}
_FUTURE_BE = {
    "en": set(),
    "de": set(),
    "es": {"será", "serán", "serás", "seremos", "estará", "estarán"},
    "fr": {"serai", "seras", "sera", "serons", "serez", "seront"},
}
_OFFER = {
    "en": {"can", "could", "would", "happy", "glad", "able", "offer", "like", "let", "promise"},
    "de": {
        "können",
        "kann",
        "möchten",
        "möchte",
        "bieten",
        "biete",
        "dürfen",
        "verspreche",
        "versprechen",
    },
    "es": {
        "podemos",
        "puedo",
        "podríamos",
        "queremos",
        "ofrecemos",
        "ofrezco",
        "propongo",
        "proponemos",
        "ofrecerte",
        "ofrecerle",
        "comprometo",
        "comprometemos",
    },
    "fr": {
        "pouvons",
        "peux",
        "pourrons",
        "pourrions",
        "proposons",
        "propose",
        "souhaitons",
        "aimerions",
        "engage",
        "engageons",
    },
}
_DONE_PHRASES = {
    "en": re.compile(
        r"\b(?:(?:i|we) can (?:confirm|see) that|on its way|on the way|(?:has|have) gone "
        r"through|went through|is now "
        r"(?:open|active|unlocked|unblocked|back|live|restored|fixed)|are now "
        r"(?:open|active)|should now (?:see|have|be able)|should already (?:see|have)|"
        r"(?:is|are) (?:now |already )?back (?:on|in) your)"
        r"\b"
    ),
    "de": re.compile(
        r"\b(?:unterwegs|auf dem weg|sollten (?:jetzt|nun|bereits) [^.]{0,40}"
        r"(?:sehen|haben)|(?:ist|sind) (?:jetzt |schon |bereits )?wieder auf ihre[mnr]?)\b"
    ),
    "es": re.compile(
        r"\b(?:en camino|acabamos de|acabo de|deberias? (?:ya )?ver|deberia (?:ya )?"
        r"ver|ya (?:lo |la )?(?:tienes|tiene) (?:disponible|activ|en tu)|(?:esta|estan) "
        r"(?:ya )?de vuelta en (?:tu|su))\b"
    ),
    "fr": re.compile(
        r"\b(?:en route|(?:venons|viens) d(?:e\b|')|vient d'etre|devriez (?:maintenant|deja|"
        r"des a present) (?:voir|avoir|recevoir)|(?:est|sont) (?:de nouveau|a nouveau|bien) sur "
        r"(?:votre|ton|ta))\b"
    ),
}
_SORRY_THAT = re.compile(
    r"^\W*(?:i'm|i am|we're|we are)?\s*(?:so |very |really )?sorry (?:that|to hear|your|about)|"
    r"^\W*(?:es tut (?:uns|mir) leid,? dass|leider)|^\W*(?:lamentamos|siento|sentimos) que|"
    r"^\W*(?:nous sommes|je suis) (?:vraiment )?d[ée]sol[ée]e?s? (?:que|d'apprendre)",
    re.IGNORECASE,
)
_CAUSAL = re.compile(
    r"\b(?:because|caused by|due to|was triggered|wegen|aufgrund|verursacht|debido a|causad[oa] "
    r"por|se deb[ei]|à cause|causée? par|en raison|résult)",
    re.IGNORECASE,
)


def _mode(
    words: list[str],
    lower: list[str],
    index: int,
    language: str,
    subject_us: bool,
    folded: str,
    *,
    causal: bool = False,
) -> str | None:
    """done, will, or None (a description, an instruction, the customer's own doing)."""
    if _done(words, lower, index, language, subject_us, folded, causal=causal):
        return "done"
    if _is_past_form(words[index], language) and _auxiliary_before(lower, index, language):
        return None  # "the period you have paid": someone's past doing, no commitment of ours
    if (
        language == "en"
        and _EN_NOUN_BEFORE.match(" ".join(lower[max(0, index - 1) : index]))
        and index > 1
        and not any(
            _is_generic(w, "en") or w in _EN_COMMIT_VERBS for w in lower[max(0, index - 4) : index]
        )
    ):
        return None  # "an update on your refund": the refund is not what is done or promised
    if (
        language == "en"
        and (
            any(w in _FUTURE["en"] or w.endswith("'ll") for w in lower)
            or ("going" in lower and "to" in lower)
        )
        and not _EN_THEY_WILL.search(" ".join(lower))
    ):
        return "will"
    if (
        language == "de"
        and any(w in _FUTURE["de"] for w in lower)
        and not any(w in {"wurde", "wurden", "worden"} for w in lower)
    ):
        return "will"
    return _will(words, lower, index, language, subject_us, folded)


def _done(
    words: list[str],
    lower: list[str],
    index: int,
    language: str,
    subject_us: bool,
    folded: str,
    *,
    causal: bool = False,
) -> bool:
    phrase = _DONE_PHRASES[language].search(folded)
    if phrase and not (
        phrase.group().endswith(" that") and facts.RESTATED.match(folded[phrase.end() :].lstrip())
    ):
        return True  # not "I can see that you are expecting a refund": the customer's wish
    # A passive inside a cause ("…, which has since been repaired") belongs to the cause.
    passive_ok = not causal and not _CAUSAL.search(folded)
    # The participle that carries the action: the word itself ("weitergeleitet"), the participle
    # of its phrase ("instand gesetzt", "neu ausgestellt"), or a generic one beside a noun naming
    # the action ("the refund has been processed", "un avoir a été émis").
    participles = [
        j
        for j in range(len(words))
        if (_is_past_form(words[j], language) or _de_final_participle(words, lower, j, language))
        and (j == index or 0 < j - index <= 2 or _is_generic(words[j], language))
    ]
    for j in participles:
        aux = _auxiliary_before(lower, j, language, index if index < j else None)
        if aux is None:
            continue
        i, kind = aux
        if (
            language == "en"
            and (
                _EN_NOT_YET.intersection(lower[:i])
                or ("before" in lower[:i] and re.search(r"\bbefore\b[^,]*$", folded))
            )
            and lower[i] in _EN_PRESENT_AUX
        ):
            continue  # "once the refund has been processed", "whether it's been shipped"
        if language == "en" and _asked_to_check(lower, i):
            continue  # "save and confirm that the address has been updated": the reader's check
        w = lower[i]
        person = (
            # "haben Sie … zurückgeschickt", "Sie haben …": the customer's doing, not ours
            (w in _HAVE_FIRST[language] and not (w == "haben" and "sie" in lower[i - 1 : i + 2]))
            or w in {"we've", "i've", "ive", "weve"}
            or (language == "fr" and i > 0 and lower[i - 1] in {"on", "j'", "nous"})
            or (subject_us if language != "en" else _nearest_subject_is_us(lower, i))
        )
        if kind == "have" and person:
            return True
        if kind == "passive" and passive_ok:
            return True
    # "The refund of $48 reached your bank": a noun naming the action, then a generic verb in
    # the simple past.
    if (
        language == "en"
        and not lower[index].endswith(("ing", "ed"))
        and _EN_NOUN_BEFORE.match(lower[index - 1] if index else "the")
        and any(
            _is_generic(words[j], "en")
            and _is_past_form(words[j], "en")
            # "is issued", "are typically issued": a present passive (an adverb may stand between)
            and _en_word_before(lower, j) not in {"is", "are", "be", "been", "was", "were"}
            # "to set up", "can put": the base form; "the changes you made": the customer's doing
            and lower[j - 1] not in _EN_BEFORE_BASE
            and not _EN_OTHER_SUBJECTS.intersection(lower[index + 1 : j])
            # "save the changes once you're done": what is still to come
            and not _EN_NOT_YET.intersection(lower[index + 1 : j])
            # "any cancellations made after the window", "changes made to the address": a
            # participle describing a kind of thing, not something done
            and not _reduced_relative(lower, index, j)
            for j in range(index + 1, min(len(words), index + 5))
        )
    ):
        return True
    if language == "es" and _es_past_passive_or_yesterday(words, lower, index):
        return True
    # A simple past after "we", "I", "our technician": "we retried", "cambié", "tauschte".
    word = words[index]
    if _is_simple_past(word, language) and (
        _nearest_subject_is_us(lower, index) if language == "en" else subject_us
    ):
        return True
    return False


_ES_PAST_TIME = frozenset({"ayer", "anoche", "anteayer", "pasado", "pasada"})


def _es_past_passive_or_yesterday(words: list[str], lower: list[str], index: int) -> bool:
    """Spanish: the reflexive passive in the preterite ("el reembolso se emitió", "tu tarifa se
    cambió"), the action word itself or a generic verb just after its noun; and a first-person
    plural, the same in present and preterite, that a past time settles ("ayer enviamos …")."""
    for j in range(index, min(len(words), index + 3)):
        if not (j == index or _is_generic(words[j], "es")):
            continue
        if j > 0 and lower[j - 1] == "se" and _is_simple_past(words[j], "es"):
            return True
    return lower[index].endswith(("amos", "imos")) and bool(_ES_PAST_TIME & set(lower))


# English: a perfect or passive in a clause that looks ahead or asks ("once the refund has been
# processed, …", "whether it's been shipped") reports nothing done yet; so does one after "before"
# in the same clause ("cancellations made before the product has been shipped").
_EN_NOT_YET = frozenset({"once", "whether", "until", "till", "when", "after", "if", "unless"})
_EN_PRESENT_AUX = frozenset(
    {"has", "have", "is", "are", "it's", "it’s", "'s", "been", "you're", "we're", "they're"}
)
_EN_BEFORE_BASE = frozenset(
    {"to", "will", "can", "could", "should", "must", "may", "might", "would", "please", "'ll"}
)
_EN_OTHER_SUBJECTS = frozenset(
    {"you", "they", "he", "she", "you've", "they've", "you're", "they're"}
)


_EN_CHECK_VERBS = frozenset({"confirm", "ensure", "verify", "check", "sure"})
_EN_US = frozenset({"i", "we", "i've", "we've", "i'll", "we'll", "i'm", "we're", "ive", "weve"})
_EN_PREPOSITIONS = frozenset(
    {"to", "for", "after", "before", "with", "within", "in", "on", "by", "from", "during",
     "since", "through", "under", "at", "via"}
)  # fmt: skip


def _asked_to_check(lower: list[str], i: int) -> bool:
    """English: the perfect or passive at ``i`` is what the reader is asked to check ("confirm
    that the address has been updated", "make sure it has been saved"): a check verb before it
    that no "I" or "we" governs."""
    for k in range(i - 1, -1, -1):
        if lower[k] in _EN_CHECK_VERBS and lower[k + 1 : k + 2] != ["you"]:
            return not _EN_US.intersection(lower[:k])
    return False


def _reduced_relative(lower: list[str], index: int, j: int) -> bool:
    """English: the past form at ``j`` right after the action noun at ``index`` and before a
    preposition, the noun in the plural or after "any"/"all" ("any cancellations made after the
    window", "changes made to your address"): a kind of action, not one done."""
    if j + 1 >= len(lower) or lower[j + 1] not in _EN_PREPOSITIONS:
        return False
    between = lower[index + 1 : j - 1]  # "updates or changes made to": nouns joined by "or"
    if j - index > 3 or (between and not set(between) <= {"or", "and", "any", "other"}):
        return False
    before = lower[index - 1] if index else ""
    return before in {"any", "all", "no", "such"} or (
        lower[j - 1].endswith("s") and before not in {"the", "your", "this", "these", "those", "my"}
    )


def _en_word_before(lower: list[str], j: int) -> str:
    """The word before ``j``, past adverbs ("are typically issued", "is properly processed")."""
    k = j - 1
    while k > 0 and (lower[k].endswith("ly") or lower[k] in {"also", "now", "then", "still"}):
        k -= 1
    return lower[k] if k >= 0 else ""


def _de_final_participle(words: list[str], lower: list[str], j: int, language: str) -> bool:
    """German participles of "er-/ver-/be-/ent-" strong verbs look like their infinitive
    ("erlassen", "erhalten", "vergessen"): at the clause's end after "haben", not after "zu", and
    with no modal or "werden", they are the perfect's participle."""
    return (
        language == "de"
        and j == len(words) - 1
        and j > 0
        and words[j] == lower[j]
        and lower[j].endswith("en")
        and lower[j - 1] != "zu"
        and any(w in _HAVE["de"] for w in lower)
        and not any(w in _FUTURE["de"] | _OFFER["de"] | {"müssen", "muss", "sollen"} for w in lower)
    )


def _auxiliary_before(
    lower: list[str], j: int, language: str, kind_index: int | None = None
) -> tuple[int, str] | None:
    """The perfect's or the passive's auxiliary governing the participle at ``j``."""
    reach = range(j - 1, -1, -1) if language == "de" else range(j - 1, max(-1, j - 6), -1)
    for i in reach:
        w = lower[i]
        if language == "en" and (
            w in {"will", "'ll", "would", "should", "must", "to", "be"} or w.endswith("'ll")
        ):
            return None  # "will be refunded", "to be sent": not done
        if language == "en" and w in {"was", "were"}:
            # A simple-past passive reports an event ("your parcel was handed to the courier");
            # with "just", "now" or "already", or with the action as its subject ("a refund of
            # €120 was sent"), it is something done for the customer.
            near = lower[i : j + 1]
            if {"just", "now", "already"} & set(near) or (
                kind_index is not None and kind_index < i
            ):
                return i, "passive"
            return None
        if (
            language == "en"
            and w in {"is", "are"}
            and i + 1 < j
            and lower[i + 1] in {"now", "already"}
        ):
            return i, "passive"  # "your subscription is now cancelled"
        if (
            language == "es"
            and w in {"está", "están"}
            and "ya" in lower[max(0, i - 1) : j]
            or language == "fr"
            and w in {"est", "sont"}
            and i + 1 < j
            and lower[i + 1] in {"maintenant", "déjà", "désormais"}
        ):
            return i, "passive"  # "tu suscripción ya está cancelada", "est maintenant résilié"
        if language == "es" and w == "se":
            nxt = lower[i + 1 : i + 3]
            if (
                nxt[:1]
                and nxt[0] in {"ha", "han", "había"}
                or (
                    len(nxt) == 2
                    and nxt[0] in {"te", "le", "les", "os", "nos", "me"}
                    and nxt[1] in {"ha", "han", "había"}
                )
            ):
                return i, "passive"
            continue
        if language == "de" and w in {"ist", "sind"}:
            return i, "passive"
        if (
            language == "es"
            and w in {"ha", "han"}
            and ((i > 0 and lower[i - 1] == "se") or (i > 1 and lower[i - 2] == "se"))
        ):
            return i, "passive"
        if w in _HAVE[language] or (language == "en" and w.endswith("'ve")):
            if language == "en" and j == i + 1 and lower[j] == "been":
                continue
            if language == "en" and "been" in lower[i + 1 : j]:
                return i, "passive"
            return i, "have"
        if w in _PASSIVE[language]:
            return i, "passive"
    return None


_SUBJECTS_US = {"i", "we", "i've", "we've", "ive", "weve", "i'm", "we're", "technician",
                "engineer", "team", "colleagues", "department"}  # fmt: skip
_SUBJECTS_OTHER = {
    "you",
    "you've",
    "you're",
    "he",
    "she",
    "they",
    "it",
    "this",
    "that",
    "which",
    "who",
    "there",
    "they're",
    "they've",
    "you'd",
    "it's",
    "i'll",
    "we'll",
    "you'll",
    "they'll",
}


_POSSESSIVE = frozenset({"your", "his", "her", "their", "the", "this", "that", "its"})


def _nearest_subject_is_us(lower: list[str], i: int) -> bool:
    """English: the closest subject before ``i`` is us ("we", "I", "our team"), not "you"."""
    if i >= 2 and lower[i - 1] not in _SUBJECTS_US and lower[i - 2] in _POSSESSIVE:
        return False  # "your dinner arrived", "the restaurant replaced"
    for w in reversed(lower[max(0, i - 8) : i]):
        if w in _SUBJECTS_US:
            return True
        if w in _SUBJECTS_OTHER:
            return False
    return False


_GENERIC = {
    "en": (
        "told",
        "asked",
        "instruct",
        "schedul",
        "booked",
        "process",
        "issu",
        "complet",
        "approv",
        "appl",
        "sen",
        "made",
        "mak",
        "arrang",
        "initiat",
        "submit",
        "authoris",
        "authoriz",
        "releas",
        "paid",
        "pay",
        "reach",
        "arriv",
        "add",
        "put",
        "do",
        "done",
        "given",
        "giv",
        "set",
    ),
    "de": (
        "veranlass",
        "durchgefuhr",
        "ausgelos",
        "angewies",
        "bearbeit",
        "ausgestellt",
        "erledig",
        "gebucht",
        "bewilligt",
        "genehmig",
        "eingeleitet",
        "vorgenommen",
        "angelegt",
        "hinterleg",
        "gesetzt",
    ),
    "es": (
        "realiz",
        "tramit",
        "emit",
        "procesad",
        "aprob",
        "hech",
        "efectu",
        "gestion",
        "orden",
        "aplicad",
        "anad",
        "dad",
    ),
    "fr": (
        "effectu",
        "emis",
        "trait",
        "valid",
        "approuv",
        "declench",
        "fait",
        "accord",
        "applique",
        "ajout",
        "mis",
        "verse",
        "lance",
    ),
}


def _is_generic(word: str, language: str) -> bool:
    w = fold(word)
    lemma = fold(_lemma(word, language))
    return any(w.startswith(g) or lemma.startswith(g) for g in _GENERIC[language])


def _is_simple_past(word: str, language: str) -> bool:
    w = word.lower()
    if language == "en":
        return _is_past_form(word, language)
    if language == "de":
        return bool(re.search(r"(?:te|ten)$", w)) and fold(_lemma(word, language)) != fold(w)
    if language == "es":
        return bool(re.search(r"(?:é|ó|aron|ieron|ió)$", w)) and fold(
            _lemma(word, language)
        ) != fold(w)
    if language == "fr":
        return (
            bool(re.search(r"(?:a|èrent|it|ît)$", w))
            and len(w) > 4
            and fold(_lemma(word, language)) != fold(w)
            and not w.endswith("ra")
        )
    return False


_EN_NOUN_BEFORE = re.compile(r"^(?:a|an|the|your|any|full|partial|this|that|of|for|my|its)$")
_EN_COMMIT_VERBS = {"receive", "get", "give", "offer", "issue", "process", "send", "add",
                    "apply", "arrange", "enjoy"}  # fmt: skip
_EN_OFFER = re.compile(
    r"\b(?:i|we)(?:'d| would| can| could| are (?:happy|glad|able|going) to| am (?:happy|glad) "
    r"to|'m (?:happy|glad) to|'re (?:happy|glad) to| want to| can also| will also)\b"
)
_EN_THEY_WILL = re.compile(r"^(?:they|he|she|it|this|that) (?:will|'ll)\b")


_SUBORDINATORS = frozenset(
    "que qui dass weil ob porque parce because that and y et und oder or o ou".split()
)


def _governing_first_person_present(
    words: list[str], lower: list[str], index: int, language: str
) -> bool:
    """The action word itself in the first-person present ("te devolvemos"), or such a verb a few
    words before it in the same clause ("nous vous accordons 3 mois … gratuits"); German also
    after it ("erstatten wir", "schenken wir Ihnen … kostenlos")."""
    if _first_person_present(words, index, language):
        return True
    if lower[index] in {"vous", "te", "t'", "nous"} and index + 1 < len(words):
        if _first_person_present(words, index + 1, language):
            return True  # a phrase that starts with its pronoun: "je vous offre", "on te rend"
    for j in range(index - 1, max(-1, index - 8), -1):
        if lower[j] in _SUBORDINATORS:
            break
        if _first_person_present(words, j, language):
            return True
    if language == "de":
        return any(_first_person_present(words, j, language) for j in range(len(words)))
    return False


def _will(
    words: list[str], lower: list[str], index: int, language: str, subject_us: bool, folded: str
) -> str | None:
    before = lower[max(0, index - 6) : index]
    if any(w in _FUTURE[language] for w in before):
        return "will"
    if language == "en":
        if _EN_OFFER.search(folded):
            return "will"
        if re.search(r"\byou(?:'ll| will) (?:receive|get|see|have|enjoy)\b", folded):
            return "will"
        return None
    # Spanish offers are first-person verbs ("puedo", "ofrezco"): their ending is the subject
    if (subject_us or language == "es") and any(w in _OFFER[language] for w in lower):
        return "will"
    if any(w in _FUTURE_BE[language] for w in lower):
        return "will"  # "vous serez remboursé", "será reembolsado"
    if language in ("es", "fr") and any(_is_future_form(w, language) for w in words):
        return "will"
    if _governing_first_person_present(words, lower, index, language):
        return "will"
    if language == "de" and re.search(
        r"\b(?:sie erhalten|sie bekommen|erhalten sie|bekommen "
        r"sie)\b",
        folded,
    ):
        return "will"
    if language == "es" and re.search(r"\b(?:te|le|les|os) (?:llega|llegan|llegara)\b", folded):
        return "will"
    return None


def read_policy(texts: list[str], language: str) -> list[PolicyTerm]:
    """What the policies say about each kind of action: the kind, whether the sentence denies it
    ("vouchers cannot be exchanged for cash", "ne donnent pas droit à un avoir"), and its amounts
    and periods."""
    language = language if language in LANGUAGES else "en"
    terms = []
    for text in texts:
        for sentence in facts.sentences(text):
            for clause in _clauses(sentence) or [sentence]:
                words = _words(clause, language)
                lower = [w.lower() for w in words]
                # "If a parcel is not delivered within 10 days, we refund it": the condition's
                # negation and actions are the case the policy covers, not what it denies
                condition, main = _condition(clause, language)
                for index, kind in _kinds_in(clause, words, language):
                    if index < condition:
                        continue
                    terms.append(
                        PolicyTerm(
                            action=kind,
                            negative=_negated(lower[condition:], index - condition, language)
                            or bool(_POLICY_DENIAL.search(fold(main))),
                            amounts=amounts_in(sentence),
                            periods=periods_in(sentence),
                            sentence=sentence,
                        )
                    )
    return terms


_POLICY_DENIAL = re.compile(
    r"\b(?:non[- ]refundable|not (?:refundable|eligible|possible|covered)|excluded|nicht "
    r"(?:erstattungsfahig|moglich|erstattet)|ausgeschlossen|erst zum|no reembolsable|no se "
    r"(?:reembolsa|devuelve)n?|no (?:es|son) posibles?|non remboursable|ne sont pas|pas possible|"
    r"impossible|exclu)\b"
)


def kinds_in_text(text: str, language: str) -> list[tuple[int, str]]:
    """The action kinds a free text names (a recorded action's note)."""
    language = language if language in LANGUAGES else "en"
    words = _WORD.findall(text.replace("’", "'"))
    return _kinds_in(text, words, language)


def action_words(text: str, kind: str, language: str) -> set[str]:
    """The lemmas of the words in ``text`` that name an action of ``kind`` ("gesperrt" and
    "entsperrt" both name a reset of access, one locks and one unlocks)."""
    language = language if language in LANGUAGES else "en"
    words = _WORD.findall(text.replace("’", "'"))
    return {
        fold(_lemma(words[i], language)) for i, k in _kinds_in(text, words, language) if k == kind
    }


def kinds_done_in_text(text: str, language: str) -> set[str]:
    """The action kinds a note names as done, by a past participle or a simple past
    ("reader repaired", "bonus crédité hier"), not as a topic ("asked about the meter change")."""
    language = language if language in LANGUAGES else "en"
    words = _WORD.findall(text.replace("’", "'"))
    return {
        kind
        for index, kind in _kinds_in(text, words, language)
        if _is_past_form(words[index], language)
    }


def deadline_backed(sentence: str, sources_folded: str) -> bool:
    """A relative deadline ("tomorrow", "sofort", "mañana") backed only where a source says it."""
    return all(fold(m.group(0)) in sources_folded for m in _DEADLINE.finditer(sentence))
