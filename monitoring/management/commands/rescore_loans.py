"""`manage.py rescore_loans [--date YYYY-MM-DD]`: the periodic rescore of the loans on the book.

What beat runs on the 1st (`monitoring.tasks.rescore_portfolio`): every loan on the book on the
date (default the last closed business date) whose application has a risk decision is scored
with the champion, as it was and as it is now (`monitoring.rescore`); early warning's
`score_drift` reads the rows. A date run again rescores only the loans it did not have. The line
it prints says how many loans were on the book, how many were rescored for the date before, and
how many were skipped because they have no scored application to compare with (a loan opened
without an application with a risk decision: the demo simulators' `DEMO-…` loans are).
"""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from loanhub.commands import iso_date
from monitoring import rescore
from risk.selectors import NoChampion
from servicing.calendar import last_closed_date


class Command(BaseCommand):
    help = "Rescore the loans on the book with the champion scorecard (default the last closed date)."

    def add_arguments(self, parser):
        parser.add_argument("--date", type=iso_date, help="the business date (default the last closed one)")

    def handle(self, *args, date=None, **options):
        as_of = date or last_closed_date()
        if as_of is None:
            raise CommandError("No business date has been closed yet: run close_business_day first.")
        try:
            result = rescore.loans_rescore(as_of=as_of)
        except NoChampion as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(self.style.SUCCESS(rescore.outcome_text(result)))
