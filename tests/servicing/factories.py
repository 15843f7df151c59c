"""Small factories for servicing tests: customers, applications and the terms of a loan.

Customers and applications belong to other apps; these helpers create the few fields servicing
needs, on top of the catalogue's `version_in` for an active product version.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import factory

from applications.models import LoanApplication, State
from customers.models import Customer
from loanhub import roles
from products import choices as pc
from servicing import services
from tests.products.factories import FeeFactory, UserFactory, version_in

DISBURSED_ON = dt.date(2026, 9, 15)


def active_version(**kwargs):
    """An active, compliant product version with a 200.00 arrangement fee and a 1 % service fee."""
    version = version_in(pc.ProductStatus.ACTIVE, **kwargs)
    FeeFactory(version=version, code="arrangement", fee_type=pc.FeeType.UPFRONT, amount=Decimal("200.00"))
    FeeFactory(
        version=version,
        code="service",
        fee_type=pc.FeeType.UPFRONT_PERCENT,
        amount=None,
        rate=Decimal("0.01"),
    )
    return version


class CustomerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Customer

    user = factory.SubFactory(
        UserFactory, username=factory.Sequence(lambda n: f"borrower{n}"), is_staff=False, role=roles.CUSTOMER
    )
    legal_name = factory.Sequence(lambda n: f"客户{n}")
    id_number = factory.Sequence(lambda n: f"11010119900101{n:04d}"[-18:])
    phone = factory.Sequence(lambda n: f"138{n:08d}")
    monthly_income = Decimal("20000.00")


class ApplicationFactory(factory.django.DjangoModelFactory):
    """An application whose offer the customer accepted: the moment servicing disburses."""

    class Meta:
        model = LoanApplication

    customer = factory.SubFactory(CustomerFactory)
    product_version = factory.LazyFunction(active_version)
    amount = Decimal("100000.00")
    term = 12
    method = "annuity"
    frequency = "monthly"
    state = State.OFFER_ACCEPTED


def terms_for(application: LoanApplication, **overrides) -> dict:
    """The schedule terms the applications service would pass to `loan_open` for an offer."""
    terms = {
        "principal": application.amount,
        "annual_rate": Decimal("0.06"),
        "term": application.term,
        "frequency": application.frequency,
        "method": application.method,
        "day_count": application.product_version.day_count,
        "fees": [fee.engine_fee() for fee in application.product_version.fees.order_by("code")],
        "grace": None,
        "interest_free_periods": 0,
        "first_due_date": None,
    }
    terms.update(overrides)
    return terms


def loan_open_for(application: LoanApplication, *, terms: dict, disbursed_on, actor):
    """`services.loan_open` called as the applications service calls it for `application`."""
    return services.loan_open(
        origin_ref=str(application),
        number=f"L{application.pk:08d}",
        customer_id=application.customer_id,
        product_version=application.product_version,
        terms=terms,
        disbursed_on=disbursed_on,
        actor=actor,
    )


def open_loan(application: LoanApplication | None = None, *, actor=None, disbursed_on=DISBURSED_ON, **terms):
    """Disburse an application (a new one by default) with `terms_for` its offer."""
    application = application or ApplicationFactory()
    return loan_open_for(
        application, terms=terms_for(application, **terms), disbursed_on=disbursed_on, actor=actor
    )
