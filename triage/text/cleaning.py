"""Turn a raw message into the text the pipeline works on: no HTML, signatures, quotes or
footers."""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
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


# Private-use characters the HTML reader leaves where a mail client marked the start of the
# quoted mail or of the signature; the text rules below cut there. Never in the output.
QUOTE_MARK = "\ue000"
SIGNATURE_MARK = "\ue001"
# Where an attribution or a header block was taken out above a quote the reply answers.
_INTRODUCED = "\ue002"
_MARKS = re.compile(f"[{QUOTE_MARK}{SIGNATURE_MARK}{_INTRODUCED}]")

# Containers mail clients put the quoted mail in (Gmail, Yahoo, Zoho, Thunderbird, Outlook web
# and desktop) and the ones they put the signature in.
_QUOTE_CLASSES = (
    "gmail_quote",
    "yahoo_quoted",
    "zmail_extra",
    "moz-cite-prefix",
    "outlookmessageheader",
)
_QUOTE_IDS = ("divrplyfwdmsg", "appendonsend", "yahoo_quoted")
_SIGNATURE_CLASSES = ("gmail_signature", "moz-signature", "zmail_signature")
_SIGNATURE_IDS = ("signature", "zm-_id_-sgn", "x_signature")


class _TextExtractor(HTMLParser):
    """Visible text of HTML. In ``mail`` mode quoted blocks stay as ``> `` lines and quote and
    signature containers leave a mark; otherwise quoted blocks are dropped."""

    def __init__(self, *, mail: bool = False) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.mail = mail
        self._skip = 0
        self._quote = 0
        self._pre = 0

    def _newline(self) -> None:
        self.parts.append("\n" + "> " * self._quote if self.mail else "\n")

    def _mark(self, mark: str) -> None:
        self.parts.append(f"\n{mark}\n" + "> " * self._quote)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        classes = (values.get("class") or "").lower()
        ident = (values.get("id") or "").lower()
        if tag in _SKIP_TAGS:
            self._skip += 1
        elif tag == "pre":
            self._pre += 1
        if self.mail:
            if any(c in classes for c in _QUOTE_CLASSES) or ident.startswith(_QUOTE_IDS):
                self._mark(QUOTE_MARK)
            elif tag == "hr":
                self._mark(QUOTE_MARK)
            elif any(c in classes for c in _SIGNATURE_CLASSES) or ident in _SIGNATURE_IDS:
                self._mark(SIGNATURE_MARK)
            if tag == "blockquote":
                self._quote += 1
        elif tag == "blockquote" or "gmail_quote" in classes:
            self._quote += 1
        if tag in _BLOCK_TAGS:
            self._newline()

    def handle_endtag(self, tag: str) -> None:
        if tag in _SKIP_TAGS and self._skip:
            self._skip -= 1
        elif tag == "pre" and self._pre:
            self._pre -= 1
        elif tag == "blockquote" and self._quote:
            self._quote -= 1
        if tag in _BLOCK_TAGS:
            self._newline()

    def handle_data(self, data: str) -> None:
        if self._skip:
            return
        if self.mail:
            # Line breaks in the source are spaces on screen (except in <pre>).
            if self._pre:
                data = data.replace("\n", "\n" + "> " * self._quote)
            else:
                data = re.sub(r"[\r\n]+", " ", data)
            self.parts.append(data)
        elif not self._quote:
            self.parts.append(data)


def looks_like_html(text: str) -> bool:
    return bool(re.search(r"<(html|body|div|p|br|table|span|a)\b[^>]*>", text, re.IGNORECASE))


def html_to_text(markup: str, *, mail: bool = False) -> str:
    """Visible text of an HTML fragment. Quoted blocks (blockquote, Gmail quotes) are dropped;
    with ``mail=True`` they stay as ``> `` lines with marks for :func:`visible_text`."""
    parser = _TextExtractor(mail=mail)
    parser.feed(markup)
    parser.close()
    return html.unescape("".join(parser.parts))


# --- Where the customer's new text ends: quote headers, forwards, signatures ---------------------

# "… wrote:" in the mail clients' languages (en de es fr it nl pt pl ru sv da no fi).
_WROTE = re.compile(
    r"\b(wrote|writes|schrieb|schreibt|geschrieben|escribi[óo]|a [ée]crit|ha scritto|schreef|"
    r"geschreven|escreveu|napisa[łl]\(a\)|napisa[łl]a?|napisana|написал\(а\)|написала?|пишет|"
    r"kirjoitti|skrev)\b",
    re.IGNORECASE,
)
_ADDRESS = re.compile(r"[\w.+-]+@[\w-]+(\.[\w-]+)+")
_WHEN = re.compile(r"\d{1,2}[:.]\d{2}|\d{1,4}[./-]\d{1,2}[./-]\d{2,4}|\b(19|20)\d{2}\b")
_QUOTE_PREFIX = re.compile(r"^(\s*>)+\s?")

# Outlook's header block: "From:/Sent:/To:/Subject:" in the languages above, bold (*From:*) too.
_HEADER_KEYS = (
    "from|sent|to|cc|bcc|subject|date|reply-to|von|gesendet|an|betreff|datum|de|enviado|para|"
    "asunto|fecha|envoy[ée]|[àa]|objet|da|inviato|oggetto|data|van|verzonden|aan|onderwerp|od|"
    "wys[łl]ano|do|temat|от|отправлено|кому|копия|тема|дата|från|skickat|till|ämne|fra|sendt|"
    "til|emne|dato|lähettäjä|lähetetty|vastaanottaja|aihe|päivämäärä|kopio"
)
_HEADER_LINE = re.compile(rf"^\**\s*({_HEADER_KEYS})\s*\**\s*:\s*\**\s*\S", re.IGNORECASE)
_FIRST_KEYS = re.compile(
    r"^\**\s*(from|sent|date|von|gesendet|datum|de|enviado|fecha|envoy[ée]|da|inviato|data|van|"
    r"verzonden|od|wys[łl]ano|от|отправлено|дата|från|skickat|fra|sendt|dato|lähettäjä|"
    r"lähetetty|päivämäärä)\s*\**\s*:",
    re.IGNORECASE,
)
_SUBJECT_FORWARD = re.compile(
    r"^\**\s*(subject|betreff|asunto|objet|oggetto|onderwerp|assunto|temat|тема|ämne|emne|aihe)"
    r"\s*\**\s*:\s*\**\s*(fwd?|wg|tr|rv|enc|i|doorst|pd|vs|vb|vl|пересл)\s*:",
    re.IGNORECASE,
)
_FORWARD = re.compile(
    r"^[-\s*]*(begin forwarded message|forwarded message|anfang der weitergeleiteten nachricht|"
    r"weitergeleitete nachricht|inicio del mensaje reenviado|mensaje reenviado|d[ée]but du message"
    r" (r[ée]exp[ée]di[ée]|transf[ée]r[ée])|message transf[ée]r[ée]|inizio messaggio inoltrato|"
    r"messaggio inoltrato|begin doorgestuurd bericht|doorgestuurd bericht|in[íi]cio da mensagem "
    r"reencaminhada|mensagem (encaminhada|reencaminhada)|pocz[ąa]tek przekazywanej wiadomo[śs]ci|"
    r"wiadomo[śs][ćc] przekazana dalej|начало переадресованного сообщения|пересылаемое сообщение|"
    r"vidarebefordrat (meddelande|brev)|videresendt (meddelelse|besked|melding)|välitetty viesti)"
    r"\s*:?[-\s*]*$",
    re.IGNORECASE,
)
_ORIGINAL = re.compile(
    r"^[*_]*-{2,}\s*(original message|ursprüngliche nachricht|mensaje original|message d'origine|"
    r"messaggio originale|oorspronkelijk bericht|mensagem original|wiadomo[śs][ćc] oryginalna|"
    r"исходное сообщение|originalmeddelande|oprindelig meddelelse|opprinnelig melding|"
    r"alkuperäinen viesti)\s*-{2,}[*_]*\s*$",
    re.IGNORECASE,
)
# A rule before a header block: underscores (Outlook) or a long run of dashes (Outlook for Mac,
# mobile clients).
_RULE = re.compile(r"^\s*(?:_{10,}|-{20,})\s*$")
# How the clients' attribution lines begin: "On", "Am", "Le", "El", "Il", "Op", "Em", "W dniu",
# "Den", "På", a date.
_ATTRIBUTION_LEAD = re.compile(r"^(on|am|le|el|il|op|em|w dniu|den|på|\d{1,4}[./-])\s*\S", re.I)
_OLD_ATTRIBUTION = re.compile(
    r"^\d{1,4}[./-]\d{1,2}[./-]\d{1,4}(\s+\d{1,2}:\d{2})?\s+[^<>:]{1,80}<[\w.+-]+@[\w-]+(\.[\w-]+)+>$"
)


def _unquoted(line: str) -> str:
    return _QUOTE_PREFIX.sub("", line).strip()


def _is_attribution(line: str) -> bool:
    """A client's "On <date>, <someone> wrote:" line (also with only a date and an address)."""
    text = _unquoted(line)
    if len(text) > 300 or not re.search(r"(:|\s-{2,})\s*$", text) or not re.search(r"\d", text):
        return False
    if _WROTE.search(text):
        return True
    return bool(_ADDRESS.search(text) and _WHEN.search(text))


def _is_named_attribution(text: str) -> bool:
    """ "Some One <one@x.example> wrote:", "codinghorror via Discourse <…> schrieb:": a sender's
    address and the verb, no date."""
    text = _unquoted(text)
    return (
        len(text) <= 200
        and bool(re.search(r":\s*$", text))
        and bool(_ADDRESS.search(text))
        and bool(_WROTE.search(text))
    )


def _header_block(lines: list[str], start: int, *, after_marker: bool = False) -> int:
    """How many lines from ``start`` form a mail header block (0 when they do not); right after
    a forward marker one header line is enough ("From: Some One <one@x.example>" alone)."""
    if not _FIRST_KEYS.match(_unquoted(lines[start])) and not _HEADER_LINE.match(
        _unquoted(lines[start])
    ):
        return 0
    headers = 0
    end = start
    while end < len(lines) and end - start < 12:
        text = _unquoted(lines[end])
        if _HEADER_LINE.match(text):
            headers += 1
        elif not text or len(text) > 100 or headers == 0:
            break
        # A short line after a header line continues it (Outlook wraps long addresses).
        end += 1
    needed = 1 if after_marker else 2 if _FIRST_KEYS.match(_unquoted(lines[start])) else 3
    return end - start if headers >= needed else 0


def _is_forward_block(lines: list[str], start: int, length: int) -> bool:
    return any(_SUBJECT_FORWARD.match(_unquoted(line)) for line in lines[start : start + length])


def _boundary(lines: list[str], index: int) -> tuple[str, int] | None:
    """("reply" | "forward" | "mark", lines it spans) when a quoted or forwarded mail starts at
    ``index``."""
    line = lines[index]
    text = _unquoted(line)
    if line.strip() == QUOTE_MARK:
        return "mark", 1
    if _FORWARD.match(text):
        return "forward", 1
    if _ORIGINAL.match(text):
        return "reply", 1
    if _RULE.match(line):
        after = _next_content(lines, index + 1)
        if after is not None and (length := _header_block(lines, after)):
            kind = "forward" if _is_forward_block(lines, after, length) else "reply"
            return kind, after + length - index
        return None
    if _is_attribution(line) or _is_named_attribution(line):
        return "reply", 1
    # An attribution wrapped over two or three lines (clients wrap before and after a long
    # address: 'Le 4 janv. 2016 19:03, "Neil"\n<neil@x.example>\na écrit :'); one that begins
    # as attributions do may run to six lines with blank lines between the parts ('On Thu, …
    # Some One\n\n<\nmailto:one@x.example\n> wrote:') or end its first line on a date's dot
    # ('… <one@x.example> schrieb am Fr., 28.\nApr. 2017 um 11:53 Uhr:').
    lead = bool(_ATTRIBUTION_LEAD.match(text) or _ADDRESS.search(text))
    if re.search(r"\d", text) and (lead or not re.search(r"[.!?]\s*$", text)):
        blank, following = 0, []
        for span in range(2, 7 if lead else 4):
            if index + span > len(lines):
                break
            part = _unquoted(lines[index + span - 1])
            blank = blank + 1 if not part else 0
            if len(part) > 120 or blank > (1 if lead else 0):
                break
            following.append(part)
            if part and _is_attribution(" ".join([text, *following])):
                return "reply", span
    # Gmail's old attribution: a date, a name and an address, then the quote ("2013/7/20 sam via
    # Discourse <info@x.example>" above lines starting with "|" or ">").
    if _OLD_ATTRIBUTION.match(text):
        after = _next_content(lines, index + 1)
        if after is not None and lines[after].lstrip().startswith((">", "|")):
            return "reply", 1
    if length := _header_block(lines, index):
        return ("forward" if _is_forward_block(lines, index, length) else "reply"), length
    return None


def _next_content(lines: list[str], index: int) -> int | None:
    while index < len(lines):
        if lines[index].strip() and lines[index].strip() not in (QUOTE_MARK, SIGNATURE_MARK):
            return index
        index += 1
    return None


def _quoted(line: str) -> bool:
    """A quoted line ("> …", after indentation)."""
    return line.lstrip().startswith(">")


def _has_text(lines: list[str]) -> bool:
    return any(
        line.strip() and not _quoted(line) and not _MARKS.fullmatch(line.strip()) for line in lines
    )


def _forwarded(lines: list[str], index: int) -> list[str]:
    """The forwarded mail's lines after its marker and header block, unquoted when the client
    put the whole forward in a quote."""
    start = _next_content(lines, index)
    if start is not None and (length := _header_block(lines, start, after_marker=True)):
        index = start + length
    rest = lines[index:]
    content = [line for line in rest if line.strip()]
    if content and all(_quoted(line) for line in content):
        rest = [_QUOTE_PREFIX.sub("", line, count=1) if line.strip() else line for line in rest]
    return rest


def _answered_inline(rest: list[str]) -> bool:
    """Below an attribution that follows new text ("Answers below." / "On … wrote:"): is the
    quote answered between its lines ("> Which plan?" / "The Pro plan.")? Text between two
    quoted lines is an answer; after the last one, text that is more than a sign-off, a
    signature or a footer. A quote without ">" (Outlook's headers) is never read as answered."""
    content = [
        (i, line)
        for i, line in enumerate(rest)
        if line.strip() and not _MARKS.fullmatch(line.strip())
    ]
    quoted = [_quoted(line) for _, line in content]
    if not content or not quoted[0]:
        return False
    last_quote = max(k for k, is_quote in enumerate(quoted) if is_quote)
    for k, (i, _line) in enumerate(content):
        if quoted[k]:
            continue
        if _boundary(rest, i) is not None:
            return False  # an older mail's attribution: still the quoted thread
        if k < last_quote:
            return True
        tail = [line for line in rest[i:] if not _quoted(line)]
        answer = _cut_signature(tail, from_first=True)
        return any(line.strip() for line in answer) and not _signature_like(answer)
    return False


def _segments(lines: list[str]) -> list[list[str]]:
    """The customer's text in order: the new message and, for a forward, the forwarded one."""
    kept: list[str] = []
    index = 0
    while index < len(lines):
        found = _boundary(lines, index)
        if found is None:
            kept.append(lines[index])
            index += 1
            continue
        kind, span = found
        if kind == "mark":
            after = _next_content(lines, index + 1)
            following = _boundary(lines, after) if after is not None else None
            if following is not None and following[0] == "forward":
                index += 1  # a forward inside the quote container: read it as a forward
                continue
            if _has_text(kept):
                break
            index += 1
            continue
        if kind == "forward":
            return [kept, *_segments(_forwarded(lines, index + span))]
        if _has_text(kept) and not _answered_inline(lines[index + span :]):
            break  # top-posted: what follows is the quoted mail
        # Bottom-posted or answered inline: skip the header, the quoted lines go below.
        kept.append(_INTRODUCED)
        index += span
    return [kept]


_MOBILE_FOOTER = re.compile(
    r"^(sent from|sent with|sent via|sent using|get outlook for|outlook für \w+ herunterladen|"
    r"von meinem|gesendet (von|mit)|enviado desde|enviado do|enviado de|envoy[ée] (de|depuis)|"
    r"obtenir outlook|inviato da|scarica outlook|verzonden (vanaf|met|via)|wys[łl]ane z|"
    r"wys[łl]ano z|отправлено (с|из)|skickat från|sendt fra|lähetetty)\b[^,;]{0,60}$",
    re.IGNORECASE,
)
SIGNOFF_PHRASES = (
    # en
    r"(best|kind|warm|warmest|many|with)( kind)? (regards|wishes|thanks)|regards|best wishes|"
    r"thanks( a lot| again| in advance| so much)?|thank you( very much| so much| in advance| "
    r"again)?|many thanks|cheers|best|sincerely( yours)?|yours( sincerely| truly| faithfully)?|"
    r"all the best|take care|br|"
    # de
    r"mit (freundlichen|besten|herzlichen) grü(ß|ss)en|mit freundlichem gru(ß|ss)|"
    r"(freundliche|viele|beste|liebe|herzliche|schöne|sonnige) grü(ß|ss)e|grü(ß|ss)e|gru(ß|ss)|lg|"
    r"mfg|vg|bg|danke( schön| sehr)?|vielen dank( im voraus)?|besten dank|"
    # es
    r"saludos( cordiales)?|un (cordial )?saludo( cordial)?|atentamente|cordialmente|"
    r"(muchas )?gracias( de antemano| por adelantado)?|un abrazo|abrazos|quedo atent[oa]|"
    # fr
    r"(bien )?cordialement|bien à vous|(sincères |meilleures )?salutations( distinguées)?|"
    r"merci( beaucoup| d'avance| par avance)?|bonne (journée|soirée)|belle journée|"
    r"(bien )?amicalement|"
    # it
    r"cordiali saluti|distinti saluti|saluti|un saluto|grazie( mille)?|buona giornata|a presto|"
    # nl
    r"(met )?(vriendelijke|hartelijke) groet(en)?|groet(en|jes)?|mvg|(alvast )?bedankt|"
    r"dank (je|u)( wel)?|"
    # pt
    r"atenciosamente|(melhores )?cumprimentos|obrigad[oa]|abraços|um abraço|saudações|"
    # pl
    r"pozdrawiam( serdecznie)?|z poważaniem|z wyrazami szacunku|dziękuję|pozdrowienia|"
    # ru
    r"с уважением|спасибо( заранее)?|всего (доброго|хорошего)|с наилучшими пожеланиями|"
    # sv da no
    r"(med )?vänliga hälsningar|hälsningar|(med )?venlig hilsen|de bedste hilsner|"
    r"(med )?vennlig hilsen|hilsen|mvh|tack( på förhand)?|tak|takk|"
    # fi
    r"(ystävällisin|parhain) terveisin|terveisin|kiitos"
)
# A name word, or a name the masking replaced ("[NAME_1]": the closing of a masked text).
_NAME_WORD = r"(?:\[NAME_\d+\]|[A-ZÀ-ÖØ-ÞА-ЯЁŁŚŻŹĆŃ][\w.'’-]*)"
_SIGNOFF_LINE = re.compile(
    rf"^(?i:{SIGNOFF_PHRASES})\s*[,.!:]*\s*([-–—,]\s*)?({_NAME_WORD}(\s+{_NAME_WORD}){{0,2}})?"
    r"\s*[,.!]*$"
)
_DASH_NAME = re.compile(rf"^[-–—]\s?{_NAME_WORD}(\s+{_NAME_WORD}){{0,2}}\s*$")
# The name under a sign-off: "Anna Lindqvist", "Daan de Vries", "//Jef", "— Ryan", "J. Smith".
_PARTICLE = r"(?:de|del|della|der|di|da|dos|du|la|le|van|von|y|zu|ten|ter)"
_NAME_LINE = re.compile(
    rf"^(?:/{{1,2}}|[-–—]\s?)?{_NAME_WORD}(\s+(?:{_PARTICLE}\s+)*{_NAME_WORD}){{0,3}}\s*[,.]?$"
)
_SIGNATURE_RULES = {"--", "-- ", "—", "–", "__", "---"}
_DISCLAIMER = re.compile(
    r"((this|the) (e-?mail|message)|diese (e-?mail|nachricht)|este (correo|mensaje)|ce "
    r"(message|courriel)|questa e-?mail|deze e-?mail|este e-?mail).{0,200}"
    r"(confidential|vertraulich|confidencial|confidentiel|riservat|vertrouwelijk|privileged)",
    re.IGNORECASE | re.DOTALL,
)


def _signature_like(lines: list[str]) -> bool:
    """Lines that can be a signature: a name, a title, an address, a phone, short."""
    content = [line.strip() for line in lines if line.strip()]
    return len(content) <= 8 and all(
        len(line) <= 80
        and (len(line.split()) <= 7 or re.search(r"[|@+]|\d{3}", line))
        and not re.search(r"[.?!]\s*$", line.rstrip(".").rstrip())
        or _MARKS.fullmatch(line)
        for line in content
    )


def _cut_signature(lines: list[str], *, from_first: bool = False) -> list[str]:
    """The lines before the signature: cut at a mark, a "-- " or dash line or a mobile footer;
    after a "-Name", or after a sign-off and the name under it, when what follows is nothing but
    a signature (title, company, phone, address). The sign-off and the name are the customer's
    own words and stay ("Thanks,", "Best regards, Anna"), as the mail-reply libraries of
    Discourse, GitHub and quotequail keep them. The first line is never a sign-off ("Thanks!"
    alone is the message) unless ``from_first``."""
    content = [i for i, line in enumerate(lines) if line.strip()]
    if not content:
        return lines
    first = -1 if from_first else content[0]
    for index in content:
        stripped = lines[index].strip()
        if (
            stripped == SIGNATURE_MARK
            or lines[index].rstrip() in _SIGNATURE_RULES
            or _RULE.match(stripped)
        ):
            return lines[:index]
        if index == first:
            continue
        if _MOBILE_FOOTER.match(stripped) and len(stripped.split()) <= 10:
            return lines[:index]
        rest = lines[index + 1 :]
        position = content.index(index)
        previous = lines[content[position - 1]].strip() if position else ""
        following = next((line.strip() for line in rest if line.strip()), "")
        if (
            _DASH_NAME.match(stripped)
            and not previous.startswith(("-", "–", "—"))
            and not following.startswith(("-", "–", "—"))  # a list's items, not a "-Name"
            and _signature_like(rest)
        ):
            return lines[: index + 1]
        if _SIGNOFF_LINE.match(stripped) and _signature_like(rest):
            return lines[: index + 1 + _name_below(rest)]
    return lines


def _name_below(lines: list[str]) -> int:
    """How many of ``lines`` (those under a sign-off) reach down to the signer's name: up to and
    including the first non-empty line when it is a name, else 0."""
    for index, line in enumerate(lines):
        if line.strip():
            return index + 1 if _NAME_LINE.match(line.strip()) else 0
    return 0


def without_closing(text: str) -> str:
    """``text`` (visible, masked or not) without its closing: a last sign-off line ("Best
    regards,", "Thanks, [NAME_1]") with the name under it, or a last "—Name". The visible text
    keeps them; what models read does not, since a closing says nothing about the case (and
    "Thanks," under a complaint is not a thank-you). A message that is nothing but a closing
    ("Thanks!", "Thanks,\nAnna") stays as it is."""
    lines = text.rstrip().split("\n")
    content = [i for i, line in enumerate(lines) if line.strip()]
    if len(content) < 2:
        return text
    last = lines[content[-1]].strip()
    if (
        len(content) >= 3
        and _NAME_LINE.match(last)
        and _SIGNOFF_LINE.match(lines[content[-2]].strip())
    ):
        cut = content[-2]
    elif _SIGNOFF_LINE.match(last) or _DASH_NAME.match(last):
        cut = content[-1]
    else:
        return text
    return "\n".join(lines[:cut]).rstrip()


def without_quoted_lines(text: str) -> str:
    """``text`` without its quoted lines ("> …": the earlier words a customer answers between
    theirs, which the visible text keeps): what is the customer's own."""
    return "\n".join(line for line in text.split("\n") if not _quoted(line))


def _strip_disclaimers(lines: list[str]) -> list[str]:
    paragraphs = re.split(r"\n\s*\n", "\n".join(lines))
    return "\n\n".join(p for p in paragraphs if not _DISCLAIMER.search(p)).split("\n")


@dataclass(frozen=True)
class Visible:
    """A message as the customer sent it: the text they wrote now (``new``) and the text of each
    mail they forwarded below it (``forwarded``, headers dropped; a forward inside a forward is
    one more). Other projects' reply libraries (Discourse's email_reply_trimmer, quotequail)
    count a forwarded mail as quote; a ticket still needs it, so the pipeline reads both."""

    new: str
    forwarded: tuple[str, ...] = ()

    @property
    def text(self) -> str:
        """What the pipeline reads: the new text, then each forwarded mail's text."""
        return collapse_whitespace("\n\n".join(p for p in (self.new, *self.forwarded) if p))


# Supercite's quote marks, the writer's initials before ">" ("JD> …"), read as ">".
_INITIALS_QUOTE = re.compile(r"^\s*[A-Z]{1,3}>(?=[\s>]|$)")


def _answered_between(segment: list[str], own: list[str]) -> list[str]:
    """The new text with the quoted lines the customer answers, as Discourse keeps them: every
    quoted line above their last line, when a quote stands between two of their lines ("> Which
    plan?" / "The Pro plan." / "> How many seats?" / "Twelve.") or when they open the message
    with a quote no attribution introduces (a passage they chose to quote, not the mail their
    client quoted whole). Empty otherwise: a quote under their text, or the quoted mail an
    attribution introduces above a bottom-posted reply, says nothing they answer."""
    content = [line for line in own if line.strip() and not _MARKS.fullmatch(line.strip())]
    if not content:
        return []
    kinds, position = [], 0
    for line in segment:  # own text ("t"), quote ("q"), attribution taken out ("b")
        if _quoted(line):
            kinds.append("q")
        elif line == _INTRODUCED:
            kinds.append("b")
        elif position < len(content) and line == content[position]:
            kinds.append("t")
            position += 1
        else:
            kinds.append("")
    pattern = "".join(kind or "e" for kind in kinds)
    if position < len(content) or not re.search(r"t[^t]*q.*t|^e*q", pattern):
        return []
    last = max(i for i, kind in enumerate(kinds) if kind == "t")
    kept = [
        line
        for i, line in enumerate(segment[: last + 1])
        if kinds[i] in ("t", "q") or not line.strip()
    ]
    return kept + own[own.index(content[-1]) + 1 :]


def visible_parts(text: str) -> Visible:
    """The new text and the forwarded mails of ``text``: the quoted earlier mail, reply and
    forward headers, signatures, mobile footers and disclaimers removed from each."""
    lines = [_INITIALS_QUOTE.sub(">", line) for line in collapse_whitespace(text).split("\n")]
    parts = []
    for number, segment in enumerate(_segments(lines)):
        # The lone dot a mail tracker leaves ("ᐧ", Gmail add-ons).
        segment = [line for line in segment if line.strip() != "ᐧ"]
        own = _cut_signature(
            _strip_disclaimers(
                [line for line in segment if not _quoted(line) and line != _INTRODUCED]
            )
        )
        if number == 0 and (answered := _answered_between(segment, own)):
            own = answered
        parts.append(collapse_whitespace(_MARKS.sub("", "\n".join(own))))
    new, forwarded = parts[0], [part for part in parts[1:] if part]
    if not new and forwarded:
        # Nothing written above the forward: the forwarded mail is what they sent us.
        new = forwarded.pop(0)
    return Visible(new, tuple(forwarded))


def visible_text(text: str) -> str:
    """What the customer wrote in this message (:func:`visible_parts`' new text): without the
    quoted earlier mail and without the mails they forwarded."""
    return visible_parts(text).new


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


def read_parts(raw: str, *, html_body: bool | None = None) -> Visible:
    """The visible parts of a raw body (see :func:`visible_parts`); ``html_body`` says whether
    ``raw`` is HTML (guessed when None)."""
    # Plain text from tweets and chat widgets arrives with HTML entities ("AT&amp;T") too.
    is_html = looks_like_html(raw) if html_body is None else html_body
    return visible_parts(html_to_text(raw, mail=True) if is_html else html.unescape(raw))


def clean_text(raw: str, *, subject: str = "", html_body: bool | None = None) -> str:
    """The cleaned body the pipeline reads: the customer's new text and the text of any mail
    they forwarded (see :class:`Visible`), within the token budget. ``html_body`` says whether
    ``raw`` is HTML (guessed when None)."""
    return cut_to_budget(read_parts(raw, html_body=html_body).text)
