"""seed_demo: one user per role, a printed password, safe to repeat, refused in production."""

from decimal import Decimal

import pytest
from django.apps import apps
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command

from applications import services
from applications.models import LoanApplication
from customers import validators
from customers.models import Customer
from demo import history
from demo.applications import DEMO_CUSTOMERS
from demo.business import BUSINESS_DEMO_CUSTOMERS
from demo.management.commands.seed_demo import DEMO_USERS
from demo.servicing_simulator import ORIGIN_PREFIX
from loanhub import roles
from monitoring.models import LoanRescore, PortfolioDay
from servicing.calendar import last_closed_date
from servicing.choices import Classification
from servicing.models import Loan, LoanSnapshot

pytestmark = pytest.mark.django_db


def _every_row() -> dict[str, list[str]]:
    return {
        model._meta.label: sorted(map(repr, model._base_manager.values_list()))
        for model in apps.get_models(include_auto_created=True)
        if model._meta.managed
    }


def test_seed_demo_creates_one_user_per_role_and_is_idempotent(capsys, settings, monkeypatch):
    monkeypatch.setattr(history, "SEED_DEMO", (3, 4, 1))  # the portfolio history, small: fast
    call_command("seed_demo")
    first = capsys.readouterr().out
    after_first = _every_row()
    call_command("seed_demo")
    second = capsys.readouterr().out

    # The second run writes nothing at all (not even a new password hash or a newer timestamp).
    assert _every_row() == after_first

    user_model = get_user_model()
    staff_and_customer = {username for username, *_ in DEMO_USERS}
    demo_customers = {username for username, *_ in (*DEMO_CUSTOMERS, *BUSINESS_DEMO_CUSTOMERS)}
    # the simulated loans' borrowers and the portfolio history's
    borrowers = user_model.objects.filter(username__startswith="sim-").count()
    borrowers += user_model.objects.filter(username__startswith="hist1-").count()
    assert user_model.objects.count() == len(staff_and_customer | demo_customers) + 1 + borrowers  # + admin
    # The officer console is alive: applications in every state a run leaves them in, once.
    states = set(LoanApplication.objects.values_list("state", flat=True))
    assert states >= {
        "draft",
        "approved",
        "referred",
        "declined",
        "offer_accepted",
        "offer_declined",
        "offer_expired",
        "disbursed",
        "withdrawn",
    }
    # `customer` has two; the portfolio history's borrowers one each (their loans' origin)
    history_borrowers = LoanApplication.objects.filter(customer__user__username__startswith="hist1-").count()
    assert LoanApplication.objects.count() == (
        len(DEMO_CUSTOMERS) + 1 + len(BUSINESS_DEMO_CUSTOMERS) + history_borrowers
    )
    # The business customers are referred for the assessment; the small business is rated already.
    business = LoanApplication.objects.filter(customer__user__username__in=["demo-ma", "demo-he"])
    assert set(business.values_list("state", flat=True)) == {"referred"}
    assert [services.rating_for(a) is not None for a in business.order_by("customer__user__username")] == [
        True,
        False,
    ]
    # demo-lin has a credit line (LINE-FLEX) to draw on in `make run`, 8,000 of it drawn
    from servicing.models import CreditLine

    assert list(
        CreditLine.objects.filter(customer__user__username="demo-lin").values_list(
            "product_version__product__code", "principal", "status"
        )
    ) == [("LINE-FLEX", Decimal("8000.00"), "active")]
    # One loan from the applications, and the simulated servicing history in every bucket and class.
    simulated = Loan.objects.filter(origin_ref__startswith=ORIGIN_PREFIX)
    history_loans = history.loans_of(1).count()
    assert Loan.objects.count() == 1 + simulated.count() + history_loans
    assert history_loans == 4
    assert PortfolioDay.objects.exists()  # the monitoring jobs ran for the history's month ends
    assert "portfolio history" in first
    assert set(simulated.values_list("delinquency_bucket", flat=True)) == {
        code for code, *_ in settings.LOANHUB_DELINQUENCY_BUCKETS
    }
    assert set(simulated.values_list("classification", flat=True)) == set(Classification.values)
    assert "servicing history" in first
    # The periodic rescore ran once, for the last closed date (`manage.py rescore_loans`): the
    # history's loans that came from a scored application are rescored; the others (DEMO-…
    # origins, opened without one) are skipped, and the line says so.
    closed = last_closed_date()
    on_book = LoanSnapshot.objects.filter(business_date=closed)
    from_applications = set(
        on_book.exclude(loan__origin_ref__startswith="DEMO-").values_list("loan_id", flat=True)
    )
    assert from_applications
    rescored = LoanRescore.objects.filter(as_of=closed)
    assert set(rescored.values_list("loan_id", flat=True)) == from_applications
    skipped = on_book.count() - len(from_applications)
    assert (
        f"rescore as of {closed}: {len(from_applications)} loans rescored ({on_book.count()} on the "
        f"book: 0 rescored for the date before, {skipped} skipped without a scored application)"
    ) in first
    history_applications = LoanApplication.objects.filter(customer__user__username__startswith="hist1-")
    assert set(history_applications.values_list("state", flat=True)) == {"disbursed"}
    # Marketing: a promotion pilot runs with its pilot group and control; demo-chen's points
    # redeemed on the offer she accepted came back when she withdrew it.
    from marketing.models import PilotMember, PromotionPilot
    from marketing.rewards.models import PointsEntry

    pilot = PromotionPilot.objects.get()
    assert (pilot.state, pilot.product_code, pilot.promotion_code) == ("running", "TRAVEL-GO", "app3free")
    assert set(PilotMember.objects.filter(pilot=pilot).values_list("group", flat=True)) <= {
        "pilot",
        "control",
    }
    assert "promotion pilot" in first
    # The demo campaign's arm A is personalised: its messages name a product and what it costs the
    # recipient (sent by the worker after the seed; here the values one recipient's message gets).
    from marketing import personalise
    from marketing.models import Campaign, Recipient

    campaign = Campaign.objects.get(name="Demo: spring salaried offer")
    assert {"name", "product", "cost"} <= personalise.template_variables(campaign.template_en)
    assert {"name", "product", "cost"} <= personalise.template_variables(campaign.template_zh)
    recipient = Recipient.objects.filter(campaign=campaign).select_related("customer").first()
    values = personalise.ProductChooser(campaign).context(recipient.customer, language="en")
    assert values["product"]
    assert "to repay in all, APR" in values["cost"]
    chen = PointsEntry.objects.filter(account__customer__user__username="demo-chen").order_by("id")
    assert list(chen.values_list("kind", "points")) == [
        ("earn_referral", 300),
        ("redeem", -200),
        ("refund", 200),
    ]
    for role in roles.ALL_ROLES:
        assert user_model.objects.filter(groups__name=role).exists(), role
    assert settings.LOANHUB_DEMO_PASSWORD in first
    assert "created" in first
    assert "created" not in second
    assert "updated" not in second
    assert user_model.objects.get(username="officer").check_password(settings.LOANHUB_DEMO_PASSWORD)
    assert user_model.objects.get(username="officer").is_staff
    assert not user_model.objects.get(username="customer").is_staff
    # The seeded customers' identifiers pass the checks a real customer's must pass.
    for customer in Customer.objects.all():
        number, born = validators.validate_id_number(customer.id_number)
        assert (number, born) == (customer.id_number, customer.date_of_birth)
        assert validators.validate_phone(customer.phone) == customer.phone


def test_seed_demo_refuses_production(settings):
    settings.PRODUCTION = True
    with pytest.raises(CommandError, match="production"):
        call_command("seed_demo")
    assert not get_user_model().objects.exists()
