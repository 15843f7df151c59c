"""`manage.py propose_limits [--month YYYY-MM]`: the monthly limit-growth job by hand.

Scores every customer's repayment history and proposes credit limit increases and pre-approved
top-up loans for those who qualify (`servicing.limits`); proposals at or below the automatic
approval amount are approved at once, the others wait in the officers' queue. Idempotent per
month: a second run for the same month proposes nothing new.
"""

from __future__ import annotations

import datetime as dt

from django.core.management.base import BaseCommand, CommandError

from servicing.limits import limit_proposals_run


def _month(text: str) -> dt.date:
    try:
        return dt.datetime.strptime(text, "%Y-%m").date()  # noqa: DTZ007 (a calendar month, no time)
    except ValueError:
        raise CommandError(f"--month must be YYYY-MM, not {text!r}") from None


class Command(BaseCommand):
    help = "Propose credit limit increases and top-up offers from customers' repayment history."

    def add_arguments(self, parser):
        parser.add_argument("--month", help="the month to propose for, YYYY-MM (default: this month)")

    def handle(self, *args, month=None, **options):
        made = limit_proposals_run(month=_month(month) if month else None)
        auto = sum(1 for p in made if p.auto_approved)
        waiting = len(made) - auto
        self.stdout.write(
            f"{len(made)} proposal(s) made: {auto} approved automatically, {waiting} waiting for officers."
        )
