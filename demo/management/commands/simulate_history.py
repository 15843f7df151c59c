"""`manage.py simulate_history [--months 24] [--customers N] [--seed 7]`: the demo's portfolio
history for the monitoring dashboards (see `demo.history`). Idempotent: a second run adds nothing."""

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from demo import history
from loanhub import roles


def _ranged(low: int, high: int):
    def parse(value: str) -> int:
        number = int(value)
        if not low <= number <= high:
            raise ValueError(value)
        return number

    parse.__name__ = f"integer {low}–{high}"
    return parse


class Command(BaseCommand):
    help = (
        "Simulate months of demo originations, repayments, delinquencies, cures and recoveries, then "
        "run the monitoring jobs for each month end. Safe to run repeatedly (nothing is added twice)."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--months", type=_ranged(1, 120), default=history.MONTHS, help="months of history"
        )
        parser.add_argument(
            "--customers",
            type=_ranged(1, history.MAX_CUSTOMERS),
            default=history.CUSTOMERS,
            help="borrowers (one loan each)",
        )
        parser.add_argument(
            "--seed", type=_ranged(0, history.MAX_SEED), default=history.SEED, help="the random seed"
        )
        parser.add_argument(
            "--allow-production",
            action="store_true",
            help="Run even when LOANHUB_ENV=production (never on a real production database).",
        )

    @transaction.atomic
    def handle(self, *args, months, customers, seed, allow_production=False, **options):
        if settings.PRODUCTION and not allow_production:
            raise CommandError("simulate_history refuses to run with LOANHUB_ENV=production.")
        officer = get_user_model().objects.filter(groups__name=roles.LOAN_OFFICER).order_by("pk").first()
        if officer is None:
            raise CommandError("No loan officer: run seed_demo first (it creates the roles and products).")
        result = history.simulate_history(officer=officer, months=months, customers=customers, seed=seed)
        if not result.loans:
            prefix = history.batch_prefix(seed)
            self.stdout.write(f"The demo history of seed {seed} ({prefix}…) exists already: nothing added.")
            return
        buckets = sorted({loan.delinquency_bucket for loan in result.loans if loan.status == "active"})
        closed = sum(loan.status == "closed" for loan in result.loans)
        self.stdout.write(
            self.style.SUCCESS(
                f"{len(result.loans)} loans over {months} months (seed {seed}): {closed} closed, active in "
                f"buckets {', '.join(buckets)}; {result.snapshots} month-end snapshots, monitoring run for "
                f"{len(result.month_ends)} month ends and {len(result.closed_days)} other closed dates"
            )
        )
