"""Schema-driven fuzzing of the whole public API: whatever a client sends, never a 500.

Schemathesis (https://schemathesis.readthedocs.io) reads the OpenAPI document that
drf-spectacular serves at /api/schema/ and, for every operation, generates requests from its
schema, both valid and deliberately malformed (wrong types, missing fields, huge numbers). The
checks here are that no response is a server error and that every 2xx answer matches the
documented response schema. Anonymous callers get 401/403 from protected operations, which is a
correct answer, not a failure.
"""

import pytest
import schemathesis
from django.core.cache import cache
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from rest_framework.throttling import SimpleRateThrottle
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance

from loanhub.wsgi import application

schema = schemathesis.openapi.from_wsgi("/api/schema/?format=json", application)


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


@pytest.mark.django_db
@schema.parametrize()
@settings(max_examples=30, deadline=None, suppress_health_check=list(HealthCheck))
def test_no_request_makes_the_api_fail(case):
    case.call_and_validate(checks=[not_a_server_error, response_schema_conformance])
