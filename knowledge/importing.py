"""Import resolved tickets from any helpdesk's CSV export, and articles from a folder.

A file is read twice: first to check it end to end (encoding, quoting, columns) so a broken
file writes nothing; then to import it in batches, each batch embedded and committed on its
own. Rows are keyed by an id column (or a hash of their content), so a re-run after an
interruption imports only what is missing.
"""

from __future__ import annotations

import csv
import hashlib
import re
import time as clock
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, time
from pathlib import Path

from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime

from knowledge.services import (
    ENTRY_BATCH_SIZE,
    EntryInput,
    create_entries,
    language_of,
    refresh_statistics,
    save_article,
)
from triage.text.cleaning import html_to_text, looks_like_html
from triage.text.pii import mask_pii
from triage.text.placeholders import normalise_foreign_placeholders

FIELDS = {
    "id",
    "text",
    "resolution",
    "response",
    "category",
    "subcategory",
    "urgency",
    "resolved_at",
    "language",
}
REQUIRED = ("text", "category")
MAX_FIELD_CHARS = 1_000_000
MAX_REASONS_SHOWN = 10


class ImportFileError(ValueError):
    """The file or the options cannot be imported; the message is one line for the user."""


@dataclass
class ImportSummary:
    imported: int = 0
    skipped: Counter = field(default_factory=Counter)
    reasons: list[str] = field(default_factory=list)
    seconds: float = 0.0

    def skip(self, why: str, detail: str) -> None:
        self.skipped[why] += 1
        if len(self.reasons) < MAX_REASONS_SHOWN:
            self.reasons.append(detail)


def parse_mapping(spec: str) -> dict[str, str]:
    """``text=Body,category=Queue`` → {"text": "Body", "category": "Queue"}."""
    mapping: dict[str, str] = {}
    for part in filter(None, (p.strip() for p in spec.split(","))):
        name, sep, column = part.partition("=")
        name, column = name.strip(), column.strip()
        if not sep or not name or not column:
            raise ImportFileError(f"--map entry {part!r} must look like field=column")
        if name not in FIELDS:
            raise ImportFileError(
                f"--map names unknown field {name!r}; fields are {', '.join(sorted(FIELDS))}"
            )
        mapping[name] = column
    missing = [name for name in REQUIRED if name not in mapping]
    if missing:
        raise ImportFileError(
            f"--map must map {', '.join(missing)} (e.g. --map text=Body,category=Queue)"
        )
    return mapping


def _rows(path: Path, encoding: str) -> Iterator[tuple[int, dict[str, str]]]:
    csv.field_size_limit(MAX_FIELD_CHARS)
    with path.open(newline="", encoding=encoding) as handle:
        reader = csv.DictReader(handle, strict=True)
        try:
            for row in reader:
                yield reader.line_num, row
        except csv.Error as exc:
            raise ImportFileError(
                f"{path.name}: broken CSV at line {reader.line_num}: {exc} (an unbalanced quote?)"
            ) from None
        except UnicodeDecodeError as exc:
            raise ImportFileError(
                f"{path.name}: not valid {encoding} after line {reader.line_num} (byte "
                f"{exc.start} of a read block); "
                "pass --encoding with the file's encoding, e.g. --encoding latin-1"
            ) from None


def check_file(path: Path, mapping: dict[str, str], *, encoding: str) -> int:
    """Read the whole file once; raise ImportFileError for anything that would stop the import.
    Returns the row count."""
    if not path.is_file():
        raise ImportFileError(f"{path} does not exist or is not a file")
    try:
        with path.open(newline="", encoding=encoding) as handle:
            header = next(csv.reader(handle), None)
    except UnicodeDecodeError:
        raise ImportFileError(
            f"{path.name}: the header is not valid {encoding}; pass --encoding, e.g. --encoding "
            f"latin-1"
        ) from None
    if not header:
        raise ImportFileError(f"{path.name} is empty")
    header = [h.lstrip("\ufeff") for h in header]
    unknown = [column for column in mapping.values() if column not in header]
    if unknown:
        raise ImportFileError(
            f"{path.name} has no column {', '.join(repr(c) for c in unknown)}; its columns are "
            f"{', '.join(header)}"
        )
    count = 0
    for _line, _row in _rows(path, encoding):
        count += 1
    return count


def _mask(text: str) -> str:
    # Another helpdesk's anonymisation marks (<name>, [ORDER_ID]) are blanks, not markup.
    text = normalise_foreign_placeholders(text)
    text = html_to_text(text) if looks_like_html(text) else text
    return mask_pii(text.strip()).text


def _parse_when(value: str) -> datetime | None:
    value = value.strip()
    parsed = parse_datetime(value)
    if parsed is None:
        day = parse_date(value)
        if day is None:
            return None
        parsed = datetime.combine(day, time(12, 0))
    if timezone.is_naive(parsed):
        parsed = timezone.make_aware(parsed, timezone.get_current_timezone())
    return parsed


def import_resolved_csv(
    path: Path,
    mapping: dict[str, str],
    *,
    source: str = "import",
    encoding: str = "utf-8-sig",
    progress: Callable[[int], None] | None = None,
    batch_size: int = ENTRY_BATCH_SIZE,
) -> ImportSummary:
    """Import resolved tickets; see the module docstring for the guarantees."""
    started = clock.perf_counter()
    check_file(path, mapping, encoding=encoding)
    summary = ImportSummary()
    seen: set[str] = set()
    batch: list[EntryInput] = []

    def flush() -> None:
        if not batch:
            return
        created = create_entries(entries=batch)
        for _ in range(len(batch) - len(created)):
            summary.skip("already imported", "")
        summary.imported += len(created)
        if progress:
            progress(len(batch))
        batch.clear()

    for line, row in _rows(path, encoding):
        row = {(k or "").lstrip("\ufeff"): (v or "") for k, v in row.items()}
        values = {name: row.get(column, "").strip() for name, column in mapping.items()}
        if not any(v.strip() for v in row.values()):
            summary.skip("empty row", f"line {line}: empty row")
            if progress:
                progress(1)
            continue
        problem = next(
            (
                f"line {line}: column {mapping[name]!r} ({name}) is empty"
                for name in REQUIRED
                if not values.get(name)
            ),
            None,
        )
        resolved_at = None
        if problem is None and values.get("resolved_at"):
            resolved_at = _parse_when(values["resolved_at"])
            if resolved_at is None:
                column, value = mapping["resolved_at"], values["resolved_at"]
                problem = (
                    f"line {line}: column {column!r} has {value!r}, "
                    "not a date (use YYYY-MM-DD or ISO 8601)"
                )
        if problem:
            summary.skip("missing or bad value", problem)
            if progress:
                progress(1)
            continue
        key = (
            values.get("id")
            or "sha1:"
            + hashlib.sha1(
                "\x1f".join(
                    [values["text"], values.get("response", ""), values["category"]]
                ).encode()
            ).hexdigest()
        )
        external_id = f"{source}:{key}"[:200]
        if external_id in seen:
            summary.skip(
                "duplicate in file",
                f"line {line}: duplicate of an earlier row "
                f"({'id ' + values['id'] if values.get('id') else 'same text'})",
            )
            if progress:
                progress(1)
            continue
        seen.add(external_id)
        batch.append(
            EntryInput(
                external_id=external_id,
                text=_mask(values["text"]),
                resolution=_mask(values.get("resolution", "")),
                response=_mask(values.get("response", "")),
                category=values["category"][:100],
                subcategory=values.get("subcategory", "")[:60],
                urgency=values.get("urgency", "")[:2],
                language=values.get("language", "")[:10] or language_of(values["text"]),
                resolved_at=resolved_at,
            )
        )
        if len(batch) >= batch_size:
            flush()
    flush()
    if summary.imported:
        refresh_statistics()
    summary.seconds = clock.perf_counter() - started
    return summary


def _title_and_body(path: Path) -> tuple[str, str]:
    raw = path.read_text(encoding="utf-8")
    if path.suffix.lower() in {".html", ".htm"}:
        match = re.search(
            r"<title[^>]*>(.*?)</title>|<h1[^>]*>(.*?)</h1>", raw, re.IGNORECASE | re.DOTALL
        )
        title = (
            html_to_text(next(g for g in match.groups() if g)).strip()
            if match
            else path.stem.replace("-", " ").title()
        )
        body = html_to_text(
            re.sub(
                r"<h([1-6])[^>]*>(.*?)</h\1>",
                lambda m: "\n" + "#" * int(m.group(1)) + " " + m.group(2) + "\n",
                raw,
                flags=re.IGNORECASE | re.DOTALL,
            )
        )
        return title, body.strip()
    for line in raw.splitlines():
        if line.startswith("# "):
            return line[2:].strip(), raw
    return path.stem.replace("-", " ").replace("_", " ").title(), raw


def import_articles_dir(
    directory: Path, *, kind: str = "howto", category: str = ""
) -> list[tuple[str, str]]:
    """Import every .md/.markdown/.html file; returns (file name, outcome) per file. Bad files are
    reported, not fatal."""
    if not directory.is_dir():
        raise ImportFileError(f"{directory} is not a directory")
    files = sorted(
        p for p in directory.iterdir() if p.suffix.lower() in {".md", ".markdown", ".html", ".htm"}
    )
    if not files:
        raise ImportFileError(f"{directory} holds no .md or .html files")
    outcomes = []
    for path in files:
        try:
            title, body = _title_and_body(path)
        except UnicodeDecodeError:
            outcomes.append((path.name, "skipped: not valid UTF-8"))
            continue
        if not body.strip():
            outcomes.append((path.name, "skipped: empty"))
            continue
        article = save_article(
            slug=path.stem.lower()[:120],
            title=title[:200],
            body=mask_pii(body).text,
            kind=kind,
            category=category,
        )
        outcomes.append(
            (
                path.name,
                f"saved as {article.slug} v{article.version} ({article.chunks.count()} chunks)",
            )
        )
    return outcomes
