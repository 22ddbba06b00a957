import mailbox
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from triage.ingest.email import parse_email
from triage.ingest.service import IngestError, ingest_ticket


class Command(BaseCommand):
    help = (
        "Ingest every message of an mbox file (replies join their threads; re-running adds "
        "nothing)."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path)

    def handle(self, *args, file: Path, **options):
        if not file.is_file():
            raise CommandError(f"{file} does not exist or is not a file")
        box = mailbox.mbox(str(file), create=False)
        keys = box.keys()
        if not keys:
            raise CommandError(f"{file} holds no messages (is it an mbox file?)")
        created = joined = duplicates = 0
        problems: list[str] = []
        for number, key in enumerate(tqdm(keys, unit="mails", disable=None), start=1):
            try:
                result = ingest_ticket(data=parse_email(box.get_bytes(key)), thread=True)
            except IngestError as exc:
                problems.append(f"message {number}: {exc}")
                continue
            created += result.created
            joined += result.joined_thread
            duplicates += not (result.created or result.joined_thread)
        self.stdout.write(
            f"{created} new tickets, {joined} replies joined a thread, {duplicates} already "
            f"ingested, {len(problems)} skipped."
        )
        for problem in problems[:20]:
            self.stdout.write(f"  {problem}")
