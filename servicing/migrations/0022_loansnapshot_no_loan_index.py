"""Snapshots lose their index on the loan alone (the (business date, loan) unique index stays).

Close of business inserts a snapshot row per loan a day, in date order: the date-first index and
the primary key grow at their right edge, while a loan-first index takes each row in the middle of
its pages. Measured on 100,000 rows of the third date (benchmarks/bench_cob.py's database, load
average 16): 4.8 s with the loan index, 2.3 s without. A loan's history reads the (date, loan)
index one date of the loan's life at a time (`servicing.selectors.loan_classification_history`).
"""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("servicing", "0021_credit_line_penalty_provisions"),
    ]

    operations = [
        migrations.AlterField(
            model_name="loansnapshot",
            name="loan",
            field=models.ForeignKey(
                db_constraint=False,
                db_index=False,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="snapshots",
                to="servicing.loan",
            ),
        ),
    ]
