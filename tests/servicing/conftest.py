"""Fixtures of the servicing tests: people in each role, and a disbursed loan per customer."""

from __future__ import annotations

import pytest

from loanhub import roles
from tests.products.factories import UserFactory
from tests.servicing.factories import ApplicationFactory, CustomerFactory, active_version, open_loan


@pytest.fixture(autouse=True)
def _english():
    """Refusals of the services in English for exact assertions (the default language is
    zh-hans; tests of the Chinese wording override it)."""
    from django.utils import translation

    with translation.override("en"):
        yield


@pytest.fixture
def version():
    return active_version()


@pytest.fixture
def people(version):
    """Two customers with a loan each, a customer without a loan, an officer, an auditor and a
    staff user without servicing rights (a marketing manager)."""
    owner = CustomerFactory(user__username="owner")
    other = CustomerFactory(user__username="other")
    idle = CustomerFactory(user__username="idle")
    officer = UserFactory(username="officer", role=roles.LOAN_OFFICER)
    auditor = UserFactory(username="auditor", role=roles.AUDITOR)
    marketing = UserFactory(username="marketing", role=roles.MARKETING_MANAGER)
    owner_loan = open_loan(ApplicationFactory(customer=owner, product_version=version), actor=officer)
    other_loan = open_loan(ApplicationFactory(customer=other, product_version=version), actor=officer)
    return {
        "owner": owner.user,
        "other": other.user,
        "idle": idle.user,
        "officer": officer,
        "auditor": auditor,
        "marketing": marketing,
        "owner_loan": owner_loan,
        "other_loan": other_loan,
    }
