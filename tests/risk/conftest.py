"""Risk test fixtures: one real training run per session, kept in memory and stored per test."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.contrib.auth.models import Group

from customers.models import Customer
from loanhub import roles
from risk import services
from risk.product_terms import ProductTerms
from risk.rules import DEFAULT_RULES, RuleSpec
from risk.scorecard import datasets, training
from risk.scorecard.model import ARTIFACT_FORMAT, Scorecard
from risk.scorecard.scaling import Scaling
from tests.risk.factories import signed_assessment


@pytest.fixture(autouse=True)
def _english():
    """Field errors of the services in English for exact assertions (the default language is
    zh-hans; tests of the Chinese wording override it)."""
    from django.utils import translation

    with translation.override("en"):
        yield


@pytest.fixture(scope="session")
def german():
    return datasets.load("german_credit")


@pytest.fixture(scope="session")
def trained(german):
    """The real German Credit scorecard, trained once for the whole session (about 1.5 s)."""
    return training.train(
        german.features,
        german.is_bad,
        german.inputs,
        dataset=german.name,
        data_sha256=german.sha256,
        seed=training.DEFAULT_SEED,
    )


def _user(django_user_model, username, role):
    user = django_user_model.objects.create_user(username=username, password="x", is_staff=True)
    user.groups.add(Group.objects.get(name=role))
    return user


@pytest.fixture
def analyst(db, django_user_model):
    return _user(django_user_model, "analyst1", roles.RISK_ANALYST)


@pytest.fixture
def analyst2(db, django_user_model):
    return _user(django_user_model, "analyst2", roles.RISK_ANALYST)


@pytest.fixture
def officer(db, django_user_model):
    return _user(django_user_model, "officer1", roles.LOAN_OFFICER)


@pytest.fixture
def auditor(db, django_user_model):
    return _user(django_user_model, "auditor1", roles.AUDITOR)


@pytest.fixture
def candidate(db, trained, analyst):
    return services.model_register(result=trained, actor=analyst)


@pytest.fixture
def champion(candidate, analyst, analyst2):
    signed_assessment(candidate, author=analyst, signer=analyst2)
    return services.model_promote(model=candidate, actor=analyst2)


@pytest.fixture
def default_rules() -> list[RuleSpec]:
    return [RuleSpec(**{**r, "values": tuple(r.get("values", ()))}) for r in DEFAULT_RULES]


# A hand-made artifact (not training data) whose grade is set by the savings band alone, so tests
# can put an applicant in any grade: ge_6000 → A (620), … unknown → E (450).
GRADE_BY_SAVINGS = {"ge_6000": "A", "3000_to_6000": "B", "600_to_3000": "C", "lt_600": "D", "unknown": "E"}
_POINTS = {"ge_6000": 620, "3000_to_6000": 580, "600_to_3000": 540, "lt_600": 500, "unknown": 450}


def grade_card_artifact() -> dict:
    return {
        "format": ARTIFACT_FORMAT,
        "scaling": Scaling().as_dict(),
        "features": [
            {
                "name": "savings_band",
                "kind": "categorical",
                "bins": [{"label": k, "categories": [k], "points": v, "woe": 0} for k, v in _POINTS.items()],
            }
        ],
        "grades": [
            {"grade": "A", "min_score": 600, "pd": 0.02},
            {"grade": "B", "min_score": 560, "pd": 0.05},
            {"grade": "C", "min_score": 520, "pd": 0.1},
            {"grade": "D", "min_score": 480, "pd": 0.2},
            {"grade": "E", "min_score": None, "pd": 0.4},
        ],
    }


@pytest.fixture
def grade_card() -> Scorecard:
    return Scorecard(grade_card_artifact())


RATES = {
    "A": Decimal("0.0400"),
    "B": Decimal("0.0600"),
    "C": Decimal("0.0900"),
    "D": Decimal("0.1300"),
    "E": Decimal("0.1800"),
}


@pytest.fixture
def terms() -> ProductTerms:
    return ProductTerms(
        product_code="CONSUMER-GENERAL",
        version_ref="CONSUMER-GENERAL:v1",
        amount_min=Decimal("5000"),
        amount_max=Decimal("200000"),
        term_min=6,
        term_max=60,
        grade_rates=dict(RATES),
        max_dti=Decimal("0.55"),
        auto_approve_limit=Decimal("100000"),
        max_age_at_maturity=65,
        min_monthly_income=Decimal("3000"),
    )


def good_features(**overrides) -> dict:
    """A complete, strong feature record (applicant + bureau)."""
    record = {
        "age": 40,
        "employment_type": "salaried",
        "employment_years": "8",
        "monthly_income": "20000",
        "existing_monthly_debt": "1000",
        "checking_balance_band": "no_account",
        "savings_band": "ge_6000",
        "housing": "own",
        "property_type": "real_estate",
        "guarantor": "none",
        "purpose": "car_used",
        "amount": "50000",
        "term": 24,
        "identity_status": "verified",
        "credit_history": "paid_duly",
        "existing_credits": 1,
        "other_installment_plans": "none",
        "bureau_monthly_debt": "0",
    }
    record.update(overrides)
    return record


def applicant_features(**overrides) -> dict:
    """What an application sends: no bureau features, the purpose in the lender's words."""
    record = good_features(**{"purpose": "consumer_auto", **overrides})
    for name in ("credit_history", "existing_credits", "other_installment_plans", "bureau_monthly_debt"):
        record.pop(name)
    return record


# A demo bureau identity (test_workers seeds its credit file).
GOOD_ID = "110101199001010000"


def scoring_customer(id_number: str = GOOD_ID, phone: str | None = None) -> Customer:
    """The customer with `id_number` (created when missing), with `phone` when one is given."""
    from tests.customers.factories import CustomerFactory

    customer = Customer.objects.filter(id_number=id_number).first() or CustomerFactory(id_number=id_number)
    if phone is not None and customer.phone != phone:
        Customer.objects.filter(pk=customer.pk).update(phone=phone)
        customer.refresh_from_db()
    return customer


def create_request(terms, *, id_number: str = GOOD_ID, phone: str | None = None, **kwargs):
    """A scoring request of the customer with `id_number` for `terms` (annuity, monthly, web)."""
    params = {
        "requester_ref": "applications.LoanApplication:1",
        "product_version": terms,
        "features": applicant_features(),
        "customer": scoring_customer(id_number, phone),
        "method": "annuity",
        "frequency": "monthly",
        "channel": "web",
        "language": "zh-hans",
        **kwargs,
    }
    return services.scoring_request_create(**params)
