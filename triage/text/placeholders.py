"""Anonymisation marks that other helpdesks leave in their exports (``<name>``, ``<acc_num>``,
``<tel_num>``, ``[NAME]``, ``[ORDER_ID]``, ``XXXX``), read as what they are: blanks to fill.

They are written as our own ``{{Name}}`` blanks, so imported text and replies reused from it are
never taken for HTML (``<name>`` is no element) or sent as they are (a blank blocks sending until
it is filled). Our own masking placeholders (``[EMAIL_1]``) and real HTML (``<b>``) are left alone.
"""

from __future__ import annotations

import re

# Element names of HTML as mail clients and editors write it: ``<b>`` is markup, ``<name>`` is not.
HTML_ELEMENTS = frozenset(
    """a abbr address applet area article aside audio b base bdi bdo big blink blockquote body br
    button canvas caption center cite code col colgroup data datalist dd del details dfn dialog dir
    div dl dt em embed fieldset figcaption figure font footer form frame frameset h1 h2 h3 h4 h5 h6
    head header hgroup hr html i iframe img input ins kbd label legend li link main map mark marquee
    menu meta meter nav nobr noscript object ol optgroup option output p param picture pre progress
    q rp rt ruby s samp script section select slot small source span strike strong style sub
    summary sup svg table tbody td template textarea tfoot th thead time title tr track tt u ul var
    video wbr""".split()
)
_ANGLE = re.compile(r"<([a-z][a-z0-9]*(?:_[a-z0-9]+)*)>")
# Upper-case words in square brackets, without our placeholders' "_1" number: [NAME], [ORDER_ID].
_SQUARE = re.compile(r"\[([A-Z]{2,}(?:_[A-Z]{2,})*)\]")
_REDACTED = re.compile(r"\bX{4,}\b")


def _label(name: str) -> str:
    return " ".join(part.capitalize() for part in name.lower().split("_"))


def _angle(match: re.Match) -> str:
    name = match.group(1)
    return match.group(0) if name in HTML_ELEMENTS else "{{" + _label(name) + "}}"


def normalise_foreign_placeholders(text: str) -> str:
    """``<acc_num>`` → ``{{Acc Num}}``, ``[ORDER_ID]`` → ``{{Order Id}}``, ``XXXX`` →
    ``{{Redacted}}``; everything else as it was."""
    text = _ANGLE.sub(_angle, text)
    text = _SQUARE.sub(lambda m: "{{" + _label(m.group(1)) + "}}", text)
    return _REDACTED.sub("{{Redacted}}", text)


def foreign_placeholders(text: str) -> list[str]:
    """The anonymisation marks in ``text`` as they are written."""
    angle = [m.group(0) for m in _ANGLE.finditer(text) if m.group(1) not in HTML_ELEMENTS]
    return angle + [m.group(0) for m in (*_SQUARE.finditer(text), *_REDACTED.finditer(text))]


def is_foreign_placeholder(markup: str) -> bool:
    """Whether a ``<…>`` the HTML check found is an anonymisation mark, not an element."""
    match = _ANGLE.fullmatch(markup.strip())
    return match is not None and match.group(1) not in HTML_ELEMENTS
