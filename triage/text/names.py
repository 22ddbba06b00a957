"""Person names and street addresses in en/de/es/fr text, found by context, for the masking in
:mod:`triage.text.pii`.

A name is masked when something around it says it is one: a greeting ("Hi Anna", "Sehr
geehrter Herr Weber"), a sign-off ("Regards,\\nJohn Smith"), an introduction ("my name is…",
"this is Tom from…"), a relation ("my colleague Priya Raman"), a title ("Mme Girard"), a verb of
contact with a known first name ("I spoke to Jessica"), or a known first name followed by a
surname ("Hannah Schmidt"). Known first names are the US Census 1990 list (the ``names``
package), without the ones that are also everyday words ("Will", "May", "Grant"). People no rule
knows come from the trained tagger (``recognised_names``, :mod:`triage.text.ner`).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator
from functools import cache
from importlib import resources

import simplemma

from triage.text import ner
from triage.text.cleaning import SIGNOFF_PHRASES

_UPPER = "A-ZÀ-ÖØ-ÞŁŚŻŹĆŃŠŽČ"
_LOWER = "a-zß-öø-ÿłśżźćńšžč"
# "Anna", "O'Connor", "McDonald", "Jean-Luc"
NAME_WORD = (
    rf"(?:[{_UPPER}]['’])?[{_UPPER}][{_LOWER}]+(?:[{_UPPER}][{_LOWER}]+)?"
    rf"(?:-[{_UPPER}][{_LOWER}]+)?"
)
_PARTICLE = r"(?:de la|de los|van der|van den|von der|de|del|da|dos|das|van|von|di|du|le|la)"
# After a particle comes a name, not a pronoun: "Frau Martin von Ihrer Hotline".
_NOT_AFTER_PARTICLE = (
    r"(?!(?:Ihr|Ihre|Ihrer|Ihrem|Ihren|Ihres|Unser\w*|Euer|Eure\w*|Sie|Votre|Vos|Su|Sus|"
    r"Nuestr\w+|Vuestr\w+)\b)"
)
FULL_NAME = rf"{NAME_WORD}(?:[ \t]+(?:{_PARTICLE}[ \t]+{_NOT_AFTER_PARTICLE})?{NAME_WORD}){{0,2}}"
TITLE = (
    r"(?:Mr|Mrs|Ms|Miss|Mx|Dr|Prof|Herr|Herrn|Frau|Sr|Sra|Srta|Dña|Doña|Don|Mme|Mlle|M|"
    r"Monsieur|Madame|Mademoiselle)"
)
_TITLES = rf"(?:{TITLE}\.?[ \t]+)+"

# Words that follow a greeting or a relation word but are not names.
_NOT_NAMES = {
    "support", "team", "there", "all", "everyone", "everybody", "sir", "madam", "customer",
    "service", "services", "folks", "guys", "friends", "again", "colleagues", "mister",
    "zusammen", "damen", "herren", "kollegen", "equipo", "todos", "todas", "señores",
    "tous", "équipe", "messieurs", "mesdames", "billing", "sales", "admin",
    "administrator", "helpdesk", "help", "desk", "the", "and", "or", "und", "y", "et",
    "kundendienst",
    "kundenservice", "soporte", "atención", "cliente", "clientes", "monsieur",
    "madame", "good", "morning", "afternoon", "evening", "day", "thanks", "thank", "hello", "hi",
}  # fmt: skip

# Census first names that are also everyday words, months, places or brands.
_AMBIGUOUS_FIRST = {
    "will", "may", "june", "april", "august", "mark", "bill", "grant", "rose", "lily", "iris",
    "amber", "hope", "faith", "joy", "grace", "dawn", "summer", "autumn", "sky", "chelsea",
    "florence", "paris", "sydney", "austin", "jordan", "georgia", "virginia", "carolina",
    "mercedes", "angel", "sunny", "rich", "frank", "guy", "sandy", "holly", "ruby", "jade",
    "pearl", "crystal", "ginger", "ray", "gene", "don", "art", "earl", "pat", "sue", "van",
    "chase", "dean", "drew", "lane", "page", "reed", "rod", "royal", "sharp", "stone", "wade",
    "ward", "young", "buck", "cash", "cliff", "dale", "glen", "heath", "jack", "jay", "king",
    "lance", "major", "miles", "norman", "price", "rocky", "rusty", "sterling",
    "victor", "willow", "china", "india", "asia", "ivory", "jan", "mac",
    "marshall", "herb", "bud", "christian", "kay", "ming",
    "misty", "nice", "olive", "star", "tory",
    "trinity", "unique", "valentine", "vienna", "eden", "harmony", "destiny", "precious", "dusty",
    "gay", "hunter", "mason", "carter", "parker", "tyler", "taylor", "cooper", "spencer", "ivy",
    "berry", "brook", "brooke", "cherry", "clay", "colt", "cruz", "delta", "ebony", "london",
    "mickey", "penny", "sonny", "storm", "sugar", "sunshine", "tiny", "treasure", "deal", "long",
    "love", "son", "daughter", "gold", "early", "patience", "sage", "river", "rain", "forest",
    "al", "ed", "le", "la", "de", "del", "so", "ma",
    "export", "pro", "premium", "business", "monday", "tuesday", "friday", "sunday",
    # pronouns and adjectives of the other languages: "Les escribo", "Ella se llama", "German"
    "les", "ella", "german", "elle", "lui", "sa",
}  # fmt: skip


@cache
def census_first_names() -> frozenset[str]:
    """Lower-case first names: the 1,000 most frequent male and female names of the US Census
    1990."""
    found: set[str] = set()
    package = resources.files("names")
    for resource in ("dist.male.first", "dist.female.first"):
        lines = package.joinpath(resource).read_text(encoding="ascii").splitlines()
        found.update(line.split()[0].lower() for line in lines[:1000] if line.strip())
    return frozenset(found)


@cache
def first_names() -> frozenset[str]:
    """The census first names without everyday words ("Will", "Rose"): a name by itself."""
    return census_first_names() - _AMBIGUOUS_FIRST


def _is_name(candidate: str) -> bool:
    words = candidate.split()
    return bool(words) and not any(word.lower().strip(",.") in _NOT_NAMES for word in words)


_GREETING = re.compile(
    r"(?m)^[ \t]*(?i:hi|hello|hey|dear|good (?:morning|afternoon|evening)|greetings|hallo|"
    r"liebe[rs]?|sehr geehrte[rs]?|guten (?:tag|morgen|abend)|moin|servus|hola|"
    r"estimad[oa]s?|querid[oa]s?|buen(?:os|as) (?:días|tardes|noches)|bonjour|bonsoir|salut|"
    r"cher|chère|coucou)(?![\w'’])[ \t]*,?[ \t]+"
    rf"(?:{_TITLES})?(?P<name>{FULL_NAME})[ \t]*(?=[,!.:;\-–—]|$)"
)
_SIGNOFF_NAME = re.compile(
    rf"(?m)^[ \t]*(?i:{SIGNOFF_PHRASES})[ \t]*[,.!]*[ \t]*(?:[-–—,][ \t]*)?"
    rf"(?:\n[ \t]*)?(?:{_TITLES})?(?P<name>{FULL_NAME})[ \t]*[,.!]?[ \t]*$"
)
_INTRODUCTION_STRONG = re.compile(
    r"(?i:\b(?:my name is|my name's|mein name ist|ich heiße|ich heisse|me llamo|mi nombre es|"
    r"je m'appelle|je m’appelle|mon nom est))[ \t]+"
    rf"(?:{_TITLES})?(?P<name>{FULL_NAME})"
)
# "this is Tom from Acme", "hier ist Markus von der Buchhaltung", "c'est Antoine de la compta"
_INTRODUCTION_FROM = re.compile(
    r"(?i:\b(?:this is|it's|it’s|here is|hier ist|hier spricht|ich bin|soy|aquí|c'est|c’est|"
    rf"ici))[ \t]+(?P<name>{FULL_NAME})[ \t]+(?i:from|of|at|von|aus|bei|de|del|desde|du|chez)\b"
)
_INTRODUCTION_WEAK = re.compile(
    r"(?i:\b(?:this is|it's|it’s|i am|i'm|i’m|here is|hier ist|hier spricht|ich bin|soy|"
    r"aquí|c'est|c’est|je suis|ici))[ \t]+"
    rf"(?P<name>{FULL_NAME})"
)
_RELATION = re.compile(
    r"(?i:\b(?:colleague|co-?worker|manager|boss|accountant|assistant|neighbou?r|wife|husband|"
    r"partner|son|daughter|brother|sister|friend|agent|technician|ceo|cfo|cto|coo|director|"
    r"owner|kollegin|kollege|chefin|chef|mitarbeiterin|mitarbeiter|nachbarin|nachbar|bruder|"
    r"schwester|buchhalterin|buchhalter|geschäftsführerin|geschäftsführer|compañera|compañero|"
    r"jefa|jefe|hermana|hermano|vecina|vecino|esposa|esposo|contable|collègue|voisine|voisin|"
    r"frère|sœur|soeur|mari|femme|patronne|patron|comptable))[ \t]*,?[ \t]+"
    rf"(?:{_TITLES})?(?P<name>{FULL_NAME})"
)
_CONTACT = re.compile(
    r"(?i:\b(?:spoke (?:to|with)|talked (?:to|with)|ask(?:ed)? for|called|told|emailed|"
    r"sprach mit|gesprochen mit|telefoniert mit|hablé con|llamé a|parlé (?:avec|à)|appelé))"
    rf"[ \t]+(?P<name>{FULL_NAME})"
)
_TITLED = re.compile(
    rf"(?<![\w.])(?:{TITLE})\.?[ \t]+(?:(?:{TITLE})\.?[ \t]+)*(?P<name>{FULL_NAME})"
)
_KNOWN_FIRST = re.compile(rf"(?<![\w'’-])(?P<name>{FULL_NAME})")


def _with_list(name: str) -> bool:
    return name.split()[0].lower() in first_names()


_TITLE_BEFORE = re.compile(rf"(?<![\w'’])(?i:(?:{TITLE})\.?)[ \t]+$")


_NAME_RUN = re.compile(
    rf"[{_UPPER}][\w'’-]*\.?(?:[ \t]+(?:{_PARTICLE}[ \t]+)?[{_UPPER}][\w'’-]*\.?)*"
)


_PLACE_BEFORE = re.compile(
    r"(?i)(?<![\w'’])(?:aus|nach|in|im|at|near|à|en|desde|depuis|hacia|vers)[ \t]+$"
)
# A company's legal form ends its name: "Fernández Logística SL", "Becker Elektrotechnik GmbH".
_COMPANY = re.compile(
    r"\b(?:S\.?L\.?U?|S\.?A\.?S?|SARL|SAS|GmbH|AG|KG|OHG|UG|Ltd|LLC|Inc|PLC|LLP|BV|NV|SpA|Srl)"
    r"\.?$"
)


def recognised_names(text: str, language: str | None) -> Iterator[tuple[int, int]]:
    """People the trained tagger (``triage.text.ner``) finds, with a title just before them
    ("Frau Sommer", "Mme Blanche Roux"). A found span is cut into its runs of capitalised words
    (a name holds no lower-case word but a particle: "Fernández pero la empresa" is not one
    name); words that are never names, greetings opening a line ("Hola!!") and words in lower
    case without a title are left out."""
    if not language:
        return
    for entity in ner.entities(text, language):
        if entity.kind != "PER":
            continue
        title = _TITLE_BEFORE.search(text[max(0, entity.start - 14) : entity.start])
        if entity.text == entity.text.lower():
            if title:  # "frau wolf"
                yield entity.start - len(title.group(0)), entity.end
            continue
        for run in _NAME_RUN.finditer(entity.text):
            name = run.group(0).rstrip(".")
            start, end = entity.start + run.start(), entity.start + run.start() + len(name)
            if not _is_name(name) or not re.search(r"[^\W\d_]{2}", name) or _COMPANY.search(name):
                continue
            line_start = text.rfind("\n", 0, start) + 1
            # A lone word opening a line, then only lower-case words to a "," or "!", is a
            # greeting or a sign-off ("Hola!!", "Moin,", "Saludos cordiales,"), not a person.
            if (
                " " not in name
                and not text[line_start:start].strip()
                and re.match(r"(?:[ \t]+[a-zß-ÿ]+)*[ \t]*[!,¡?]", text[end:])
            ):
                continue
            # A single word after a preposition of place is a place ("Grüße aus Köln").
            if " " not in name and _PLACE_BEFORE.search(text[max(0, start - 12) : start]):
                continue
            # A lone word the language's dictionary knows and no list of names holds is a
            # capitalised word ("Delivery was booked", "Titular", "Mitbewohners").
            if all(_dictionary_word(word, language) for word in name.split()) or (
                " " not in name and _CLOSING_WORD.match(re.sub(r"(\w)\1{2,}", r"\1", name))
            ):
                continue  # "Delivery was booked", "Beste Grüße", "Merciii"
            before = _TITLE_BEFORE.search(text[max(0, start - 14) : start])
            yield (start - len(before.group(0)) if before else start), end


def _dictionary_word(word: str, language: str) -> bool:
    lower = word.lower()
    if lower in census_first_names() or ner.known_name(lower):
        return False
    return simplemma.is_known(lower, lang=language if language in ner.LANGUAGES else "en")


def name_spans(text: str) -> Iterator[tuple[int, int]]:
    """Where a person's name stands in ``text`` (start, end), from context and known first
    names; spans may overlap."""
    strong = (
        _GREETING,
        _SIGNOFF_NAME,
        _INTRODUCTION_STRONG,
        _INTRODUCTION_FROM,
        _RELATION,
        _TITLED,
    )
    for pattern in strong:
        for match in pattern.finditer(text):
            if _is_name(match.group("name")):
                yield match.span("name")
    for pattern in (_INTRODUCTION_WEAK, _CONTACT):
        for match in pattern.finditer(text):
            name = match.group("name")
            if _is_name(name) and _with_list(name):
                yield match.span("name")
    names = first_names()
    for match in _KNOWN_FIRST.finditer(text):
        words = match.group("name").split()
        for index, word in enumerate(words):
            if word.lower() in names and _is_name(word):
                # The known first name and the capitalised words after it (the surname).
                start = match.start("name") + match.group("name").index(word)
                yield start, match.end("name") if index + 1 < len(words) else start + len(word)
                break


# An initial written with a name: "M. Hughes", "J.-P. Gauthier", "M. Á. Rey", "P J Doyle",
# "Anna K."; a title or an academic degree before it: "Mrs", "Herrn", "Doña", "Lic.", "Dr.".
_INITIAL = rf"[{_UPPER}]\.?(?:-[{_UPPER}]\.)?"
_BEFORE_NAME = re.compile(
    rf"(?:(?<![\w'’.])(?:{TITLE}|Lic|Ing|Dipl\.-Ing|Mag|Dott|Me|Maître)\.?[ \t]+|"
    rf"(?<![\w'’.-]){_INITIAL}[ \t]+)$"
)
_INITIAL_AFTER = re.compile(rf"^[ \t]+[{_UPPER}]\.?(?=[ \t]*(?:[,;:!?\n]|$|\.))")


def widen(text: str, start: int, end: int) -> tuple[int, int]:
    """A name's span with the initials and titles written beside it."""
    for _ in range(4):
        before = _BEFORE_NAME.search(text[max(0, start - 16) : start])
        if not before:
            break
        start -= len(before.group(0))
    after = _INITIAL_AFTER.match(text[end : end + 6])
    if after:
        end += len(after.group(0))
    return start, end


def _fold(word: str) -> str:
    decomposed = unicodedata.normalize("NFKD", word.lower())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def short_form(word: str, name_part: str, *, near: bool) -> bool:
    """``word`` is a short or pet form of ``name_part`` ("Bea" of Beatriz, "tobi" of Tobias,
    "seun" of Oluwaseun, "rosie" of Rose). Three shared first letters are enough beside a
    greeting or a sign-off (``near``) or for a capitalised word; four elsewhere."""
    w, n = _fold(word), _fold(name_part)
    if len(w) < 3 or len(n) < 3 or w == n:
        return False
    shared = 0
    for a, b in zip(w, n, strict=False):
        if a != b:
            break
        shared += 1
    enough = 3 if near or word[:1].isupper() else 4
    if shared >= enough and (shared == len(w) or shared == len(n)) and len(w) - shared <= 2:
        return True  # a prefix ("Santi"), or the name and an ending ("rosie")
    if shared >= enough and near and shared >= 0.6 * min(len(w), len(n)):
        return True  # "gaby" of Gabriela, in a sign-off
    return near and len(w) >= 4 and n.endswith(w)  # "seun" of Oluwaseun


# The last words of a message, after its last sentence or its closing: "… ¿Qué ha pasado? Paco",
# "Merci. Aga", "Ta, Paddy", "gracias!! gaby".
_LAST_WORDS = re.compile(
    r"(?<=\w)[^\w\n]*(?:[.!?¡¿\n,)])\s*(?:/{1,2}|[-–—])?[ \t]*"
    r"(?P<name>[^\W\d_][\w'’-]*\.?(?:[ \t]+[^\W\d_][\w'’-]*\.?)?)"
    r"[ \t]*[.!]*\s*$"
)
_CLOSING_WORD = re.compile(
    rf"(?i)^(?:{SIGNOFF_PHRASES}|ta|thx|ty|xx?|bye|ciao|bisous|tschüss|"
    r"adiós|chao|merci|danke|bitte|please|pls|svp|porfa|urgent|help|hilfe|"
    r"ayuda|aide|asap|ok|okay|thanks|gracias|obrigad[oa]|grazie|regards|"
    r"best|cheers|cordialement|salutations|saludos|grüße|gruß|amicalement|"
    r"atentamente|sincerely|greetings|love)[.!,]*$"
)


def signature_name(
    text: str, person_name: str = "", language: str | None = None
) -> tuple[int, int] | None:
    """The name a message is signed with when it stands alone at the very end: a capitalised
    word or two, or a short form of the customer's own name in any case."""
    match = _LAST_WORDS.search(text.rstrip())
    if not match:
        return None
    name = match.group("name").rstrip(".")
    words = name.split()
    if any(
        _CLOSING_WORD.match(re.sub(r"(\w)\1{2,}", r"\1", w)) or w.lower() in _NOT_NAMES
        for w in words
    ):
        return None  # "Merciii", "Cheers"
    line_start = text.rfind("\n", 0, match.start("name")) + 1
    previous = text[: max(0, line_start - 1)].rstrip().rsplit("\n", 1)[-1]
    if re.fullmatch(rf"[ \t]*(?:{_TITLES})?{FULL_NAME}[ \t]*", previous):
        return None  # a line under a signed name is the writer's job or firm ("Partner")
    parts = [p for p in re.split(r"[\s-]+", person_name) if len(p) >= 2]
    own = any(w.lower() == _fold(p) or short_form(w, p, near=True) for w in words for p in parts)
    capitalised = all(w[:1].isupper() and not w.isupper() for w in words if len(w) > 1)
    if not (own or capitalised or words[0].lower() in first_names()):
        return None
    if not own and all(_dictionary_word(w, language or "en") for w in words):
        return None  # "… again. Urgent", "Refunded"
    return match.start("name"), match.start("name") + len(name)


def own_name_forms(text: str, person_name: str) -> Iterator[tuple[int, int]]:
    """Short and pet forms of the customer's own name: anywhere when capitalised ("Santi"),
    after "this is" / "soy" / "ich bin" / "je suis" in any case ("this is seun")."""
    parts = [p for p in re.split(r"[\s-]+", person_name) if len(p) >= 3]
    if not parts:
        return
    for match in re.finditer(r"(?<![\w@.'’-])[^\W\d_]{3,}(?![\w@'’-])", text):
        word = match.group(0)
        near = bool(_INTRODUCED.search(text[max(0, match.start() - 16) : match.start()]))
        if word.lower() in _NOT_NAMES or not (near or word[:1].isupper()):
            continue
        if any(short_form(word, part, near=near) for part in parts):
            yield match.span()


_INTRODUCED = re.compile(
    r"(?i)\b(?:this is|it's|i am|i'm|ich bin|hier ist|soy|me llamo|je suis|c'est|moi c'est)"
    r"[ \t]+$"
)


# --- Addresses ------------------------------------------------------------------------------

_STREET_WORD = rf"(?:{NAME_WORD}|[{_LOWER}]+)"
_EN_STREET = (
    r"(?:Street|St|Road|Rd|Avenue|Ave|Av|Lane|Lanes|Ln|Drive|Dr|Boulevard|Blvd|Way|Court|Ct|Place|"
    r"Pl|Square|Sq|Terrace|Tce|Close|Crescent|Cres|Parkway|Pkwy|Highway|Hwy|Gardens|Grove|Row|Hill|"
    r"Walk|Mews|Corner|Green|Park|Rise|View|Vale|Parade|Circle|Cir|Heights|Quay|Wharf|Yard)"
)
# "1200 N Main St", "880 Peachtree St NE", "4410 SE Woodstock Blvd"
_COMPASS = r"(?:N|S|E|W|NE|NW|SE|SW)"
_DE_SUFFIX = r"(?:straße|strasse|str\.|weg|allee|gasse|platz|ring|damm|ufer|chaussee|steig|pfad)"
_DE_WORDS = r"(?:Straße|Strasse|Str\.|Weg|Allee|Gasse|Platz|Ring|Damm|Ufer|Chaussee|Markt)"
_ES_STREET = (
    r"(?:Calle|C/|Avenida|Avda\.?|Av\.|Paseo|Plaza|Pza\.|Camino|Carretera|Ronda|Travesía|"
    r"Rambla|Glorieta|Carrer|Rúa)"
)
_FR_STREET = (
    r"(?:rue|avenue|av\.|boulevard|bd|place|allée|impasse|chemin|quai|route|cours|square|"
    r"passage|voie|esplanade)"
)
# a word of a Spanish street's name, capitalised or not ("calle mayor", "Calle Mayor")
_ES_NAME = rf"(?:{NAME_WORD}|[{_LOWER}áéíóúñ]{{3,}})"
# "14a", "3/1", "120/3/12" (house, staircase, door in Austria)
_HOUSE = r"\d{1,5}(?:/\d{1,4}){0,2}[ \t]?[A-Za-z]?(?![\w])"

_ADDRESSES = [
    # en: "221B Baker Street", "48 Oak Avenue", "1600 Amphitheatre Parkway"
    re.compile(rf"(?<![\w/])(?:\d{{1,4}}/)?\d{{1,5}}[A-Z]?[ \t]+(?:{_COMPASS}[ \t]+)?"
               rf"(?:{NAME_WORD}[ \t]+){{1,3}}{_EN_STREET}\b\.?(?:[ \t]+{_COMPASS}\b)?"
               rf"(?:[ \t]+(?i:apt|unit|suite|ste|#)\.?[ \t]*\w{{1,5}})?(?!\w)"),
    # de: "Hauptstraße 5", "Musterstr. 12a", "Berliner Allee 10", "Am Markt 3"
    re.compile(rf"\b(?:(?:{NAME_WORD}|[{_LOWER}]{{2,}}){_DE_SUFFIX}|{NAME_WORD}[ \t-]+{_DE_WORDS}|"
               rf"(?:Am|Im|An der|Auf der)[ \t]+{NAME_WORD}|(?:am|im)[ \t]+[{_LOWER}]{{4,}})"
               rf"[ \t]+{_HOUSE}"),
    # Latin America: "Calle 72 # 10-34", "Carrera 15 No. 93-60"
    re.compile(r"\b(?:Calle|Carrera|Cra\.?|Cl\.?|Avenida|Av\.?|Diagonal|Transversal)[ \t]+\d{1,3}"
               r"[A-Z]?[ \t]*(?:#|No\.?|N[°º])[ \t]*\d{1,3}[A-Z]?[-–]\d{1,3}\b"),
    # es: "Calle Mayor 5", "C/ Alcalá 23", "Avenida de la Constitución 12", "calle Alcalá, número
    # 45", "calle mayor 10"
    re.compile(rf"\b(?i:{_ES_STREET})[ \t]*(?:(?:de(?:l| la| los| las)?|la|el)[ \t]+)?"
               rf"(?:{_ES_NAME}[ \t]+){{0,3}}{_ES_NAME}\.?,?[ \t]+(?:(?:(?i:n\.?º|núm\.?|número|"
               rf"nº)[ \t]*)?\d{{1,4}}\b|(?i:s/n)(?!\w))"),  # "s/n": sin número
    # en and fr written in lower case, with the street's full word: "12 oak street", "8 rue victor
    # hugo"
    re.compile(rf"(?<![\w/])\d{{1,5}}[a-z]?[ \t]+(?:[{_LOWER}]{{3,}}[ \t]+){{1,2}}"
               rf"(?:street|road|avenue|lane|drive|boulevard|close|crescent|terrace)\b"),
    re.compile(rf"\b\d{{1,4}}(?:[ \t]*(?:bis|ter))?,?[ \t]+(?:rue|avenue|boulevard|allée|impasse|"
               rf"chemin|quai|place)[ \t]+(?:(?:de(?:s| la| l'| l’)?|du|d'|d’)[ \t]*)?"
               rf"[{_LOWER}é]{{3,}}(?:[ \t]+[{_LOWER}é]{{3,}})?(?=[ \t]*[,\n])"),
    # fr: "12 rue de la Paix", "5 bis avenue Victor Hugo", "7 place Bellecour"
    re.compile(rf"\b\d{{1,4}}(?:[ \t]*(?:bis|ter))?,?[ \t]+(?i:{_FR_STREET})[ \t]+"
               rf"(?:(?:de(?:s| la| l'| l’)?|du|d'|d’)[ \t]*)?(?:{_STREET_WORD}[ \t]+){{0,3}}"
               rf"{NAME_WORD}"),
]  # fmt: skip
_POSTCODES = [
    # UK: "NW1 6XE", "EC4Y 1AU", "NR21 0AA"; Canada: "M5V 2J2", "H2J 2L3"
    re.compile(r"\b[A-Z]{1,2}\d[A-Z\d]?[ \t]\d[A-Z]{2}\b|\b[A-Z]\d[A-Z][ \t]?\d[A-Z]\d\b|"
               # Ireland: "D02 X285", "T12 X5Y2", "A94 H2C9"
               r"\b[AC-FHKNPRTV-Y]\d[\dW][ \t][AC-FHKNPRTV-Y\d]{4}\b"),
    # US and Australian states with their code: "MA 02116", "IL 62704", "NSW 2204"
    re.compile(r"\b(?:A[KLRZ]|C[AOT]|D[CE]|FL|GA|HI|I[ADLN]|K[SY]|LA|M[ADEINOST]|N[CDEHJMVY]|O[HKR]|"
               r"PA|RI|S[CD]|T[NX]|UT|V[AT]|W[AIVY]|NSW|VIC|QLD|ACT|WA|SA|TAS)[ \t]\d{4,5}"
               r"(?:-\d{4})?\b"),
    # de/es/fr/ch/at/be and others: four or five digits (or "80-827") and the town
    re.compile(rf"(?<![\w/.,-])(?:[A-Z]{{1,2}}-)?(?:\d{{4,5}}|\d{{2}}-\d{{3}}|\d{{4}}-\d{{3}})"
               rf"[ \t]+(?:[AO][ \t]+(?={NAME_WORD}))?"
               rf"(?:{NAME_WORD}|[{_LOWER}]{{3,}})"
               rf"(?:[ \t-](?:(?i:cedex)(?:[ \t]\d+)?|{NAME_WORD}|de|la|le|del|sur|am|an))*"
               rf"(?![\w-])"),
    # a town, then its code: "Tokyo 150-0002", "Bengaluru 560038"
    re.compile(rf"(?<=, ){NAME_WORD}[ \t]+(?:\d{{3}}-\d{{4}}|\d{{4,6}})\b"),
    # Argentina: "C1043AAZ CABA", and the short form after a comma: ", C1425 Buenos Aires"
    re.compile(r"\b[A-Z]\d{4}[A-Z]{3}\b(?:[ \t]+[A-Z][\w]+)?"),
    re.compile(rf"(?<=, )[A-Z]\d{{4}}[ \t]+{NAME_WORD}(?:[ \t]+{NAME_WORD})?"),
]  # fmt: skip
# Post boxes and "care of": anchors on their own.
_POST_BOX = re.compile(
    r"\b(?:P\.?O\.?[ \t]?Box|Postfach|Apartado(?: de Correos)?|BP|Boîte postale|CS)[ \t]+"
    r"\d{1,6}(?:[ \t]\d{2,4}){0,3}\b"
    rf"|\bc/o[ \t]+{NAME_WORD}(?:[ \t]+{NAME_WORD})?|\bPackstation[ \t]+\d+",
    re.IGNORECASE,
)
# Streets written number-last in Belgium, Switzerland, Spain ("Rue du Marché 8", "Avenue Louise
# 231", "Chaussée de Wavre 150", "Carrer Major 22", "Anger 12" after a comma is left to the chain).
_NUMBER_LAST = re.compile(
    rf"\b(?i:rue|avenue|boulevard|chaussée|place|quai|carrer|calle|avenida|av\.|avda\.|paseo|"
    rf"bulevar|plaza|rambla|ul\.|via|viale|piazza|rua|travessa|largo|jr\.|jirón)[ \t]+"
    rf"(?:(?:de(?:s| la| l'| los| las)?|du|del|d'|la|el)[ \t]*)?"
    rf"(?:{_STREET_WORD}[ \t]+){{0,3}}?{NAME_WORD}\.?,?[ \t]+(?:n\.?º[ \t]*|#[ \t]*)?"
    rf"\d{{1,5}}(?:[-/]\d{{1,4}})?[a-zA-Z]?\b"
)
# What an address chain may hold besides its anchors, one comma-separated part at a time: a flat,
# floor, suite or room; a building's or a house's name; a district; a town; a region; a country.
_UNIT = re.compile(
    r"^(?:(?i:flat|apt|apartment|suite|unit|floor|fl\.?|room|building|bldg|house|whg\.?|wohnung|"
    r"etage|stock|hinterhaus|vorderhaus|seitenflügel|quergebäude|gartenhaus|og|eg|dg|piso|planta|puerta|apto\.?|apartamento|local|"
    r"escalera|esc\.?|portal|bloque|col\.?|colonia|barrio|urb\.?|app\.?|appartement|depto\.?|"
    r"dpto\.?|dto\.?|"
    r"bâtiment|bât\.?|étage|escalier|porte|chambre|boîte|résidence|villa|lieu-dit|no\.?|appt\.?|bajo|"
    r"entresuelo|entlo\.?|ático|principal|pral\.?|sótano|rdc|rez-de-chaussée)(?:\b|(?<=\.))"
    r"(?:[ \t]*[\w°º/-]+\.?){0,3}|"
    r"\d{1,3}(?:st|nd|rd|th|e|er|ème|\.?º|\.?ª|°|\.)?[ \t]*"
    r"(?:(?i:floor|étage|og|stock|piso|planta))?"
    r"[ \t]*(?:[A-Za-z]|\d{1,2}\.?[ºª]|(?i:izda\.?|izq(?:da)?\.?|izquierda|dcha\.?|dch\.?|derecha|"
    r"ctro\.?|centro|esq\.?|dto\.?|gauche|droite|links|rechts|mitte))?\.?)$"
)
_PLACE = re.compile(
    rf"^(?:(?:Co\.|County)[ \t]+)?(?:{NAME_WORD}|[A-Z]{{2,4}})"
    rf"(?:[ \t-]+(?:{NAME_WORD}|de|la|le|del|les|sur|am|an der|"
    rf"\([A-Z][a-zé]+\)|[A-Z]{{2,4}}|\d{{3,6}}(?:-\d{{3,4}})?))*\.?$"
)


# A street part before a town and its postcode, written without a street type: "Anger 12",
# "5 Moortown Corner", "2nd Cross", "Heol y Gors 2".
_STREET_PART = re.compile(
    rf"^(?:\d{{1,5}}[A-Za-z]?(?:/\d{{1,4}})?[ \t]+{NAME_WORD}(?:[ \t]+(?:[{_LOWER}]{{1,3}}[ \t]+)?"
    rf"{NAME_WORD}){{0,3}}|{NAME_WORD}(?:[ \t]+{NAME_WORD}){{0,2}}[ \t]+\d{{1,5}}[a-z]?|"
    rf"\d{{1,3}}(?:st|nd|rd|th)[ \t]+{NAME_WORD})$"
)


_TOWN_BEFORE = re.compile(
    rf"(?<![\w'’-])(?:(?:Co\.|County)[ \t]+)?{NAME_WORD}(?:[ \t]+{NAME_WORD}){{0,2}}[ \t]+$"
)


def _english_am(street: str) -> bool:
    """ "am only 17", "am under 18": English "I am", not the German "am Kirchberg 7" typed in lower
    case."""
    words = street.split()
    return (
        len(words) >= 2
        and words[0] in {"am", "im"}
        and simplemma.is_known(words[1], lang="en")
        and not simplemma.is_known(words[1], lang="de")
    )


def _anchors(text: str) -> list[tuple[int, int]]:
    spans = []
    for pattern in _ADDRESSES:
        spans += [m.span() for m in pattern.finditer(text) if not _english_am(m.group(0))]
    spans += [m.span() for m in _NUMBER_LAST.finditer(text)]
    spans += [m.span() for m in _POST_BOX.finditer(text)]
    for index, pattern in enumerate(_POSTCODES):
        for match in pattern.finditer(text):
            if index == 2:
                before = text[max(0, match.start() - 3) : match.start()]
                near = any(0 <= match.start() - end <= 40 for _, end in spans)
                if not near and not re.search(r"([,:;]\s*|^\s*|\n\s*)$", before):
                    continue
            start = match.start()
            if index in (0, 1):  # the town before a British, Irish or US code: "Leeds LS11 5DT"
                town = _TOWN_BEFORE.search(text[max(0, start - 40) : start])
                start -= len(town.group(0)) if town else 0
            spans.append((start, match.end()))
    return sorted(spans)


_UNIT_AFTER = re.compile(
    r"[ \t]+(?:(?i:piso|planta|puerta|escalera|esc\.|portal|bloque|étage|porte|apt\.?|"
    r"appartement|whg\.?|wohnung)[ \t]*\d{1,3}[A-Za-z]?|\d{1,2}\.?[ºª°][ \t]*(?:\d{1,2}\.?[ºª]|"
    r"[A-Z]|(?i:izda|izq(?:da)?|dcha|dch|ctro))?\.?)(?!\w)"
)


def _address_part(part: str) -> bool:
    part = part.strip()
    return bool(part) and len(part) <= 40 and bool(_UNIT.match(part) or _PLACE.match(part))


def address_spans(text: str) -> Iterator[tuple[int, int]]:
    """Postal addresses (start, end), whole: from each anchor (a street with its number, a
    postcode with its town, a post box, "c/o …") over the comma- or line-separated parts beside
    it that an address holds (flat, floor, building, district, town, region, country)."""
    anchors = _anchors(text)
    chains: list[list[int]] = []
    for start, end in anchors:
        if (
            chains
            and start <= chains[-1][1] + 5
            and re.fullmatch(r"[\s,;]*(?:(?:in|en|à)\s+)?", text[chains[-1][1] : start])
        ):
            chains[-1][1] = max(chains[-1][1], end)
            continue
        if chains and start < chains[-1][1]:
            chains[-1][1] = max(chains[-1][1], end)
            continue
        chains.append([start, end])
    for chain in chains:
        start, end = chain
        # Floors and doors after the number without a comma: "… 7 piso 3 puerta 2", "… 5 3º izq."
        for _ in range(3):
            tail = _UNIT_AFTER.match(text, end)
            if not tail:
                break
            end = tail.end()
        # Forward: ", Flat 3", ", 28013 Madrid", ", Poland", "\n50968 Köln".
        for _ in range(4):
            match = re.match(r"[ \t]*(?:,|\n)[ \t]*([^,\n]{1,40})", text[end:])
            if not match:
                break
            # A sentence ends the address: "…, France. Thanks!" (not "Whg. 4", "St. Pauli").
            part = re.split(
                r"(?:(?<=[^\W\d_]{4})(?<!dpto)(?<!depto)(?<!Apto)(?<!apto)|(?<=\d))[.!?]"
                r"(?:\s|$)(?!(?:OG|EG|DG|Stock|Etage)\b)|[!?]|\)",
                match.group(1),
            )[0]
            trimmed = part.rstrip(" .!?;:)")
            # Another anchor in the next part, after nothing or a town: "…, 28013 Madrid",
            # "…, Sheffield S11 8XY".
            first = end + match.start(1)
            inner = [
                e
                for s, e in anchors
                if first <= s < end + match.end()
                and (not text[first:s].strip() or _PLACE.match(text[first:s].strip()))
            ]
            if _address_part(trimmed):
                end += match.start(1) + len(trimmed)
            elif inner:
                end = max(inner)  # "…, Bristol BS7 8AE. Can I…": up to the postcode only
            else:
                break
        # Backward: "Villa Les Mimosas, ", "Flat 3, ", "Suite 12, Lancaster House, "; towns and
        # districts only until the street is reached (what stands before a street is a firm's
        # or a person's name: "Doyle Electrical, 8 Kinsale Road").
        street = any(p.match(text, start) for p in (*_ADDRESSES, _NUMBER_LAST))
        for _ in range(3):
            before = text[:start]
            comma = re.search(r"[ \t]*,[ \t]*$", before)
            if not comma:
                break
            words = list(re.finditer(r"[^\s,:]+", before[: comma.start()]))
            # The longest run of the last few words that is a flat, floor or building.
            for count in range(min(4, len(words)), 0, -1):
                first = words[-count]
                candidate = before[first.start() : comma.start()]
                if "\n" in candidate:
                    continue
                if (
                    _UNIT.match(candidate)
                    or (not street and _STREET_PART.match(candidate))
                    or (not street and _PLACE.match(candidate))
                    or (
                        re.match(rf"^{NAME_WORD}(?:[ \t]+{NAME_WORD}){{0,2}}$", candidate)
                        and re.search(
                            r"(?i)\b(?:house|cottage|lodge|villa|résidence|ehpad|farm|"
                            r"hall|court|manor|les|le|la)\b",
                            candidate,
                        )
                    )
                ):
                    street = street or bool(_STREET_PART.match(candidate))
                    start = first.start()
                    break
            else:
                break
        yield start, end
