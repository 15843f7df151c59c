"""Public calculator API: schedule and APR endpoints, field-level 400s, anonymous and throttled."""

from decimal import Decimal

import pytest
from rest_framework.test import APIClient

from loanhub import clock

pytestmark = pytest.mark.django_db
# Examples start on 1 January of the clock's year (their figures do not depend on the year).
YEAR = clock.today().year


def _calculator_rate(monkeypatch, rate: str) -> None:
    # DRF reads THROTTLE_RATES once at import, so overriding settings would not reach it.
    from django.core.cache import cache
    from rest_framework.throttling import ScopedRateThrottle

    monkeypatch.setattr(
        ScopedRateThrottle, "THROTTLE_RATES", {**ScopedRateThrottle.THROTTLE_RATES, "calculator": rate}
    )
    cache.clear()


@pytest.fixture
def api(monkeypatch):
    _calculator_rate(monkeypatch, "1000/min")
    return APIClient()


def test_schedule_reproduces_the_bank_calculator_example(api):
    # 1,000,000 at 4.9 % over 360 months: 5,307.27 a month, first row 4,083.33 interest and
    # 1,223.94 principal (the figures Chinese banks' mortgage calculators publish).
    response = api.post(
        "/api/v1/calculator/schedule/",
        {"principal": "1000000.00", "annual_rate": "0.049", "term": 360, "start_date": f"{YEAR}-01-01"},
        format="json",
    )
    assert response.status_code == 200
    body = response.json()
    first = body["installments"][0]
    assert first == {
        "number": 1,
        "due_date": f"{YEAR}-02-01",
        "payment": "5307.27",
        "principal": "1223.94",
        "interest": "4083.33",
        "fees": "0.00",
        "balance": "998776.06",
    }
    assert len(body["installments"]) == 360
    assert body["installments"][-1]["balance"] == "0.00"
    assert body["summary"]["total_principal"] == "1000000.00"
    assert body["summary"]["apr"] == "0.049000"


def test_fees_raise_the_apr_and_reduce_proceeds(api):
    base = {"principal": "10000.00", "annual_rate": "0.06", "term": 12, "start_date": f"{YEAR}-01-01"}
    plain = api.post("/api/v1/calculator/schedule/", base, format="json").json()["summary"]
    with_fee = api.post(
        "/api/v1/calculator/schedule/",
        {
            **base,
            "fees": [{"type": "upfront", "amount": "100.00"}, {"type": "periodic_percent", "rate": "0.003"}],
        },
        format="json",
    ).json()["summary"]
    assert with_fee["net_proceeds"] == "9900.00"
    assert with_fee["total_fees"] == "460.00"  # 100 upfront + 12 × 0.3 % × 10,000
    assert float(with_fee["apr"]) > float(plain["apr"])


@pytest.mark.parametrize(
    ("patch", "field"),
    [
        ({"principal": "0"}, "principal"),
        ({"principal": "abc"}, "principal"),
        ({"annual_rate": "-0.01"}, "annual_rate"),
        ({"term": 0}, "term"),
        ({"method": "balloon"}, "method"),
        ({"frequency": "daily"}, "frequency"),
        ({"day_count": "30/365"}, "day_count"),
        ({"start_date": f"{YEAR}-13-01"}, "start_date"),
        ({"first_due_date": f"{YEAR - 1}-12-01"}, "first_due_date"),
        ({"interest_free_periods": 13}, "interest_free_periods"),
        ({"fees": [{"type": "upfront", "amount": "20000.00"}]}, "fees"),
    ],
)
def test_bad_input_is_a_field_level_400(api, patch, field):
    payload = {
        "principal": "10000.00",
        "annual_rate": "0.06",
        "term": 12,
        "start_date": f"{YEAR}-01-01",
        **patch,
    }
    response = api.post("/api/v1/calculator/schedule/", payload, format="json")
    assert response.status_code == 400
    assert field in response.json()["errors"]


def test_malformed_json_and_nan_are_400(api):
    for body in ("{not json", '{"principal": NaN, "annual_rate": "0.05", "term": 12}'):
        response = api.post("/api/v1/calculator/schedule/", body, content_type="application/json")
        assert response.status_code == 400


def test_apr_endpoint_reproduces_regulation_z_appendix_j_example_c1i(api):
    # 12 CFR Part 1026, Appendix J, (c)(1)(i): $5,000 advanced on 1978-01-10, 24 monthly payments
    # of $230 from 1978-02-10; the published APR is 9.69 %.
    payments = [
        {"date": f"{1978 + (1 + i) // 12}-{(1 + i) % 12 + 1:02d}-10", "amount": "230.00"} for i in range(24)
    ]
    response = api.post(
        "/api/v1/calculator/apr/",
        {
            "frequency": "monthly",
            "advances": [{"date": "1978-01-10", "amount": "5000.00"}],
            "payments": payments,
        },
        format="json",
    )
    assert response.status_code == 200
    body = response.json()
    assert (Decimal(body["apr"]) * 100).quantize(Decimal("0.01")) == Decimal("9.69")
    assert body["unit_period"] == "monthly"
    assert body["unit_periods_per_year"] in (12, "12.000000")


def _one_week(upfront_fee: str) -> dict:
    return {
        "principal": "100.00",
        "annual_rate": "0.10",
        "term": 1,
        "frequency": "weekly",
        "start_date": f"{YEAR}-01-01",
        "fees": [{"type": "upfront", "amount": upfront_fee}],
    }


def test_an_annual_cost_too_large_to_state_is_a_field_level_400_not_a_500(api):
    # 100.00 lent, 99.99 of upfront fees, repaid a week later: an APR of about 10**210, which no
    # APR field holds (it failed with 500: decimal.InvalidOperation in the serializer).
    url = "/api/v1/calculator/schedule/"
    schedule = api.post(url, _one_week("99.99"), format="json", HTTP_ACCEPT_LANGUAGE="en")
    assert schedule.status_code == 400
    assert "too large to state" in schedule.json()["errors"]["fees"][0]
    cashflows = api.post(
        "/api/v1/calculator/apr/",
        {
            "advances": [{"date": f"{YEAR}-01-01", "amount": "0.01"}],
            "payments": [{"date": f"{YEAR}-01-08", "amount": "100.00"}],
        },
        format="json",
    )
    assert cashflows.status_code == 400
    assert list(cashflows.json()["errors"]) == ["payments"]
    # A steep but statable cost is still answered.
    steep = api.post(url, _one_week("20.00"), format="json")
    assert steep.status_code == 200
    assert Decimal(steep.json()["summary"]["apr"]) > 1


def test_anonymous_callers_are_throttled(api, monkeypatch):
    _calculator_rate(monkeypatch, "2/min")
    payload = {"principal": "1000.00", "annual_rate": "0.05", "term": 3}
    codes = [api.post("/api/v1/calculator/schedule/", payload, format="json").status_code for _ in range(3)]
    assert codes == [200, 200, 429]


PREPAY_BASE = {"principal": "100000.00", "annual_rate": "0.05", "term": 12, "start_date": f"{YEAR}-01-01"}


def test_payoff_quote_is_the_schedules_balance_plus_accrued_interest_and_fee(api):
    rows = api.post("/api/v1/calculator/schedule/", PREPAY_BASE, format="json").json()["installments"]
    body = api.post(
        "/api/v1/calculator/prepayment/",
        {**PREPAY_BASE, "prepayment_date": f"{YEAR}-04-01", "fee_rate": "0.01", "free_allowance": "10000.00"},
        format="json",
    ).json()
    payoff = body["payoff"]
    assert body["prepayment"] is None
    # On a due date, three installments are paid and nothing has accrued since.
    assert payoff["installments_paid"] == 3
    assert payoff["principal"] == rows[2]["balance"]
    assert Decimal(payoff["interest"]) == 0
    expected_fee = ((Decimal(rows[2]["balance"]) - 10000) * Decimal("0.01")).quantize(Decimal("0.01"))
    assert Decimal(payoff["fee"]) == expected_fee
    assert Decimal(payoff["total"]) == Decimal(payoff["principal"]) + expected_fee


@pytest.mark.parametrize("mode", ["reduce_installment", "shorten_term"])
def test_partial_prepayment_re_amortises_the_remaining_balance(api, mode):
    rows = api.post("/api/v1/calculator/schedule/", PREPAY_BASE, format="json").json()["installments"]
    body = api.post(
        "/api/v1/calculator/prepayment/",
        {**PREPAY_BASE, "prepayment_date": f"{YEAR}-04-01", "amount": "20000.00", "mode": mode},
        format="json",
    ).json()
    done = body["prepayment"]
    remaining = done["remaining"]["installments"]
    left = Decimal(rows[2]["balance"]) - Decimal("20000.00")
    assert sum(Decimal(row["principal"]) for row in remaining) == left
    assert remaining[-1]["balance"] == "0.00"
    assert Decimal(done["interest_saved"]) > 0
    if mode == "reduce_installment":
        assert len(remaining) == 9
        assert Decimal(remaining[0]["payment"]) < Decimal(rows[3]["payment"])
    else:
        assert len(remaining) < 9
        assert remaining[0]["payment"] == rows[3]["payment"]


def test_prepayment_errors_name_the_request_fields(api):
    response = api.post(
        "/api/v1/calculator/prepayment/",
        {**PREPAY_BASE, "prepayment_date": f"{YEAR - 1}-12-01", "mode": "sideways"},
        format="json",
    )
    assert response.status_code == 400
    assert set(response.json()["errors"]) == {"mode"}
    response = api.post(
        "/api/v1/calculator/prepayment/",
        {**PREPAY_BASE, "prepayment_date": f"{YEAR - 1}-12-01"},
        format="json",
    )
    assert response.status_code == 400
    assert set(response.json()["errors"]) == {"prepayment_date"}


LINE = {
    "credit_limit": "50000.00",
    "annual_rate": "0.0365",
    "opened_on": f"{YEAR}-01-01",
    "statement_day": 20,
}


def test_revolving_line_charges_daily_interest_from_the_draw_day(api):
    # 10,000 at 3.65 % a year on ACT/365 accrues exactly 1.00 a day (算头不算尾: from the draw's
    # own day, through the day before the payoff).
    body = api.post(
        "/api/v1/calculator/revolving/",
        {
            **LINE,
            "as_of": f"{YEAR}-01-15",
            "transactions": [{"date": f"{YEAR}-01-05", "kind": "draw", "amount": "10000"}],
        },
        format="json",
    ).json()
    assert body["principal"] == "10000.00"
    assert body["accrued_interest"] == "10.00"
    assert body["payoff_amount"] == "10010.00"
    assert body["available"] == "40000.00"
    assert body["statements"] == []


def test_revolving_repayment_pays_interest_first_and_statements_close_on_the_day(api):
    body = api.post(
        "/api/v1/calculator/revolving/",
        {
            **LINE,
            "as_of": f"{YEAR}-03-10",
            "transactions": [
                {"date": f"{YEAR}-01-05", "kind": "draw", "amount": "10000.00"},
                {"date": f"{YEAR}-02-25", "kind": "repayment", "amount": "3000.00"},
            ],
        },
        format="json",
    ).json()
    first, second = body["statements"]
    assert (first["statement_date"], first["interest"]) == (f"{YEAR}-01-20", "16.00")  # 5th–20th: 16 days
    assert (second["statement_date"], second["interest"]) == (f"{YEAR}-02-20", "31.00")  # 21 Jan–20 Feb
    (allocation,) = body["allocations"]
    assert allocation["interest"] == "51.00"  # 47.00 billed + 4.00 for 21–24 Feb
    assert allocation["principal"] == "2949.00"
    assert body["principal"] == "7051.00"


def test_revolving_draw_above_the_limit_is_a_field_error(api):
    response = api.post(
        "/api/v1/calculator/revolving/",
        {
            **LINE,
            "as_of": f"{YEAR}-02-01",
            "transactions": [{"date": f"{YEAR}-01-05", "kind": "draw", "amount": "60000"}],
        },
        format="json",
    )
    assert response.status_code == 400
    assert "transactions" in response.json()["errors"]


def test_engine_messages_follow_accept_language_with_their_values(api):
    body = {
        "principal": "1000.00",
        "annual_rate": "0.05",
        "term": 12,
        "fees": [{"type": "upfront", "amount": "1000.00"}],
    }
    chinese = api.post("/api/v1/calculator/schedule/", body, format="json", HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert chinese.status_code == 400
    assert chinese.json()["errors"]["fees"] == ["前置费用 1000.00 已抵尽本金 1000.00，无实际到账金额"]
    english = api.post("/api/v1/calculator/schedule/", body, format="json", HTTP_ACCEPT_LANGUAGE="en")
    assert english.json()["errors"]["fees"] == [
        "upfront fees 1000.00 leave no net proceeds from principal 1000.00"
    ]


@pytest.mark.parametrize("path", ["schedule", "prepayment", "revolving"])
def test_a_rate_above_the_legal_cap_is_a_field_level_400(api, settings, path):
    """1000 % a year used to be computed (into a schedule no one could pay): the annual rate is at
    most LOANHUB_APR_CAP, whatever the endpoint."""
    settings.LOANHUB_APR_CAP = Decimal("0.24")
    bodies = {
        "schedule": {"principal": "100000.00", "term": 12},
        "prepayment": {**PREPAY_BASE, "prepayment_date": f"{YEAR}-04-01"},
        "revolving": {**LINE, "as_of": f"{YEAR}-01-15", "transactions": []},
    }
    for rate, status in (("10", 400), ("0.2400001", 400), ("0.24", 200)):
        response = api.post(
            f"/api/v1/calculator/{path}/", {**bodies[path], "annual_rate": rate}, format="json"
        )
        assert response.status_code == status, (rate, response.content)
        if status == 400:
            assert list(response.json()["errors"]) == ["annual_rate"]
            assert "24 %" in response.json()["errors"]["annual_rate"][0]


def test_totals_above_a_trillion_are_returned_not_a_500(api):
    """Found by the fuzz test (then at 800 % a year): the largest principal at the legal cap over
    the longest term owes well over a trillion of interest."""
    body = {"principal": "100000000000", "annual_rate": "0.24", "term": 1200}
    response = api.post("/api/v1/calculator/schedule/", body, format="json")
    assert response.status_code == 200
    summary = response.json()["summary"]
    interest = [Decimal(row["interest"]) for row in response.json()["installments"]]
    assert Decimal(summary["total_interest"]) == sum(interest) > Decimal("1e12")
