from django.db import migrations, models


def pin_grace_days(apps, schema_editor):
    """Lines opened before lines had grace days get their product version's, as new ones do
    (servicing.lines.credit_line_open; loans pin theirs at disbursement the same way)."""
    CreditLine = apps.get_model("servicing", "CreditLine")
    for line in CreditLine.objects.select_related("product_version"):
        line.overdue_grace_days = line.product_version.overdue_grace_days
        line.save(update_fields=["overdue_grace_days"])


class Migration(migrations.Migration):
    dependencies = [
        ("servicing", "0023_collection_case_queue_order"),
    ]

    operations = [
        migrations.AddField(
            model_name="creditline",
            name="overdue_grace_days",
            field=models.PositiveSmallIntegerField(default=0, verbose_name="overdue grace days"),
        ),
        migrations.RunPython(pin_grace_days, migrations.RunPython.noop),
    ]
