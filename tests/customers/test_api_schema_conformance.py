"""Signed-in callers of the customers API get bodies the OpenAPI schema describes, 2xx included.

`tests/loanhub/test_api_fuzz.py` fuzzes every operation anonymously (so mostly 401/403); here the
customers operations are fuzzed with the token of a customer who has a profile and of a Loan
Officer, so the profile, document and KYC answers themselves are checked against the schema.
"""

from __future__ import annotations

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from rest_framework.authtoken.models import Token
from rest_framework.throttling import SimpleRateThrottle
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance, status_code_conformance

from customers.models import Customer
from loanhub.wsgi import application
from tests.customers.factories import CustomerFactory, role_users

schema = schemathesis.openapi.from_wsgi("/api/schema/?format=json", application).include(tag="customers")


@pytest.fixture(autouse=True)
def _keep_the_test_connection():
    # As in tests/loanhub/test_api_fuzz.py: the WSGI request signals would close the test's connection.
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture(autouse=True)
def _no_throttling(monkeypatch):
    monkeypatch.setattr(SimpleRateThrottle, "allow_request", lambda self, request, view: True)


@pytest.fixture
def tokens(db):
    """Tokens of a customer with a profile and of a Loan Officer; customer 1 exists for KYC calls."""
    users = role_users()
    CustomerFactory(user=users["customer"])
    # Created after the sequence's customer: before it, on a new database the sequence would hand out 1 again.
    if not Customer.objects.filter(pk=1).exists():
        CustomerFactory(pk=1)
    return {role: Token.objects.create(user=users[role]).key for role in ("customer", "officer")}


@pytest.mark.django_db
@pytest.mark.parametrize("role", ["customer", "officer"])
@schema.parametrize()
@settings(max_examples=5, deadline=None, suppress_health_check=list(HealthCheck))
def test_signed_in_answers_match_the_schema(case, role, tokens):
    case.call_and_validate(
        headers={"Authorization": f"Token {tokens[role]}", "Accept-Language": "en"},
        checks=[not_a_server_error, status_code_conformance, response_schema_conformance],
    )
