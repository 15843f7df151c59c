"""The message telling a customer that the offer they accepted lapsed unpaid (applications beat
`expire_acceptances`). An existing row is kept as it is."""

from django.db import migrations

from notifications.event_templates import ensure_event_templates


def add_templates(apps, schema_editor):
    ensure_event_templates(apps.get_model("notifications", "MessageTemplate"))


def remove_template(apps, schema_editor):
    apps.get_model("notifications", "MessageTemplate").objects.filter(key="acceptance-expired").delete()


class Migration(migrations.Migration):
    dependencies = [("notifications", "0003_event_templates")]

    operations = [migrations.RunPython(add_templates, remove_template)]
