"""Close of business: each chunk keeps its loans' counts (the run folds them), and installments
lose the index on the loan alone, which the unique (loan, number) index already serves.

The index is dropped by name (Django's name for it on every backend) rather than by AlterField,
which on PostgreSQL would also drop and re-add the foreign key, validating it over every
installment under lock. DROP INDEX still takes the table's lock for a moment: migrate outside the
close-of-business window (it would queue behind a running chunk, and everything behind it)."""

import django.db.models.deletion
from django.db import migrations, models

INDEX = "servicing_loaninstallment_loan_id_d12f6242"


class Migration(migrations.Migration):
    dependencies = [
        ("servicing", "0029_line_dunning_templates"),
    ]

    operations = [
        migrations.AddField(
            model_name="cobchunk",
            name="counts",
            field=models.JSONField(blank=True, default=list, verbose_name="counts"),
        ),
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="loaninstallment",
                    name="loan",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="installments",
                        to="servicing.loan",
                        verbose_name="loan",
                    ),
                ),
            ],
            database_operations=[
                migrations.RunSQL(
                    f"DROP INDEX IF EXISTS {INDEX}",
                    f"CREATE INDEX {INDEX} ON servicing_loaninstallment (loan_id)",
                ),
            ],
        ),
    ]
