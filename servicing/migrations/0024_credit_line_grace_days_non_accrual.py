from decimal import Decimal

from django.db import migrations, models

# Frozen here (not imported from servicing.choices) so the migration means the same forever.
CHART = (
    ("2311", "循环额度应收未收利息挂账", "Credit line interest in suspense", "liability"),
    ("2321", "循环额度应收未收罚息挂账", "Credit line penalty interest in suspense", "liability"),
)


def seed(apps, schema_editor):
    LedgerAccount = apps.get_model("servicing", "LedgerAccount")
    for code, name_zh, name_en, kind in CHART:
        LedgerAccount.objects.update_or_create(
            code=code, defaults={"name_zh": name_zh, "name_en": name_en, "kind": kind}
        )


def unseed(apps, schema_editor):
    LedgerAccount = apps.get_model("servicing", "LedgerAccount")
    LedgerAccount.objects.filter(code__in=[code for code, *_ in CHART], postings__isnull=True).delete()


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
        migrations.AddField(
            model_name="creditline",
            name="suspense_interest",
            field=models.DecimalField(
                decimal_places=2, default=Decimal("0.00"), max_digits=18, verbose_name="interest in suspense"
            ),
        ),
        migrations.AddField(
            model_name="creditline",
            name="suspense_penalty",
            field=models.DecimalField(
                decimal_places=2,
                default=Decimal("0.00"),
                max_digits=18,
                verbose_name="penalty interest in suspense",
            ),
        ),
        migrations.RunPython(seed, unseed),
        migrations.RunPython(pin_grace_days, migrations.RunPython.noop),
    ]
