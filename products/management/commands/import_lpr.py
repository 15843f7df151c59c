"""`manage.py import_lpr FILE`: add new Loan Prime Rate fixings from a CSV file.

The file has the columns of products/data/lpr_history.csv (publish_date, lpr_1y_pct,
lpr_5y_plus_pct, valid_from, source, …); the fixing takes effect on `valid_from` (else the
publish date). All or nothing; importing the same file again changes nothing. Officers can also
add a fixing in the admin (Products → Benchmark rates).
"""

from __future__ import annotations

import csv

from django.core.management.base import BaseCommand, CommandError

from loanhub.errors import Invalid
from products import benchmarks


class Command(BaseCommand):
    help = "Import LPR fixings from a CSV file shaped like products/data/lpr_history.csv."

    def add_arguments(self, parser):
        parser.add_argument("file")

    def handle(self, *args, file, **options):
        try:
            with open(file, encoding="utf-8-sig", newline="") as handle:
                reader = csv.DictReader(handle)
                missing = {"lpr_1y_pct", "lpr_5y_plus_pct"} - set(reader.fieldnames or ())
                if missing or not {"valid_from", "publish_date"} & set(reader.fieldnames or ()):
                    raise CommandError(
                        f"{file}: expected the columns of lpr_history.csv "
                        "(publish_date or valid_from, lpr_1y_pct, lpr_5y_plus_pct)"
                    )
                rows = list(reader)
        except OSError as exc:
            raise CommandError(f"cannot read {file}: {exc}") from None
        try:
            result = benchmarks.benchmark_rates_import(rows=rows)
        except Invalid as exc:
            lines = [f"  {where}: {m}" for where, messages in exc.errors.items() for m in messages]
            raise CommandError("import refused, nothing changed:\n" + "\n".join(lines)) from None
        self.stdout.write(
            f"LPR fixings: {result.created} added, {result.updated} corrected, {result.unchanged} unchanged"
        )
