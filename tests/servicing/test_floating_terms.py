"""A floating loan's terms as the customer sees them (issue 14's loose ends): the loan API carries
the rate type, benchmark, spread, reset rule, next reset date and the rate in force; the portal's
loan page says them in plain words (en and zh-hans)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal as D

import pytest
from dateutil.relativedelta import relativedelta
from django.core.management import call_command
from rest_framework.test import APIClient

from loanhub import clock
from servicing import rate_resets
from tests.servicing.test_lpr_resets import _fixings, _floating_loan

pytestmark = pytest.mark.django_db


def _api(user) -> dict:
    client = APIClient(HTTP_ACCEPT_LANGUAGE="en")
    client.force_authenticate(user)
    return client


def test_the_loan_api_shows_the_floating_terms_and_the_rate_in_force(tmp_path):
    # Given a 24-month loan at 1-year LPR 3.00 % + 150 bp = 4.50 %, reset on its anniversary to
    # 2.90 % + 150 bp = 4.40 % (the fixing published the day before),
    start = clock.today() - relativedelta(years=1)
    loan = _floating_loan(tmp_path, start=start)
    reset = loan.next_rate_reset
    call_command("import_lpr", _fixings(tmp_path, (reset - dt.timedelta(days=1), "2.90", "3.40")))
    rate_resets.rate_resets_run(business_date=reset)

    body = _api(loan.customer.user).get(f"/api/v1/loans/{loan.pk}/").json()

    assert body["rate_type"] == "floating"
    assert body["benchmark"] == "lpr_1y"
    assert D(body["spread"]) == D("0.015")
    assert body["reset_rule"] == "anniversary"
    assert body["next_reset_date"] == (start + relativedelta(years=2)).isoformat()
    assert body["current_annual_rate"] == "0.044000"
    assert body["annual_rate"] == "0.044000"  # kept: the same rate in force
    assert body["initial_annual_rate"] == "0.045000"
    assert {"summary", "installments", "outstanding", "penalty_annual_rate"} <= set(body)


def test_a_fixed_loan_says_fixed_with_no_floating_terms(people):
    loan = people["owner_loan"]
    body = _api(people["owner"]).get(f"/api/v1/loans/{loan.pk}/").json()
    assert body["rate_type"] == "fixed"
    assert (body["benchmark"], body["spread"], body["reset_rule"], body["next_reset_date"]) == (None,) * 4
    assert body["current_annual_rate"] == body["initial_annual_rate"] == body["annual_rate"]


def test_the_portal_says_the_floating_terms_in_plain_words(tmp_path, client):
    start = clock.today() - relativedelta(months=2)
    loan = _floating_loan(tmp_path, start=start)
    client.force_login(loan.customer.user)
    next_reset = (start + relativedelta(years=1)).isoformat()

    english = client.get(f"/loans/{loan.pk}/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    chinese = client.get(f"/loans/{loan.pk}/", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()

    assert (
        "Your rate floats: the 1-year Loan Prime Rate plus 1.5 percentage points, 4.50% a year now. "
        "It is reset each anniversary of the disbursement to the latest LPR published before the "
        f"reset date. The next reset is on {next_reset}."
    ) in english
    assert "浮动利率" in chinese
    assert "加 1.5 个百分点" in chinese
    assert next_reset in chinese
    assert "Your rate floats" not in chinese
