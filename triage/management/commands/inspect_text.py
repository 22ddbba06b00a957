"""What the pipeline makes of text, stage by stage, without storing anything.

python manage.py inspect_text FILE.jsonl [--out OUT.jsonl]

Input, one JSON object per line: {"raw": "...", "kind": "mime" | "plain" | "html",
"customer": {"name": ..., "email": ..., "phone": ...}} (kind defaults to plain; customer is
optional and, for mime, defaults to the From header's name and address).
Output, one JSON object per input line, in order: clean_text (what the pipeline reads), new_text
(the customer's own words in this message) and forwarded (the text of mails they forwarded),
masked_text, pii [{type, start, end}] (offsets into clean_text), language and
language_probability, sentiment and sentiment_score, injection {found, why}, signals {urgency,
urgency_rule, too_little_to_act_on, only_thanks}; or {"line": n, "error": "..."} for a line that
cannot be read. Needs no database, no broker and no model.
"""

from __future__ import annotations

import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from triage.text.language import detect_language
from triage.text.mail import read_message
from triage.text.pii import Person, mask_pii
from triage.text.sentiment import sentiment_score
from triage.text.signals import injection_attempt, only_thanks, rule_urgency, too_little_to_act_on


def inspect(item: dict) -> dict:
    """One input object's reading (raises ValueError with a reason for a bad object)."""
    if not isinstance(item, dict) or not isinstance(item.get("raw"), str):
        raise ValueError('each line must be an object with a "raw" string')
    customer = item.get("customer") or {}
    if not isinstance(customer, dict):
        raise ValueError('"customer" must be an object with "name" and "email"')
    message = read_message(item["raw"], item.get("kind", "plain"))
    clean, subject = message.clean_text, message.subject
    person = Person(
        name=str(customer.get("name") or message.sender_name),
        email=str(customer.get("email") or message.sender_email),
        phone=str(customer.get("phone") or ""),
    )
    masked = mask_pii(clean, person=person)
    language, probability = detect_language(f"{subject}\n{clean}".strip())
    sentiment, score = sentiment_score(clean)
    urgency, rule = rule_urgency(clean)
    injection = injection_attempt(f"{subject}\n{clean}")
    return {
        "clean_text": clean,
        "new_text": message.new_text,
        "forwarded": list(message.forwarded),
        "masked_text": masked.text,
        "pii": masked.spans,
        "language": language,
        "language_probability": round(probability, 4),
        "sentiment": sentiment,
        "sentiment_score": score,
        "injection": {"found": injection is not None, "why": injection or ""},
        "signals": {
            "urgency": urgency,
            "urgency_rule": rule,
            "too_little_to_act_on": too_little_to_act_on(masked.text),
            "only_thanks": only_thanks(clean),
        },
    }


class Command(BaseCommand):
    help = "Show what the pipeline makes of each text in a JSONL file (nothing is stored)."
    requires_system_checks: list = []

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path)
        parser.add_argument("--out", type=Path, help="write here instead of standard output")

    def handle(self, *args, file: Path, out: Path | None, **options):
        if not file.is_file():
            raise CommandError(f"{file} does not exist or is not a file")
        target = out.open("w", encoding="utf-8") if out else self.stdout
        read = errors = 0
        try:
            with file.open(encoding="utf-8", errors="surrogateescape") as handle:
                for number, line in enumerate(handle, start=1):
                    if not line.strip():
                        continue
                    read += 1
                    try:
                        result = inspect(json.loads(line))
                    except (ValueError, json.JSONDecodeError) as exc:
                        errors += 1
                        result = {"line": number, "error": str(exc)}
                    target.write(json.dumps(result, ensure_ascii=False) + "\n")
        finally:
            if out:
                target.close()
        if read == 0:
            raise CommandError(f"{file.name} has no line to inspect")
        if out:
            self.stderr.write(f"{read} lines inspected, {errors} unreadable; written to {out}")
