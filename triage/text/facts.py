"""Case-specific facts in a reply, and whether this ticket's evidence backs them (en/de/es/fr).

A fact is something true of one customer's case, not of every customer: a number (time, date,
duration, amount, percentage, count, order/invoice/ticket number), a relative date ("yesterday"),
a named cause or diagnosis ("because of a retry on our payment provider's side"), a statement
about this customer's account, payment or history ("your bank asked for…"), or a service event
("we had an outage", "no data was lost").

Evidence is what is known about this case: the ticket thread, the customer's account data, the
actions recorded on the ticket, and knowledge articles and policies (true for every customer).
Another customer's resolved ticket is never evidence. A number is backed when the same number
appears in the evidence; a cause, statement or event when most of its content words do.

Placeholders (``[EMAIL_1]``, ``{{Order Number}}``) and ``[confirm: …]`` slots are not facts:
they are this customer's masked data or blanks the reviewer fills.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, replace

# A placeholder or a slot: never a fact, never evidence.
SLOT = re.compile(r"\[confirm:[^\]]*\]|\{\{[^}]*\}\}|\[[A-Z_]+_\d+\]|\[[a-z_ ]{2,30}\?\]")
# A sentence ends at . ! ? or a line break, not at the point inside "48.00" or "4.12".
# German ordinals ("am 22. Juni", "zum 1. März") do not end a sentence either, nor does a point
# inside an aside in brackets ("(réf. GC-4471, approx. 3 days)"); a sentence in brackets ends as
# any other ("(If you have paid, ignore this.)").
_SENTENCE = re.compile(
    r"(?:\([^()\n]{0,200}[^()\n.!?]\)|\[[^\[\]\n]{0,200}[^\[\]\n.!?]\]|"
    r"[^.!?\n]|(?<=\d)\.(?=\d)|(?<=\b\d)\.(?= [a-zäöü]| (?:Januar|Februar|März|April|Mai|"
    r"Juni|Juli|August|September|Oktober|November|Dezember)\b)|(?<=\b\d\d)\.(?= [a-zäöü]| "
    r"(?:Januar|Februar|März|April|Mai|Juni|Juli|August|September|Oktober|November|Dezember)\b)"
    r"|(?<=\bNr)\.|(?<=IdNr)\.|(?<=\bca)\.|(?<=bzw)\.|(?<=inkl)\.|(?<=ggf)\.|(?<=\bDr)\.|"
    r"(?<=\bMr)\.|(?<=\bMrs)\.|(?<=\bMs)\.|(?<=\bSt)\.|(?<=\bNo)\.(?= ?\d)|(?<=\bz\.B)\.|"
    r"(?<=\bn[º°])\.)+(?:[.!?]+|$)",
    re.MULTILINE,
)
# A clause runs on through the point or comma inside a number ("two charges of $12.99", "29,90 €").
_IN_NUMBER = r"|(?<=\d)[.,:](?=\d)"
# Where "and" starts a clause of its own ("your order is cancelled and you will not be charged",
# "votre commande est annulée et vous ne serez pas débité"): a statement about the account ends
# there.
_NEW_CLAUSE = (
    r"(?!\s(?:and|et|und|y|e)\s+(?:you|we|i|vous|nous|je|j'|sie|wir|ich|usted|ustedes|le|te|"
    r"nosotros|lo|la)\b)"
)
NUMBER = re.compile(r"(?<![\d.,:/A-Za-z_])\d+(?:[.,:/]\d+)*(?![\w-]*[a-zA-Z])")
_UNIT = re.compile(
    r"(\d)(h|am|pm|st|nd|rd|th|uhr|x|m|km|cm|mm|kg|g|mb|gb|tb|kb|mbps|gbps|min|s|ms)\b",
    re.IGNORECASE,
)
# A number glued to a name: "#iphone6", "PS5", "model X200" back "iPhone 6", "PS 5", "X 200".
_GLUED = re.compile(r"(?<=[^\W\d_])(\d+)\b")
# "1. Open Settings": a step's number, not a fact. Also alone ("1.") once split into sentences.
_LIST_MARKER = re.compile(r"^\s*\d{1,2}[.)](?=\s|$)")
# "Repeat steps 2 and 3", "siga el paso 4": the reply's own steps, not a fact about the case.
_STEP_NUMBERS = re.compile(
    r"(?i)\b(?:steps?|schritte?n?|pasos?|[ée]tapes?)\s+\d{1,2}"
    r"(?:\s*(?:,|and|to|or|und|bis|oder|y|a|o|et|à|ou|-|–)\s*\d{1,2})*\b"
)
# "Unplug it for 30 seconds", "Stecker 30 Sekunden ziehen", "wait 2 minutes", "espere 2 minutos":
# how long a step lasts, the reply's own instruction, not this case. (A radio band is not: "your
# router does not support 5 GHz" is a fact about the customer's device.)
_STEP_QUANTITY = re.compile(
    r"(?i)(?<![\d.,])\d+(?:[.,]\d+)?\s?(?:s|secs?|seconds?|sekunden?|segundos?|secondes?)\b|"
    r"\b(?:wait|warten sie|warte|espere|espera|esperar|attendez|patientez|attendre)\s+"
    r"(?:about |around |etwa |ca\. |unos |unas |environ )?\d+\s?(?:min|mins|minutes?|minuten?|"
    r"minutos?)\b"
)
# The writer's own follow-up: "I'll check back with you on Friday", "ich melde mich am Freitag",
# "le vuelvo a escribir el viernes", "je vous rappelle lundi". Its day is the writer's plan, not a
# date of the case.
_FOLLOW_UP = re.compile(
    r"(?i)\b(?:"
    r"(?:i|we)(?:'ll| will| shall)\s+(?:\w+\s+)?(?:check back|check in|get back|follow up|call|"
    r"ring|phone|contact|email|e-mail|write|update|reach out|be in touch|touch base|let you know)|"
    r"(?:ich|wir)\s+(?:melde|melden|rufe|rufen|schreibe|schreiben|kontaktiere|kontaktieren|gebe|"
    r"geben)\b|"
    r"(?:le|te|les)\s+(?:vuelvo a (?:escribir|llamar|contactar)|"
    r"volver[ée] a (?:escribir|llamar|contactar)|escribir[ée]|escribiremos|llamar[ée]|llamaremos|"
    r"contactar[ée]|contactaremos|avisar[ée]|avisaremos|aviso|escribo|llamo)\b|"
    r"(?:je|nous)\s+(?:vous\s+)?(?:reviens|reviendrai|revenons|reviendrons|rappelle|rappellerai|"
    r"rappelons|rappellerons|recontacte|recontacterai|recontacterons|écrirai|écrirons|tiendrai|"
    r"tiendrons)\b)"
)
COUNT_WORDS = {
    "twice": "2",
    "two times": "2",
    "double": "2",
    "doubled": "2",
    "duplicate": "2",
    "three times": "3",
    "zweimal": "2",
    "doppelt": "2",
    "dreimal": "3",
    "dos veces": "2",
    "duplicado": "2",
    "doble": "2",
    "tres veces": "3",
    "deux fois": "2",
    "en double": "2",
    "trois fois": "3",
}
NUMBER_WORDS = {
    "one": "1",
    "two": "2",
    "three": "3",
    "four": "4",
    "five": "5",
    "zwei": "2",
    "drei": "3",
    "dos": "2",
    "tres": "3",
    "deux": "2",
    "trois": "3",
}
RELATIVE_DATES = (
    r"yesterday|last night|this morning|earlier today|last week|last month|on (?:monday|tuesday|"
    r"wednesday|thursday|friday|saturday|sunday)|gestern|heute morgen|letzte woche|letzten monat|"
    r"am (?:montag|dienstag|mittwoch|donnerstag|freitag|samstag|sonntag)|ayer|esta mañana|la "
    r"semana pasada|el (?:lunes|martes|miércoles|jueves|viernes|sábado|domingo)|hier|ce matin|la "
    r"semaine dernière|(?:lundi|mardi|mercredi|jeudi|vendredi|samedi|dimanche) dernier"
)
_RELATIVE_DATE = re.compile(rf"\b(?:{RELATIVE_DATES})\b", re.IGNORECASE)
_MONTH_DATE = re.compile(
    r"\b(?:(?:in|im|en|au mois de) (?:january|february|march|april|june|july|august|september|"
    r"october|november|december|januar|februar|märz|juni|juli|oktober|dezember|enero|febrero|"
    r"marzo|abril|mayo|junio|julio|agosto|septiembre|octubre|noviembre|diciembre|janvier|février|"
    r"mars|avril|juin|juillet|août|septembre|octobre|novembre|décembre)|"
    r"\d{1,2}(?:st|nd|rd|th|\.)?\s+(?:of\s+|de\s+)?(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|"
    r"dec|januar|februar|märz|mai|juni|juli|okt|dez|enero|febrero|marzo|abril|mayo|junio|julio|"
    r"agosto|septiembre|octubre|noviembre|diciembre|janvier|février|mars|avril|juin|juillet|"
    r"août|septembre|octobre|novembre|décembre)\w*|(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|"
    r"nov|dec)\w*\.?\s+\d{1,2}(?:st|nd|rd|th)?)\b",
    re.IGNORECASE,
)

# Month and weekday names (folded) by number, en/de/es/fr: "31. Mai" is the 31.05. of a note.
_MONTHS = {
    name: number
    for number, names in enumerate(
        (
            "january jan januar janvier enero",
            "february feb februar fevrier febrero",
            "march mar marz mars marzo",
            "april apr avril abril",
            "may mai mayo",
            "june jun juni juin junio",
            "july jul juli juillet julio",
            "august aug aout agosto",
            "september sep sept septembre septiembre",
            "october oct oktober okt octobre octubre",
            "november nov novembre noviembre",
            "december dec dezember dez decembre diciembre",
        ),
        start=1,
    )
    for name in names.split()
}
_WEEKDAYS = {
    name: number
    for number, names in enumerate(
        (
            "monday montag lunes lundi",
            "tuesday dienstag martes mardi",
            "wednesday mittwoch miercoles mercredi",
            "thursday donnerstag jueves jeudi",
            "friday freitag viernes vendredi",
            "saturday samstag sabado samedi",
            "sunday sonntag domingo dimanche",
        )
    )
    for name in names.split()
}
_NAMED_DAY = (
    re.compile(
        r"\b(?P<day>\d{1,2})(?:st|nd|rd|th|er|\.)?\s+(?:of\s+|de\s+)?(?P<month>[a-z]{3,})\b"
    ),
    re.compile(r"\b(?P<month>[a-z]{3,})\.?\s+(?P<day>\d{1,2})(?:st|nd|rd|th)?\b"),
)
_NUMERIC_DAY = re.compile(
    r"\b(?:(?P<year>\d{4})-(?P<m>\d{1,2})-(?P<d>\d{1,2})|(?P<d2>\d{1,2})[./](?P<m2>\d{1,2})\.?)"
    r"(?![\d,])"
)


def date_keys(text: str) -> set[str]:
    """The days a text names, as comparable keys: ``d31.5`` for a day of a month, ``w0`` for a
    weekday (Monday), in any of the four languages and in numeric form (31.05., 31/05, ISO)."""
    folded = _fold(text)
    keys = {f"w{_WEEKDAYS[w]}" for w in re.findall(r"[a-z]+", folded) if w in _WEEKDAYS}
    for match in (m for pattern in _NAMED_DAY for m in pattern.finditer(folded)):
        month = _MONTHS.get(match.group("month"))
        if month and 1 <= int(match.group("day")) <= 31:
            keys.add(f"d{int(match.group('day'))}.{month}")
    for match in _NUMERIC_DAY.finditer(folded):
        day, month = match.group("d") or match.group("d2"), match.group("m") or match.group("m2")
        if 1 <= int(day) <= 31 and 1 <= int(month) <= 12:
            keys.add(f"d{int(day)}.{int(month)}")
    return keys


# A named cause or diagnosis: the clause after the trigger is the fact.
_CAUSE = re.compile(
    r"\b(?:because(?: of)?|caused by|due to|as a result of|the (?:reason|cause) (?:was|is)|"
    r"(?:was|were) triggered by|resulted from|results from|stems? from|owing to|"
    r"wegen|aufgrund|verursacht durch|weil|der grund (?:war|ist)|lag an|(?:ging|geht|gingen) auf|"
    r"zurückzuführen auf|"
    r"debido a|causad[oa] por|porque|a causa de|por culpa de|se deb(?:ió|e|en|ieron) a|resulta de|"
    r"el motivo (?:fue|es)|"
    r"à cause d[e']|causée? par|d[uû]e?s? à|en raison d[e']|parce qu[e']|suite à|provoquée? par|"
    r"résult(?:e|ait|ent) d[eu']|(?:pro)?v(?:ient|enait|iennent) d(?='un|'une|u |es |e la )|"
    r"(?:pro)?viene de (?=un|una|la|el)|comes? from|came from|(?:kommt|kam|stammt|stammte) von|"
    r"la (?:raison|cause) (?:est|était)|"
    # where the fault was: "the fault was in the cabinet", "der Fehler lag im Verteiler"
    r"(?:fault|problem|issue|failure|error|fehler|störung|defekt|avería|fallo|panne|défaut) "
    r"(?:was|lay|lag|estaba|estuvo|était|se trouvait|venait) (?=(?:in|at|on|im|am|in der|en|"
    r"dans|au|à|de l'|du|de la)\b))\s*(?P<clause>(?:[^,;:.!?\n]" + _IN_NUMBER + "){3,})",
    re.IGNORECASE,
)
# "The inconvenience caused by …" restates the customer's problem; it names no cause.
_APOLOGY = re.compile(
    r"\b(?:inconvenience|frustration|trouble|confusion|difficult(?:y|ies)|disruption|delay|"
    r"problems?|issues?|stress|worry|annoyance|unannehmlichkeiten|ärger|molestias|"
    r"inconvenientes|gêne|désagréments?)\s*$",
    re.IGNORECASE,
)
# A statement about this customer's account, payment or history: a possessive, a short noun
# phrase (no preposition, no conjunction) and a verb in the past or perfect, per language.
_NOUN = r"(?P<subject>(?:(?!(?:{stop})\b)[\w'-]+\s+){{1,3}}?)"
_ACCOUNT_PATTERNS = [
    (
        r"your",
        r"for|of|in|on|to|with|about|regarding|concerning|and|or|is|are|will|can|may|please|"
        r"that|which|we|i|you|within|before|after|from|at|by|into|through|during|since|until|as|"
        r"like|than|should|would|could|must|might|shall|be",
        r"was|were|has been|have been|had been|has|had|is now|got|did|\w{3,}ed|is currently|are "
        r"currently|is still|are still",
    ),
    (
        r"ihre?[nmrs]?",
        r"für|von|in|an|auf|mit|über|und|oder|ist|sind|wird|kann|bitte|wir|sie|bei|nach|vor|aus|"
        r"zu|seit|bis|durch|als|wie|soll|sollte|muss|könnte",
        r"wurden?|war|waren|hat|hatte|ist|befindet sich|liegt",
    ),
    (
        r"su|sus|tu|tus",
        r"para|de|en|con|sobre|y|o|es|son|será|puede|por|que|antes|después|desde|hasta|durante|"
        r"como|a|al|del|debe|debería|podría",
        # the preterite too, reflexive or not ("su cuenta se vinculó", "su pedido llegó")
        r"fue|fueron|ha sido|han sido|se ha|ha|había|está|(?:se )?\w{3,}(?:ó|aron|ieron)",
    ),
    (
        r"votre|vos",
        r"pour|de|du|des|en|avec|sur|et|ou|sera|peut|est|sont|que|qui|à|au|aux|avant|après|"
        r"depuis|jusqu|pendant|par|comme|dans|doit|devrait|pourrait",
        r"a été|ont été|a|avait|était|est|se trouve",
    ),
]
_ACCOUNT = [
    re.compile(
        rf"\b(?:{possessive})\s+{_NOUN.format(stop=stop)}(?P<verb>{verbs})\s+"
        rf"(?P<clause>(?:{_NEW_CLAUSE}[^,;:.!?\n]{_IN_NUMBER}){{3,}})",
        re.IGNORECASE,
    )
    for possessive, stop, verbs in _ACCOUNT_PATTERNS
]
_CHECKED = re.compile(
    r"\b(?:i can see|we can see|i see that|our records show|according to our records|looking at "
    r"your account|i (?:checked|reviewed)|we (?:checked|reviewed)|wir sehen|laut unseren "
    r"unterlagen|veo que|según nuestros registros|je vois que|d'après nos dossiers|"
    # the records by another name: "our system shows", "laut unserem System"
    r"(?:our|the) system shows|according to our system|laut (?:unserem|dem) system|"
    r"según (?:nuestro|el) sistema|d'après (?:notre|le) système|selon notre système)\b\s*"
    r"(?P<clause>(?:[^.!?\n]" + _IN_NUMBER + "){3,})",
    re.IGNORECASE,
)
# "I see that you need help with your invoice": the customer's request said back, not a record.
RESTATED = re.compile(
    r"^(?:that\s+)?(?:(?:you|sie|vous|usted|tú)\s+)?(?:(?:are|'re|have been|would|'d|still|really|"
    r"just)\s+)?(?:need|want|require|like|wish|ask|asked|inquir\w*|enquir\w*|interested|"
    r"looking|seeking|trying|hoping|expecting|awaiting|waiting|unsure|curious|eager|"
    r"have (?:a )?questions?|möchten|"
    r"benötigen|brauchen|wünschen|fragen|souhaitez|voulez|avez besoin|cherchez|demandez|"
    r"necesitas?|quieres?|deseas?|buscas?|preguntas?)\b",
    re.IGNORECASE,
)
# A finding: what a check or a visit found ("the technician found a faulty splitter").
_FINDING = re.compile(
    r"\b(?:found|discovered|detected|identified|spotted|concluded|determined(?! to\b)|festgestellt|"
    r"gefunden|entdeckt|kam zu dem (?:ergebnis|schluss)|concluy[óo]|conclu|"
    r"ergab|encontr[óo]|encontrado|detect[óo]|descubr\w+|constaté|trouvé|découvert|détecté|"
    r"révélé),?\s+(?:that\s+|dass\s+|que\s+|qu')?(?P<clause>(?:[^,;.!?\n]" + _IN_NUMBER + "){3,})",
    re.IGNORECASE,
)
# "can be found on our website", "often found in the menu", "the benefits you found": where
# something is, or the customer's finding, not what a check of ours found.
_NO_FINDING = re.compile(
    r"\b(?:be|you|they|often|usually|typically|generally|commonly|easily)\s+$", re.IGNORECASE
)
# A service event: an outage, a fix, data lost or kept.
_EVENT = re.compile(
    r"\b(?:we had an? (?P<c1>[^,;.!?\n]{3,})|there (?:was|were|has been) (?:an? |some )?"
    r"(?P<c2>[^,;.!?\n]{3,})|(?P<c3>(?:no|none of your) data (?:was|were|has been) lost)|"
    r"(?P<c4>(?:service|everything|the app|the dashboard|access|it) (?:is|was|has been) "
    r"(?:now )?(?:fully )?(?:restored|back|fixed|resolved|working again))|"
    r"(?P<c5>(?:the|this) (?:bug|issue|problem|error|incident) (?:is|was|has been) "
    r"(?:now )?(?:fixed|resolved|solved))|"
    r"es gab (?:eine?n? )?(?P<c6>[^,;.!?\n]{3,})|wir hatten (?:eine?n? )?(?P<c7>[^,;.!?\n]{3,})|"
    r"(?P<c8>[^,;.!?\n]{3,40} wurde (?:behoben|wiederhergestellt))|(?P<c9>keine daten "
    r"(?:gingen|wurden|sind) [^,;.!?\n]*verloren)|hubo (?:una? )?(?P<c10>[^,;.!?\n]{3,})|"
    r"(?P<c11>(?:el|la) [^,;.!?\n]{3,30} (?:se ha|fue|ha sido) (?:solucionad|resuelt|"
    r"restablecid)[oa])|(?P<c12>no se perdi(?:ó|eron) (?:ningún )?datos?)|"
    r"(?:il y a eu|nous avons eu) (?:une? )?(?P<c13>[^,;.!?\n]{3,})|"
    r"(?P<c14>[^,;.!?\n]{3,30} a été (?:corrigée?|résolue?|rétablie?))|"
    r"(?P<c15>aucune donnée n'a été perdue)|"
    # a stock-out given as the reason: "the shop was out of stock", "était en rupture de stock"
    r"(?P<c16>(?:(?:was|were|is|are) out of stock|(?:had )?ran out of|had run out of)"
    r"[^,;.!?\n]{0,40}|(?:war|waren|ist|sind) (?:leider )?(?:ausverkauft|nicht (?:mehr )?"
    r"(?:vorrätig|auf lager))[^,;.!?\n]{0,40}|(?:(?:estaba|estaban|está|están) (?:agotad[oa]s?|"
    r"sin (?:stock|existencias))|se agot(?:ó|aron))[^,;.!?\n]{0,40}|(?:était|étaient|est|sont) "
    r"en rupture de stock[^,;.!?\n]{0,40})|"
    # damage or loss as it happened: "the item was damaged in our warehouse", "wurde im Lager
    # beschädigt", "se dañó en el almacén", "a été abîmé dans notre entrepôt"
    r"(?P<c17>(?:was|were|got) (?:damaged|broken|lost|mislaid|misrouted)[^,;.!?\n]{0,40}|"
    r"wurden? (?:[\w-]+ ){0,4}(?:beschädigt|verloren|zerstört|verlegt)|se (?:dañó|dañaron|rompió|"
    r"rompieron|perdió|perdieron|extravió|extraviaron)[^,;.!?\n]{0,40}|(?:a|ont) été (?:abîmée?s?|"
    r"endommagée?s?|perdue?s?|égarée?s?|cassée?s?)[^,;.!?\n]{0,40}))",
    re.IGNORECASE,
)
# The plan or contract the customer is on, said to them: "you are on the Basic plan", "Sie haben den
# Basistarif", "tiene la tarifa Básica", "vous avez le forfait Essentiel". The account backs it.
_ON_PLAN = re.compile(
    r"(?i:\byou(?:'re| are) (?:currently |still |now )?on (?P<p1>(?:the|our|a|an) "
    r"[^,;.!?\n]{0,30}?\b(?:plan|tariff|contract|package|bundle|tier|subscription)\b))|"
    r"\bSie (?:haben|nutzen) (?:derzeit |aktuell |noch )?(?P<p2>(?:den|das|die|einen|ein|eine) "
    r"[\w-]*(?:[Tt]arif|[Vv]ertrag|[Pp]aket|[Aa]bo))\b|"
    r"(?i:\b(?:tiene|tienes|usted tiene) (?:contratad[oa] )?(?P<p3>(?:la|el|un|una) (?:tarifa|plan|"
    r"contrato|paquete)\b[^,;.!?\n]{0,30})|\bvous (?:avez|êtes sur) (?P<p4>(?:le|la|l'|un|une) ?"
    r"(?:forfait|offre|abonnement|contrat)\b[^,;.!?\n]{0,30}))"
)
# "I'm sorry your parcel was damaged": the customer's report said back.
_SORRY_BEFORE = re.compile(
    r"\b(?:sorry|apologi[sz]e|regret|leid|bedauer\w*|lament\w*|sentimos|siento|désolée?s?|"
    r"navrée?s?|regrett\w*)\b",
    re.IGNORECASE,
)
# A sentence that speaks of the general case or the future states no fact about this one: it
# opens with a condition (a heading may stand before it: "Billing errors: if you were charged
# twice, …") or hedges.
_CONDITION = re.compile(
    r"^\s*(?:[^:.!?\n]{0,40}:\s*)?(?:if|when|whenever|once|after|unless|in case|as soon as|"
    r"should|wenn|falls|sobald|nachdem|si|cuando|una vez|en caso|lorsque|quand|dès que|"
    r"une fois)\b",
    re.IGNORECASE,
)
_HEDGE = re.compile(
    r"\b(?:may|might|could|usually|typically|generally|sometimes|kann|können|könnte|puede|"
    r"pueden|podría|peut|peuvent|pourrait)\b",
    re.IGNORECASE,
)
_GENERAL_CASE = re.compile(
    r"\b(?:where|when|whenever|if|unless|in which|in case|wo|wenn|falls|donde|cuando|si|où|"
    r"quand|lorsque)\s*$",
    re.IGNORECASE,
)
# An apology that says back what the customer reported ("sorry your parcel arrived damaged",
# "es tut uns leid, dass Ihre Lieferung …", "lamentamos que su pedido …", "désolés que votre
# colis …"): the customer's account of it, not a record of ours.
_SORRY_THAT = re.compile(
    r"\b(?:sorry|apologi[sz]e|regret)(?: (?:that|to hear(?: that)?|about|for))?\s*$|"
    r"\b(?:leid|bedauern|bedaure),? dass\s*$|\b(?:lamentamos|sentimos|siento|lamento)(?: mucho)? "
    r"que\s*$|\b(?:désolée?s?|navrée?s?|regrettons|regrette)(?: (?:que|d'apprendre que))\s*$",
    re.IGNORECASE,
)
# Subjects of "your … was" that describe the conversation, not the account.
_CONVERSATION = re.compile(
    r"^(?:request|message|feedback|patience|understanding|question|inquiry|enquiry|concern|"
    r"satisfaction|time|email|e-mail|trust|experience|anfrage|nachricht|geduld|frage|solicitud|"
    r"mensaje|paciencia|pregunta|consulta|demande|message|patience|question)\b",
    re.IGNORECASE,
)
STOPWORDS = frozenset(
    """a an the and or of to in on at for with by from as is are was were be been being has have
    had do does did it its this that these those there their our your you we i me my us they them
    he she his her not no so than then too very can could will would should may might just also
    now all any some such only own same into over under again further here out up down off about
    side part one fully while when where which what who whom how why because after before since
    until during through per via get got make made let please thank thanks sorry apologize
    inconvenience
    der die das den dem des ein eine einen einem einer und oder zu im in am an auf für mit von
    bei ist sind war waren wurde wurden hat haben hatte es sie wir ihr ihre ihren ihrem unser
    unsere nicht kein keine auch nur noch uns ich mich mir ihnen habe hatten gewesen
    el la los las un una unos unas y o de del en con por para al es son fue fueron ha han su sus
    tu tus nuestro nuestra que se lo le no también nosotros usted era eran estaba estaban había
    habían hemos sido
    le la les un une des et ou de du en au aux pour par avec est sont été a ont son sa ses votre
    vos notre nos que qui ne pas plus aussi nous vous je chez était étaient avait avaient avons
    avez
    problem problems issue issues trouble morning afternoon evening night
    probleme abend morgen nacht nachmittag dieser diese dieses diesem diesen
    problema problemas noche tarde ese esa esos esas este esta estos estas aquel aquella
    problemes soir soiree matin nuit cette cet ces celui celle""".split()
)


@dataclass(frozen=True)
class Fact:
    kind: str  # number, date, count, cause, account, event
    value: str  # the fact as written
    sentence: str
    # Words of the clause that this case does not state and another customer's case does, in a
    # sentence mostly copied from that case (a diagnosis taken from someone else's ticket).
    borrowed: tuple[str, ...] = ()
    # What a check or a visit of this case found ("the expert concluded that …"): only this
    # case's own texts back it; a policy or an article using the same words says what holds in
    # general, not what was found here.
    found: bool = False


@dataclass(frozen=True)
class Evidence:
    """What is known about this case, normalised for matching."""

    numbers: frozenset[str]
    stems: frozenset[str]
    text: str
    days: frozenset[str] = frozenset()
    # The content words of each sentence of other customers' cases given with the draft (resolved
    # tickets and the replies they got): they back nothing, and a cause or event copied from one
    # must be backed by this case word for word.
    others: tuple[frozenset[str], ...] = ()
    # The content words of this case's own texts (thread, account, recorded actions), without
    # the articles and policies; None when the texts were not told apart.
    case: frozenset[str] | None = None

    @classmethod
    def of(
        cls, texts: Iterable[str], *, others: Iterable[str] = (), case: Iterable[str] | None = None
    ) -> Evidence:
        joined = "\n".join(t for t in texts if t)
        clean = SLOT.sub(" ", joined)
        numbers: set[str] = set()
        for value in _numbers(clean):
            numbers |= _variants(value)
        lowered = _fold(clean)
        for word, number in {**COUNT_WORDS, **NUMBER_WORDS}.items():
            if re.search(rf"\b{re.escape(_fold(word))}\b", lowered):
                numbers.add(number)
        for match in re.finditer(r"\b(\d+)\s?x\b", lowered):
            numbers.add(match.group(1))
        numbers |= {m.group(1) for m in _GLUED.finditer(clean)}
        return cls(
            numbers=frozenset(numbers),
            stems=frozenset(stems(clean)),
            text=lowered,
            days=frozenset(date_keys(clean)),
            others=tuple(
                words
                for other in others
                for sentence in sentences(SLOT.sub(" ", other))
                if (words := frozenset(stems(sentence)))
            ),
            case=None
            if case is None
            else frozenset(stems(SLOT.sub(" ", "\n".join(t for t in case if t)))),
        )


def _fold(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text.lower())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


# Words are compared folded ("für", "été", "había" as the text's "fur", "ete", "habia").
_FOLDED_STOPWORDS = frozenset(_fold(w) for w in STOPWORDS)


def _stem(word: str) -> str:
    return re.sub(r"(?<=\w{3})(?:ing|ed|es|s|ly|en|er)$", "", word)[:5]


def stems(text: str) -> list[str]:
    """Content words cut to a five-letter prefix: a crude stem that holds across en/de/es/fr."""
    words = re.findall(r"[^\W\d_]{3,}", _fold(text))
    return [_stem(w) for w in words if w not in _FOLDED_STOPWORDS]


_NUMBER_STEMS = {_stem(_fold(word)): number for word, number in NUMBER_WORDS.items()}


def _numbers(text: str) -> list[str]:
    found = []
    for line in text.splitlines():
        body = _STEP_QUANTITY.sub(" ", _STEP_NUMBERS.sub(" ", _LIST_MARKER.sub(" ", line)))
        body = _UNIT.sub(r"\1 \2", body)
        found += [m.group(0) for m in NUMBER.finditer(body)]
    return [n.strip(".,:/") for n in found if n.strip(".,:/")]


def _variants(number: str) -> set[str]:
    """The forms one number may take: 09:12 and 9:12, 48.00 and 48, 1,200 and 1200."""
    out = {number}
    plain = number.replace(",", "").replace(" ", "")
    out.add(plain)
    for value in (number, plain, number.replace(".", "").replace(",", ".")):
        head = re.split(r"[.,]", value)[0]
        if re.fullmatch(r"\d+", head) and re.fullmatch(r"\d+[.,]0{1,2}", value):
            out.add(head)  # 48.00 is 48
        out.add(value)
    out |= {re.sub(r"^0+(?=\d)", "", v) for v in list(out)}
    out |= {re.sub(r"(?<=:)0(?=\d)|^0(?=\d:)", "", v) for v in list(out)}
    out |= {v[:-3] for v in list(out) if re.fullmatch(r"\d{1,2}:00", v)}  # "7:00" is "7"
    return {v for v in out if v}


def sentences(text: str) -> list[str]:
    return [s.strip() for s in _SENTENCE.findall(text) if s.strip()]


def _just_after(body: str, match: re.Match, fact: Fact) -> bool:
    at = body.find(fact.value, match.end())
    return 0 <= at - match.end() <= 30


def facts_in(sentence: str) -> list[Fact]:
    """The case-specific facts one sentence states."""
    body = SLOT.sub(" ", sentence)
    found: list[Fact] = []
    for value in _numbers(body):
        if value in {"24/7", "24x7"}:
            continue
        found.append(Fact("number", value, sentence))
    lowered = _fold(body)
    for word in COUNT_WORDS:
        # "double-check", "double-click": a verb, not a count
        if re.search(rf"\b{re.escape(_fold(word))}\b(?![-‐]\w)", lowered):
            found.append(Fact("count", word, sentence))
    found += [Fact("date", m.group(0), sentence) for m in _RELATIVE_DATE.finditer(body)]
    dated = [Fact("date", m.group(0), sentence) for m in _MONTH_DATE.finditer(body)]
    # "31. Mai": the day is judged with its date, not again as a number
    in_dates = {d for f in dated for d in re.findall(r"\d+", f.value)}
    found = [f for f in found if not (f.kind == "number" and f.value in in_dates)] + dated
    if follow_up := _FOLLOW_UP.search(body):
        # the day just after the verb ("… on Friday"), not another date the sentence gives
        found = [f for f in found if not (f.kind == "date" and _just_after(body, follow_up, f))]
    if _CONDITION.search(body):
        # "If your order has shipped…", "in case of duplicate payments": the general case, not
        # this one; its numbers and dates are still values the reply gives.
        return [f for f in found if f.kind != "count"]
    if _HEDGE.search(body):
        return found
    found += [
        Fact("cause", m.group("clause").strip(), sentence)
        for m in _CAUSE.finditer(body)
        if not _APOLOGY.search(body[: m.start()])
    ]
    for match in (m for pattern in _ACCOUNT for m in pattern.finditer(body)):
        if _CONVERSATION.match(match.group("subject") or "") or _CONVERSATION.match(
            match.group("clause") or ""
        ):
            continue
        if _SORRY_THAT.search(body[: match.start()]):
            continue  # "I'm sorry your dinner arrived cold": the customer's report said back
        found.append(Fact("account", match.group(0).strip(), sentence))
    found += [
        Fact("account", next(v for v in m.groupdict().values() if v).strip(), sentence)
        for m in _ON_PLAN.finditer(body)
    ]
    found += [
        Fact("account", m.group("clause").strip(), sentence)
        for m in _CHECKED.finditer(body)
        if not RESTATED.match(m.group("clause").strip())
    ]
    found += [
        Fact("cause", m.group("clause").strip(), sentence, found=True)
        for m in _FINDING.finditer(body)
        if not _NO_FINDING.search(body[: m.start()])
    ]
    for match in _EVENT.finditer(body):
        if _GENERAL_CASE.search(body[: match.start()]):
            continue  # "situations where there was an overcharge": a kind of case, not this one
        if match.group("c17") and _SORRY_BEFORE.search(body[: match.start()]):
            continue
        clause = next((v for v in match.groupdict().values() if v), "")
        found.append(Fact("event", clause.strip(), sentence))
    return found


def backed(fact: Fact, evidence: Evidence) -> bool:
    if fact.kind == "number":
        return bool(_variants(fact.value) & evidence.numbers)
    if fact.kind == "count":
        return COUNT_WORDS[fact.value] in evidence.numbers
    if fact.kind == "date":
        days = date_keys(fact.value)
        return (
            _fold(fact.value) in evidence.text
            or bool(days)
            and days <= evidence.days
            or all(n in evidence.numbers for n in re.findall(r"\d+", fact.value))
            and bool(re.findall(r"\d+", fact.value))
        )
    # a number written as a word is known as the case's digit ("trois tentatives", "3 tentatives")
    words = {w for w in stems(fact.value) if _NUMBER_STEMS.get(w) not in evidence.numbers}
    if not words:
        return True
    # "caused by the errors you encountered": the customer's own words back it. A clause whose
    # ids and amounts the case states all ("orders #5521 and #5590") needs fewer of its words.
    numbers = [n for n in _numbers(fact.value) if len(re.sub(r"\D", "", n)) >= 3]
    needed = 0.4 if numbers and all(_variants(n) & evidence.numbers for n in numbers) else 0.6
    known = evidence.case if fact.found and evidence.case is not None else evidence.stems
    return len(words & known) / len(words) >= needed


# A reply sentence is copied from another customer's when at least this share of its content
# words is in one sentence of that case.
COPIED_SHARE = 0.5


# What a copy from another case is judged for: a diagnosis (a cause, a finding) or an event. An
# account statement copied from another case mostly restates the request this customer made too
# ("I see that you need help editing your order": 4 false flags in Bitext's 902 drafts).
_COPY_KINDS = frozenset({"cause", "event"})


def borrowed(fact: Fact, evidence: Evidence) -> tuple[str, ...]:
    """The words of a cause or event that this case does not state but another customer's case
    does, when the sentence is mostly a sentence of that case (the customer's own topic words
    made the copied diagnosis look backed)."""
    if fact.kind not in _COPY_KINDS or not evidence.others:
        return ()
    own = set(stems(fact.sentence))
    missing = set(stems(fact.value)) - evidence.stems
    if not own or not missing:
        return ()
    for other in evidence.others:
        if missing & other and len(own & other) >= COPIED_SHARE * len(own):
            taken = missing & other
            # the words as the reply writes them ("exchange", not the stem "excha")
            words = re.findall(r"[^\W\d_]{3,}", fact.value)
            return tuple(dict.fromkeys(w for w in words if set(stems(w)) & taken))
    return ()


def unbacked(text: str, evidence: Evidence, *, skip: Iterable[str] = ()) -> list[Fact]:
    """Every fact in ``text`` the evidence does not back, except in the sentences ``skip``."""
    skipped = set(skip)
    out: list[Fact] = []
    for sentence in sentences(SLOT.sub(" ", text)):  # the same split as the guards'
        if sentence in skipped:
            continue
        missing = []
        for fact in facts_in(sentence):
            if not backed(fact, evidence):
                missing.append(fact)
            elif words := borrowed(fact, evidence):
                missing.append(replace(fact, borrowed=words))
        # One clause flagged once: "an outage … caused by a faulty change" is the cause.
        clauses = [f.value for f in missing if f.kind in _CLAUSE_KINDS]
        out += [
            f
            for f in missing
            if f.kind not in _CLAUSE_KINDS
            or not any(c != f.value and c in f.value for c in clauses)
        ]
    return out


_CLAUSE_KINDS = frozenset({"cause", "account", "event"})


WHAT_BACKS = {
    "number": "the number in the ticket, the account data, a recorded action or a cited article",
    "count": "the ticket or a recorded action saying so",
    "date": "the date in the ticket or a recorded action",
    "cause": "the cause in the ticket, a recorded investigation note or a cited article",
    "account": "the customer's account data, the ticket or a recorded action",
    "event": "a status article or an incident note cited with the draft, or the ticket",
}


# What a case-specific value becomes in a knowledge entry, by the words just before it.
_LABELS = [
    (
        re.compile(
            r"(?:order|purchase|bestellung|pedido|commande)\W*(?:number|no|nr|n[º°o])?\W*$", re.I
        ),
        "Order Number",
    ),
    (
        re.compile(r"(?:invoice|rechnung|factura|facture)\W*(?:number|no|nr|n[º°o])?\W*$", re.I),
        "Invoice Number",
    ),
    (
        re.compile(r"(?:ticket|case|fall|caso|dossier)\W*(?:number|no|nr|n[º°o])?\W*$", re.I),
        "Ticket Number",
    ),
    (
        re.compile(r"(?:tracking|sendung|seguimiento|suivi)\W*(?:number|no|nr|n[º°o])?\W*$", re.I),
        "Tracking Number",
    ),
    (re.compile(r"(?:card|karte|tarjeta|carte)\b.{0,20}$", re.I), "Card Digits"),
]
_PII_LABELS = {
    "EMAIL": "Email",
    "PHONE": "Phone Number",
    "CARD": "Card Number",
    "IBAN": "IBAN",
    "SSN": "ID Number",
    "IP": "IP Address",
}


def generalize(text: str) -> str:
    """A sent reply made fit for reuse: every case-specific number, date and masked value becomes a
    ``{{Placeholder}}`` (the shape of the Bitext replies: "order {{Order Number}}"). Steps,
    article links and wording stay."""

    def number(match: re.Match) -> str:
        before = text_[max(0, match.start() - 30) : match.start()]
        value = match.group(0)
        if ":" in value and re.fullmatch(r"\d{1,2}:\d{2}", value):
            return "{{Time}}"
        if re.search(r"[€$£]\s?$", before) or re.match(
            r"\s?(?:eur|usd|gbp|euros?|dollars?|€)\b", text_[match.end() : match.end() + 8], re.I
        ):
            return "{{Amount}}"
        if text_[match.end() : match.end() + 2].strip().startswith("%"):
            return "{{Percent}}"
        for pattern, label in _LABELS:
            if pattern.search(before):
                return "{{" + label + "}}"
        return "{{Number}}"

    lines = []
    for line in text.split("\n"):
        marker = _LIST_MARKER.match(line)
        head, rest = (line[: marker.end()], line[marker.end() :]) if marker else ("", line)
        rest = _MONTH_DATE.sub("{{Date}}", rest)
        rest = _RELATIVE_DATE.sub("{{Date}}", rest)
        rest = re.sub(r"[€$£]\s?\d[\d.,]*\d|[€$£]\s?\d", "{{Amount}}", rest)
        rest = re.sub(r"\b\d+(?:[.,]\d+)?\s?%", "{{Percent}}", rest)
        text_ = rest
        rest = NUMBER.sub(number, rest)
        rest = re.sub(
            r"\[([A-Z]+)_\d+\]", lambda m: "{{" + _PII_LABELS.get(m.group(1), "Detail") + "}}", rest
        )
        lines.append(head + rest)
    return "\n".join(lines)
