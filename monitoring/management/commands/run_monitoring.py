"""`manage.py run_monitoring [--date YYYY-MM-DD]`: rebuild the monitoring aggregates of a date.

What the worker runs after each close of business; by default the last closed business date.
Running a date again replaces its rows (nothing is written twice).
"""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from loanhub.commands import iso_date
from monitoring import services
from servicing.calendar import last_closed_date


class Command(BaseCommand):
    help = "Rebuild the monitoring aggregates of a business date (default the last closed one)."

    def add_arguments(self, parser):
        parser.add_argument("--date", type=iso_date, help="the business date (default the last closed one)")

    def handle(self, *args, date=None, **options):
        as_of = date or last_closed_date()
        if as_of is None:
            raise CommandError("No business date has been closed yet: run close_business_day first.")
        result = services.run_monitoring(as_of)
        self.stdout.write(
            self.style.SUCCESS(
                f"{as_of}: {result['portfolio_rows']} portfolio rows, {result['roll_rates']} roll-rate rows, "
                f"{result['classification_migrations']} class-migration rows, "
                f"{result['decision_months']} decision-month rows, "
                f"{result['vintage_points']} vintage points, "
                f"{result['concentration_limits']} limits checked, {result['liquidity_rows']} ladder rows, "
                f"{result['stability_rows']} PSI rows, "
                f"{result['calibration_grades']} calibration grades, "
                f"{result['warnings_opened']} early warnings opened, {result['warnings_updated']} updated"
            )
        )
