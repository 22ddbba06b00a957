from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from knowledge.importing import ImportFileError, import_articles_dir
from knowledge.models import KBArticle


class Command(BaseCommand):
    help = (
        "Import KB articles from a folder of Markdown or HTML files (one article per "
        "file; re-import updates it)."
    )

    def add_arguments(self, parser):
        parser.add_argument("directory", type=Path)
        parser.add_argument("--kind", choices=KBArticle.Kind.values, default=KBArticle.Kind.HOWTO)
        parser.add_argument("--category", default="")

    def handle(self, *args, directory: Path, kind: str, category: str, **options):
        try:
            outcomes = import_articles_dir(directory, kind=kind, category=category)
        except ImportFileError as exc:
            raise CommandError(str(exc)) from None
        for name, outcome in outcomes:
            self.stdout.write(f"{name}: {outcome}")
