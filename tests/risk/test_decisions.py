"""Rules at their boundaries, outcome precedence, limits and prices per grade, bad input."""

from __future__ import annotations

from decimal import Decimal

import pytest

from risk import selectors, services
from risk.choices import Outcome
from risk.decide import History, decide
from risk.features import FeatureValidationError, validate_features
from risk.loanmath import repayment
from risk.models import Decision
from risk.rules import RuleSpec, validate_rule
from tests.risk.conftest import RATES, good_features


def run(card, terms, rules, history=None, **overrides):
    return decide(
        features=validate_features(good_features(**overrides)),
        terms=terms,
        card=card,
        rules=rules,
        history=history,
    )


def fired(data) -> set[str]:
    return {r["code"] for r in data.rules_fired}


def test_clean_application_is_approved_without_rules(grade_card, terms, default_rules):
    data = run(grade_card, terms, default_rules)
    assert fired(data) == set()
    assert data.outcome == Outcome.APPROVE
    assert data.grade == "A"


def _dti_debt(terms, income: Decimal, amount: Decimal, target: Decimal) -> Decimal:
    monthly = repayment(terms, principal=amount, annual_rate=RATES["A"], term_months=24).monthly_equivalent
    return target * income - monthly


# (rule, overrides just inside the rule = it fires, overrides just outside = it does not)
BOUNDARIES = [
    ("AGE_MIN", {"age": 17}, {"age": 18}),
    ("AGE_AT_MATURITY", {"age": 65, "term": 12}, {"age": 64, "term": 12}),
    ("INCOME_MIN", {"monthly_income": "2999.99"}, {"monthly_income": "3000"}),
    ("IDV_REJECTED", {"identity_status": "rejected"}, {"identity_status": "verified"}),
    ("IDV_PENDING", {"identity_status": "pending"}, {"identity_status": "verified"}),
    (
        "AMOUNT_VS_INCOME",
        {"monthly_income": "3000", "amount": "108000.01", "existing_monthly_debt": "0"},
        {"monthly_income": "3000", "amount": "108000", "existing_monthly_debt": "0"},
    ),
    ("SCORE_DECLINE", {"savings_band": "unknown"}, {"savings_band": "lt_600"}),
    ("SCORE_GREY_ZONE", {"savings_band": "lt_600"}, {"savings_band": "600_to_3000"}),
    ("AUTO_APPROVE_LIMIT", {"amount": "100000.01"}, {"amount": "100000"}),
    ("THIN_FILE", {"credit_history": "no_credits"}, {"credit_history": "all_paid"}),
]


@pytest.mark.parametrize(("code", "inside", "outside"), BOUNDARIES, ids=[b[0] for b in BOUNDARIES])
def test_rule_boundary(grade_card, terms, default_rules, code, inside, outside):
    assert code in fired(run(grade_card, terms, default_rules, **inside))
    assert code not in fired(run(grade_card, terms, default_rules, **outside))


def test_dti_rule_boundary(grade_card, terms, default_rules):
    income, amount = Decimal("20000"), Decimal("50000")
    at_limit = _dti_debt(terms, income, amount, Decimal("0.55"))
    just_above = _dti_debt(terms, income, amount, Decimal("0.5501"))
    assert "DTI_MAX" not in fired(run(grade_card, terms, default_rules, existing_monthly_debt=str(at_limit)))
    data = run(grade_card, terms, default_rules, existing_monthly_debt=str(just_above))
    assert "DTI_MAX" in fired(data)
    assert data.outcome == Outcome.DECLINE


def test_dti_uses_the_larger_of_stated_and_bureau_debt(grade_card, terms, default_rules):
    debt = _dti_debt(terms, Decimal("20000"), Decimal("50000"), Decimal("0.5501"))
    data = run(grade_card, terms, default_rules, existing_monthly_debt="0", bureau_monthly_debt=str(debt))
    assert "DTI_MAX" in fired(data)


HISTORY_BOUNDARIES = [
    ("BLOCKLIST_ID", History(blocklisted=frozenset({"id_number"})), History()),
    (
        "BLOCKLIST_PHONE",
        History(blocklisted=frozenset({"phone"})),
        History(blocklisted=frozenset({"device"})),
    ),
    ("VELOCITY_ID", History(velocity={("id_number", 24): 3}), History(velocity={("id_number", 24): 2})),
    ("VELOCITY_PHONE", History(velocity={("phone", 24): 3}), History(velocity={("phone", 24): 2})),
    ("SHARED_PHONE", History(shared={("phone", 720): 2}), History(shared={("phone", 720): 1})),
    ("SHARED_DEVICE", History(shared={("device", 720): 2}), History(shared={("device", 720): 1})),
    # A returning customer overdue with us now is referred (servicing's facts in the request).
    (
        "INTERNAL_OVERDUE",
        History(internal={"days_past_due": "1", "on_time_ratio": "0.9"}),
        History(internal={"days_past_due": "0", "on_time_ratio": "1"}),
    ),
]


def test_a_new_customer_without_internal_history_is_not_referred_for_it(grade_card, terms, default_rules):
    assert "INTERNAL_OVERDUE" not in fired(run(grade_card, terms, default_rules, history=History()))


@pytest.mark.parametrize(
    ("code", "inside", "outside"), HISTORY_BOUNDARIES, ids=[b[0] for b in HISTORY_BOUNDARIES]
)
def test_history_rule_boundary(grade_card, terms, default_rules, code, inside, outside):
    assert code in fired(run(grade_card, terms, default_rules, history=inside))
    assert code not in fired(run(grade_card, terms, default_rules, history=outside))


def test_every_default_rule_has_a_boundary_test():
    from risk.rules import DEFAULT_RULES

    tested = {b[0] for b in BOUNDARIES} | {b[0] for b in HISTORY_BOUNDARIES} | {"DTI_MAX"}
    assert {r["code"] for r in DEFAULT_RULES} == tested


def test_outcome_precedence(grade_card, terms, default_rules):
    flagged = run(grade_card, terms, default_rules, history=History(velocity={("phone", 24): 5}))
    assert flagged.outcome == Outcome.REFER  # any flag refers
    both = run(grade_card, terms, default_rules, age=17, history=History(velocity={("phone", 24): 5}))
    assert both.outcome == Outcome.DECLINE
    assert both.reasons[0]["code"] == "AGE_MIN"  # declines are listed first
    assert both.approved_limit == 0
    assert both.offer == {}


def test_product_rule_overrides_global(grade_card, terms, default_rules):
    stricter = RuleSpec(
        code="AGE_MIN",
        kind="threshold",
        outcome="decline",
        reason_zh="未满21周岁。",
        reason_en="Under 21.",
        feature="age",
        operator="lt",
        threshold=Decimal(21),
        product_code="CONSUMER-GENERAL",
    )
    data = run(grade_card, terms, [*default_rules, stricter], age=20)
    assert "AGE_MIN" in fired(data)
    other = RuleSpec(**{**stricter.__dict__, "product_code": "OTHER"})
    assert "AGE_MIN" not in fired(run(grade_card, terms, [*default_rules, other], age=20))


@pytest.mark.parametrize(
    ("grade", "savings", "cap"),
    [
        ("A", "ge_6000", "200000"),
        ("B", "3000_to_6000", "200000"),
        ("C", "600_to_3000", "150000"),
        ("D", "lt_600", "100000"),
        ("E", "unknown", "50000"),
    ],
)
def test_limit_and_price_per_grade(grade_card, terms, grade, savings, cap):
    # Given a large request and ample income, the grade's cap binds and the grade's rate is offered.
    data = run(
        grade_card, terms, [], savings_band=savings, amount="200000", monthly_income="1000000", term=36
    )
    assert data.grade == grade
    assert data.approved_limit == Decimal(cap)
    assert data.offer_rate == RATES[grade]
    expected = repayment(terms, principal=Decimal(cap), annual_rate=RATES[grade], term_months=36, grade=grade)
    assert data.offer_installment == expected.installment
    assert data.offer_apr == expected.apr
    assert data.offer["amount"] == cap
    assert data.offer["term"] == 36
    assert data.offer["method"] == "annuity"
    assert data.offer["counter_offer"] is (Decimal(cap) < Decimal("200000"))


def test_limit_bound_by_debt_to_income(grade_card, terms):
    # income 10,000, no debts, max DTI 55 %: installment at most 5,500 a month.
    data = run(
        grade_card, terms, [], amount="200000", monthly_income="10000", existing_monthly_debt="0", term=24
    )
    limit = data.approved_limit
    assert data.limit_basis["binding"] == ["dti_max_amount"]
    fits = repayment(terms, principal=limit, annual_rate=RATES["A"], term_months=24).monthly_equivalent
    too_much = repayment(
        terms, principal=limit + 100, annual_rate=RATES["A"], term_months=24
    ).monthly_equivalent
    assert fits <= Decimal("5500") < too_much


def test_limit_below_product_minimum_declines(grade_card, terms):
    data = run(grade_card, terms, [], amount="50000", monthly_income="3000", existing_monthly_debt="1600")
    assert data.outcome == Outcome.DECLINE
    assert "LIMIT_BELOW_MINIMUM" in fired(data)


def test_annuity_worked_example(terms):
    # 100,000 at 6 % a year over 12 monthly installments: 8,606.64 (standard annuity tables).
    result = repayment(terms, principal=Decimal("100000"), annual_rate=Decimal("0.06"), term_months=12)
    assert result.installment == Decimal("8606.64")


def test_reasons_name_costly_features_in_both_languages(grade_card, terms, default_rules):
    data = run(grade_card, terms, default_rules, savings_band="lt_600")
    feature_reasons = [r for r in data.reasons if r["kind"] == "feature"]
    assert feature_reasons[0]["code"] == "FEATURE_SAVINGS_BAND"
    assert feature_reasons[0]["zh"]
    assert feature_reasons[0]["en"]
    assert "-120 points" in feature_reasons[0]["detail"]


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("monthly_income", "-1", "at least 0"),
        ("age", 200, "at most 120"),
        ("employment_type", "astronaut", "not one of"),
        ("term", "12.5", "whole number"),
        ("amount", "lots", "must be a number"),
        ("age", None, "required"),
    ],
)
def test_bad_input_is_refused_with_field_errors(field, value, message):
    with pytest.raises(FeatureValidationError) as caught:
        validate_features(good_features(**{field: value}))
    assert list(caught.value.errors) == [field]
    [text] = caught.value.errors[field]
    assert message in text


def test_unknown_and_missing_features_are_named():
    record = good_features(salary="9")
    del record["housing"]
    with pytest.raises(FeatureValidationError) as caught:
        validate_features(record)
    assert caught.value.errors == {"housing": ["this feature is required"], "salary": ["unknown feature"]}


@pytest.mark.django_db
def test_score_is_deterministic_and_makes_no_rows(champion, terms, default_rules):
    from risk.models import Decision

    first = services.score(good_features(), terms, rules=default_rules)
    second = services.score(good_features(), terms, rules=default_rules)
    assert first.pk is None
    assert Decision.objects.count() == 0
    fields = (
        "score",
        "grade",
        "pd",
        "outcome",
        "reasons",
        "points",
        "approved_limit",
        "offer",
        "rules_fired",
    )
    assert all(getattr(first, f) == getattr(second, f) for f in fields)
    assert first.model == champion


@pytest.mark.django_db
def test_score_refuses_bad_input(champion, terms):
    with pytest.raises(FeatureValidationError):
        services.score(good_features(monthly_income="-5"), terms)


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"feature": "salary"}, "feature"),
        ({"threshold": Decimal("250")}, "threshold"),
        ({"operator": "between", "threshold_high": Decimal("10")}, "threshold_high"),
        ({"reason_en": " "}, "reason_en"),
        ({"code": "bad code"}, "code"),
    ],
)
def test_rule_validation_refuses_unknown_features_and_impossible_thresholds(changes, field):
    base = RuleSpec(
        code="AGE_X",
        kind="threshold",
        outcome="decline",
        reason_zh="年龄。",
        reason_en="Age.",
        feature="age",
        operator="lt",
        threshold=Decimal(18),
    )
    assert validate_rule(base) == {}
    errors = validate_rule(RuleSpec(**{**base.__dict__, **changes}))
    assert field in errors


def test_rule_validation_of_lists_and_windows():
    in_set = RuleSpec(
        code="IDV_X",
        kind="in_set",
        outcome="refer",
        reason_zh="x",
        reason_en="x",
        feature="identity_status",
        values=("pending", "maybe"),
    )
    assert "maybe" in validate_rule(in_set)["values"]
    velocity = RuleSpec(
        code="VEL_X",
        kind="velocity",
        outcome="flag",
        reason_zh="x",
        reason_en="x",
        identifier="id_number",
        window_hours=0,
        threshold=Decimal("1"),
    )
    assert set(validate_rule(velocity)) == {"window_hours", "threshold"}


def test_fired_rules_name_what_they_tested(grade_card, terms, default_rules):
    data = run(grade_card, terms, default_rules, identity_status="rejected", savings_band="unknown")
    by_code = {r["code"]: r for r in data.rules_fired}
    assert {k: by_code["IDV_REJECTED"][k] for k in ("kind", "feature", "identifier")} == {
        "kind": "in_set",
        "feature": "identity_status",
        "identifier": "",
    }
    assert (by_code["SCORE_DECLINE"]["feature"], by_code["SCORE_DECLINE"]["outcome"]) == ("grade", "decline")


def _decision(*rules) -> Decision:
    return Decision(
        rules_fired=[
            {"code": code, "outcome": outcome, "feature": feature} for code, outcome, feature in rules
        ]
    )


@pytest.mark.parametrize(
    ("rules", "expected"),
    [
        ([("IDV_REJECTED", "decline", "identity_status")], True),
        ([("IDV_REJECTED", "decline", "identity_status"), ("VELOCITY_ID", "flag", "")], True),
        ([("IDV_REJECTED", "decline", "identity_status"), ("SCORE_DECLINE", "decline", "grade")], False),
        ([("BLOCKLIST_ID", "decline", "")], False),  # the identity is blocklisted, not unverified
        ([("NO_PRICE", "decline", "")], False),
        ([("IDV_PENDING", "refer", "identity_status")], False),  # referred, not declined
        ([], False),
    ],
)
def test_declined_only_for_identity(rules, expected):
    assert selectors.decision_declined_only_for_identity(_decision(*rules)) is expected
