"""The messages of a customer's application and loan events (issue 15; notifications.events).
The texts are plain data in `notifications.event_templates`; an existing row is kept as it is."""

from django.db import migrations

from notifications.event_templates import TEMPLATES, ensure_event_templates


def add_templates(apps, schema_editor):
    ensure_event_templates(apps.get_model("notifications", "MessageTemplate"))


def remove_templates(apps, schema_editor):
    apps.get_model("notifications", "MessageTemplate").objects.filter(key__in=list(TEMPLATES)).delete()


class Migration(migrations.Migration):
    dependencies = [("notifications", "0002_rate_reset_template")]

    operations = [migrations.RunPython(add_templates, remove_templates)]
