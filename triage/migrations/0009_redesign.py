# The round-2 redesign: SourceUsage moves here from knowledge (same rows, renamed table); the
# pipeline's claim and run counter; one successful event per stage and run; the outbox's states,
# lease, retry time and idempotency key; evaluation runs with status and progress.
import uuid

import django.db.models.deletion
from django.db import migrations, models


def fill_idempotency_keys(apps, schema_editor):
    Outbound = apps.get_model("triage", "Outbound")
    for row in Outbound.objects.filter(idempotency_key__isnull=True).only("pk"):
        Outbound.objects.filter(pk=row.pk).update(idempotency_key=uuid.uuid4())


class Migration(migrations.Migration):
    dependencies = [
        ("knowledge", "0004_move_sourceusage_to_triage"),
        ("triage", "0008_review_queue_indexes"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[
                migrations.RunSQL(
                    "ALTER TABLE knowledge_sourceusage RENAME TO triage_sourceusage",
                    reverse_sql="ALTER TABLE triage_sourceusage RENAME TO knowledge_sourceusage",
                ),
            ],
            state_operations=[
                migrations.CreateModel(
                    name="SourceUsage",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True,
                                primary_key=True,
                                serialize=False,
                                verbose_name="ID",
                            ),
                        ),
                        ("version", models.PositiveIntegerField()),
                        ("rank", models.PositiveSmallIntegerField()),
                        ("distance", models.FloatField()),
                        (
                            "used",
                            models.BooleanField(
                                default=True,
                                help_text="The draft's text rests on this source (not only retrieved).",
                            ),
                        ),
                        (
                            "flagged_inaccurate",
                            models.BooleanField(
                                default=False,
                                help_text="A reviewer said this source was wrong or misleading.",
                            ),
                        ),
                        ("flag_note", models.TextField(blank=True)),
                        (
                            "article",
                            models.ForeignKey(
                                blank=True,
                                null=True,
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="usages",
                                to="knowledge.kbarticle",
                            ),
                        ),
                        (
                            "draft",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="source_usages",
                                to="triage.draft",
                            ),
                        ),
                        (
                            "entry",
                            models.ForeignKey(
                                blank=True,
                                null=True,
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="usages",
                                to="knowledge.knowledgeentry",
                            ),
                        ),
                    ],
                    options={
                        "ordering": ["draft", "rank"],
                        "constraints": [
                            models.CheckConstraint(
                                condition=models.Q(
                                    models.Q(("article__isnull", True), ("entry__isnull", False)),
                                    models.Q(("article__isnull", False), ("entry__isnull", True)),
                                    _connector="OR",
                                ),
                                name="usage_entry_xor_article",
                            )
                        ],
                    },
                ),
            ],
        ),
        migrations.AddField(
            model_name="ticket",
            name="pipeline_run",
            field=models.PositiveIntegerField(default=0),
        ),
        migrations.AddField(
            model_name="ticket",
            name="claimed_until",
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name="pipelineevent",
            name="run",
            field=models.PositiveIntegerField(
                default=0,
                help_text="The ticket's pipeline run this stage belonged to (0: before runs were counted).",
            ),
        ),
        migrations.AddConstraint(
            model_name="pipelineevent",
            constraint=models.UniqueConstraint(
                condition=models.Q(("error", ""), ("run__gt", 0)),
                fields=("ticket", "stage", "run"),
                name="one_event_per_stage_and_run",
            ),
        ),
        migrations.AlterField(
            model_name="outbound",
            name="status",
            field=models.CharField(
                choices=[
                    ("pending", "Pending"),
                    ("sending", "Sending…"),
                    ("sent", "Sent"),
                    ("failed", "Failed"),
                ],
                default="pending",
                max_length=10,
            ),
        ),
        migrations.AddField(
            model_name="outbound",
            name="idempotency_key",
            field=models.UUIDField(null=True),
        ),
        migrations.RunPython(fill_idempotency_keys, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="outbound",
            name="idempotency_key",
            field=models.UUIDField(
                default=uuid.uuid4,
                unique=True,
                help_text="Sent to helpdesk APIs and as the e-mail's Message-ID: a retried send is recognised.",
            ),
        ),
        migrations.AddField(
            model_name="outbound",
            name="next_attempt_at",
            field=models.DateTimeField(
                blank=True,
                null=True,
                help_text="When a failed send is tried again; empty once attempts run out.",
            ),
        ),
        migrations.AddField(
            model_name="outbound",
            name="sending_until",
            field=models.DateTimeField(
                blank=True, null=True, help_text="The lease of the worker delivering it."
            ),
        ),
        migrations.AddField(
            model_name="evaluationrun",
            name="status",
            field=models.CharField(
                choices=[
                    ("queued", "Queued"),
                    ("running", "Running"),
                    ("done", "Done"),
                    ("failed", "Failed"),
                ],
                default="done",
                max_length=10,
            ),
        ),
        migrations.AddField(
            model_name="evaluationrun",
            name="progress",
            field=models.PositiveIntegerField(default=0, help_text="Cases replayed so far."),
        ),
        migrations.AddField(
            model_name="evaluationrun",
            name="total",
            field=models.PositiveIntegerField(default=0, help_text="Cases to replay."),
        ),
        migrations.AddField(
            model_name="evaluationrun",
            name="error",
            field=models.TextField(blank=True),
        ),
    ]
