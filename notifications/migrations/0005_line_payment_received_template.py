"""The message of a credit-line repayment (issue 15: payment received, as for a loan). The texts are
plain data in `notifications.event_templates`; an existing row is kept as it is."""

from django.db import migrations

from notifications.event_templates import ensure_event_templates


def add_templates(apps, schema_editor):
    ensure_event_templates(apps.get_model("notifications", "MessageTemplate"))


def remove_template(apps, schema_editor):
    apps.get_model("notifications", "MessageTemplate").objects.filter(key="line-payment-received").delete()


class Migration(migrations.Migration):
    dependencies = [("notifications", "0004_acceptance_expired_template")]

    operations = [migrations.RunPython(add_templates, remove_template)]
