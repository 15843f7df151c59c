"""Seed the default dunning schedule and its message templates (servicing.dunning_defaults)."""

from django.db import migrations

from servicing.dunning_defaults import ensure_dunning_defaults


def seed(apps, schema_editor):
    ensure_dunning_defaults(
        apps.get_model("servicing", "DunningStep"), apps.get_model("notifications", "MessageTemplate")
    )


class Migration(migrations.Migration):
    dependencies = [
        ("servicing", "0017_collections"),
        ("notifications", "0001_initial"),
    ]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
