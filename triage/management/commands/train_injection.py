"""Train the prompt-injection detector (``triage.text.injection``) from ../shared/data.

    python manage.py train_injection [--data ../shared/data]

Fits on the development part of prompt_injection_en (the project's fixed 70 %) and the training
parts of BANKING77, Bitext and CLINC150; writes ``triage/text/models/injection.npz``; prints the
recall on the held-out 30 % and the share of those sets' test texts flagged.
"""

from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from triage.evaluation.datasets import split_of
from triage.text import injection


class Command(BaseCommand):
    help = "Train the prompt-injection detector from the public sets in ../shared/data."

    def add_arguments(self, parser):
        parser.add_argument(
            "--data", type=Path, default=Path(settings.BASE_DIR).parent / "shared" / "data"
        )

    def handle(self, *args, data: Path, **options):
        if not data.is_dir():
            raise CommandError(f"{data} is not a directory (the training sets live there)")
        try:
            info = injection.train(data, split_of=split_of)
            figures = injection.measure(data, split_of=split_of)
        except FileNotFoundError as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(
            f"trained on {info['injection_rows']} rows of prompt_injection_en and "
            f"{info['benign_texts']} benign customer texts → {injection.MODEL}"
        )
        self.stdout.write(
            f"held-out: recall {figures['recall']} on {figures['attacks']} attacks; "
            f"{figures['benign_flagged']} of {figures['benign']} benign rows flagged; test texts "
            f"flagged: BANKING77 {figures['banking77_test_flagged']}, Bitext "
            f"{figures['bitext_test_flagged']}, CLINC150 {figures['clinc150_test_flagged']}"
        )
