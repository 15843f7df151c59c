"""Schema-driven fuzzing of the whole public API: whatever a client sends, never a 500.

Schemathesis (https://schemathesis.readthedocs.io) reads the OpenAPI document that
drf-spectacular serves at /api/schema/ and, for every operation, generates requests from its
schema, both valid and deliberately malformed (wrong types, missing fields, huge numbers). The
checks here are that no response is a server error and that every 2xx answer matches the
documented response schema. Anonymous callers get 401/403 from protected operations, which is a
correct answer, not a failure; so the schema is fuzzed three times: anonymously, with a
customer's token and with a loan officer's token. In the signed-in runs a path parameter that
names an object is, for about half the examples, the id of a real one (the customer's own
application, loan and repayment, their profile, an active product), so the operations get past
"not found" into their validation and state checks.
"""

import datetime as dt
from decimal import Decimal

import pytest
import schemathesis
from dateutil.relativedelta import relativedelta
from django.core.cache import cache
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from rest_framework.throttling import SimpleRateThrottle
from schemathesis.checks import not_a_server_error
from schemathesis.config import SchemathesisConfig
from schemathesis.specs.openapi.checks import response_schema_conformance

from applications.models import State
from loanhub import clock, roles
from loanhub.authentication import token_issue
from loanhub.wsgi import application
from servicing import repayments
from tests.products.factories import UserFactory
from tests.servicing.factories import ApplicationFactory, CustomerFactory, active_version, open_loan

schema = schemathesis.openapi.from_wsgi("/api/schema/?format=json", application)
# Signed in, without the coverage phase (its hundreds of boundary cases per operation are the
# same whoever sends them, and the anonymous run has them): explicit examples and fuzzing only.
signed_in_schema = schemathesis.openapi.from_wsgi(
    "/api/schema/?format=json",
    application,
    config=SchemathesisConfig.from_dict({"phases": {"coverage": {"enabled": False}}}),
)


@pytest.fixture(autouse=True)
def _keep_the_test_connection():
    # Schemathesis calls the WSGI application itself, whose request signals would close the
    # database connection inside the test's transaction; Django's test client disconnects them
    # the same way.
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture(autouse=True)
def _no_throttling(monkeypatch):
    # Throttling is tested on its own; here it would turn most examples into 429s.
    monkeypatch.setattr(SimpleRateThrottle, "allow_request", lambda self, request, view: True)
    cache.clear()


FUZZ = settings(max_examples=15, deadline=None, suppress_health_check=list(HealthCheck))
CHECKS = [not_a_server_error, response_schema_conformance]


@pytest.fixture
def book():
    """A customer with a loan (one repayment on it) and a second application under review, an
    active product, and a loan officer."""
    officer = UserFactory(username="fuzz-officer", role=roles.LOAN_OFFICER)
    version = active_version()
    customer = CustomerFactory(user__username="fuzz-customer")
    loan = open_loan(
        ApplicationFactory(customer=customer, product_version=version, state=State.DISBURSED),
        actor=officer,
        disbursed_on=clock.today() - relativedelta(months=1) - dt.timedelta(days=3),
        fees=[],
    )
    repayment = repayments.repayment_post(loan=loan, amount=Decimal("100.00"), actor=officer)
    review = ApplicationFactory(customer=customer, product_version=version, state=State.REFERRED)
    return {
        "customer": customer.user,
        "officer": officer,
        "ids": {
            "/api/v1/applications/": review.pk,
            "/api/v1/customers/": customer.pk,
            "loan_id": loan.pk,
            "repayment_id": repayment.pk,
            "code": version.product.code,
        },
    }


def _with_real_ids(case, ids: dict) -> None:
    """Put a real object's id in about half the examples' path parameters (deterministically)."""
    for name, value in (case.path_parameters or {}).items():
        real = ids.get(name)
        if name in ("id", "pk"):
            real = next((pk for prefix, pk in ids.items() if case.path.startswith(prefix)), None)
        if real is not None and len(repr(value)) % 2 == 0:
            case.path_parameters[name] = real


def _call_as(case, user, ids: dict) -> None:
    _with_real_ids(case, ids)
    token = token_issue(user=user)
    case.call_and_validate(headers={"Authorization": f"Token {token.key}"}, checks=CHECKS)


@pytest.mark.django_db
@schema.parametrize()
@FUZZ
def test_no_request_makes_the_api_fail(case):
    case.call_and_validate(checks=CHECKS)


@pytest.mark.django_db
@signed_in_schema.parametrize()
@FUZZ
def test_no_request_of_a_customer_makes_the_api_fail(case, book):
    _call_as(case, book["customer"], book["ids"])


@pytest.mark.django_db
@signed_in_schema.parametrize()
@FUZZ
def test_no_request_of_a_loan_officer_makes_the_api_fail(case, book):
    _call_as(case, book["officer"], book["ids"])
