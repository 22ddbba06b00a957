"""Train the name and place taggers (``triage.text.ner``) from the public sets in ../shared/data.

    python manage.py train_ner [--languages en de es fr] [--data ../shared/data]

Writes ``triage/text/models/ner_<language>.crfsuite`` and prints each tagger's precision and recall
on the rows kept apart for measuring. Fixed data, order and settings: the same files come out.
"""

from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from triage.text import ner


class Command(BaseCommand):
    help = "Train the person and place taggers from the named-entity sets in ../shared/data."

    def add_arguments(self, parser):
        parser.add_argument("--languages", nargs="+", choices=ner.LANGUAGES, default=ner.LANGUAGES)
        parser.add_argument(
            "--data", type=Path, default=Path(settings.BASE_DIR).parent / "shared" / "data"
        )

    def handle(self, *args, languages, data: Path, **options):
        if not data.is_dir():
            raise CommandError(f"{data} is not a directory (the named-entity sets live there)")
        for language in languages:
            try:
                info = ner.train(language, data, ner.MODELS / f"ner_{language}.crfsuite")
            except FileNotFoundError as exc:
                raise CommandError(str(exc)) from None
            ner.forget()
            figures = ner.measure(language, data)
            shown = ", ".join(
                f"{kind} P {m['precision']} R {m['recall']} ({m['support']})"
                for kind, m in figures.items()
            )
            self.stdout.write(
                f"{language}: {info['sentences']} sentences (+{info['framed']} framed) → "
                f"{info['model']}; measured: {shown}"
            )
