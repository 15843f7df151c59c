"""The business rating's quantitative indicators and expert scorecard: hand-worked examples and
properties. The worked figures are computed by hand below each case (the annuity payment is the
textbook PMT formula, P·r / (1 − (1 + r)^−n))."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from risk.business import indicators as ind
from risk.business.rubric_v1 import RUBRIC_V1
from risk.business.scorecard import RubricError, band_points, rate
from risk.product_terms import ProductTerms

D = Decimal
ANSWERS = {
    "management_experience": "over_10y",  # 100 × 25
    "industry_outlook": "stable",  # 70 × 20
    "market_position": "average",  # 60 × 20
    "relationship_history": "new",  # 50 × 15
    "site_visit": "consistent",  # 100 × 20
}
# A trading company: revenue 2.4 M (2.0 M the year before), net profit 240 k, assets 1.5 M,
# liabilities 600 k, eight years, tax rating A; a loan of 300 k.
VALUES = {
    "debt_ratio": D("0.4000"),  # 600,000 / 1,500,000
    "revenue_growth": D("0.2000"),  # (2,400,000 − 2,000,000) / 2,000,000
    "profit_margin": D("0.1000"),  # 240,000 / 2,400,000
    "loan_to_revenue": D("0.1250"),  # 300,000 / 2,400,000
    "dscr": D("1.8758"),  # 240,000 / 127,942.20
    "tax_rating": "A",
    "years_trading": D("8"),
}


def test_ratios_on_the_worked_example():
    assert ind.debt_ratio(total_liabilities=D("600000"), total_assets=D("1500000")) == VALUES["debt_ratio"]
    assert ind.revenue_growth(revenue=D("2400000"), revenue_previous=D("2000000")) == VALUES["revenue_growth"]
    assert ind.profit_margin(net_profit=D("240000"), revenue=D("2400000")) == VALUES["profit_margin"]
    assert ind.loan_to_revenue(amount=D("300000"), revenue=D("2400000")) == VALUES["loan_to_revenue"]
    # 240,000 / 127,942.20 = 1.875846… → 1.8758
    assert ind.dscr(net_profit=D("240000"), debt_service=D("127942.20")) == VALUES["dscr"]


def test_a_loss_and_a_fall_in_revenue_are_negative_and_a_zero_denominator_is_undefined():
    assert ind.profit_margin(net_profit=D("-50000"), revenue=D("1000000")) == D("-0.0500")
    assert ind.revenue_growth(revenue=D("800000"), revenue_previous=D("1000000")) == D("-0.2000")
    assert ind.revenue_growth(revenue=D("800000"), revenue_previous=D("0")) is None
    assert ind.debt_ratio(total_liabilities=D("1"), total_assets=D("0")) is None
    assert ind.dscr(net_profit=D("100"), debt_service=D("0")) is None


def test_first_year_debt_service_sums_the_first_twelve_months_of_payments():
    assert ind.annual_debt_service([D("10")] * 24, months_per_period=1) == D("120")
    # Quarterly: four payments fall in the first year.
    assert ind.annual_debt_service([D("1"), D("2"), D("3"), D("4"), D("5")], months_per_period=3) == D("10")
    # A loan shorter than a year: all of it.
    assert ind.annual_debt_service([D("7")] * 6, months_per_period=1) == D("42")


def test_first_year_debt_service_of_an_annuity_from_the_engine():
    from risk.business.services import first_year_debt_service

    # 120,000 at 12 % a year over 12 months: PMT = 120,000 × 0.01 / (1 − 1.01^−12) = 10,661.85;
    # eleven such payments and a last one of 10,661.91 that settles the rounding residue (the
    # exact payment is 10,661.8546…): 11 × 10,661.85 + 10,661.91 = 127,942.26.
    terms = ProductTerms(
        product_code="X",
        amount_min=D("1000"),
        amount_max=D("500000"),
        term_min=6,
        term_max=60,
        grade_rates=dict.fromkeys("ABCDE", D("0.12")),
    )
    total = first_year_debt_service(terms, amount=D("120000"), term=12)
    assert total == D("127942.26")


def test_the_worked_example_scores_by_hand():
    rating = rate(RUBRIC_V1, values=VALUES, answers=ANSWERS)
    points = {i["code"]: i["points"] for i in rating.indicators}
    assert points == {
        "debt_ratio": 70,
        "revenue_growth": 100,
        "profit_margin": 100,
        "loan_to_revenue": 75,
        "dscr": 75,
        "tax_rating": 100,
        "years_trading": 100,
        "management_experience": 100,
        "industry_outlook": 70,
        "market_position": 60,
        "relationship_history": 50,
        "site_visit": 100,
    }
    # (20·70 + 10·100 + 15·100 + 15·75 + 25·75 + 10·100 + 5·100) / 100 = 84.00
    assert rating.quantitative_score == D("84.00")
    # (25·100 + 20·70 + 20·60 + 15·50 + 20·100) / 100 = 78.50
    assert rating.qualitative_score == D("78.50")
    # 0.6 · 84.00 + 0.4 · 78.50 = 81.80 → A (≥ 80), PD 1 %
    assert rating.business_score == rating.score == D("81.80")
    assert (rating.grade, rating.pd) == ("A", D("0.0100"))


def test_a_sole_proprietor_blends_in_the_owners_personal_grade():
    rating = rate(RUBRIC_V1, values=VALUES, answers=ANSWERS, personal_grade="E")
    # 0.7 · 81.80 + 0.3 · 20 = 63.26 → C (50 ≤ score < 65), PD 5 %
    assert rating.personal_points == D("20")
    assert rating.score == D("63.26")
    assert (rating.grade, rating.pd) == ("C", D("0.0500"))


def test_answers_are_checked_per_indicator():
    with pytest.raises(RubricError) as caught:
        rate(RUBRIC_V1, values=VALUES, answers={**ANSWERS, "site_visit": "great", "mood": "x"})
    assert set(caught.value.errors) == {"site_visit", "mood"}
    with pytest.raises(RubricError) as caught:
        rate(RUBRIC_V1, values=VALUES, answers={k: v for k, v in ANSWERS.items() if k != "market_position"})
    assert set(caught.value.errors) == {"market_position"}


def test_an_undefined_ratio_gets_the_missing_points():
    spec = next(s for s in RUBRIC_V1["quantitative"] if s["code"] == "revenue_growth")
    assert band_points(spec, None) == 30


money = st.decimals(min_value=0, max_value=10**9, places=2, allow_nan=False, allow_infinity=False)


@given(liabilities=money, assets=money)
def test_debt_ratio_is_within_zero_and_one_when_liabilities_are_covered(liabilities, assets):
    ratio = ind.debt_ratio(total_liabilities=min(liabilities, assets), total_assets=assets)
    if assets == 0:
        assert ratio is None
    else:
        assert D(0) <= ratio <= D(1)


@given(revenue=money, share=st.decimals(min_value=-2, max_value=1, places=4))
def test_profit_margin_never_exceeds_one_for_a_profit_within_revenue(revenue, share):
    margin = ind.profit_margin(net_profit=revenue * share, revenue=revenue)
    assert margin is None if revenue == 0 else margin <= D(1)


QUAL = {s["code"]: s for s in RUBRIC_V1["qualitative"]}
answers_strategy = st.fixed_dictionaries(
    {code: st.sampled_from([c["code"] for c in spec["choices"]]) for code, spec in QUAL.items()}
)
ratios = st.one_of(st.none(), st.decimals(min_value=-5, max_value=50, places=4))


@given(
    answers=answers_strategy,
    values=st.fixed_dictionaries(
        {
            "debt_ratio": ratios,
            "revenue_growth": ratios,
            "profit_margin": ratios,
            "loan_to_revenue": ratios,
            "dscr": ratios,
            "tax_rating": st.sampled_from("ABMCD"),
            "years_trading": st.integers(min_value=0, max_value=80).map(D),
        }
    ),
    personal=st.sampled_from([None, "A", "B", "C", "D", "E"]),
    code=st.sampled_from(sorted(QUAL)),
)
def test_a_better_answer_never_lowers_the_score_and_grades_follow_the_score(answers, values, personal, code):
    rating = rate(RUBRIC_V1, values=values, answers=answers, personal_grade=personal)
    assert D(0) <= rating.score <= D(100)
    best = max(QUAL[code]["choices"], key=lambda c: c["points"])["code"]
    better = rate(RUBRIC_V1, values=values, answers={**answers, code: best}, personal_grade=personal)
    assert better.score >= rating.score
    assert better.pd <= rating.pd  # a higher score never has a higher grade PD
