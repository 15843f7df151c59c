"""`manage.py run_monitoring [--since YYYY-MM-DD] [--date YYYY-MM-DD]`: rebuild the monitoring
aggregates of a date, or of every closed date in a range.

What the worker runs after each close of business; by default the last closed business date.
With `--since`, every closed business date from it through `--date` (default the last closed
one), oldest first, with a line per date as it is done: the backfill of aggregates added after
those dates were first monitored. Running a date again replaces its rows (nothing is written
twice), so a backfill may be interrupted and run again. The backfill leaves the early warnings
of past dates alone (the officers' queue is working state, not an aggregate): only the last
closed date, when the range reaches it, has its warnings built, as the nightly job builds them.
"""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from loanhub.commands import iso_date
from monitoring import services
from servicing.calendar import last_closed_date


def summary(result: dict) -> str:
    return (
        f"{result['as_of']}: {result['portfolio_rows']} portfolio rows, "
        f"{result['roll_rates']} roll-rate rows, "
        f"{result['classification_migrations']} class-migration rows, "
        f"{result['decision_months']} decision-month rows, {result['score_bands']} score-band rows, "
        f"{result['vintage_points']} vintage points, "
        f"{result['concentration_limits']} limits checked, {result['liquidity_rows']} ladder rows, "
        f"{result['stability_rows']} PSI rows, "
        f"{result['calibration_grades']} calibration grades, "
        + (
            f"{result['warnings_opened']} early warnings opened, {result['warnings_updated']} updated"
            if result["warnings_built"]
            else "early warnings left as they are"
        )
    )


class Command(BaseCommand):
    help = (
        "Rebuild the monitoring aggregates of a business date (default the last closed one), "
        "or with --since of every closed date from it through --date, oldest first (the backfill "
        "leaves the early warnings of past dates as they are)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--date", type=iso_date, help="the business date (default the last closed one)")
        parser.add_argument(
            "--since",
            type=iso_date,
            help=(
                "backfill: rebuild the aggregates of every closed business date from this one through "
                "--date, oldest first; early warnings are built for the last closed date only"
            ),
        )

    def handle(self, *args, date=None, since=None, **options):
        as_of = date or last_closed_date()
        if as_of is None:
            raise CommandError("No business date has been closed yet: run close_business_day first.")
        if since is None:
            self.stdout.write(self.style.SUCCESS(summary(services.run_monitoring(as_of))))
            return
        if since > as_of:
            raise CommandError(f"--since {since} is after {as_of}: nothing to backfill.")
        done = 0
        for done, result in enumerate(services.run_monitoring_backfill(since=since, until=as_of), start=1):
            self.stdout.write(f"[{done}] {summary(result)}")
            self.stdout.flush()
        if not done:
            raise CommandError(f"No business date from {since} through {as_of} has been closed.")
        self.stdout.write(self.style.SUCCESS(f"{done} closed dates monitored from {since} through {as_of}."))
