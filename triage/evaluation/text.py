"""The text stages measured on labelled files, without a database, the broker or a model.

``python manage.py evaluate --preprocess FILE.jsonl [FILE.jsonl …]``; each file holds one JSON
object per line, and its kind is told by its fields:

- replies: ``{"raw", "kind": "plain" | "html" | "mime", "expected"}``: the exact-match rate of
  the visible new text (whitespace collapsed on both sides), per client and per language.
- personal data: ``{"text", "customer": {"name", "email", "phone"}, "spans": [{"type", "value"}]}``:
  recall per type (a value counts as found when every character of it is masked) and the share
  of the other words masked.
- sentiment: ``{"text", "sentiment": "angry" | "frustrated" | "neutral" | "positive"}``: accuracy,
  per language and a confusion table; thanks messages marked negative are counted apart.
- injection: ``{"text", "injection": true | false}``: recall and false-positive rate.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Callable
from pathlib import Path

from django.conf import settings

from triage.evaluation.datasets import EvalError, only_split, read_jsonl, split_of
from triage.text import sentiment
from triage.text.cleaning import collapse_whitespace, html_to_text
from triage.text.mail import read_message
from triage.text.pii import Person, mask_pii


def _rate(good: int, total: int) -> float | None:
    return round(good / total, 4) if total else None


def evaluate_replies(rows: list[dict]) -> dict:
    by: dict[str, dict[str, Counter]] = {
        "client": defaultdict(Counter),
        "language": defaultdict(Counter),
        "set": defaultdict(Counter),
    }
    misses = []
    exact = 0
    for row in rows:
        if not isinstance(row.get("raw"), str) or not isinstance(row.get("expected"), str):
            raise EvalError(f"line {row['_line']}: 'raw' and 'expected' must be strings")
        forwarded = row.get("forwarded")
        if forwarded is not None and not (
            isinstance(forwarded, list) and all(isinstance(f, str) for f in forwarded)
        ):
            raise EvalError(f"line {row['_line']}: 'forwarded' must be a list of strings")
        try:
            message = read_message(row["raw"], row.get("kind", "plain"))
        except ValueError as exc:
            raise EvalError(f"line {row['_line']}: {exc}") from None
        # The customer's new text; a forwarded mail is not part of it (see cleaning.Visible),
        # and where the row says what was forwarded, that is read too.
        got = message.new_text
        hit = got == collapse_whitespace(row["expected"]) and (
            forwarded is None
            or list(message.forwarded) == [collapse_whitespace(f) for f in forwarded]
        )
        exact += hit
        for field, counts in by.items():
            counts[str(row.get(field, "?"))].update(total=1, exact=int(hit))
        if not hit:
            misses.append({"id": row.get("id", row["_line"]), "got": got})
    return {
        "kind": "replies",
        "cases": len(rows),
        "exact_match": _rate(exact, len(rows)),
        "per": {
            field: {key: _rate(c["exact"], c["total"]) for key, c in sorted(counts.items())}
            for field, counts in by.items()
        },
        "misses": misses,
    }


PII_TYPES = ("email", "phone", "card", "iban", "ip", "own_name", "name", "address")


def _masked_characters(text: str, person: Person | None) -> list[bool]:
    covered = [False] * len(text)
    for span in mask_pii(text, person=person).spans:
        for index in range(span["start"], span["end"]):
            covered[index] = True
    return covered


_TITLE_WORD = re.compile(
    r"(?i)(?:mr|mrs|ms|miss|mx|dr|prof|herr|herrn|frau|sr|sra|srta|dña|doña|don|mme|mlle|m|"
    r"monsieur|madame|mademoiselle|maître|me)\.?"
)


def evaluate_pii(rows: list[dict]) -> dict:
    found: Counter = Counter()
    total: Counter = Counter()
    per_set: dict[str, Counter] = defaultdict(Counter)
    per_language: dict[str, Counter] = defaultdict(Counter)
    other_words = other_masked = 0
    misses, false_masks = [], []
    for row in rows:
        text, spans = row.get("text"), row.get("spans")
        if not isinstance(text, str) or not isinstance(spans, list):
            raise EvalError(f"line {row['_line']}: 'text' must be a string and 'spans' a list")
        customer = row.get("customer") or {}
        person = Person(**{k: str(customer.get(k) or "") for k in ("name", "email", "phone")})
        covered = _masked_characters(text, person)
        personal = [False] * len(text)
        for span in spans:
            if span.get("type") not in PII_TYPES or not isinstance(span.get("value"), str):
                raise EvalError(
                    f"line {row['_line']}: each span needs a value and a type of "
                    + ", ".join(PII_TYPES)
                )
            for match in re.finditer(re.escape(span["value"]), text):
                total[span["type"]] += 1
                hit = all(
                    covered[i] for i in range(match.start(), match.end()) if not text[i].isspace()
                )
                found[span["type"]] += hit
                language = str(row.get("language", "?"))
                per_language[language].update({f"{span['type']}:total": 1})
                per_language[language].update({f"{span['type']}:found": int(hit)})
                per_set[str(row.get("set", "all"))].update(total=1, found=int(hit))
                if not hit:
                    misses.append(
                        {
                            "id": row.get("id", row["_line"]),
                            "type": span["type"],
                            "value": span["value"],
                        }
                    )
                for index in range(match.start(), match.end()):
                    personal[index] = True
        for word in re.finditer(r"\S+", text):
            if any(personal[word.start() : word.end()]):
                continue
            # A title before a name is part of it either way ("Frau Sommer", "Mme Roux").
            if _TITLE_WORD.fullmatch(word.group(0)) and any(personal[word.end() : word.end() + 3]):
                continue
            other_words += 1
            if any(covered[word.start() : word.end()]):
                other_masked += 1
                false_masks.append({"id": row.get("id", row["_line"]), "word": word.group(0)})
    return {
        "kind": "pii",
        "cases": len(rows),
        "recall": {kind: _rate(found[kind], total[kind]) for kind in PII_TYPES if total[kind]},
        "support": {kind: total[kind] for kind in PII_TYPES if total[kind]},
        "per_set": {key: _rate(c["found"], c["total"]) for key, c in sorted(per_set.items())},
        "per_language": {
            language: {
                kind: _rate(c[f"{kind}:found"], c[f"{kind}:total"])
                for kind in PII_TYPES
                if c[f"{kind}:total"]
            }
            for language, c in sorted(per_language.items())
        },
        "other_words": other_words,
        "other_words_masked": _rate(other_masked, other_words),
        "misses": misses,
        "false_masks": false_masks,
    }


# The public sets (the sentiment model learns from sentiment_dev's development part).
SHARED_DATA = Path(settings.BASE_DIR).parent / "shared" / "data"
SENTIMENTS = ("angry", "frustrated", "neutral", "positive")
_THANKS = re.compile(r"(?i)\b(thank|thanks|danke|dank|gracias|merci)\b")


def _sentiment_predictions(rows: list[dict], folds: int = 10) -> list[str]:
    """The label for each row; a row the shipped model was trained on is read by a model trained
    the same way without its fold (``folds``-fold cross-validation over the training rows at
    hand), so no row is scored by a model that saw it."""
    shipped = sentiment.shipped_model()
    training = sentiment.training_rows(SHARED_DATA, split_of=split_of)
    fold_of = {r["text"]: index % folds for index, r in enumerate(training)}
    models: dict[int, sentiment.SentimentModel] = {}
    labels = []
    for row in rows:
        text = row["text"]
        if text not in fold_of and sentiment.text_digest(text) not in shipped.trained_on:
            labels.append(sentiment.sentiment_of(text))
            continue
        # trained on but not at hand (the public sets are absent): a model of the rows at hand
        fold = fold_of.get(text, -1)
        if fold not in models:
            models[fold] = sentiment.train([r for r in training if fold_of[r["text"]] != fold])
        labels.append(sentiment.read_sentiment(text, model=models[fold]).label)
    return labels


def evaluate_sentiment(rows: list[dict]) -> dict:
    correct = 0
    per_language: dict[str, Counter] = defaultdict(Counter)
    per_set: dict[str, Counter] = defaultdict(Counter)
    per_trap: dict[str, Counter] = defaultdict(Counter)
    confusion: dict[str, Counter] = {label: Counter() for label in SENTIMENTS}
    thanks_negative = []
    misses = []
    for row in rows:
        if not isinstance(row.get("text"), str) or row.get("sentiment") not in SENTIMENTS:
            raise EvalError(
                f"line {row['_line']}: 'text' must be a string and 'sentiment' one of "
                + ", ".join(SENTIMENTS)
            )
    predicted = _sentiment_predictions(rows)
    trained_on = sentiment.shipped_model().trained_on
    cross_validated = sum(sentiment.text_digest(row["text"]) in trained_on for row in rows)
    for row, got in zip(rows, predicted, strict=True):
        text, label = row["text"], row["sentiment"]
        hit = got == label
        correct += hit
        per_language[str(row.get("language", "?"))].update(total=1, correct=int(hit))
        per_set[str(row.get("set", "all"))].update(total=1, correct=int(hit))
        if row.get("trap"):
            per_trap[str(row["trap"])].update(total=1, correct=int(hit))
        confusion[label][got] += 1
        if not hit:
            misses.append({"id": row.get("id", row["_line"]), "expected": label, "got": got})
        if label == "positive" and _THANKS.search(text) and got in ("angry", "frustrated"):
            thanks_negative.append(row.get("id", row["_line"]))
    return {
        "kind": "sentiment",
        "cases": len(rows),
        "cross_validated": cross_validated,
        "accuracy": _rate(correct, len(rows)),
        "per_language": {
            key: _rate(c["correct"], c["total"]) for key, c in sorted(per_language.items())
        },
        "per_set": {key: _rate(c["correct"], c["total"]) for key, c in sorted(per_set.items())},
        # the difficulty a message was written to test ("sarcasm", "polite_furious"), where named
        "per_trap": {
            key: {"accuracy": _rate(c["correct"], c["total"]), "messages": c["total"]}
            for key, c in sorted(per_trap.items())
        },
        "confusion": {label: dict(counts) for label, counts in confusion.items()},
        "thanks_marked_negative": thanks_negative,
        "misses": misses,
    }


def reply_fixture(row: dict) -> dict | None:
    """A row of another project's quoted-mail fixtures (``email_reply_fixtures``: Discourse's
    email_reply_trimmer, closeio's quotequail) as a replies row, or None when it has no expected
    visible text: Discourse's ``expected_visible``; quotequail's quote tests, the visible parts of
    the split that puts the attribution line with the quote (as we read a reply)."""
    kind = "html" if row.get("format") == "text/html" else "plain"
    if isinstance(row.get("expected_visible"), str):
        expected = row["expected_visible"]
    elif row.get("test_function") in ("test_quote", "test_quote_html") and isinstance(
        row.get("expected"), dict
    ):
        parts = row["expected"].get("expected_quote_intro_line") or row["expected"].get("expected")
        if not isinstance(parts, list):
            return None
        expected = "".join(text for visible, text in parts if visible)
        if kind == "html":  # the visible part as the HTML it is: compare its text
            expected = html_to_text(expected)
    else:
        return None
    return {
        **row,
        "kind": kind,
        "expected": expected,
        "client": row.get("source", "?"),
        "language": row.get("lang_hint", "?"),
    }


def evaluate_reply_fixtures(rows: list[dict]) -> dict:
    usable = [converted for row in rows if (converted := reply_fixture(row)) is not None]
    if not usable:
        raise EvalError("no row of the reply fixtures has an expected visible text")
    return {**evaluate_replies(usable), "skipped_without_expected_text": len(rows) - len(usable)}


KINDS: dict[str, tuple[Callable[[dict], bool], Callable[[list[dict]], dict]]] = {
    # Before "replies": these rows have "raw" and an "expected" of another shape.
    "reply fixtures": (lambda row: "source" in row and "raw" in row, evaluate_reply_fixtures),
    "replies": (lambda row: "expected" in row and "raw" in row, evaluate_replies),
    "pii": (lambda row: "spans" in row and "text" in row, evaluate_pii),
    "sentiment": (lambda row: "sentiment" in row and "text" in row, evaluate_sentiment),
}


def evaluate_file(path: Path, *, split: str | None = None) -> dict:
    rows = only_split(read_jsonl(path), split)
    if not rows:
        raise EvalError(f"{path.name} has no row in the {split} split")
    for matches, evaluate in KINDS.values():
        if matches(rows[0]):
            return {**evaluate(rows), "file": path.name}
    raise EvalError(
        f"{path.name}: line 1 has none of the fields of a known set "
        "(replies: raw + expected; personal data: text + spans; sentiment: text + sentiment; "
        "injection: text + injection)"
    )


def summary_lines(result: dict) -> list[str]:
    """The result in a few printable lines."""
    if result["kind"] == "replies":
        lines = [
            f"{result['file']}: {result['cases']} messages, exact match {result['exact_match']:.3f}"
        ]
        for field, rates in result["per"].items():
            shown = ", ".join(f"{key} {rate:.2f}" for key, rate in rates.items())
            lines.append(f"  per {field}: {shown}")
        for miss in result["misses"][:10]:
            got = " ".join(miss["got"].split())[:100]
            lines.append(f"  missed {miss['id']}: {got!r}")
        return lines
    if result["kind"] == "pii":
        recall = ", ".join(
            f"{kind} {rate:.3f} ({result['support'][kind]})"
            for kind, rate in result["recall"].items()
        )
        lines = [
            f"{result['file']}: {result['cases']} messages; recall per type: {recall}",
            f"  other words masked: {result['other_words_masked']:.4f} of {result['other_words']}",
            "  recall per set: "
            + ", ".join(f"{key} {rate:.3f}" for key, rate in result["per_set"].items()),
        ]
        for language, rates in result.get("per_language", {}).items():
            shown = ", ".join(f"{kind} {rate:.3f}" for kind, rate in rates.items())
            lines.append(f"  {language}: {shown}")
        lines += [f"  missed {m['id']} {m['type']}: {m['value']!r}" for m in result["misses"][:15]]
        lines += [f"  masked {m['id']}: {m['word']!r}" for m in result["false_masks"][:15]]
        return lines
    if result["kind"] == "sentiment":
        per = ", ".join(f"{k} {v:.3f}" for k, v in result["per_language"].items())
        lines = [
            f"{result['file']}: {result['cases']} messages, accuracy {result['accuracy']:.3f} "
            f"({per}); thanks messages marked negative: {len(result['thanks_marked_negative'])}",
            "  expected → got: "
            + "; ".join(
                f"{label}: " + ", ".join(f"{k} {n}" for k, n in sorted(counts.items()))
                for label, counts in result["confusion"].items()
            ),
            "  per set: " + ", ".join(f"{k} {v:.3f}" for k, v in result["per_set"].items()),
        ]
        if result["per_trap"]:
            lines.append(
                "  per trap: "
                + ", ".join(
                    f"{k} {v['accuracy']:.3f} ({v['messages']})"
                    for k, v in result["per_trap"].items()
                )
            )
        if result["cross_validated"]:
            lines.append(
                f"  {result['cross_validated']} messages are the text model's training data: each "
                "was read by a model trained without it (10-fold cross-validation)"
            )
        return lines
    raise AssertionError(result["kind"])
