"""Application test fixtures: users per role, an active product, customers, a real champion
scorecard (trained once per session, stored per test) with the shipped rules and bureau files."""

from __future__ import annotations

import datetime as dt
import itertools
from decimal import Decimal

import pytest
from django.contrib.auth.models import Group

from applications import services
from applications.models import LoanApplication, State
from customers.models import Customer
from loanhub import clock, roles
from products import choices as pc
from risk import services as risk_services
from risk.scorecard import datasets, training
from tests.customers.factories import add_id_card, add_verified_phone
from tests.products.factories import UserFactory, version_in
from tests.risk.factories import signed_assessment

# Bureau files (demo identities: not real people).
GOOD_ID = "110101199001010000"  # paid_duly → no referral from the bureau
THIN_ID_PREFIX = "1101011985"  # no bureau file → THIN_FILE refers
STRONG = {
    "purpose": "consumer_auto",
    "checking_balance_band": "no_account",
    "savings_band": "ge_6000",
    "housing": "own",
    "property_type": "real_estate",
    "guarantor": "none",
}
_ids = itertools.count(1)


@pytest.fixture(autouse=True)
def _english():
    """Messages (products' eligibility reasons, risk's reasons) in English for exact assertions."""
    from django.utils import translation

    with translation.override("en"):
        yield


@pytest.fixture(autouse=True)
def _private_root(settings, tmp_path):
    """Uploaded documents (the wizard's identity card) go to a temporary private root."""
    settings.LOANHUB_PRIVATE_ROOT = tmp_path / "private"


@pytest.fixture(scope="session")
def trained():
    """The real German Credit scorecard, trained once for the whole session."""
    german = datasets.load("german_credit")
    return training.train(
        german.features,
        german.is_bad,
        german.inputs,
        dataset=german.name,
        data_sha256=german.sha256,
        seed=training.DEFAULT_SEED,
    )


@pytest.fixture
def users(db):
    return {
        "officer": UserFactory(username="officer", role=roles.LOAN_OFFICER),
        "officer2": UserFactory(username="officer2", role=roles.LOAN_OFFICER),
        "senior": UserFactory(username="senior", role=roles.SENIOR_APPROVER),
        "senior2": UserFactory(username="senior2", role=roles.SENIOR_APPROVER),
        "analyst": UserFactory(username="analyst", role=roles.RISK_ANALYST),
        "analyst2": UserFactory(username="analyst2", role=roles.RISK_ANALYST),
        "auditor": UserFactory(username="auditor", role=roles.AUDITOR),
        "marketing": UserFactory(username="marketing", role=roles.MARKETING_MANAGER),
    }


@pytest.fixture
def risk_ready(db, trained, users):
    """A champion scorecard (trained by one analyst, promoted by another), the default rules and
    the demo bureau file of GOOD_ID."""
    candidate = risk_services.model_register(result=trained, actor=users["analyst"])
    signed_assessment(candidate, author=users["analyst"], signer=users["analyst2"])
    risk_services.model_promote(model=candidate, actor=users["analyst2"], reason="tests")
    risk_services.rule_seed_defaults()
    risk_services.credit_file_upsert(
        id_number=GOOD_ID,
        credit_history="paid_duly",
        existing_credits=1,
        other_installment_plans="none",
        monthly_debt=Decimal("500"),
    )
    return candidate


@pytest.fixture
def product(db):
    """An active consumer product: 10,000–500,000 over 6–60 months, grid A 4 % … E 12 %."""
    return version_in(
        pc.ProductStatus.ACTIVE,
        product__code="CASH",
        channels=["web", "app", "branch"],
        repayment_methods=["annuity", "equal_principal"],
        frequencies=["monthly", "quarterly"],
        available_from=clock.today() - dt.timedelta(days=30),
        max_dti=Decimal("0.5"),
    )


@pytest.fixture
def business_product(db):
    """A business operating loan for sole proprietors and small businesses (grid A 4 % … E 12 %)."""
    return version_in(
        pc.ProductStatus.ACTIVE,
        product__code="BIZOP",
        customer_types=["sole_proprietor", "small_business"],
        channels=["web", "app", "branch"],
        repayment_methods=["annuity", "equal_principal"],
        frequencies=["monthly", "quarterly"],
        available_from=clock.today() - dt.timedelta(days=30),
        max_dti=Decimal("0.5"),
    )


def make_customer(
    username: str,
    *,
    id_number: str | None = None,
    kyc: str = "verified",
    id_card: bool = True,
    phone_verified: bool = True,
    **fields,
) -> Customer:
    """A customer ready to submit: by default an identity card on file and a verified phone (what
    application_submit asks for); `id_card=False` / `phone_verified=False` for a customer without."""
    user = UserFactory(username=username, role=roles.CUSTOMER, is_staff=False)
    defaults = {
        "legal_name": f"Customer {username}",
        "id_number": id_number or f"{THIN_ID_PREFIX}{next(_ids):08d}",
        "date_of_birth": dt.date(1990, 1, 1),
        "phone": f"1390000{next(_ids):04d}",
        "employment_type": "salaried",
        "employer": "ACME",
        "years_employed": 8,
        "monthly_income": Decimal("30000.00"),
        "monthly_debt": Decimal("1000.00"),
        "kyc_status": kyc,
    }
    defaults.update(fields)
    customer = Customer.objects.create(user=user, **defaults)
    if id_card:
        add_id_card(customer)
    if phone_verified:
        add_verified_phone(customer)
    return customer


@pytest.fixture
def customer(db):
    """A verified customer with a clean bureau file."""
    return make_customer("alice", id_number=GOOD_ID)


@pytest.fixture
def other_customer(db):
    return make_customer("bob")


def draft(customer: Customer, product, **fields) -> LoanApplication:
    data = {"amount": Decimal("50000"), "term": 24, **STRONG, **fields}
    return services.application_create(actor=customer.user, product=product.product.code, **data)


@pytest.fixture
def submit(django_capture_on_commit_callbacks):
    """Submit as the customer and let the scoring run (tasks in-process after commit)."""

    def _submit(application: LoanApplication, actor=None, **kwargs) -> LoanApplication:
        actor = actor or application.customer.user
        with django_capture_on_commit_callbacks(execute=True):
            services.application_submit(
                application=application, actor=actor, credit_check_consent=True, **kwargs
            )
        return LoanApplication.objects.get(pk=application.pk)

    return _submit


def in_state(state: str, customer: Customer, product, **fields) -> LoanApplication:
    """An application put straight into `state` (for transition tests that need no scoring)."""
    values = {
        "customer": customer,
        "product_version": product,
        "amount": Decimal("50000.00"),
        "term": 24,
        "method": "annuity",
        "frequency": "monthly",
        "state": state,
        **STRONG,
        **fields,
    }
    return LoanApplication.objects.create(**values)


def group(name: str) -> Group:
    return Group.objects.get(name=name)


__all__ = ["State", "draft", "in_state", "make_customer"]


# --- the application wizard (pages) -------------------------------------------------------------
PNG_CARD = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + b"\x00" * 32
LOAN_FIELDS = ("amount", "term", "method", "frequency", "grace_periods", "grace_type", "purpose")
LANDING_FIELDS = ("campaign", "utm_source", "utm_medium", "utm_campaign", "referral_code")


def about_data(customer: Customer, **overrides) -> dict:
    """The wizard's "about you" step as the customer sends it back: their profile as prefilled
    (identity and phone masked), and the facts asked on the application."""
    from customers.forms import profile_initial

    data = {k: ("" if v is None else v) for k, v in profile_initial(customer).items()}
    data.pop("credit_check_consent", None)
    data["region"] = data.get("region") or "北京"
    data.update({k: v for k, v in STRONG.items() if k != "purpose"})
    data.update(overrides)
    return data


def walk_wizard(client, customer: Customer, product, *, consent: bool = True, **fields):
    """Apply through every step of the wizard as `customer` (signed in on `client`); the last
    step's response (a redirect to the status page when the submission succeeds). Stops and
    returns the first response that is not a redirect."""
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.urls import reverse

    loan = {"amount": "50000", "term": "24", "method": "annuity", "frequency": "monthly"}
    loan["purpose"] = STRONG["purpose"]
    loan.update({k: v for k, v in fields.items() if k in LOAN_FIELDS + LANDING_FIELDS})
    start = reverse("applications:wizard-start") + f"?product={product.product.code}"
    response = client.post(start, {**loan, "next": "1"})
    if response.status_code != 302:
        return response
    about = about_data(customer, **{k: v for k, v in fields.items() if k not in loan})
    response = client.post(response["Location"], about)
    if response.status_code != 302:
        return response
    card = SimpleUploadedFile("card.png", PNG_CARD, content_type="image/png")
    response = client.post(response["Location"], {"file": card})
    if response.status_code != 302:
        return response
    return client.post(response["Location"], {"credit_check_consent": "on"} if consent else {})
