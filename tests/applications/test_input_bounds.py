"""Every input is bounded: text without NUL or control characters and within its length, calculator
dates within a window around today, annual rates at most the legal cap. Each refusal is a
field-level 400 on the API or a field error on the page, and nothing is saved or changed."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.cache import cache
from django.utils import translation
from rest_framework.test import APIClient

from applications.models import LoanApplication, State
from customers.models import Customer
from loanhub import clock
from loanhub.bounds import shift_years
from loanhub.text import printable, text_error
from tests.applications.conftest import STRONG, in_state, make_customer
from tests.customers.factories import STDNUM_EXAMPLE_RIC, profile_data

pytestmark = pytest.mark.django_db
MEGABYTE = "x" * (1024 * 1024)
NASTY = {
    "NUL": "spring\x00sale",
    "bell": "spring\x07sale",
    "escape": "\x1b[31mred",
    "DEL": "spring\x7fsale",
    "C1": "spring\x85sale",
    "bidi override": "abc\u202edcba",
    "line break": "spring\nsale",
}


@pytest.fixture(autouse=True)
def _fresh_throttles_in_english():
    cache.clear()  # the calculator's anonymous throttle counts in the cache
    with translation.override("en"):
        yield
    cache.clear()


def api_for(user=None) -> APIClient:
    client = APIClient(HTTP_ACCEPT_LANGUAGE="en")
    if user is not None:
        client.force_authenticate(user)
    return client


# --- the one text rule ----------------------------------------------------------------------------
@pytest.mark.parametrize("value", NASTY.values(), ids=NASTY.keys())
def test_one_line_text_refuses_control_characters(value):
    assert text_error(value, max_length=100) is not None


def test_multi_line_text_keeps_line_breaks_and_tabs_but_not_nul():
    assert text_error("first line\r\nsecond\tline", max_length=100, multiline=True) is None
    assert text_error("a\x00b", max_length=100, multiline=True) is not None


def test_length_and_ordinary_text():
    assert text_error("春季促销 spring-2026 (A/B)", max_length=30) is None
    assert text_error("x" * 31, max_length=30) == "At most 30 characters."
    assert text_error(MEGABYTE, max_length=100) == "At most 100 characters."


def test_printable_drops_what_the_rule_refuses():
    assert printable("pay\x00slip\u202e.pdf") == "payslip.pdf"


# --- calculator --------------------------------------------------------------------------------
SCHEDULE = "/api/v1/calculator/schedule/"


def _schedule(**patch):
    body = {"principal": "10000.00", "annual_rate": "0.06", "term": 12, **patch}
    return api_for().post(SCHEDULE, body, format="json")


@pytest.mark.parametrize(
    ("start", "status"),
    [
        (dt.date(1, 1, 1), 400),  # year 1, as a hostile tester sent it
        (dt.date(9999, 12, 31), 400),
        (shift_years(clock.today(), -5), 200),
        (shift_years(clock.today(), -5) - dt.timedelta(days=1), 400),
        (shift_years(clock.today(), 5), 200),
        (shift_years(clock.today(), 5) + dt.timedelta(days=1), 400),
    ],
)
def test_calculator_start_dates_lie_within_five_years_of_today(start, status):
    response = _schedule(start_date=start.isoformat())
    assert response.status_code == status
    if status == 400:
        assert list(response.json()["errors"]) == ["start_date"]
        assert "Enter a date between" in response.json()["errors"]["start_date"][0]


def test_calculator_other_dates_are_bounded_too():
    prepay = {"principal": "10000.00", "annual_rate": "0.06", "term": 12, "prepayment_date": "0001-01-01"}
    response = api_for().post("/api/v1/calculator/prepayment/", prepay, format="json")
    assert (response.status_code, list(response.json()["errors"])) == (400, ["prepayment_date"])
    flows = {
        "advances": [{"date": "0001-01-01", "amount": "100.00"}],
        "payments": [{"date": "0001-02-01", "amount": "101.00"}],
    }
    response = api_for().post("/api/v1/calculator/apr/", flows, format="json")
    assert response.status_code == 400
    line = {
        "credit_limit": "1000.00",
        "annual_rate": "0.1",
        "opened_on": "0001-01-01",
        "as_of": clock.today().isoformat(),
        "transactions": [],
    }
    response = api_for().post("/api/v1/calculator/revolving/", line, format="json")
    assert (response.status_code, list(response.json()["errors"])) == (400, ["opened_on"])


def test_calculator_page_shows_date_and_rate_errors_on_their_fields(client, settings):
    settings.LOANHUB_APR_CAP = Decimal("0.24")
    query = {"principal": "10000", "annual_rate": "1000", "term": "12", "start_date": "0001-01-01"}
    response = client.get("/calculator/", query, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    form = response.context["form"]
    assert form.errors["annual_rate"] == ["Enter a rate of at most 24 % (the legal cap)."]
    assert "start_date" in form.errors
    assert response.context.get("result") in (None, {})
    complete = {"method": "annuity", "frequency": "monthly", "day_count": "30/360"}
    ok = client.get("/calculator/", {**query, **complete, "annual_rate": "24", "start_date": ""})
    assert not ok.context["form"].errors


# --- applications: API and page --------------------------------------------------------------------
APPLY = "/api/v1/applications/"
BODY = {"product": "CASH", "amount": "50000.00", "term": 24, "channel": "web", **STRONG}


@pytest.mark.parametrize(
    ("patch", "field"),
    [
        ({"campaign": NASTY["NUL"]}, "campaign"),
        ({"campaign": MEGABYTE}, "campaign"),
        ({"campaign": NASTY["bidi override"]}, "campaign"),
        ({"referral_code": NASTY["bell"]}, "referral_code"),
        ({"referral_code": MEGABYTE}, "referral_code"),
        ({"utm": {"utm_source": NASTY["NUL"]}}, "utm"),
        ({"utm": {"utm_source": MEGABYTE}}, "utm"),
        ({"utm": {MEGABYTE: "x"}}, "utm"),
        ({"utm": {f"k{i}": "x" for i in range(1000)}}, "utm"),
        ({"product": "CA\x00SH"}, "product"),
    ],
)
def test_application_text_is_bounded_on_the_api(customer, product, patch, field):
    response = api_for(customer.user).post(APPLY, {**BODY, **patch}, format="json")
    assert response.status_code == 400
    assert list(response.json()["errors"]) == [field]
    assert not LoanApplication.objects.exists()


def test_the_service_refuses_what_a_serializer_would_have(customer, product):
    """Callers inside LoanHub (a branch officer, a partner job) pass the same rule."""
    from applications import services

    with pytest.raises(services.ApplicationValidationError) as refused:
        services.application_create(
            actor=customer.user, product="CASH", amount=Decimal("50000"), term=24, campaign="a\x00b", **STRONG
        )
    assert set(refused.value.errors) == {"campaign"}
    assert not LoanApplication.objects.exists()


def test_apply_page_refuses_control_characters_in_the_landing_fields(client, customer, product):
    from tests.applications.test_pages import apply_data

    client.force_login(customer.user)
    data = {**apply_data(product, campaign=NASTY["escape"], utm_source=NASTY["NUL"]), "next": "1"}
    response = client.post(f"/apply/new/?product={product.product.code}", data)
    assert response.status_code == 400
    errors = response.context["form"].errors
    assert {"campaign", "utm_source"} <= set(errors)
    assert not LoanApplication.objects.exists()


def test_a_withdrawal_reason_with_nul_is_refused_and_nothing_changes(customer, product):
    application = in_state(State.SUBMITTED, customer, product)
    response = api_for(customer.user).post(
        f"{APPLY}{application.pk}/withdraw/", {"reason": "changed\x00my mind"}, format="json"
    )
    assert response.status_code == 400
    assert list(response.json()["errors"]) == ["reason"]
    application.refresh_from_db()
    assert application.state == State.SUBMITTED
    assert application.events.count() == 0


def test_a_multi_line_withdrawal_reason_is_kept(customer, product):
    application = in_state(State.SUBMITTED, customer, product)
    response = api_for(customer.user).post(
        f"{APPLY}{application.pk}/withdraw/", {"reason": "found a cheaper loan.\nthanks"}, format="json"
    )
    assert response.status_code == 200
    assert application.events.get().reason == "found a cheaper loan.\nthanks"


# --- customers: API and page -------------------------------------------------------------------------
ME = "/api/v1/customers/me/"


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("region", NASTY["NUL"]),
        ("region", MEGABYTE),
        ("legal_name", NASTY["bidi override"]),
        ("employer", NASTY["escape"]),
        ("industry", NASTY["line break"]),
        ("email", "a\x00@example.com"),
    ],
)
def test_profile_text_is_bounded_on_the_api_and_nothing_changes(users, field, value):
    customer = make_customer("kept", region="北京")
    before = Customer.objects.filter(pk=customer.pk).values().get()
    body = profile_data(id_number=customer.id_number, phone=customer.phone, **{field: value})
    response = api_for(customer.user).put(ME, body, format="json")
    assert response.status_code == 400
    assert list(response.json()["errors"]) == [field]
    assert Customer.objects.filter(pk=customer.pk).values().get() == before


def test_the_profile_service_applies_the_same_rule(users):
    from customers import services

    customer = make_customer("kept", region="北京", id_number=STDNUM_EXAMPLE_RIC)
    data = profile_data(id_number=customer.id_number, phone=customer.phone, region="北\x00京")
    with pytest.raises(services.CustomerValidationError) as refused:
        services.customer_upsert_for_user(user=customer.user, data=data)
    assert set(refused.value.errors) == {"region"}
    customer.refresh_from_db()
    assert customer.region == "北京"


def test_profile_page_shows_the_error_on_the_field(client, users):
    customer = make_customer("kept", region="北京", id_number=STDNUM_EXAMPLE_RIC)
    client.force_login(customer.user)
    data = profile_data(id_number=STDNUM_EXAMPLE_RIC, phone=customer.phone, region="north\x1bwest")
    form = {k: v for k, v in data.items() if v is not None}
    form["credit_check_consent"] = "on"
    response = client.post("/customers/me/", form, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 400
    assert set(response.context["form"].errors) == {"region"}
    customer.refresh_from_db()
    assert customer.region == "北京"
