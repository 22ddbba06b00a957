"""Reversible PII masking: numbered placeholders in the text, the originals in a separate
mapping."""

from __future__ import annotations

import ipaddress
import re
import unicodedata
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

import phonenumbers
from stdnum import iban as stdnum_iban

from triage.text.language import detect_language
from triage.text.names import (
    address_spans,
    name_spans,
    own_name_forms,
    recognised_names,
    signature_name,
    widen,
)

_EMAIL = re.compile(r"\b[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}\b")
_IBAN = re.compile(r"\b[A-Za-z]{2}\d{2}(?:[ ]?[A-Za-z0-9]{1,4}){3,8}\b")
_CARD = re.compile(r"(?<![\d-])(?:\d[ -]?){12,18}\d(?![\d-])")
_SSN = re.compile(r"\b\d{3}-\d{2}-\d{4}\b")
_IPV4 = re.compile(r"\b(?:\d{1,3}\.){3}\d{1,3}(?:/\d{1,2})?\b")
_IPV6 = re.compile(
    r"(?<![\w:])(?:[0-9A-Fa-f]{1,4}:){1,7}(?::|(?::[0-9A-Fa-f]{1,4}){1,6}|[0-9A-Fa-f]{1,4})(?![\w:])"
)
# A phone number: an optional "+"/"00" or "(", digits with spaces, dots, dashes, slashes or
# brackets between them, and an extension ("x4587", "ext. 12", "-23" after a space).
_PHONE = re.compile(
    r"(?<![\w+/-])(?:\+|00|\()?\d[\d ()./-]{5,}\d(?![\w])"
    r"(?:(?:[ \t]*(?:x|ext\.?|extension|Durchwahl|DW|poste)[ \t]*\d{1,5})|(?:-\d{1,4}(?![\w-])))?"
)
_PHONE_CONTEXT = re.compile(
    r"(?i)\b(call|phone|tel|telephone|mobile|cell|ring|text|reach|fax|whatsapp|telefon|handy|"
    r"mobil|rufen|teléfono|telefono|móvil|movil|llam\w*|téléphone|portable|appel\w*|joindre)\b"
)


def luhn_valid(number: str) -> bool:
    digits = [int(c) for c in number if c.isdigit()]
    if not 13 <= len(digits) <= 19:
        return False
    total = 0
    for index, digit in enumerate(reversed(digits)):
        if index % 2 == 1:
            digit *= 2
            if digit > 9:
                digit -= 9
        total += digit
    return total % 10 == 0


def iban_valid(candidate: str) -> bool:
    """ISO 13616 check digits and the country's own format and checks (``python-stdnum``)."""
    return stdnum_iban.is_valid(candidate)


def _iban_spans(text: str) -> Iterator[tuple[int, int]]:
    """IBANs as written, spaced or not: the longest run of groups from a match that is valid (the
    word after an IBAN is not part of it: "ES29 1418 … 8417 bitte")."""
    for match in _IBAN.finditer(text):
        groups = list(re.finditer(r"[A-Za-z0-9]+", match.group(0)))
        for count in range(len(groups), 0, -1):
            end = match.start() + groups[count - 1].end()
            if iban_valid(text[match.start() : end]):
                yield match.start(), end
                break


_REGIONS = {"en": ("GB", "US", "IE"), "de": ("DE", "AT", "CH"), "es": ("ES", "MX", "AR"),
            "fr": ("FR", "BE", "CH")}  # fmt: skip


def _phone_spans(text: str, language: str | None) -> Iterator[tuple[int, int]]:
    """Phone numbers by libphonenumber's data (``phonenumbers``): valid numbers in the regions of
    the message's language, and international ones anywhere."""
    seen: set[tuple[int, int]] = set()
    for region in _REGIONS.get(language or "", ("GB", "US", "DE", "FR", "ES")):
        for match in phonenumbers.PhoneNumberMatcher(
            text, region, leniency=phonenumbers.Leniency.VALID
        ):
            span = (match.start, match.end)
            if _DATE_OR_TIME.fullmatch(match.raw_string.strip()):
                continue  # "02.11.2026" reads as a number in some regions; it is a date
            if span not in seen:
                seen.add(span)
                yield span


def _ip_valid(candidate: str) -> bool:
    try:
        ipaddress.ip_network(candidate, strict=False)
    except ValueError:
        return False
    return True


_ID_CONTEXT = re.compile(
    r"(?i)(order|purchase|invoice|ticket|tracking|parcel|package|shipment|reference|ref|account|"
    r"customer|contract|subscription|id|no\.|nr\.?|#|pedido|compra|factura|paquete|contrato|"
    r"bestellung|rechnung|kundennummer|vertrag|paket|sendung|commande|achat|facture|colis|"
    r"contrat|numéro|número|nummer)\W{0,3}$"
)
_CARD_CONTEXT = re.compile(r"(?i)(card|karte|tarjeta|carte|visa|mastercard|amex|cc)")
_DATE_OR_TIME = re.compile(r"\d{4}-\d{1,2}-\d{1,2}|\d{1,2}[./-]\d{1,2}[./-]\d{2,4}(?!\d)")
_FRENCH_PAIRS = re.compile(r"0\d(?:[ .]\d{2}){4}")


def _phone_valid(candidate: str, before: str = "") -> bool:
    """A phone number has 8-15 digits (7 as "555-0134" or after a word like "call" or "Tel"),
    and is never a date, a date-time ("2026-11-23 10:15", "12.11.2026"), a version (4.12.3), or
    a number right after "order", "invoice", "#"… unless the text says it is a phone."""
    value = candidate.strip()
    number = re.split(r"(?i)x|ext|extension|durchwahl|dw|poste", value)[0]
    digits = sum(c.isdigit() for c in number)
    context = bool(_PHONE_CONTEXT.search(before[-40:]))
    if _FRENCH_PAIRS.fullmatch(value):
        return True
    if sum(c.isdigit() for c in _DATE_OR_TIME.sub("", value)) < 7:
        return False
    if re.fullmatch(r"\d+(\.\d+){1,3}", value):
        return False
    if _ID_CONTEXT.search(before[-25:]) and not context:
        return False
    if digits == 7:
        return context or bool(re.fullmatch(r"\d{3}[- ]\d{4}", value))
    if value.isdigit() and not (context or value.startswith("0")):
        return False  # a bare run of digits is an id unless the text says phone
    return 8 <= digits <= 15


# Order matters: where two kinds claim the same characters the earlier one wins (an IBAN or a
# card number also looks like a phone number; a street can hold a surname).
_KINDS: list[tuple[str, re.Pattern[str], Callable[[str], bool]]] = [
    ("EMAIL", _EMAIL, lambda _: True),
    ("CARD", _CARD, luhn_valid),
    ("SSN", _SSN, lambda _: True),
    ("IP", _IPV4, _ip_valid),
    ("IP", _IPV6, _ip_valid),
    ("PHONE", _PHONE, _phone_valid),
]
_PRIORITY = {
    "EMAIL": 0,
    "IBAN": 1,
    "CARD": 2,
    "SSN": 3,
    "IP": 4,
    "PHONE": 5,
    "ADDRESS": 6,
    "NAME": 7,
}
PLACEHOLDER = re.compile(r"\[(EMAIL|IBAN|CARD|SSN|IP|PHONE|NAME|ADDRESS)_(\d+)\]")
# Values that are masked wherever they appear once known (a name in a later reply, too).
_REMEMBERED = ("NAME", "ADDRESS", "EMAIL", "PHONE")


@dataclass(frozen=True)
class Person:
    """What the account or the mail headers know about the customer."""

    name: str = ""
    email: str = ""
    phone: str = ""


@dataclass
class Masked:
    text: str
    mapping: dict[str, str] = field(default_factory=dict)
    # Where each masked value stood in the original text: {type, start, end}, in order.
    spans: list[dict] = field(default_factory=list)


def _literal(value: str) -> re.Pattern[str]:
    return re.compile(rf"(?<![\w@.-]){re.escape(value)}(?![\w@-])", re.IGNORECASE)


def _known_values(person: Person | None, mapping: dict[str, str]) -> list[tuple[str, str]]:
    values: list[tuple[str, str]] = []
    for placeholder, value in mapping.items():
        match = PLACEHOLDER.fullmatch(placeholder)
        if match and match.group(1) in _REMEMBERED and len(value) >= 2:
            values.append((match.group(1), value))
    if person is not None:
        if person.email:
            values.append(("EMAIL", person.email))
        if person.phone and sum(c.isdigit() for c in person.phone) >= 6:
            values.append(("PHONE", person.phone))
        name = " ".join(person.name.split())
        if name and "@" not in name:
            parts = [part.strip(".,") for part in name.split()]
            parts = [part for part in parts if len(part) >= 2 and part.isalpha()]
            # Also as people type them without accents: "Jörg" as "Jorg" and "Joerg".
            for value in {name, *parts}:
                values.extend(("NAME", variant) for variant in _spellings(value))
    return values


_GERMAN = str.maketrans(
    {"ä": "ae", "ö": "oe", "ü": "ue", "Ä": "Ae", "Ö": "Oe", "Ü": "Ue", "ß": "ss"}
)


def _spellings(value: str) -> set[str]:
    plain = "".join(c for c in unicodedata.normalize("NFKD", value) if not unicodedata.combining(c))
    return {value, plain, value.translate(_GERMAN)}


def find_pii(
    text: str,
    *,
    person: Person | None = None,
    mapping: dict[str, str] | None = None,
    language: str | None = None,
):
    """(start, end, kind) of each piece of personal data in ``text``, in order, not overlapping:
    patterns (e-mail, IBAN, card, SSN, IP, phone), the customer's known name, e-mail and phone,
    values already masked in this ticket, street addresses and names found by context."""
    found: list[tuple[int, int, str]] = []
    for kind, pattern, valid in _KINDS:
        for match in pattern.finditer(text):
            value = match.group(0)
            if kind == "PHONE":
                ok = _phone_valid(value, text[max(0, match.start() - 60) : match.start()])
            elif kind == "CARD":
                before = text[max(0, match.start() - 40) : match.start()]
                ok = luhn_valid(value) and not (
                    _ID_CONTEXT.search(before[-25:]) and not _CARD_CONTEXT.search(before)
                )
            else:
                ok = valid(value)
            if ok:
                found.append((match.start(), match.end(), kind))
    found.extend((start, end, "IBAN") for start, end in _iban_spans(text))
    if language is None and text.strip():
        language = detect_language(text)[0]
    found.extend((start, end, "PHONE") for start, end in _phone_spans(text, language))
    for kind, value in _known_values(person, mapping or {}):
        found.extend((m.start(), m.end(), kind) for m in _literal(value).finditer(text))
    found.extend((start, end, "ADDRESS") for start, end in address_spans(text))
    names = [*name_spans(text), *recognised_names(text, language)]
    own = person.name if person is not None else ""
    names += own_name_forms(text, own)
    signed = signature_name(text, own, language)
    if signed:
        names.append(signed)
    for kind, value in _known_values(person, mapping or {}):
        if kind == "NAME":
            names += [m.span() for m in _literal(value).finditer(text)]
    found.extend((*widen(text, start, end), "NAME") for start, end in names)
    # Overlapping spans of one kind become one; then the kind earlier in _PRIORITY keeps its
    # characters, and a later span keeps the rest of its own ("Calle Mayor 5, tel. 600 …": the
    # street stays masked as an address beside the phone).
    merged: list[tuple[int, int, str]] = []
    for start, end, kind in sorted(found, key=lambda s: (_PRIORITY[s[2]], s[0], -s[1])):
        for index, (other_start, other_end, other_kind) in enumerate(merged):
            if other_kind == kind and start < other_end and other_start < end:
                merged[index] = (min(start, other_start), max(end, other_end), kind)
                break
        else:
            merged.append((start, end, kind))
    chosen: list[tuple[int, int, str]] = []
    for start, end, kind in sorted(merged, key=lambda s: (_PRIORITY[s[2]], s[0])):
        pieces = [(start, end)]
        for taken_start, taken_end, _ in chosen:
            pieces = [
                part
                for s, e in pieces
                for part in ((s, min(e, taken_start)), (max(s, taken_end), e))
                if part[0] < part[1]
            ]
        if pieces == [(start, end)]:
            chosen.append((start, end, kind))
            continue
        for s, e in pieces:
            piece = text[s:e]
            if sum(c.isalnum() for c in piece) < 2:
                continue
            lead = len(piece) - len(piece.lstrip(" \t\n,;:"))
            chosen.append((s + lead, s + len(piece.rstrip(" \t\n,;:")), kind))
    return sorted(chosen)


def mask_pii(
    text: str,
    mapping: dict[str, str] | None = None,
    *,
    person: Person | None = None,
    language: str | None = None,
) -> Masked:
    """Replace personal data with ``[KIND_n]``; the same value gets the same placeholder, also
    across calls sharing ``mapping``. ``person`` is what the account knows about the customer."""
    mapping = dict(mapping or {})
    reverse = {value.casefold(): placeholder for placeholder, value in mapping.items()}
    counters: dict[str, int] = {}
    for placeholder in mapping:
        match = PLACEHOLDER.fullmatch(placeholder)
        if match:
            counters[match.group(1)] = max(counters.get(match.group(1), 0), int(match.group(2)))
    pieces: list[str] = []
    spans: list[dict] = []
    position = 0
    for start, end, kind in find_pii(text, person=person, mapping=mapping, language=language):
        value = text[start:end]
        stripped = value.strip()
        lead = len(value) - len(value.lstrip())
        start, end = start + lead, start + lead + len(stripped)
        placeholder = reverse.get(stripped.casefold())
        if placeholder is None or not placeholder.startswith(f"[{kind}_"):
            counters[kind] = counters.get(kind, 0) + 1
            placeholder = f"[{kind}_{counters[kind]}]"
            mapping[placeholder] = stripped
            reverse[stripped.casefold()] = placeholder
        pieces.append(text[position:start])
        pieces.append(placeholder)
        spans.append({"type": kind, "start": start, "end": end})
        position = end
    pieces.append(text[position:])
    return Masked(text="".join(pieces), mapping=mapping, spans=spans)


def unmask(text: str, mapping: dict[str, str]) -> str:
    """Put the originals back (for the reviewer and the sent reply); unknown placeholders stay."""
    return PLACEHOLDER.sub(lambda m: mapping.get(m.group(0), m.group(0)), text)
