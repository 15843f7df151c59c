"""Seed the chart of accounts the disbursement and interest entries post to."""

from django.db import migrations

# Frozen here (not imported from servicing.choices) so the migration means the same forever.
CHART = (
    ("1100", "贷款应收", "Loans receivable", "asset"),
    ("1200", "应收利息", "Interest receivable", "asset"),
    ("2100", "放款清算", "Disbursement clearing", "liability"),
    ("4100", "手续费收入", "Fee income", "income"),
    ("4200", "利息收入", "Interest income", "income"),
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


class Migration(migrations.Migration):
    dependencies = [("servicing", "0001_initial")]

    operations = [migrations.RunPython(seed, unseed)]
