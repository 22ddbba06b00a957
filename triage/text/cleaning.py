"""Turn a raw message into the text the pipeline works on: no HTML, signatures, quotes or
footers."""

from __future__ import annotations

import html
import re
from html.parser import HTMLParser

# Roughly 1.3 tokens per word for MiniLM's WordPiece and GPT tokenisers on support text.
TOKEN_BUDGET = 1500
WORDS_PER_TOKEN = 1 / 1.3

_BLOCK_TAGS = {
    "p",
    "div",
    "br",
    "li",
    "tr",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "blockquote",
    "pre",
    "table",
    "ul",
    "ol",
    "hr",
}
_SKIP_TAGS = {"script", "style", "head", "title", "template"}


class _TextExtractor(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._skip = 0
        self._quote = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        classes = dict(attrs).get("class") or ""
        if tag in _SKIP_TAGS:
            self._skip += 1
        elif tag == "blockquote" or "gmail_quote" in classes:
            self._quote += 1
        if tag in _BLOCK_TAGS:
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in _SKIP_TAGS and self._skip:
            self._skip -= 1
        elif tag == "blockquote" and self._quote:
            self._quote -= 1
        if tag in _BLOCK_TAGS:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if not self._skip and not self._quote:
            self.parts.append(data)


def looks_like_html(text: str) -> bool:
    return bool(re.search(r"<(html|body|div|p|br|table|span|a)\b[^>]*>", text, re.IGNORECASE))


def html_to_text(markup: str) -> str:
    """Visible text of an HTML fragment; quoted blocks (blockquote, Gmail quotes) are dropped."""
    parser = _TextExtractor()
    parser.feed(markup)
    parser.close()
    return html.unescape("".join(parser.parts))


_QUOTE_HEADERS = [
    r"^On .{3,200}(wrote|writes):\s*$",  # en
    r"^Am .{3,200}schrieb .{0,200}:\s*$",  # de
    r"^El .{3,200}escribi[oó]:\s*$",  # es
    r"^Le .{3,200}a [ée]crit\s?:\s*$",  # fr
    r"^-{2,}\s*(Original Message|Ursprüngliche Nachricht|Mensaje original|Message "
    r"d'origine)\s*-{2,}\s*$",
    r"^(From|Von|De)\s*:\s.+$",  # Outlook-style header block of a forwarded/quoted mail
]
_QUOTE_HEADER = re.compile("|".join(_QUOTE_HEADERS), re.IGNORECASE | re.MULTILINE)
_MOBILE_SIGNATURE = re.compile(
    r"^\s*(Sent from my .+|Get Outlook for .+|Von meinem .+ gesendet|Gesendet von .+|Enviado "
    r"desde mi .+|Envoy[ée] de mon .+)\s*$",
    re.IGNORECASE | re.MULTILINE,
)
_SIGNOFF = re.compile(
    r"^\s*(best|kind|warm)?\s*(regards|wishes)\s*,?|^\s*(thanks|thank "
    r"you|cheers|sincerely|best)\s*,?\s*$"
    r"|^\s*(mit freundlichen grüßen|viele grüße|beste grüße|lg|mfg)\s*,?"
    r"|^\s*(saludos|un saludo|atentamente|cordialmente)\s*,?"
    r"|^\s*(cordialement|bien cordialement|bien à vous|salutations)\s*,?",
    re.IGNORECASE,
)
_DISCLAIMER = re.compile(
    r"(this (e-?mail|message)|diese (e-?mail|nachricht)|este (correo|mensaje)|ce "
    r"(message|courriel)).{0,200}"
    r"(confidential|vertraulich|confidencial|confidentiel)",
    re.IGNORECASE | re.DOTALL,
)


def strip_quotes(text: str) -> str:
    """Drop quoted replies: everything from an "On ... wrote:" header on, and ">" lines."""
    match = _QUOTE_HEADER.search(text)
    if match and match.start() > 0:
        text = text[: match.start()]
    return "\n".join(line for line in text.splitlines() if not line.lstrip().startswith(">"))


def strip_signature(text: str) -> str:
    """Drop "-- " signatures, "Sent from my ..." lines and a sign-off with the few lines after
    it."""
    text = _MOBILE_SIGNATURE.sub("", text)
    lines = text.splitlines()
    for index, line in enumerate(lines):
        if line.rstrip() in {"--", "-- ", "__"}:
            lines = lines[:index]
            break
    # A sign-off near the end ("Best regards,\nJane Doe\nCFO, Acme") ends the message.
    tail_start = max(0, len(lines) - 6)
    for index in range(tail_start, len(lines)):
        if _SIGNOFF.match(lines[index]) and index > 0:
            lines = lines[:index]
            break
    return "\n".join(lines)


def strip_disclaimer(text: str) -> str:
    paragraphs = re.split(r"\n\s*\n", text)
    kept = [p for p in paragraphs if not _DISCLAIMER.search(p)]
    return "\n\n".join(kept)


def collapse_whitespace(text: str) -> str:
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\xa0", " ")
    text = re.sub(r"[ \t\f\v]+", " ", text)
    text = re.sub(r" *\n *", "\n", text)
    text = re.sub(r"\n{3,}", "\n\n", text)
    return text.strip()


def cut_to_budget(text: str, *, tokens: int = TOKEN_BUDGET) -> str:
    """Keep at most ``tokens`` (estimated) without cutting a word."""
    max_words = int(tokens * WORDS_PER_TOKEN)
    words = re.findall(r"\S+\s*", text)
    if len(words) <= max_words:
        return text
    return "".join(words[:max_words]).rstrip() + " …"


def clean_text(raw: str, *, subject: str = "") -> str:
    """The cleaned body (falls back to the subject when nothing but a signature remains)."""
    # Plain text from tweets and chat widgets arrives with HTML entities ("AT&amp;T") too.
    text = html_to_text(raw) if looks_like_html(raw) else html.unescape(raw)
    text = collapse_whitespace(text)
    text = strip_quotes(text)
    text = strip_signature(text)
    text = strip_disclaimer(text)
    text = collapse_whitespace(text)
    return cut_to_budget(text)
