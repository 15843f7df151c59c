"""Grace asked for without a type: the quote API and an application pick the same type
(products.quotes.grace_type_for), so what is quoted is what is applied for."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal

import pytest
from rest_framework.renderers import JSONRenderer
from rest_framework.test import APIClient

from loanhub import clock
from products import choices as pc
from products.api.callers import caller_segments
from products.api.serializers import QuoteOutputSerializer
from products.quotes import product_quote
from tests.applications.conftest import STRONG
from tests.products.factories import version_in

pytestmark = pytest.mark.django_db
ASKED = {"amount": "50000.00", "term": 24, "method": "annuity", "frequency": "monthly", "grace_periods": 2}


@pytest.mark.parametrize(
    "grace_types",
    [["capitalised"], ["interest_only"], ["capitalised", "interest_only"], ["interest_only", "capitalised"]],
)
def test_grace_without_a_type_is_quoted_and_applied_for_alike(customer, grace_types):
    # Given a product with grace, offering one type or several (in its order of preference)
    version = version_in(
        pc.ProductStatus.ACTIVE,
        product__code="GRACE",
        available_from=clock.today() - dt.timedelta(days=30),
        channels=["web"],
        repayment_methods=["annuity"],
        frequencies=["monthly"],
        grace_max_periods=3,
        grace_types=grace_types,
    )
    api = APIClient(HTTP_ACCEPT_LANGUAGE="en")
    api.force_authenticate(customer.user)

    # When the customer asks for a quote and applies, both times for grace without a type
    quoted = api.post("/api/v1/products/GRACE/quote/", ASKED, format="json")
    applied = api.post("/api/v1/applications/", {**ASKED, "product": "GRACE", **STRONG}, format="json")

    # Then the application holds the product's first grace type ...
    assert (quoted.status_code, applied.status_code) == (200, 201), (quoted.json(), applied.json())
    assert (applied.json()["grace_periods"], applied.json()["grace_type"]) == (2, grace_types[0])
    # ... which is the type the quote used: naming it changes nothing
    named = api.post("/api/v1/products/GRACE/quote/", {**ASKED, "grace_type": grace_types[0]}, format="json")
    assert named.json() == quoted.json()
    # ... and the application's request, quoted, is the quote the customer was shown
    application_quote = product_quote(
        version=version,
        amount=Decimal(ASKED["amount"]),
        term=ASKED["term"],
        method=ASKED["method"],
        frequency=ASKED["frequency"],
        grace={"periods": applied.json()["grace_periods"], "type": applied.json()["grace_type"]},
        segments=caller_segments(customer.user),
    )
    shown = json.loads(JSONRenderer().render(QuoteOutputSerializer(application_quote).data))
    assert shown == quoted.json()
    # (the type matters: where the other one is offered, it quotes another schedule)
    if len(grace_types) > 1:
        other = api.post(
            "/api/v1/products/GRACE/quote/", {**ASKED, "grace_type": grace_types[1]}, format="json"
        )
        assert other.json()["installments"] != quoted.json()["installments"]
