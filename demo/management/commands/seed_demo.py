"""Idempotent demo data: the roles, one user per role, and each landed feature's demo records."""

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import translation

from demo import history
from demo.applications import DEMO_CUSTOMERS, seed_applications
from demo.business import BUSINESS_DEMO_CUSTOMERS, seed_business_customers
from demo.crm import seed_crm
from demo.marketing import seed_marketing, seed_pilot
from demo.products import seed_products
from demo.risk import seed_risk
from demo.servicing_simulator import simulate
from loanhub import roles
from monitoring import early_warning, rescore
from monitoring.models import Signal
from risk.selectors import NoChampion

DEMO_USERS = (
    # username, role, is_staff (may enter the admin console)
    ("customer", roles.CUSTOMER, False),
    ("officer", roles.LOAN_OFFICER, True),
    ("senior", roles.SENIOR_APPROVER, True),
    ("analyst", roles.RISK_ANALYST, True),
    ("pm", roles.PRODUCT_MANAGER, True),
    ("pm2", roles.PRODUCT_MANAGER, True),
    ("marketing", roles.MARKETING_MANAGER, True),
    ("auditor", roles.AUDITOR, True),
)


def _demo_user(username: str, password: str, *, is_staff: bool, is_superuser: bool = False, role=None) -> str:
    """Create the user or bring it back to its demo settings; "created", "updated" or "unchanged"
    (a second run writes nothing: the password is checked before it is set)."""
    user, created = get_user_model().objects.get_or_create(
        username=username, defaults={"email": f"{username}@demo.loanhub.local"}
    )
    changed = created or (user.is_staff, user.is_superuser) != (is_staff, is_superuser)
    user.is_staff, user.is_superuser = is_staff, is_superuser
    if created or not user.check_password(password):
        user.set_password(password)
        changed = True
    if changed:
        user.save()
    if role is not None and list(user.groups.values_list("name", flat=True)) != [role]:
        user.groups.set([Group.objects.get(name=role)])
        changed = True
    return "created" if created else "updated" if changed else "unchanged"


def rescore_once() -> dict:
    """`manage.py rescore_loans` for the last closed date; nothing without a champion."""
    try:
        return rescore.loans_rescore()
    except NoChampion:
        return {"as_of": None, "rescored": 0, "on_book": 0, "already": 0, "skipped": 0}


class Command(BaseCommand):
    help = "Create or refresh demo users (one per role) and demo data. Safe to run repeatedly."

    def add_arguments(self, parser):
        parser.add_argument(
            "--allow-production",
            action="store_true",
            help="Seed even when LOANHUB_ENV=production (never on a real production database).",
        )

    @transaction.atomic
    def handle(self, *args, allow_production=False, **options):
        if settings.PRODUCTION and not allow_production:
            raise CommandError("seed_demo refuses to run with LOANHUB_ENV=production.")
        # The texts the demo stores (statement lines' matching messages, reasons) are in the
        # site's language, whichever language the caller had active (a test, a shell).
        with translation.override(settings.LANGUAGE_CODE):
            self._seed(**options)

    def _seed(self, **options):
        roles.sync_roles()
        password = settings.LOANHUB_DEMO_PASSWORD
        user_model = get_user_model()
        rows = []
        for username, role, is_staff in DEMO_USERS:
            rows.append((username, role, _demo_user(username, password, is_staff=is_staff, role=role)))
        rows.append(("admin", "superuser", _demo_user("admin", password, is_staff=True, is_superuser=True)))
        admin = user_model.objects.get(username="admin")
        # Each landed feature's demo data, in dependency order.
        seed_products(
            maker=user_model.objects.get(username="pm"), checker=user_model.objects.get(username="pm2")
        )
        seed_risk(trainer=user_model.objects.get(username="analyst"), approver=admin)
        # Months of servicing history before today's applications: loans in every bucket and class.
        simulated = simulate(officer=user_model.objects.get(username="officer"))
        # A year of a small book's history and the monitoring jobs: the dashboards are alive.
        months, customers, seed = history.SEED_DEMO
        portfolio = history.simulate_history(
            officer=user_model.objects.get(username="officer"), months=months, customers=customers, seed=seed
        )
        seed_applications(
            officer=user_model.objects.get(username="officer"),
            senior=user_model.objects.get(username="senior"),
            password=password,
        )
        seed_business_customers(officer=user_model.objects.get(username="officer"), password=password)
        # The periodic rescore once (what beat runs on the 1st): early warning's score drift has
        # rows to read for the loans that came from a scored application (the history's, with
        # the borrowers who lost their job since).
        rescored = rescore_once()
        drifting = 0
        if rescored["rescored"]:
            # That date's warnings again, now with the rescore's score drift (as beat's next run).
            early_warning.early_warnings_build(as_of=rescored["as_of"])
            signals = early_warning.signals_on(rescored["as_of"]).values()
            drifting = sum(Signal.SCORE_DRIFT in dict(found) for found in signals)
        campaign = seed_marketing(
            manager=user_model.objects.get(username="marketing"),
            usernames=[username for username, *_rest in DEMO_CUSTOMERS],
        )
        pilot = seed_pilot(manager=user_model.objects.get(username="marketing"))
        surveys = seed_crm(
            officer=user_model.objects.get(username="officer"),
            usernames=[username for username, *_rest in DEMO_CUSTOMERS],
        )

        self.stdout.write(self.style.SUCCESS(f"Demo users (password for all: {password})"))
        for username, role, state in rows:
            self.stdout.write(f"  {username:<10} {role:<18} {state}")
        self.stdout.write(
            "  demo customers with applications in every state: "
            + ", ".join(username for username, *_rest in DEMO_CUSTOMERS)
        )
        self.stdout.write(
            "  business customers referred for the qualitative assessment: "
            + ", ".join(username for username, *_rest in BUSINESS_DEMO_CUSTOMERS)
        )
        if campaign is not None:
            self.stdout.write(
                f"  marketing: the A/B campaign '{campaign.name}' with its touches and conversions"
            )
        if pilot is not None:
            self.stdout.write(
                f"  marketing: the promotion pilot '{pilot.name}' (pilot vs control funnel in the admin)"
            )
            self.stdout.write(
                "  rewards: demo-chen's points redeemed on an accepted offer, refunded at withdrawal"
            )
        if surveys:
            self.stdout.write(
                f"  CRM: {surveys} answered NPS surveys, follow-ups, a contact log and a suggestion"
            )
        if simulated:
            present = {loan.delinquency_bucket for loan in simulated if loan.status == "active"}
            buckets = [code for code, *_ in settings.LOANHUB_DELINQUENCY_BUCKETS if code in present]
            self.stdout.write(
                f"  servicing history: {len(simulated)} loans from {simulated[0].number}, in buckets "
                f"{', '.join(buckets)} and some closed; a bank statement with lines in the suspense queue"
            )
        if rescored["as_of"]:
            self.stdout.write(f"  rescore as of {rescore.outcome_text(rescored)}; score drift on {drifting}")
        if portfolio.loans:
            self.stdout.write(
                f"  portfolio history: {len(portfolio.loans)} loans over {months} months, monitoring jobs "
                f"run for {len(portfolio.month_ends)} month ends (simulate_history adds a larger one, seed 7)"
            )
