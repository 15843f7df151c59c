"""`manage.py run_collections [--date YYYY-MM-DD]`: collections for a closed business date.

What the worker runs after each close of business (promises to pay, cases, dunning); by default
the last closed business date. Running a date again changes nothing.
"""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from loanhub.commands import iso_date
from servicing.calendar import last_closed_date
from servicing.collections import collections_close_day


class Command(BaseCommand):
    help = "Collections for a business date (default the last closed one): promises, cases, dunning."

    def add_arguments(self, parser):
        parser.add_argument("--date", type=iso_date, help="the business date (default the last closed one)")

    def handle(self, *args, date=None, **options):
        as_of = date or last_closed_date()
        if as_of is None:
            raise CommandError("No business date has been closed yet: run close_business_day first.")
        counts = collections_close_day(business_date=as_of)
        summary = ", ".join(f"{name} {value}" for name, value in sorted(counts.items()))
        self.stdout.write(self.style.SUCCESS(f"{as_of}: {summary}"))
