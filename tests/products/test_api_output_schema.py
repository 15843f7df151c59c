"""The OpenAPI schema describes every 2xx body of the catalogue and calculator APIs, and the real
answers (with a catalogue in the database: fees, promotions, grace, excluded products) match it.

`tests/loanhub/test_api_fuzz.py` fuzzes an empty database, where the catalogue answers only
empty lists and 404s; here each operation is called with data that fills every part of its body.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
import schemathesis
from django.core.cache import cache
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from rest_framework.authtoken.models import Token
from rest_framework.throttling import SimpleRateThrottle
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance

from loanhub import clock
from loanhub.wsgi import application
from products import choices as c
from tests.products.factories import FeeFactory, PromotionFactory, role_users, version_in

pytestmark = pytest.mark.django_db
schema = schemathesis.openapi.from_wsgi("/api/schema/?format=json", application)

OPERATIONS = {
    ("/api/v1/products/", "get"),
    ("/api/v1/products/{code}/", "get"),
    ("/api/v1/products/{code}/quote/", "post"),
    ("/api/v1/products/recommendations/", "get"),
    ("/api/v1/calculator/schedule/", "post"),
    ("/api/v1/calculator/prepayment/", "post"),
    ("/api/v1/calculator/revolving/", "post"),
    ("/api/v1/calculator/apr/", "post"),
}


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
    cache.clear()


def _resolve(document: dict, node: dict) -> dict:
    while "$ref" in node:
        node = document["components"]["schemas"][node["$ref"].rsplit("/", 1)[-1]]
    return node


def test_every_catalogue_and_calculator_operation_describes_its_200_body(client):
    document = client.get("/api/schema/?format=json").json()
    operations = {
        (path, method)
        for path, item in document["paths"].items()
        if path.startswith(("/api/v1/products/", "/api/v1/calculator/"))
        for method in item
    }
    assert operations == OPERATIONS
    for path, method in sorted(OPERATIONS):
        body = document["paths"][path][method]["responses"]["200"]["content"]["application/json"]["schema"]
        if body.get("type") == "array":
            body = body["items"]
        properties = _resolve(document, body).get("properties", {})
        assert properties, f"{method.upper()} {path}: the 200 body has no described properties"


def test_money_and_rates_are_described_as_decimal_strings(client):
    document = client.get("/api/schema/?format=json").json()
    quote = _resolve(document, {"$ref": "#/components/schemas/QuoteOutput"})["properties"]
    assert (quote["amount"]["type"], quote["amount"]["format"]) == ("string", "decimal")
    assert (quote["annual_rate"]["type"], quote["annual_rate"]["format"]) == ("string", "decimal")
    assert quote["benchmark_rate"]["nullable"] is True


@pytest.fixture
def catalogue():
    today = clock.today()
    cash = version_in(
        c.ProductStatus.ACTIVE,
        product__code="CASH",
        available_from=today - dt.timedelta(days=30),
        grace_max_periods=6,
        grace_types=["interest_only"],
    )
    FeeFactory(version=cash, code="arrangement", amount=Decimal("200.00"), waived_for_segments=["payroll"])
    FeeFactory(version=cash, code="monthly", fee_type="periodic_percent", amount=None, rate=Decimal("0.001"))
    PromotionFactory(
        version=cash,
        code="app50",
        discount_bps=50,
        channels=["app"],
        starts_on=today - dt.timedelta(days=10),
        ends_on=today + dt.timedelta(days=10),
    )
    version_in(
        c.ProductStatus.ACTIVE,
        product__code="BIZ",
        available_from=today - dt.timedelta(days=30),
        category="business_operating",
        customer_types=["small_business"],
    )
    return cash


def _call(path: str, method: str, *, token: str | None = None, **parts):
    if "body" in parts:
        parts["media_type"] = "application/json"
    case = schema[path][method.upper()].Case(**parts)
    headers = {"Accept-Language": "en"} | ({"Authorization": f"Token {token}"} if token else {})
    response = case.call_and_validate(
        headers=headers, checks=[not_a_server_error, response_schema_conformance]
    )
    assert response.status_code == 200, response.text
    return response.json()


def _terms(year: int) -> dict:
    return {"principal": "100000", "annual_rate": "0.049", "term": 12, "start_date": f"{year}-01-15"}


def test_catalogue_answers_match_the_schema(catalogue):
    assert {p["code"] for p in _call("/api/v1/products/", "get")} == {"CASH", "BIZ"}
    detail = _call("/api/v1/products/{code}/", "get", path_parameters={"code": "CASH"})
    assert [f["code"] for f in detail["fees"]] == ["arrangement", "monthly"]
    quote = _call(
        "/api/v1/products/{code}/quote/",
        "post",
        path_parameters={"code": "CASH"},
        body={"amount": "50000", "term": 12, "channel": "app", "grace_periods": 2},
    )
    assert quote["promotions_applied"] == ["app50"]
    recommendations = _call(
        "/api/v1/products/recommendations/",
        "get",
        query={
            "amount": "50000",
            "term": 12,
            "monthly_income": "20000",
            "age": 30,
            "customer_type": "individual",
        },
    )
    assert [r["product"] for r in recommendations["eligible"]] == ["CASH"]
    assert [r["product"] for r in recommendations["ineligible"]] == ["BIZ"]


def test_a_draft_without_a_representative_example_matches_the_schema(catalogue):
    # Staff may list drafts; a draft quotes nothing, so its representative example is null.
    version_in(c.ProductStatus.DRAFT, product__code="DRAFTY")
    token = Token.objects.create(user=role_users()["pm"]).key
    drafts = _call("/api/v1/products/", "get", token=token, query={"status": "draft"})
    assert [(p["code"], p["representative_example"], p["representative_apr"]) for p in drafts] == [
        ("DRAFTY", None, None)
    ]


def test_calculator_answers_match_the_schema():
    y = clock.today().year  # the calculator takes dates within five years of today
    terms = _terms(y)
    _call("/api/v1/calculator/schedule/", "post", body={**terms, "grace": {"periods": 2}})
    _call(
        "/api/v1/calculator/prepayment/",
        "post",
        body={**terms, "prepayment_date": f"{y}-06-15", "amount": "20000"},
    )
    _call(
        "/api/v1/calculator/revolving/",
        "post",
        body={
            "credit_limit": "50000",
            "annual_rate": "0.1825",
            "opened_on": f"{y}-01-01",
            "as_of": f"{y}-03-10",
            "transactions": [
                {"date": f"{y}-01-05", "kind": "draw", "amount": "10000"},
                {"date": f"{y}-02-10", "kind": "repayment", "amount": "3000"},
            ],
        },
    )
    _call(
        "/api/v1/calculator/apr/",
        "post",
        body={
            "advances": [{"date": f"{y}-01-01", "amount": "1000"}],
            "payments": [{"date": f"{y}-07-01", "amount": "1050"}],
        },
    )
