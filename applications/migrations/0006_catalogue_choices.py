"""The application's method, frequency, grace type and risk grade take their choices from the
catalogue's vocabulary (products.choices). Choices live in the model state only: no SQL runs
(`sqlmigrate` shows a no-op on SQLite and PostgreSQL)."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("applications", "0005_idempotency_to_kernel"),
    ]

    operations = [
        migrations.AlterField(
            model_name="loanapplication",
            name="frequency",
            field=models.CharField(
                choices=[
                    ("monthly", "monthly"),
                    ("quarterly", "quarterly"),
                    ("semiannual", "half-yearly"),
                    ("annual", "yearly"),
                ],
                default="monthly",
                max_length=16,
                verbose_name="frequency",
            ),
        ),
        migrations.AlterField(
            model_name="loanapplication",
            name="grace_type",
            field=models.CharField(
                blank=True,
                choices=[("interest_only", "interest only"), ("capitalised", "capitalised")],
                max_length=20,
                verbose_name="grace type",
            ),
        ),
        migrations.AlterField(
            model_name="loanapplication",
            name="method",
            field=models.CharField(
                choices=[
                    ("annuity", "equal installments"),
                    ("equal_principal", "equal principal"),
                    ("interest_only", "interest-only, principal at maturity"),
                    ("bullet", "bullet (all at maturity)"),
                ],
                max_length=20,
                verbose_name="repayment method",
            ),
        ),
        migrations.AlterField(
            model_name="loanapplication",
            name="risk_grade",
            field=models.CharField(
                blank=True,
                choices=[("A", "A"), ("B", "B"), ("C", "C"), ("D", "D"), ("E", "E")],
                max_length=1,
                verbose_name="risk grade",
            ),
        ),
    ]
