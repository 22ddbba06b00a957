from django.core.management.base import BaseCommand
from django.db import transaction
from django.db.models import Q
from tqdm import tqdm

from knowledge.embeddings import MODEL_NAME, embed_texts
from knowledge.models import KBChunk, KnowledgeEntry, ReembedProgress
from knowledge.services import ENTRY_BATCH_SIZE, entry_embedding_text


def _entry_text(entry: KnowledgeEntry) -> str:
    return entry_embedding_text(text=entry.text, resolution=entry.resolution)


def _chunk_text(chunk: KBChunk) -> str:
    return f"{chunk.heading}\n{chunk.text}"


TABLES = [("entries", KnowledgeEntry, _entry_text), ("chunks", KBChunk, _chunk_text)]


class Command(BaseCommand):
    help = (
        "Re-embed the knowledge base in batches. Without --all: only rows with no embedding or "
        "another model's. "
        "With --all: every row; an interrupted pass resumes where it stopped."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--all", action="store_true", help="Re-embed every row, not only stale ones."
        )
        parser.add_argument(
            "--restart",
            action="store_true",
            help="With --all: forget an interrupted pass and start over.",
        )

    def handle(self, *args, all: bool, restart: bool, **options):
        for table, model, to_text in TABLES:
            rows = model.objects.all()
            after = 0
            if all:
                if restart:
                    ReembedProgress.objects.filter(table=table).delete()
                progress, created = ReembedProgress.objects.get_or_create(
                    table=table, defaults={"model_name": MODEL_NAME}
                )
                after = progress.last_id
                if not created and after:
                    self.stdout.write(f"{table}: resuming after id {after}")
            else:
                rows = rows.filter(Q(embedding__isnull=True) | ~Q(embedding_model=MODEL_NAME))
            rows = rows.filter(pk__gt=after).order_by("pk")
            total = rows.count()
            done = 0
            with tqdm(total=total, unit="rows", desc=table, disable=None) as bar:
                last_id = after
                while True:
                    batch = list(
                        rows.filter(pk__gt=last_id).defer("embedding", "search_document")[
                            :ENTRY_BATCH_SIZE
                        ]
                    )
                    if not batch:
                        break
                    vectors = embed_texts([to_text(row) for row in batch])
                    with transaction.atomic():
                        for row, vector in zip(batch, vectors, strict=True):
                            row.embedding, row.embedding_model = vector, MODEL_NAME
                        # one statement per batch, not one per row
                        model.objects.bulk_update(batch, ["embedding", "embedding_model"])
                        last_id = batch[-1].pk
                        if all:
                            ReembedProgress.objects.filter(table=table).update(last_id=last_id)
                    done += len(batch)
                    bar.update(len(batch))
            if all:
                ReembedProgress.objects.filter(table=table).delete()
            self.stdout.write(f"{table}: re-embedded {done} rows with {MODEL_NAME}")
