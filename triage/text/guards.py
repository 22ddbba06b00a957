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

from triage.text import facts
from triage.text.pii import PLACEHOLDER
from triage.text.placeholders import is_foreign_placeholder

GUARDS_VERSION = "guards-2"
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
# First-person (or passive) statements that something has been done, by action kind.
_DONE = r"(?:i|we)(?:'ve| have| just)?\s+(?:now\s+|already\s+|also\s+)?"
_PASSIVE = r"(?:has|have)\s+(?:now\s+|already\s+)?been\s+"
CLAIMS: dict[str, str] = {
    "refund": rf"\b(?:{_DONE}(?:refunded|reimbursed|issued (?:a|the|your) refund|processed "
    rf"(?:a|the|your) refund)|{_PASSIVE}refunded|refund (?:has been|was) "
    rf"(?:issued|processed|sent))\b",
    "credit": rf"\b(?:{_DONE}(?:credited|applied (?:a|the) credit|added (?:a|the) "
    rf"credit)|{_PASSIVE}credited)\b",
    "cancel": rf"\b(?:{_DONE}(?:cancell?ed|closed your account|terminated)|{_PASSIVE}cancell?ed)\b",
    "escalate": rf"\b(?:{_DONE}(?:escalated|forwarded (?:this|your (?:case|ticket)) "
    rf"to)|{_PASSIVE}escalated)\b",
    "reset": rf"\b(?:{_DONE}(?:reset|lifted|unlocked|restored|removed the block|signed "
    rf"out)|{_PASSIVE}(?:reset|unlocked|restored|lifted))\b",
    "change": rf"\b(?:{_DONE}(?:moved|upgraded|downgraded|switched|changed|updated|set) "
    rf"(?:your|the)\b|{_PASSIVE}(?:upgraded|downgraded|moved))",
    "investigate": rf"\b(?:{_DONE}(?:checked|looked "
    rf"into|reviewed|investigated|confirmed|verified)|i can confirm)\b",
}
# The same claims in German, Spanish and French (first person plural and passive, the forms
# support replies use).
CLAIMS_OTHER_LANGUAGES: dict[str, str] = {
    "refund": r"\b(?:wir haben .{0,40}(?:erstattet|zurückerstattet|zurücküberwiesen)|wurde "
    r".{0,30}erstattet|hemos (?:reembolsado|devuelto)|(?:nous )?avons rembours[ée]|a "
    r"été rembours[ée])\b",
    "credit": r"\b(?:wir haben .{0,40}gutgeschrieben|hemos abonado|avons crédité)\b",
    "cancel": r"\b(?:wir haben .{0,40}gekündigt|hemos cancelado|avons résilié|avons annulé)\b",
    "reset": r"\b(?:wir haben .{0,40}(?:zurückgesetzt|entsperrt|aufgehoben)|hemos "
    r"(?:restablecido|quitado el bloqueo|desbloqueado)|avons "
    r"(?:réinitialisé|débloqué|levé))\b",
    "investigate": r"\b(?:wir haben .{0,40}(?:geprüft|überprüft)|hemos "
    r"(?:revisado|comprobado)|avons (?:vérifié|examiné))\b",
}
_FUTURE_CLAUSE = re.compile(r"\b(?:once|after|when|as soon as|until|before|if)\s+$", re.IGNORECASE)
CLAIM_NAMES = {
    "refund": "a refund",
    "credit": "a credit",
    "cancel": "a cancellation",
    "escalate": "an escalation",
    "reset": "a reset",
    "change": "an account change",
    "investigate": "a check",
}
MONEY = re.compile(
    r"(?:[€$£]\s?\d[\d.,]*|\b\d[\d.,]*\s?(?:eur|usd|gbp|euros?|dollars?)\b)", re.IGNORECASE
)

# An amount of money said to have gone back: only with a verb saying it happened.
_MONEY_DONE = (
    r"\b(?:was|were|has been|have been|(?:we|i)(?:'ve| have)? (?:sent|issued|returned|paid|"
    r"processed|credited|refunded)|reached|arrived|went back|is on its way)\b"
)

PROMISES: dict[str, str] = {
    "refund": r"\b(?:we|i)(?:'ll| will| can| are going to)\s+(?:\w+\s+){0,2}refund|\byou(?:'ll| "
    r"will)\s+(?:\w+\s+){0,2}(?:receive|get) (?:a |your |the )?(?:full |partial "
    r")?refund|\b(?:full|100\s?%) refund\b",
    "credit": r"\b(?:we|i)(?:'ll| will| can)\s+(?:\w+\s+){0,2}(?:credit|give you (?:a "
    r")?credit)|\bservice credits?\b|\bfree months?\b",
    "discount": r"\b(?:\d+\s?%\s?(?:off|discount)|discount)\b",
    "deadline": r"\b(?:by (?:tomorrow|today|monday|tuesday|wednesday|thursday|friday|end of "
    r"(?:the )?(?:day|week))|within \d+ (?:minutes|hours|days|business days)|in \d+ "
    r"(?:hours|days))\b",
    # The same promises in German, Spanish and French.
    "refund_other": r"\b(?:wir erstatten|erhalten sie (?:eine |die )?(?:volle |vollständige )?"
    r"(?:rück)?erstattung|le reembolsaremos|le devolveremos|recibirá (?:un|el) reembolso|nous "
    r"vous rembourserons|vous recevrez (?:un|le) remboursement)",
    "discount_other": r"\b(?:\d+\s?%\s?(?:rabatt|nachlass|descuento|de réduction|de remise)|"
    r"rabatt|descuento|remise)\b",
    "deadline_other": r"\b(?:innerhalb (?:von )?\d+ (?:stunden|tagen|werktagen)|bis morgen|in \d+ "
    r"(?:stunden|tagen)|(?:dentro de|en un plazo de|en) \d+ (?:horas|días|días hábiles)|"
    r"(?:para )?mañana mismo|sous \d+ (?:heures|jours|jours ouvrés)|d'ici demain|dans les \d+ "
    r"(?:heures|jours))\b",
}

SHORTHAND = re.compile(
    r"\b(?:INC-\d+|FR-\d+|JIRA-?\d*|[A-Z]{2,5}-\d{2,}|L[123] (?:queue|support|team)|T[123] "
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


def check_claims(text: str, actions: set[str]) -> list[Flag]:
    flags = []
    for sentence in sentences(text):
        for kind in CLAIMS:
            pattern = CLAIMS[kind] + (
                "|" + CLAIMS_OTHER_LANGUAGES[kind] if kind in CLAIMS_OTHER_LANGUAGES else ""
            )
            match = re.search(pattern, sentence, re.IGNORECASE)
            # "Once we have checked the logs, ..." speaks of the future, not of something done.
            if match and _FUTURE_CLAUSE.search(sentence[: match.start()]):
                match = None
            if match and kind not in actions:
                what = CLAIM_NAMES[kind]
                flags.append(
                    Flag(
                        "unbacked_claim",
                        f"Says {what} was done, but no {what} is recorded on the ticket.",
                        sentence,
                    )
                )
                break
        else:
            if (
                MONEY.search(sentence)
                and re.search(
                    r"\b(refund|credit|charged back|paid back|reimburs)", sentence, re.IGNORECASE
                )
                and re.search(_MONEY_DONE, sentence, re.IGNORECASE)
                and not actions & {"refund", "credit"}
            ):
                flags.append(
                    Flag(
                        "unbacked_claim",
                        "Names an amount of money returned, but no refund or credit is recorded.",
                        sentence,
                    )
                )
    return flags


def check_promises(text: str, policy_texts: Iterable[str]) -> list[Flag]:
    policy = " ".join(policy_texts).lower()
    flags = []
    for sentence in sentences(text):
        for kind, pattern in PROMISES.items():
            match = re.search(pattern, sentence, re.IGNORECASE)
            if not match:
                continue
            key_terms = {
                "refund": ["refund"],
                "credit": ["credit"],
                "discount": ["discount", "% off"],
                "deadline": [],
                "refund_other": ["erstatt", "reembols", "rembours"],
                "discount_other": ["rabatt", "descuento", "réduction", "remise"],
                "deadline_other": [],
            }[kind]
            numbers = re.findall(r"\d+", match.group(0)) + re.findall(r"\d+\s?%", sentence)
            supported = (not key_terms or any(term in policy for term in key_terms)) and all(
                n.replace(" ", "") in policy.replace(" ", "") for n in numbers
            )
            kind = kind.removesuffix("_other")
            if kind == "deadline" and not numbers:
                supported = False  # "by tomorrow" is never policy
            if not supported:
                flags.append(
                    Flag(
                        "unsupported_promise",
                        f"Promises a {kind} that no retrieved policy supports.",
                        sentence,
                    )
                )
                break
    return flags


def _promise_sentences(text: str) -> set[str]:
    return {
        sentence
        for sentence in sentences(text)
        if any(re.search(p, sentence, re.IGNORECASE) for p in PROMISES.values())
    }


def check_facts(text: str, evidence: facts.Evidence) -> list[Flag]:
    """Each case-specific fact nothing known about this case backs. Promises are left to
    ``check_promises`` (a policy backs them, not the ticket)."""
    return [
        Flag(
            "unsupported_fact",
            f"States {_FACT_NAMES[fact.kind]} “{fact.value}” that nothing about this ticket "
            f"backs (in: “{fact.sentence[:160]}”). It needs {facts.WHAT_BACKS[fact.kind]}; "
            f"another customer's reply does not count.",
            fact.value,
        )
        for fact in facts.unbacked(text, evidence, skip=_promise_sentences(text))
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


def check_internal(text: str) -> list[Flag]:
    return [
        Flag(
            "internal_text",
            "Reads like guidance for agents, not a reply to the customer: remove it.",
            sentence,
        )
        for sentence in sentences(text)
        if INTERNAL.search(sentence)
    ]


def check_shorthand(text: str) -> list[Flag]:
    return [
        Flag("internal_shorthand", f"Mentions internal shorthand “{m.group(0)}”.", m.group(0))
        for m in SHORTHAND.finditer(text)
    ]


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


def run_guards(
    text: str,
    *,
    actions: set[str],
    policy_texts: Iterable[str],
    allowed_placeholders: set[str],
    evidence: Iterable[str] = (),
    allowed_domains: Iterable[str] = (),
) -> list[Flag]:
    """All flags for ``text`` (a masked draft). ``evidence``: the texts that back facts about
    this case (thread, account, recorded actions, articles and policies); the policy texts count
    too. ``allowed_domains``: where links may point."""
    policies = list(policy_texts)
    return _dedupe(
        check_claims(text, actions)
        + check_promises(text, policies)
        + check_facts(text, facts.Evidence.of([*evidence, *policies]))
        + check_shorthand(text)
        + check_internal(text)
        + check_output(text, allowed_placeholders, allowed_domains=allowed_domains)
    )
