"""Train the sentiment model (``triage.text.sentiment``).

    python manage.py train_sentiment [--data ../shared/data] [--out FILE]

Fits the text model and the combination of cues, rules and text model on the messages shipped in
``triage/text/sentiment_train.jsonl`` and the development part of ``sentiment_dev`` (the
project's fixed 70 %; without the folder, on the shipped messages alone); writes
``triage/text/models/sentiment.npz`` (weights only) and prints the accuracy on the held-out part.
"""

from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from triage.evaluation.datasets import only_split, read_jsonl, split_of
from triage.evaluation.text import evaluate_sentiment
from triage.text import sentiment


class Command(BaseCommand):
    help = (
        "Train the sentiment model from the shipped messages and sentiment_dev's development part."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--data", type=Path, default=Path(settings.BASE_DIR).parent / "shared" / "data"
        )
        parser.add_argument("--out", type=Path, default=sentiment.MODEL)

    def handle(self, *args, data: Path, out: Path, **options):
        if not data.is_dir():
            raise CommandError(f"{data} is not a directory (the training sets live there)")
        rows = sentiment.training_rows(data, split_of=split_of)
        shipped = len(sentiment.training_rows())
        sentiment.save(sentiment.train(rows), out)
        self.stdout.write(
            f"trained on {shipped} shipped messages and {len(rows) - shipped} of sentiment_dev "
            f"→ {out}"
        )
        path = data / sentiment.DEV_SET
        if path.is_file() and out == sentiment.MODEL:
            held = evaluate_sentiment(only_split(read_jsonl(path), "holdout"))
            self.stdout.write(f"held-out part of sentiment_dev: accuracy {held['accuracy']}")
