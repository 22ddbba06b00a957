from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from knowledge.importing import ImportFileError, check_file, import_resolved_csv, parse_mapping


class Command(BaseCommand):
    help = (
        "Import resolved tickets from a helpdesk CSV export into the knowledge base "
        "(idempotent, resumable)."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path)
        parser.add_argument(
            "--map",
            dest="mapping_spec",
            required=True,
            help="field=column pairs: text, category (required), id, resolution, response, "
            "subcategory, urgency, resolved_at, language",
        )
        parser.add_argument(
            "--source",
            default="import",
            help="Prefix of the ids, to keep two helpdesks' ids apart (default: import)",
        )
        parser.add_argument("--encoding", default="utf-8-sig")

    def handle(self, *args, file: Path, mapping_spec: str, source: str, encoding: str, **options):
        try:
            mapping = parse_mapping(mapping_spec)
            total = check_file(file, mapping, encoding=encoding)
            with tqdm(total=total, unit="rows", desc=file.name, disable=None) as bar:
                summary = import_resolved_csv(
                    file, mapping, source=source, encoding=encoding, progress=bar.update
                )
        except ImportFileError as exc:
            raise CommandError(str(exc)) from None
        skipped = sum(summary.skipped.values())
        rate = summary.imported / summary.seconds if summary.seconds else 0.0
        self.stdout.write(
            f"Imported {summary.imported} rows, skipped {skipped} in {summary.seconds:.1f} s "
            f"({rate:.0f} rows/s)."
        )
        for why, count in summary.skipped.most_common():
            self.stdout.write(f"  skipped {count}: {why}")
        for reason in summary.reasons:
            if reason:
                self.stdout.write(f"  {reason}")
