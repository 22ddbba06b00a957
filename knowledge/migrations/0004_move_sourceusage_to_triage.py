# SourceUsage (which draft rested on which source) belongs to the triage app: knowledge must not
# depend on drafts. The table is kept and renamed by triage.0009; here the model only leaves
# knowledge's state.
from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("knowledge", "0003_sourceusage_used"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.DeleteModel(name="SourceUsage")],
            database_operations=[],
        ),
    ]
