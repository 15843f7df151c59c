"""Room on each page for close of business's daily update of every loan (PostgreSQL only).

Close of business rewrites every active loan row once a day. With full pages the new row versions
go to other pages and every one of the loan table's 16 indexes gets a new entry per loan; with a
fillfactor of 45 % the new versions fit beside the old ones (HOT updates: no index entry, the old
versions pruned the next day), as long as no indexed column changes (classification rarely does).
Installments: the few rows updated daily (due, overdue) fit in 10 %. Measured by
benchmarks/bench_cob.py on a chunk of 50,000 loans: 7.2 s → 3.3 s. Existing pages keep their
layout until rewritten (VACUUM FULL or pg_repack); new rows follow the setting at once.
"""

from django.db import migrations

TABLES = {"servicing_loan": 45, "servicing_loaninstallment": 90}


def set_fillfactor(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for table, percent in TABLES.items():
        schema_editor.execute(f"ALTER TABLE {table} SET (fillfactor = {percent})")


def reset_fillfactor(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for table in TABLES:
        schema_editor.execute(f"ALTER TABLE {table} RESET (fillfactor)")


class Migration(migrations.Migration):
    dependencies = [("servicing", "0010_cob_accrual_period")]

    operations = [migrations.RunPython(set_fillfactor, reset_fillfactor)]
