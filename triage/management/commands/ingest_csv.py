import csv
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from triage.ingest.service import CustomerInput, IngestError, TicketInput, ingest_ticket
from triage.models import Channel

FIELDS = {"subject", "body", "email", "name", "external_id", "channel"}


class Command(BaseCommand):
    help = (
        "Bulk-ingest tickets from a CSV: --map "
        "subject=Title,body=Description[,email=...,name=...,external_id=...,channel=...]"
    )

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path)
        parser.add_argument("--map", dest="mapping_spec", required=True)
        parser.add_argument(
            "--source",
            default="api",
            choices=Channel.values,
            help="Source recorded on the tickets (dedupe key with external_id).",
        )
        parser.add_argument("--encoding", default="utf-8-sig")

    def handle(self, *args, file: Path, mapping_spec: str, source: str, encoding: str, **options):
        mapping = {}
        for part in filter(None, (p.strip() for p in mapping_spec.split(","))):
            name, sep, column = part.partition("=")
            if not sep or name not in FIELDS or not column:
                raise CommandError(
                    f"--map entry {part!r} must be field=column with field one of "
                    f"{', '.join(sorted(FIELDS))}"
                )
            mapping[name] = column
        if "body" not in mapping:
            raise CommandError("--map must map body (e.g. --map subject=Title,body=Description)")
        if not file.is_file():
            raise CommandError(f"{file} does not exist or is not a file")
        try:
            with file.open(newline="", encoding=encoding) as handle:
                rows = list(csv.DictReader(handle, strict=True))
                header = rows[0].keys() if rows else []
        except UnicodeDecodeError:
            raise CommandError(f"{file.name} is not valid {encoding}; pass --encoding") from None
        except csv.Error as exc:
            raise CommandError(f"{file.name}: broken CSV: {exc}") from None
        missing = [c for c in mapping.values() if c not in header]
        if missing:
            raise CommandError(
                f"{file.name} has no column {', '.join(map(repr, missing))}; its columns are "
                f"{', '.join(header)}"
            )
        created = duplicates = 0
        problems = []
        for line, row in enumerate(tqdm(rows, unit="rows", disable=None), start=2):
            value = {name: (row.get(column) or "").strip() for name, column in mapping.items()}
            channel = value.get("channel") or source
            try:
                result = ingest_ticket(
                    data=TicketInput(
                        channel=channel,
                        source=source,
                        subject=value.get("subject", ""),
                        body=value["body"],
                        external_id=value.get("external_id") or None,
                        customer=CustomerInput(
                            email=value.get("email") or None, name=value.get("name", "")
                        ),
                    )
                )
            except IngestError as exc:
                problems.append(f"line {line}: {exc}")
                continue
            if result.created:
                created += 1
            else:
                duplicates += 1
        self.stdout.write(
            f"{created} tickets created, {duplicates} already there, {len(problems)} skipped."
        )
        for problem in problems[:20]:
            self.stdout.write(f"  {problem}")
