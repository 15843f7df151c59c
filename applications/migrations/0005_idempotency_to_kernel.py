"""IdempotencyRecord moves to the kernel (loanhub): its table is renamed, its rows kept; the
model leaves applications' state here and enters loanhub's in loanhub 0004."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("applications", "0004_channel_choices"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[
                migrations.AlterModelTable(name="idempotencyrecord", table="loanhub_idempotencyrecord"),
            ],
            state_operations=[migrations.DeleteModel(name="IdempotencyRecord")],
        ),
    ]
