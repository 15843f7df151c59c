"""`manage.py run_monitoring [--date YYYY-MM-DD]`: rebuild the monitoring aggregates of a date.

What the worker runs after each close of business; by default the last closed business date.
Running a date again replaces its rows (nothing is written twice).
"""

from __future__ import annotations

import datetime as dt

from django.core.management.base import BaseCommand, CommandError

from monitoring import services
from servicing.calendar import last_closed_date


def _date(value: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise CommandError(f"not a date (YYYY-MM-DD): {value!r}") from None


class Command(BaseCommand):
    help = "Rebuild the monitoring aggregates of a business date (default the last closed one)."

    def add_arguments(self, parser):
        parser.add_argument("--date", type=_date, help="the business date (default the last closed one)")

    def handle(self, *args, date=None, **options):
        as_of = date or last_closed_date()
        if as_of is None:
            raise CommandError("No business date has been closed yet: run close_business_day first.")
        result = services.run_monitoring(as_of)
        self.stdout.write(
            self.style.SUCCESS(
                f"{as_of}: {result['portfolio_rows']} portfolio rows, {result['roll_rates']} roll-rate rows, "
                f"{result['vintage_points']} vintage points"
            )
        )
