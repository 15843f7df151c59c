"""Idempotent demo data: the roles, one user per role, and each landed feature's demo records."""

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from loanhub import roles

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
        roles.sync_roles()
        password = settings.LOANHUB_DEMO_PASSWORD
        user_model = get_user_model()
        rows = []
        for username, role, is_staff in DEMO_USERS:
            user, created = user_model.objects.get_or_create(
                username=username, defaults={"email": f"{username}@demo.loanhub.local"}
            )
            user.is_staff = is_staff
            user.set_password(password)
            user.save()
            user.groups.set([Group.objects.get(name=role)])
            rows.append((username, role, "created" if created else "updated"))
        admin, created = user_model.objects.get_or_create(
            username="admin", defaults={"email": "admin@demo.loanhub.local"}
        )
        admin.is_staff = admin.is_superuser = True
        admin.set_password(password)
        admin.save()
        rows.append(("admin", "superuser", "created" if created else "updated"))
        # Each landed feature's demo data, in dependency order.
        from demo.products import seed_products
        from demo.risk import seed_risk

        seed_products(
            maker=user_model.objects.get(username="pm"), checker=user_model.objects.get(username="pm2")
        )
        seed_risk(trainer=user_model.objects.get(username="analyst"), approver=admin)
        from demo.applications import DEMO_CUSTOMERS, seed_applications

        seed_applications(
            officer=user_model.objects.get(username="officer"),
            senior=user_model.objects.get(username="senior"),
            password=password,
        )

        self.stdout.write(self.style.SUCCESS(f"Demo users (password for all: {password})"))
        for username, role, state in rows:
            self.stdout.write(f"  {username:<10} {role:<18} {state}")
        self.stdout.write(
            "  demo customers with applications in every state: "
            + ", ".join(username for username, *_rest in DEMO_CUSTOMERS)
        )
