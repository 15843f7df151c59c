"""`manage.py close_business_day [--through YYYY-MM-DD] [--from YYYY-MM-DD] [--no-wait]`.

Closes every business date from the open one (the day after the last closed) up to `--through`
(default today), in order, printing each run's progress. `--from` names the first date when no
date has been closed yet (default today). In-process without a broker; with one, the chunks run
on the workers of the `monitoring` queue and this command follows them (or, with `--no-wait`,
only starts them). Outside production `--through` may be after today (tests, demos, training).
"""

from __future__ import annotations

import time

from django.core.management.base import BaseCommand, CommandError

from loanhub.commands import iso_date
from loanhub.errors import DomainError
from servicing import cob


class Command(BaseCommand):
    help = "Close business dates up to --through (default today): accrual, overdue, classes, provisions."

    def add_arguments(self, parser):
        parser.add_argument("--through", type=iso_date, help="the last date to close (default today)")
        parser.add_argument(
            "--from",
            dest="start",
            type=iso_date,
            help="the first date to close when none has been closed yet",
        )
        parser.add_argument("--no-wait", action="store_true", help="start the runs on the workers and return")

    def handle(self, *args, through=None, start=None, no_wait=False, **options):
        began = time.monotonic()

        def progress(run):
            seconds = (run.finished_at - run.started_at).total_seconds() if run.finished_at else 0
            self.stdout.write(
                f"{run.business_date} {run.status}: {run.chunks_done}/{run.chunks_total} chunks, "
                f"{run.loans} loans" + (f" in {seconds:.2f} s" if run.finished_at else "")
            )

        try:
            runs = cob.close_through(through, start=start, wait=not no_wait, progress=progress)
        except DomainError as exc:
            raise CommandError(exc.detail) from None
        if not runs:
            self.stdout.write("Nothing to close: the open business date is after --through.")
            return
        closed = [r for r in runs if r.status == "done"]
        self.stdout.write(
            self.style.SUCCESS(
                f"Closed {len(closed)} business date(s) in {time.monotonic() - began:.2f} s"
                if closed
                else f"Started close of business for {runs[0].business_date} on the workers"
            )
        )
