"""Load the Loan Prime Rate history (1-year and 5-year+) published since the 2019 reform.

Source: products/data/lpr_history.csv (public reference data; each row names its source). Rows
are loaded with update_or_create, so running the loader again after the file gains a month
adds that month and changes nothing else.
"""

import csv
from decimal import Decimal
from pathlib import Path

from django.db import migrations

CSV_PATH = Path(__file__).resolve().parent.parent / "data" / "lpr_history.csv"
COLUMNS = (("lpr_1y", "lpr_1y_pct"), ("lpr_5y", "lpr_5y_plus_pct"))


def load_lpr(apps, schema_editor):
    model = apps.get_model("products", "BenchmarkRate")
    with CSV_PATH.open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            source = row["source"]
            if row.get("corroboration"):
                source = f"{source}; {row['corroboration']}"
            for benchmark, column in COLUMNS:
                model.objects.update_or_create(
                    benchmark=benchmark,
                    effective_date=row["valid_from"] or row["publish_date"],
                    defaults={"rate": Decimal(row[column]) / 100, "source": source[:300]},
                )


def unload_lpr(apps, schema_editor):
    apps.get_model("products", "BenchmarkRate").objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [("products", "0001_catalogue")]

    operations = [migrations.RunPython(load_lpr, unload_lpr)]
