"""The message a borrower receives when their floating rate follows the LPR (servicing.rate_resets)."""

from django.db import migrations

SUBJECT_ZH = "贷款 {{ loan }} 利率调整通知"
SUBJECT_EN = "Loan {{ loan }}: your interest rate changes"
BODY_ZH = (
    "尊敬的客户：您的贷款 {{ loan }} 为浮动利率（{{ benchmark }} {{ spread }}）。"
    "根据 {{ fixing_date }} 公布的 {{ benchmark }} {{ fixing_rate }}，自 {{ effective_date }} 起，"
    "年利率由 {{ old_rate }} 调整为 {{ new_rate }}。"
    "下一期（{{ next_due_date }}）应还 {{ installment }}，新的还款计划请在“我的贷款”中查看。"
)
BODY_EN = (
    "Your loan {{ loan }} has a floating rate ({{ benchmark }} {{ spread }}). "
    "With the {{ benchmark }} of {{ fixing_rate }} published on {{ fixing_date }}, its annual rate "
    "changes from {{ old_rate }} to {{ new_rate }} from {{ effective_date }}. "
    "The next installment ({{ next_due_date }}) is {{ installment }}; see the new schedule under My loans."
)


def add_template(apps, schema_editor):
    apps.get_model("notifications", "MessageTemplate").objects.update_or_create(
        key="rate_reset",
        defaults={"subject_zh": SUBJECT_ZH, "subject_en": SUBJECT_EN, "body_zh": BODY_ZH, "body_en": BODY_EN},
    )


def remove_template(apps, schema_editor):
    apps.get_model("notifications", "MessageTemplate").objects.filter(key="rate_reset").delete()


class Migration(migrations.Migration):
    dependencies = [("notifications", "0001_initial")]

    operations = [migrations.RunPython(add_template, remove_template)]
