"""Business customers end to end: referred by the decision until an officer's qualitative
assessment, rated (quantitative indicators from the business data and the engine's schedule,
qualitative answers, the owner's personal grade for sole proprietors), priced and limited by the
rating's grade through the product's one grid, approved; a grade override needs a second person."""

from __future__ import annotations

from decimal import Decimal

import pytest

from applications import services
from applications.models import State
from applications.services.base import ApplicationPermissionError, ApplicationStateError
from applications.services.business import REFER_REASON
from customers.business import business_profile_put
from loanhub import clock
from loanhub.errors import Forbidden, Invalid
from products.pricing import price_for
from risk.business.models import BusinessRating, OverrideStatus
from risk.product_terms import ProductTerms
from tests.applications.conftest import GOOD_ID, draft, make_customer

pytestmark = pytest.mark.django_db

FACTS = {
    "annual_revenue": Decimal("2400000.00"),
    "annual_revenue_previous": Decimal("2000000.00"),
    "net_profit": Decimal("240000.00"),
    "net_profit_previous": Decimal("180000.00"),
    "total_assets": Decimal("1500000.00"),
    "total_liabilities": Decimal("600000.00"),
    "years_trading": 8,
    "industry": "F",
    "tax_rating": "A",
    "employees": 12,
}
ANSWERS = {
    "management_experience": "over_10y",
    "industry_outlook": "stable",
    "market_position": "average",
    "relationship_history": "new",
    "site_visit": "consistent",
}
WEAK = {
    "management_experience": "under_3y",
    "industry_outlook": "declining",
    "market_position": "weak",
    "relationship_history": "new",
    "site_visit": "minor_gaps",
}


def _business(username: str, customer_type: str, **fields):
    extra = {"uscc": "91110000MA00000001"} if customer_type == "small_business" else {}
    customer = make_customer(
        username,
        customer_type=customer_type,
        employment_type="self_employed",
        employer="",
        industry="retail",
        **{"id_number": GOOD_ID, **extra, **fields},
    )
    business_profile_put(customer=customer, actor=customer.user, data=FACTS)
    return customer


def _referred(customer, product, submit):
    application = submit(draft(customer, product, purpose="business_operating"))
    assert application.state == State.REFERRED
    return application


@pytest.mark.parametrize(
    ("customer_type", "personal"), [("sole_proprietor", True), ("small_business", False)]
)
def test_a_business_is_referred_assessed_and_approved_at_its_grades_price(
    risk_ready, users, business_product, submit, customer_type, personal
):
    # Given a verified business customer with business data, who applies for 50,000 over 24 months
    customer = _business("shop", customer_type)
    application = _referred(customer, business_product, submit)
    # Then the scorecard alone does not decide: referred for the assessment, without an offer
    referral = application.events.filter(to_state=State.REFERRED).get()
    assert referral.reason == REFER_REASON
    assert application.offer_amount is None
    with pytest.raises(ApplicationStateError, match="not been assessed"):
        services.application_approve(application=application, actor=users["officer"], reason="ok")

    # When an officer assesses the business
    rating = services.application_assess_business(
        application=application, actor=users["officer"], answers=ANSWERS
    )

    # Then the rating is made of every indicator, the rubric version and (sole proprietor) the owner
    decision = application.decision
    points = {i["code"]: i["points"] for i in rating.indicators}
    assert set(points) == {
        "debt_ratio",
        "revenue_growth",
        "profit_margin",
        "loan_to_revenue",
        "dscr",
        "tax_rating",
        "years_trading",
        *ANSWERS,
    }
    # debt ratio 0.4 → 70; loan to revenue 50,000 / 2,400,000 = 0.0208 → 100; DSCR > 2 → 100:
    # quantitative (20·70 + 80·100) / 100 = 94.00; qualitative 78.50; business 0.6·94 + 0.4·78.5
    assert (points["debt_ratio"], points["loan_to_revenue"], points["dscr"]) == (70, 100, 100)
    assert rating.quantitative_score == Decimal("94.00")
    assert rating.qualitative_score == Decimal("78.50")
    business = Decimal("87.80")
    grade_points = {"A": 100, "B": 80, "C": 60, "D": 40, "E": 20}
    if personal:
        assert rating.personal_grade == decision.grade
        expected = (Decimal("0.7") * business + Decimal("0.3") * grade_points[decision.grade]).quantize(
            Decimal("0.01")
        )
    else:
        assert rating.personal_grade == ""
        expected = business
    assert rating.score == expected
    assert rating.rubric.version == 1
    # And the rating's grade prices and limits the proposed offer through the product's grid
    application.refresh_from_db()
    grid = price_for(business_product, grade=rating.grade, term=24, on_date=clock.today()).annual_rate
    assert application.state == State.REFERRED
    assert application.risk_grade == rating.grade
    assert application.offer_rate == grid
    cap = ProductTerms.from_json(decision.product_terms).cap_for(rating.grade)
    assert application.max_amount == min(Decimal("50000.00"), cap)
    assessed = application.events.filter(reason__startswith="business assessed").get()
    assert assessed.actor == users["officer"]
    assert assessed.payload["rubric_version"] == 1
    assert len(assessed.payload["indicators"]) == 12

    # When the officer approves, the offer is the grid's price for the rating's grade
    application = services.application_approve(application=application, actor=users["officer"], reason="ok")
    assert application.state == State.APPROVED
    assert application.offer_rate == grid
    assert application.offer["risk_grade"] == rating.grade


def test_weak_answers_give_a_worse_grade_and_a_dearer_price(risk_ready, users, business_product, submit):
    strong = _referred(_business("strong", "small_business"), business_product, submit)
    weak = _referred(
        _business("weak", "small_business", id_number="110101199001010001", uscc="91110000MA00000002"),
        business_product,
        submit,
    )
    good = services.application_assess_business(application=strong, actor=users["officer"], answers=ANSWERS)
    poor = services.application_assess_business(application=weak, actor=users["officer"], answers=WEAK)
    strong.refresh_from_db()
    weak.refresh_from_db()
    assert poor.score < good.score
    assert poor.grade > good.grade  # letters: A is best
    assert weak.offer_rate > strong.offer_rate


def test_bad_answers_are_refused_by_field_and_nothing_is_written(risk_ready, users, business_product, submit):
    application = _referred(_business("shop", "small_business"), business_product, submit)
    with pytest.raises(Invalid) as caught:
        services.application_assess_business(
            application=application, actor=users["officer"], answers={**ANSWERS, "site_visit": "nice"}
        )
    assert set(caught.value.errors) == {"answers.site_visit"}
    assert not BusinessRating.objects.exists()
    application.refresh_from_db()
    assert application.risk_grade == application.decision.grade


def test_only_an_officer_assesses_and_not_before_the_business_data(
    risk_ready, users, business_product, submit
):
    customer = make_customer(
        "nodata",
        customer_type="sole_proprietor",
        id_number=GOOD_ID,
        employment_type="self_employed",
        employer="",
        industry="retail",
    )
    application = _referred(customer, business_product, submit)
    with pytest.raises(ApplicationPermissionError):
        services.application_assess_business(application=application, actor=users["analyst"], answers=ANSWERS)
    with pytest.raises(ApplicationPermissionError):
        services.application_assess_business(application=application, actor=customer.user, answers=ANSWERS)
    with pytest.raises(ApplicationStateError, match="business data"):
        services.application_assess_business(application=application, actor=users["officer"], answers=ANSWERS)
    assert not BusinessRating.objects.exists()


def test_a_grade_override_needs_a_second_person(risk_ready, users, business_product, submit):
    application = _referred(_business("shop", "small_business"), business_product, submit)
    rating = services.application_assess_business(
        application=application, actor=users["officer"], answers=ANSWERS
    )
    model_grade = rating.grade
    target = "C" if model_grade != "C" else "D"
    # Given an officer asks for another grade with a reason
    services.application_request_grade_override(
        application=application, actor=users["senior"], grade=target, reason="main customer in administration"
    )
    rating.refresh_from_db()
    assert (rating.override_status, rating.grade) == (OverrideStatus.PENDING, model_grade)
    # Then it is not in force, and the application cannot be approved meanwhile
    with pytest.raises(ApplicationStateError, match="second person"):
        services.application_approve(application=application, actor=users["officer"], reason="ok")
    # And neither the one who asked nor an officer without the Senior Approver role decides it
    with pytest.raises(Forbidden):
        services.application_decide_grade_override(
            application=application, actor=users["senior"], approve=True
        )
    with pytest.raises(ApplicationPermissionError):
        services.application_decide_grade_override(
            application=application, actor=users["officer"], approve=True
        )
    rating.refresh_from_db()
    assert (rating.override_status, rating.grade) == (OverrideStatus.PENDING, model_grade)
    # When a second Senior Approver approves it, the new grade prices the offer
    services.application_decide_grade_override(
        application=application, actor=users["senior2"], approve=True, reason="agreed"
    )
    rating.refresh_from_db()
    application.refresh_from_db()
    assert (rating.override_status, rating.grade, rating.model_grade) == (
        OverrideStatus.APPROVED,
        target,
        model_grade,
    )
    assert rating.pd == Decimal({"C": "0.05", "D": "0.1"}[target])
    grid = price_for(business_product, grade=target, term=24, on_date=clock.today()).annual_rate
    assert application.risk_grade == target
    assert application.offer_rate == grid
    steps = [(e.from_state, e.to_state, e.actor.username) for e in rating.events.exclude(from_state="")]
    assert steps == [("none", "pending", "senior"), ("pending", "approved", "senior2")]


def test_an_individual_is_not_rated_as_a_business(risk_ready, users, customer, product, submit):
    application = submit(draft(customer, product))
    assert application.state == State.APPROVED
    with pytest.raises(ApplicationStateError):
        services.application_assess_business(application=application, actor=users["officer"], answers=ANSWERS)
