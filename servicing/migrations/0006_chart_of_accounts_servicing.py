"""The accounts repayments, accrual, penalty interest, suspense and provisions post to."""

from django.db import migrations

# Frozen here (not imported from servicing.choices) so the migration means the same forever.
CHART = (
    ("1010", "还款清算（银行存款）", "Repayment clearing (cash at bank)", "asset"),
    ("1210", "应收罚息", "Penalty interest receivable", "asset"),
    ("1220", "应收手续费", "Fees receivable", "asset"),
    ("1290", "贷款损失准备", "Loan-loss reserve", "asset"),
    ("2200", "客户溢缴款", "Overpayment liability", "liability"),
    ("2310", "应收未收利息挂账", "Interest in suspense", "liability"),
    ("2320", "应收未收罚息挂账", "Penalty interest in suspense", "liability"),
    ("4300", "罚息收入", "Penalty interest income", "income"),
    ("4400", "已核销贷款收回", "Recoveries of written-off loans", "income"),
    ("5100", "资产减值损失（贷款）", "Loan-loss provision expense", "expense"),
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
    dependencies = [("servicing", "0005_positions_repayments_cob")]

    operations = [migrations.RunPython(seed, unseed)]
