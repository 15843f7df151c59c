"""The credit lines' own wording of the dunning steps (servicing.dunning_defaults.LINE_TEMPLATES);
an existing template is kept as it is."""

from django.db import migrations

from notifications.event_templates import ensure_templates
from servicing.dunning_defaults import LINE_TEMPLATES


def add_templates(apps, schema_editor):
    ensure_templates(apps.get_model("notifications", "MessageTemplate"), LINE_TEMPLATES)


def remove_templates(apps, schema_editor):
    apps.get_model("notifications", "MessageTemplate").objects.filter(key__in=list(LINE_TEMPLATES)).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("servicing", "0028_collections_for_credit_lines"),
        ("notifications", "0006_translated_labels"),
    ]

    operations = [migrations.RunPython(add_templates, remove_templates)]
