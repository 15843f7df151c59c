"""The business rating through the API, every answer checked against the OpenAPI schema:
`GET|PUT /api/v1/customers/me/business/`, `GET|POST …/applications/{id}/qualitative-assessment/`,
the grade override and its decision, and `rating` in `GET /api/v1/applications/{id}/`."""

from __future__ import annotations

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from rest_framework.authtoken.models import Token
from rest_framework.throttling import SimpleRateThrottle
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance, status_code_conformance

from applications.models import State
from customers.models import BusinessProfile
from loanhub.wsgi import application as wsgi
from tests.applications.conftest import GOOD_ID, draft, make_customer
from tests.applications.test_business_rating import ANSWERS, FACTS

pytestmark = pytest.mark.django_db
schema = schemathesis.openapi.from_wsgi("/api/schema/?format=json", wsgi)
BODY = {k: str(v) for k, v in FACTS.items()}


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


def _call(path: str, method: str, user, expected: int, **parts):
    if "body" in parts:
        parts["media_type"] = "application/json"
    token = Token.objects.get_or_create(user=user)[0].key
    case = schema[path][method.upper()].Case(**parts)
    response = case.call_and_validate(
        headers={"Accept-Language": "en", "Authorization": f"Token {token}"},
        checks=[not_a_server_error, status_code_conformance, response_schema_conformance],
    )
    assert response.status_code == expected, response.text
    return response.json()


def _sole_proprietor(username="shop"):
    return make_customer(
        username,
        customer_type="sole_proprietor",
        id_number=GOOD_ID,
        employment_type="self_employed",
        employer="",
        industry="retail",
    )


def test_business_data_is_entered_read_and_validated_by_field():
    customer = _sole_proprietor()
    path = "/api/v1/customers/me/business/"
    _call(path, "get", customer.user, 404)
    created = _call(path, "put", customer.user, 201, body=BODY)
    assert created["annual_revenue"] == "2400000.00"
    assert created["industry"] == "F"
    assert _call(path, "get", customer.user, 200) == created
    # Bad input: 400 naming each field, nothing changes
    bad = {**BODY, "net_profit": "9999999.00", "tax_rating": "Z", "employees": "-1"}
    errors = _call(path, "put", customer.user, 400, body=bad)["errors"]
    assert set(errors) == {"tax_rating", "employees"}
    errors = _call(path, "put", customer.user, 400, body={**BODY, "net_profit": "9999999.00"})["errors"]
    assert set(errors) == {"net_profit"}
    assert BusinessProfile.objects.get(customer=customer).net_profit == FACTS["net_profit"]
    updated = _call(path, "put", customer.user, 200, body={**BODY, "employees": "15"})
    assert updated["employees"] == 15


def test_an_individual_has_no_business_data(customer):
    errors = _call("/api/v1/customers/me/business/", "put", customer.user, 409, body=BODY)
    assert errors["code"] == "conflict"
    assert not BusinessProfile.objects.exists()


def test_assessment_form_answers_override_and_rating_in_the_application(
    risk_ready,
    users,
    business_product,
    submit,
):
    customer = _sole_proprietor()
    _call("/api/v1/customers/me/business/", "put", customer.user, 201, body=BODY)
    application = submit(draft(customer, business_product, purpose="business_operating"))
    assert application.state == State.REFERRED
    pk = {"id": application.pk}
    detail = "/api/v1/applications/{id}/"
    assert _call(detail, "get", customer.user, 200, path_parameters=pk)["rating"] is None

    form_path = "/api/v1/applications/{id}/qualitative-assessment/"
    form = _call(form_path, "get", users["officer"], 200, path_parameters=pk)
    assert form["rubric_version"] == 1
    assert [i["code"] for i in form["indicators"]] == list(ANSWERS)
    assert all(i["choices"] and i["label"] for i in form["indicators"])
    _call(form_path, "get", customer.user, 403, path_parameters=pk)

    errors = _call(form_path, "post", users["officer"], 400, path_parameters=pk, body={"answers": {}})
    assert set(errors["errors"]) == {f"answers.{code}" for code in ANSWERS}
    rating = _call(form_path, "post", users["officer"], 200, path_parameters=pk, body={"answers": ANSWERS})
    assert rating["rubric_version"] == 1
    assert len(rating["indicators"]) == 12
    assert {i["code"]: i["points"] for i in rating["indicators"]}["site_visit"] == 100

    # The customer sees the summary of the contract; staff also see how it was reached
    mine = _call(detail, "get", customer.user, 200, path_parameters=pk)["rating"]
    assert set(mine) == {"quantitative_score", "qualitative_score", "grade", "pd", "rubric_version"}
    assert mine["grade"] == rating["grade"]
    staff = _call(detail, "get", users["auditor"], 200, path_parameters=pk)["rating"]
    assert staff["indicators"] == rating["indicators"]

    target = "E" if rating["grade"] != "E" else "D"
    override = "/api/v1/applications/{id}/rating-override/"
    body = {"grade": target, "reason": "site visit: stock far below the stated figures"}
    asked = _call(override, "post", users["senior"], 200, path_parameters=pk, body=body)
    assert asked["override"] == {"status": "pending", "grade": target, "reason": body["reason"]}
    decide = "/api/v1/applications/{id}/rating-override/decide/"
    _call(decide, "post", users["senior"], 403, path_parameters=pk, body={"decision": "approve"})
    _call(decide, "post", users["officer"], 403, path_parameters=pk, body={"decision": "approve"})
    done = _call(decide, "post", users["senior2"], 200, path_parameters=pk, body={"decision": "approve"})
    assert (done["grade"], done["model_grade"], done["override"]["status"]) == (
        target,
        rating["grade"],
        "approved",
    )
    application.refresh_from_db()
    assert application.risk_grade == target
