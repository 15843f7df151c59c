"""A loan keeps only a reference to its origin: servicing sits below applications."""

from django.db import migrations, models


def fill_origin(apps, schema_editor):
    Loan = apps.get_model("servicing", "Loan")
    for loan in Loan.objects.all().only("pk", "application_id"):
        loan.origin_ref = f"A{loan.application_id:08d}"
        loan.save(update_fields=["origin_ref"])


class Migration(migrations.Migration):
    dependencies = [("servicing", "0002_chart_of_accounts")]

    operations = [
        migrations.AddField(
            model_name="loan",
            name="origin_ref",
            field=models.CharField(editable=False, max_length=32, null=True, verbose_name="origin"),
        ),
        migrations.RunPython(fill_origin, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="loan",
            name="origin_ref",
            field=models.CharField(editable=False, max_length=32, unique=True, verbose_name="origin"),
        ),
        migrations.RemoveField(model_name="loan", name="application"),
    ]
