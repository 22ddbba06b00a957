"""Reversible PII masking: numbered placeholders in the text, the originals in a separate
mapping."""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Callable
from dataclasses import dataclass, field

_EMAIL = re.compile(r"\b[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}\b")
_IBAN = re.compile(r"\b[A-Z]{2}\d{2}(?:[ ]?[A-Z0-9]{4}){2,7}(?:[ ]?[A-Z0-9]{1,4})?\b")
_CARD = re.compile(r"(?<![\d-])(?:\d[ -]?){12,18}\d(?![\d-])")
_SSN = re.compile(r"\b\d{3}-\d{2}-\d{4}\b")
_IPV4 = re.compile(r"\b(?:\d{1,3}\.){3}\d{1,3}(?:/\d{1,2})?\b")
_IPV6 = re.compile(r"\b(?:[0-9A-Fa-f]{1,4}:){2,7}[0-9A-Fa-f]{1,4}\b")
_PHONE = re.compile(r"(?<![\w+/-])(?:\+|00)?\d[\d ()./-]{6,}\d(?![\w-])")


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
    compact = candidate.replace(" ", "").upper()
    if not 15 <= len(compact) <= 34:
        return False
    rearranged = compact[4:] + compact[:4]
    try:
        number = int("".join(str(int(ch, 36)) for ch in rearranged))
    except ValueError:
        return False
    return number % 97 == 1


def _ip_valid(candidate: str) -> bool:
    try:
        ipaddress.ip_network(candidate, strict=False)
    except ValueError:
        return False
    return True


def _phone_valid(candidate: str) -> bool:
    digits = sum(c.isdigit() for c in candidate)
    # Dates (2025-01-31), amounts and ids look like digits too; a phone number has 8-15 digits
    # and is not a plain ISO date.
    return 8 <= digits <= 15 and not re.fullmatch(r"\d{4}-\d{2}-\d{2}", candidate.strip())


# Order matters: an IBAN or a card number also looks like a phone number.
_KINDS: list[tuple[str, re.Pattern[str], Callable[[str], bool]]] = [
    ("EMAIL", _EMAIL, lambda _: True),
    ("IBAN", _IBAN, iban_valid),
    ("CARD", _CARD, luhn_valid),
    ("SSN", _SSN, lambda _: True),
    ("IP", _IPV4, _ip_valid),
    ("IP", _IPV6, _ip_valid),
    ("PHONE", _PHONE, _phone_valid),
]
PLACEHOLDER = re.compile(r"\[(EMAIL|IBAN|CARD|SSN|IP|PHONE)_(\d+)\]")


@dataclass
class Masked:
    text: str
    mapping: dict[str, str] = field(default_factory=dict)


def mask_pii(text: str, mapping: dict[str, str] | None = None) -> Masked:
    """Replace PII with ``[KIND_n]``; the same value gets the same placeholder, also across calls
    sharing ``mapping``."""
    mapping = dict(mapping or {})
    reverse = {value: placeholder for placeholder, value in mapping.items()}
    counters: dict[str, int] = {}
    for placeholder in mapping:
        match = PLACEHOLDER.fullmatch(placeholder)
        if match:
            counters[match.group(1)] = max(counters.get(match.group(1), 0), int(match.group(2)))

    for kind, pattern, valid in _KINDS:

        def replace(
            match: re.Match[str], kind: str = kind, valid: Callable[[str], bool] = valid
        ) -> str:
            value = match.group(0)
            if not valid(value):
                return value
            stripped = value.strip()
            if stripped in reverse:
                return reverse[stripped]
            counters[kind] = counters.get(kind, 0) + 1
            placeholder = f"[{kind}_{counters[kind]}]"
            mapping[placeholder] = stripped
            reverse[stripped] = placeholder
            return placeholder

        text = pattern.sub(replace, text)
    return Masked(text=text, mapping=mapping)


def unmask(text: str, mapping: dict[str, str]) -> str:
    """Put the originals back (for the reviewer and the sent reply); unknown placeholders stay."""
    return PLACEHOLDER.sub(lambda m: mapping.get(m.group(0), m.group(0)), text)


def pii_spans(text: str, mapping: dict[str, str]) -> list[dict]:
    """Where each masked value stands in ``text`` (the unmasked text): ``{type, start, end}``,
    in order. Every occurrence of a masked value is reported (the same value is masked
    everywhere)."""
    spans = []
    for placeholder, value in mapping.items():
        match = PLACEHOLDER.fullmatch(placeholder)
        if not match or not value:
            continue
        for found in re.finditer(re.escape(value), text):
            spans.append({"type": match.group(1), "start": found.start(), "end": found.end()})
    return sorted(spans, key=lambda s: (s["start"], s["end"]))
