"""Catalogue API: list (active only for the public), detail, quote limits, recommendations."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from rest_framework.test import APIClient

from loanhub import clock
from products import choices as c
from tests.products.factories import FeeFactory, PromotionFactory, UserFactory, role_users, version_in

pytestmark = [pytest.mark.django_db]
S = c.ProductStatus


@pytest.fixture
def api():
    return APIClient(HTTP_ACCEPT_LANGUAGE="en")


@pytest.fixture
def catalogue():
    # On offer since a month before today, whatever today is (the suite also runs years ahead).
    since = clock.today() - dt.timedelta(days=30)
    biz = version_in(
        S.ACTIVE,
        product__code="BIZ-OP",
        available_from=since,
        category="business_operating",
        channels=["web", "branch"],
        segments=["merchant"],
        repayment_methods=["annuity", "interest_only"],
        frequencies=["monthly", "quarterly"],
        customer_types=["sole_proprietor", "small_business"],
        employment_types=["business_owner"],
    )
    cash = version_in(
        S.ACTIVE, product__code="CASH", available_from=since, channels=["web", "app"], segments=["salaried"]
    )
    FeeFactory(version=cash, code="arrangement", amount=Decimal("200.00"), waived_for_segments=["payroll"])
    cheap = version_in(
        S.ACTIVE,
        product__code="CHEAP",
        available_from=since,
        grid=[(g, 6, 60, r) for g, r in zip("ABCDE", ["0.03", "0.035", "0.04", "0.05", "0.06"], strict=True)],
    )
    PromotionFactory(
        version=cheap,
        code="app50",
        discount_bps=50,
        channels=["app"],
        starts_on=since,
        ends_on=clock.today() + dt.timedelta(days=30),
    )
    version_in(S.DRAFT, product__code="DRAFTY")
    version_in(S.SUSPENDED, product__code="PAUSED")
    version_in(S.RETIRED, product__code="OLD")
    return {"biz": biz, "cash": cash, "cheap": cheap}


def test_anonymous_list_shows_active_products_only_with_the_documented_fields(api, catalogue):
    response = api.get("/api/v1/products/")
    assert response.status_code == 200
    codes = [item["code"] for item in response.json()]
    assert sorted(codes) == ["BIZ-OP", "CASH", "CHEAP"]
    item = next(i for i in response.json() if i["code"] == "CASH")
    for key in (
        "code",
        "name",
        "category",
        "currency",
        "amount_min",
        "amount_max",
        "term_min",
        "term_max",
        "repayment_methods",
        "frequencies",
        "rate_type",
        "rate_from",
        "representative_apr",
        "fees",
        "eligibility",
        "version",
        "status",
    ):
        assert key in item, key
    assert item["amount_min"] == "10000.00"
    assert item["rate_from"] == "0.040000"
    assert item["fees"][0]["amount"] == "200.00"
    assert item["status"] == "active"


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("category=business_operating", ["BIZ-OP"]),
        ("channel=app", ["CASH", "CHEAP"]),
        ("channel=branch", ["BIZ-OP"]),
        ("segment=merchant", ["BIZ-OP"]),
    ],
)
def test_list_filters(api, catalogue, query, expected):
    assert sorted(i["code"] for i in api.get(f"/api/v1/products/?{query}").json()) == expected


@pytest.mark.parametrize(
    ("role", "sees_drafts"),
    [
        ("pm", True),
        ("senior", True),
        ("officer", True),
        ("analyst", True),
        ("marketing", True),
        ("auditor", True),
        ("customer", False),
    ],
)
def test_other_states_are_listed_for_the_roles_that_may_view_products(api, catalogue, role, sees_drafts):
    assert api.get("/api/v1/products/?status=draft").status_code == 400  # anonymous
    api.force_authenticate(role_users()[role])
    response = api.get("/api/v1/products/?status=draft")
    if sees_drafts:
        assert (response.status_code, [i["code"] for i in response.json()]) == (200, ["DRAFTY"])
    else:
        assert response.status_code == 400
        assert response.json()["errors"] == {"status": ["only active products are public"]}


def test_other_states_follow_the_named_permission_not_the_staff_flag(api, catalogue):
    from django.contrib.auth.models import Permission

    # Staff without a role may not; a user outside staff who is granted the permission may.
    staff_without_role = UserFactory(username="bare-staff", is_staff=True)
    api.force_authenticate(staff_without_role)
    assert api.get("/api/v1/products/?status=draft").status_code == 400
    granted = UserFactory(username="granted", is_staff=False)
    granted.user_permissions.add(Permission.objects.get(codename="view_productversion"))
    api.force_authenticate(granted)
    response = api.get("/api/v1/products/?status=draft")
    assert (response.status_code, [i["code"] for i in response.json()]) == (200, ["DRAFTY"])


def test_detail_unknown_draft_suspended_retired(api, catalogue):
    assert api.get("/api/v1/products/CASH/").json()["code"] == "CASH"
    assert api.get("/api/v1/products/NOPE/").status_code == 404
    assert api.get("/api/v1/products/DRAFTY/").status_code == 404  # never published: not disclosed
    # A product that was offered and no longer is: 409, the state it is in, and why.
    retired = api.get("/api/v1/products/OLD/")
    assert retired.status_code == 409
    assert retired.json()["state"] == "retired"
    assert retired.json()["errors"] == {"product": ["product OLD is retired and is not offered"]}
    paused = api.get("/api/v1/products/PAUSED/")
    assert (paused.status_code, paused.json()["state"]) == (409, "suspended")
    assert paused.json()["errors"] == {"product": ["product PAUSED is suspended and is not offered"]}


def test_quote_returns_schedule_and_price(api, catalogue):
    response = api.post(
        "/api/v1/products/CASH/quote/",
        {"amount": "100000.00", "term": 12, "method": "annuity", "risk_grade": "B"},
        format="json",
    )
    assert response.status_code == 200, response.json()
    body = response.json()
    assert (body["product"], body["version"], body["annual_rate"]) == ("CASH", 1, "0.060000")
    assert body["promotions_applied"] == []
    assert len(body["installments"]) == 12
    assert body["installments"][-1]["balance"] == "0.00"
    assert body["summary"]["total_fees"] == "200.00"
    assert Decimal(body["summary"]["apr"]) > Decimal("0.06")


def test_quote_default_grade_is_the_middle_of_the_grid_and_promotions_apply(api, catalogue):
    web = api.post("/api/v1/products/CHEAP/quote/", {"amount": "50000", "term": 24}, format="json").json()
    app = api.post(
        "/api/v1/products/CHEAP/quote/", {"amount": "50000", "term": 24, "channel": "app"}, format="json"
    ).json()
    assert (web["risk_grade"], web["annual_rate"], web["promotions_applied"]) == ("C", "0.040000", [])
    assert (app["annual_rate"], app["promotions_applied"]) == ("0.035000", ["app50"])


def test_segment_waives_fee(api, catalogue):
    body = api.post(
        "/api/v1/products/CASH/quote/", {"amount": "50000", "term": 24, "segment": "payroll"}, format="json"
    ).json()
    assert body["summary"]["total_fees"] == "0.00"


@pytest.mark.parametrize(
    ("payload", "errors"),
    [
        (
            {"amount": "9999.99", "term": 12},
            {"amount": ["must be between 10000.00 and 500000.00 for product BIZ-OP"]},
        ),
        (
            {"amount": "500000.01", "term": 12},
            {"amount": ["must be between 10000.00 and 500000.00 for product BIZ-OP"]},
        ),
        ({"amount": "50000", "term": 5}, {"term": ["must be between 6 and 60 for product BIZ-OP"]}),
        ({"amount": "50000", "term": 61}, {"term": ["must be between 6 and 60 for product BIZ-OP"]}),
        (
            {"amount": "50000", "term": 12, "method": "equal_principal"},
            {"method": ["must be one of annuity, interest_only for product BIZ-OP"]},
        ),
        (
            {"amount": "50000", "term": 12, "channel": "app"},
            {"channel": ["must be one of web, branch for product BIZ-OP"]},
        ),
        (
            {"amount": "50000", "term": 13, "frequency": "quarterly"},
            {"term": ["must be a multiple of 3 months for quarterly repayment in product BIZ-OP"]},
        ),
    ],
)
def test_quote_limits_name_the_broken_limit(api, catalogue, payload, errors):
    response = api.post("/api/v1/products/BIZ-OP/quote/", payload, format="json")
    assert response.status_code == 400
    assert response.json()["code"] == "invalid"
    assert response.json()["errors"] == errors


def test_quote_unknown_and_retired(api, catalogue):
    assert (
        api.post("/api/v1/products/NOPE/quote/", {"amount": "1", "term": 1}, format="json").status_code == 404
    )
    response = api.post("/api/v1/products/OLD/quote/", {"amount": "50000", "term": 12}, format="json")
    assert response.status_code == 409
    assert response.json()["errors"] == {"product": ["product OLD is retired and is not offered"]}


def test_recommendations_rank_eligible_by_total_cost_and_explain_exclusions(api, catalogue):
    response = api.get(
        "/api/v1/products/recommendations/",
        {
            "amount": "50000",
            "term": 24,
            "monthly_income": "12000",
            "monthly_debt": "1000",
            "employment_type": "salaried",
            "customer_type": "individual",
            "age": 35,
        },
    )
    assert response.status_code == 200
    body = response.json()
    eligible = body["eligible"]
    # CHEAP (4 %, no fee) costs less than CASH (8 % + 200 fee); BIZ-OP is for businesses.
    assert [e["product"] for e in eligible] == ["CHEAP", "CASH"]
    assert [e["rank"] for e in eligible] == [1, 2]
    assert Decimal(eligible[0]["total_cost"]) < Decimal(eligible[1]["total_cost"])
    assert any("debt-to-income" in reason for reason in eligible[0]["reasons"])
    (biz,) = body["ineligible"]
    assert biz["product"] == "BIZ-OP"
    assert {e["rule"] for e in biz["excluded_by"]} == {"customer_type", "employment_type"}


def test_recommendations_exclude_on_debt_to_income_and_age(api, catalogue):
    body = api.get(
        "/api/v1/products/recommendations/",
        {"amount": "400000", "term": 12, "monthly_income": "20000", "age": 58, "customer_type": "individual"},
    ).json()
    assert body["eligible"] == []
    cash = next(i for i in body["ineligible"] if i["product"] == "CASH")
    assert "dti" in {e["rule"] for e in cash["excluded_by"]}
    old = api.get(
        "/api/v1/products/recommendations/",
        {"amount": "50000", "term": 60, "age": 62, "customer_type": "individual"},
    ).json()
    rules = {e["rule"] for e in next(i for i in old["ineligible"] if i["product"] == "CASH")["excluded_by"]}
    assert rules == {"age", "age_at_maturity"}


def test_recommendations_validate_input(api, catalogue):
    response = api.get("/api/v1/products/recommendations/", {"amount": "-1", "term": "x"})
    assert response.status_code == 400
    assert set(response.json()["errors"]) == {"amount", "term"}


def test_quote_with_grace_pays_interest_only_first_and_respects_the_product(api, catalogue):
    cash = catalogue["cash"]
    cash.grace_max_periods, cash.grace_types = 3, ["interest_only"]
    cash.save(update_fields=["grace_max_periods", "grace_types"])
    url = "/api/v1/products/CASH/quote/"
    base = {"amount": "60000", "term": 12, "risk_grade": "B"}

    body = api.post(url, {**base, "grace_periods": 3}, format="json").json()
    plain = api.post(url, base, format="json").json()

    assert [row["principal"] for row in body["installments"][:3]] == ["0.00", "0.00", "0.00"]
    assert body["installments"][0]["interest"] == "300.00"  # 60,000 × 6 % / 12
    assert Decimal(body["installments"][3]["principal"]) > 0
    assert body["installments"][-1]["balance"] == "0.00"
    assert Decimal(body["summary"]["total_interest"]) > Decimal(plain["summary"]["total_interest"])
    too_long = api.post(url, {**base, "grace_periods": 4}, format="json")
    assert (too_long.status_code, too_long.json()["errors"]) == (
        400,
        {"grace": ["at most 3 grace periods for product CASH"]},
    )
    wrong_type = api.post(url, {**base, "grace_periods": 2, "grace_type": "capitalised"}, format="json")
    assert (wrong_type.status_code, wrong_type.json()["errors"]) == (
        400,
        {"grace": ["grace type must be one of interest_only for product CASH"]},
    )
    no_grace = api.post("/api/v1/products/BIZ-OP/quote/", {**base, "grace_periods": 1}, format="json")
    assert no_grace.json()["errors"] == {"grace": ["at most 0 grace periods for product BIZ-OP"]}
    assert api.post(url, {**base, "grace_periods": 0}, format="json").json() == plain


@pytest.fixture
def student_offer():
    """GRAD waives its fee for graduates and takes 50 bp off for new customers."""
    today = clock.today()
    grad = version_in(
        S.ACTIVE, product__code="GRAD", available_from=today - dt.timedelta(days=30), segments=["graduate"]
    )
    FeeFactory(version=grad, code="arrangement", amount=Decimal("300.00"), waived_for_segments=["graduate"])
    PromotionFactory(
        version=grad,
        code="welcome",
        discount_bps=50,
        segments=["new_customer"],
        starts_on=today - dt.timedelta(days=1),
        ends_on=today + dt.timedelta(days=1),
    )
    return grad


def _grad_quote(api, **extra):
    body = {"amount": "50000", "term": 12, "risk_grade": "B", **extra}
    response = api.post("/api/v1/products/GRAD/quote/", body, format="json")
    assert response.status_code == 200, response.json()
    body = response.json()
    return body["summary"]["total_fees"], body["annual_rate"], body["promotions_applied"]


def test_a_signed_in_customer_is_quoted_with_their_own_segments(api, student_offer):
    from tests.customers.factories import CustomerFactory

    student = CustomerFactory(employment_type=c.EmploymentType.STUDENT)
    employed = CustomerFactory(employment_type=c.EmploymentType.SALARIED)

    anonymous = _grad_quote(api)
    api.force_authenticate(student.user)
    as_student = _grad_quote(api)
    api.force_authenticate(employed.user)
    as_employed = _grad_quote(api)
    as_employed_naming_graduate = _grad_quote(api, segment="graduate")

    assert anonymous == ("300.00", "0.060000", [])
    # A student is a graduate (fee waived) and, with no loan yet, a new customer (50 bp off).
    assert as_student == ("0.00", "0.055000", ["welcome"])
    assert as_employed == ("300.00", "0.055000", ["welcome"])
    assert as_employed_naming_graduate == ("0.00", "0.055000", ["welcome"])


def test_recommendations_rank_a_signed_in_customer_with_their_own_segments(api, student_offer):
    from tests.customers.factories import CustomerFactory

    query = {"amount": "50000", "term": 12, "customer_type": "individual"}

    def grad_cost():
        body = api.get("/api/v1/products/recommendations/", query).json()
        (grad,) = [r for r in body["eligible"] if r["product"] == "GRAD"]
        return Decimal(grad["total_cost"])

    anonymous = grad_cost()
    api.force_authenticate(CustomerFactory(employment_type=c.EmploymentType.STUDENT).user)
    as_student = grad_cost()
    # The student's fee is waived and the new-customer discount applies: a lower total cost.
    assert as_student < anonymous - Decimal("300.00")
