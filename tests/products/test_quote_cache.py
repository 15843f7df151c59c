"""The quote API under load (issue 18): identical quotes are computed once per catalogue
generation and kept per product, inputs and segments (never across segments), withdrawn products
stop answering at once, and one limit per request counts in one step."""

from __future__ import annotations

import uuid
from decimal import Decimal

import pytest
from django.conf import settings
from django.core.cache import cache
from rest_framework.test import APIClient

from loanhub.cache import PrefixedRedisCache
from loanhub.throttling import _CHECK_AND_RECORD, AnonOrUserRateThrottle, ScopedRateThrottle
from products import choices as c
from products import selectors, services
from tests.products.factories import FeeFactory, UserFactory, role_users, version_in

pytestmark = [pytest.mark.django_db]
QUOTE = "/api/v1/products/CASH/quote/"
BODY = {"amount": "120000.00", "term": 24}


@pytest.fixture
def cash():
    version = version_in(c.ProductStatus.ACTIVE, product__code="CASH")
    FeeFactory(version=version, code="arrangement", amount=Decimal("200.00"), waived_for_segments=["payroll"])
    return version


@pytest.fixture
def computed(monkeypatch):
    """The quotes the API computed (not answered from the cache)."""
    calls = []
    quote = services.product_quote

    def counted(**kwargs):
        calls.append(kwargs["segments"])
        return quote(**kwargs)

    monkeypatch.setattr(services, "product_quote", counted)
    return calls


def test_the_same_quote_is_computed_once_and_answered_alike(cash, computed):
    first = APIClient().post(QUOTE, BODY, format="json")
    again = APIClient().post(QUOTE, BODY, format="json")

    assert first.status_code == again.status_code == 200
    assert again.json() == first.json()
    assert len(computed) == 1
    assert first.json()["summary"]["total_fees"] == "200.00"


def test_other_inputs_or_segments_are_never_answered_with_anothers_quote(cash, computed):
    client = APIClient()
    anyone = client.post(QUOTE, BODY, format="json").json()
    payroll = client.post(QUOTE, {**BODY, "segment": "payroll"}, format="json").json()
    longer = client.post(QUOTE, {**BODY, "term": 36}, format="json").json()

    assert len(computed) == 3
    assert anyone["summary"]["total_fees"] == "200.00"
    assert payroll["summary"]["total_fees"] == "0.00"  # waived for payroll customers
    assert longer["term"] == 36
    assert len(longer["installments"]) == 36


def test_publishing_or_withdrawing_answers_afresh_at_once(cash, computed, django_capture_on_commit_callbacks):
    client = APIClient()
    assert client.post(QUOTE, BODY, format="json").status_code == 200
    assert selectors.product_get_offered(code="CASH").pk == cash.pk

    with django_capture_on_commit_callbacks(execute=True):
        services.product_retire(version=cash, actor=role_users()["senior"], reason="withdrawn from sale")

    refused = client.post(QUOTE, BODY, format="json")
    assert refused.status_code == 409
    assert len(computed) == 1
    with pytest.raises(selectors.ProductNotOffered):
        selectors.product_get_offered(code="CASH")


def test_the_offered_version_is_a_copy_per_caller_with_its_terms(cash):
    first = selectors.product_get_offered(code="CASH")
    again = selectors.product_get_offered(code="CASH")

    assert again is not first
    assert again.pk == first.pk
    assert [f.code for f in again.fees.all()] == ["arrangement"]
    assert again.product.code == "CASH"


def test_bad_input_and_unknown_products_answer_as_before(cash):
    client = APIClient()
    assert client.post(QUOTE, {"amount": "-1", "term": 24}, format="json").status_code == 400
    unknown = client.post("/api/v1/products/NOPE/quote/", {"amount": "-1"}, format="json")
    assert unknown.status_code == 404  # the product before the body
    outside = client.post(QUOTE, {"amount": "999999999.00", "term": 24}, format="json")
    assert outside.status_code == 400
    assert "amount" in outside.json()["errors"]


# --- one limit per request ------------------------------------------------------------------------
@pytest.fixture
def tight_limits(settings):
    cache.clear()
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {
            **settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"],
            "anon": "2/min",
            "user": "3/min",
            "calculator": "2/min",
        },
    }
    yield
    cache.clear()


def test_anonymous_callers_are_limited_by_address_and_customers_by_account(cash, tight_limits):
    anonymous = APIClient()
    statuses = [anonymous.post(QUOTE, BODY, format="json").status_code for _ in range(3)]
    assert statuses == [200, 200, 429]
    # Another address has its own allowance.
    assert anonymous.post(QUOTE, BODY, format="json", REMOTE_ADDR="192.0.2.99").status_code == 200

    signed_in = APIClient()
    signed_in.force_authenticate(UserFactory(username="ming", is_staff=False))
    statuses = [signed_in.post(QUOTE, BODY, format="json").status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 429]


def _request(address: str):
    from django.contrib.auth.models import AnonymousUser
    from django.test import RequestFactory

    request = RequestFactory().post(QUOTE, REMOTE_ADDR=address)
    request.user = AnonymousUser()
    return request


class _CalculatorView:
    throttle_scope = "calculator"


@pytest.mark.services("redis")
@pytest.mark.parametrize(
    ("throttle_class", "view"), [(AnonOrUserRateThrottle, None), (ScopedRateThrottle, _CalculatorView())]
)
def test_on_redis_each_check_is_one_atomic_step_with_the_same_budget(tight_limits, throttle_class, view):
    from redis.client import Redis

    redis_cache = PrefixedRedisCache(settings.CELERY_BROKER_URL, {"KEY_PREFIX": f"test-{uuid.uuid4().hex}"})
    sent = []
    command = Redis.execute_command

    def counted(self, *args, **options):
        sent.append(args[0])
        return command(self, *args, **options)

    address = f"198.51.100.{uuid.uuid4().int % 250}"
    answers, waits = [], []
    redis_cache._cache.get_client(write=True).script_load(_CHECK_AND_RECORD.script)
    try:
        Redis.execute_command = counted
        for _ in range(3):
            throttle = throttle_class()
            throttle.THROTTLE_RATES = {"calculator": "2/min"}  # REST framework read its own at import
            throttle.cache = redis_cache
            answers.append(throttle.allow_request(_request(address), view))
            waits.append(throttle.wait())
    finally:
        Redis.execute_command = command
        redis_cache.clear()

    assert answers == [True, True, False]
    assert sent == ["EVALSHA"] * 3  # one round trip a check: no read then write
    assert 0 < waits[2] <= 60
