"""The decision: score + rules + limit + price, as a pure function of its inputs.

Given validated features (applicant-stated and bureau), the product terms, a loaded scorecard,
the rule definitions and the history counts, `decide()` always returns the same `DecisionData`.
Services wrap it (`risk.services.score`) and store it as an immutable `risk.models.Decision`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import ROUND_DOWN, Decimal

from django.utils.translation import gettext as _

from loanhub.money import quantize_places
from risk import mapping
from risk.choices import Outcome, RuleOutcome
from risk.features import to_json
from risk.loanmath import repayment
from risk.product_terms import ProductTerms, ProductTermsError
from risk.rules import INTERNAL_HISTORY, FiredRule, RuleContext, RuleSpec, evaluate
from risk.scorecard.model import Scorecard

LIMIT_STEP = Decimal("100")  # approved limits are whole hundreds of yuan
TOP_FEATURE_REASONS = 3
RATIO_CAP = Decimal("100")

# Plain-language reasons for the features that cost the most points (data in both languages).
FEATURE_REASONS = {
    "checking_balance_band": ("活期账户余额偏低或透支。", "Low or overdrawn current-account balance."),
    "term": ("贷款期限较长。", "The loan term is long."),
    "credit_history": ("信用记录存在不足。", "The credit history shows weaknesses."),
    "purpose": ("该贷款用途的历史风险较高。", "Loans for this purpose have been riskier."),
    "amount": ("贷款金额较高。", "The amount is high."),
    "savings_band": ("储蓄较少或未知。", "Savings are low or unknown."),
    "employment_band": ("现单位工作年限较短。", "Short time with the current employer."),
    "property_type": ("可用资产有限。", "Few assets."),
    "age": ("年龄段的历史风险较高。", "Applicants of this age have been riskier."),
    "other_installment_plans": ("存在其他分期计划。", "Other instalment plans are running."),
    "housing": ("住房情况的历史风险较高。", "This housing situation has been riskier."),
    "guarantor": ("无担保人。", "No guarantor."),
    "existing_credits": ("未结清贷款笔数较多。", "Several credits are open."),
    "employment_type": ("就业类型的历史风险较高。", "This employment type has been riskier."),
    "monthly_income": ("收入水平偏低。", "Income is low."),
}
SYSTEM_REASONS = {
    "LIMIT_BELOW_MINIMUM": (
        "可批额度低于本产品最低贷款金额。",
        "The amount we can lend is below this product's minimum.",
    ),
    "NO_PRICE": ("本产品对该风险等级不提供定价。", "This product is not offered at this risk grade."),
}


@dataclass
class History:
    """Counts a selector gathered for this application (pure input to the rules)."""

    velocity: dict = field(default_factory=dict)
    shared: dict = field(default_factory=dict)
    blocklisted: frozenset = frozenset()
    # The customer's own repayment history with LoanHub (the request's internal_history).
    internal: dict = field(default_factory=dict)


@dataclass(frozen=True)
class DecisionData:
    features: dict
    points: dict
    score: int
    grade: str
    pd: Decimal
    pd_model: Decimal
    rules_fired: list
    outcome: str
    reasons: list
    requested_amount: Decimal
    approved_limit: Decimal
    limit_basis: dict
    offer: dict
    offer_rate: Decimal | None
    offer_apr: Decimal | None
    offer_installment: Decimal | None
    product_terms: dict


def _ratio(numerator: Decimal, denominator: Decimal) -> Decimal:
    if denominator <= 0:
        return RATIO_CAP
    return min(numerator / denominator, RATIO_CAP)


def _floor(amount: Decimal) -> Decimal:
    return (amount / LIMIT_STEP).to_integral_value(rounding=ROUND_DOWN) * LIMIT_STEP


def rules_for_product(rules: list[RuleSpec], product_code: str) -> list[RuleSpec]:
    """Global rules plus the product's own; a product rule replaces a global one of the same code."""
    own = {r.code: r for r in rules if r.product_code and r.product_code == product_code}
    chosen = [r for r in rules if not r.product_code and r.code not in own]
    return sorted([*chosen, *own.values()], key=lambda r: r.code)


def decide(
    *,
    features: dict,
    terms: ProductTerms,
    card: Scorecard,
    rules: list[RuleSpec],
    history: History | None = None,
) -> DecisionData:
    history = history or History()
    inputs = mapping.model_record(features, card.inputs)
    result = card.score_record(inputs)
    grade = result.grade
    amount = Decimal(features["amount"])
    term = int(features["term"])
    income = Decimal(features["monthly_income"])
    debts = max(Decimal(features["existing_monthly_debt"]), Decimal(features.get("bureau_monthly_debt", 0)))

    rate = terms.grade_rates.get(grade)
    priced = [r for r in terms.grade_rates.values() if r is not None]
    if not priced:
        raise ProductTermsError(_("the product prices no grade"))
    # Affordability is judged at the grade's price, or at the dearest price when it has none.
    affordability_rate = rate if rate is not None else max(priced)
    requested = repayment(
        terms, principal=amount, annual_rate=affordability_rate, term_months=term, grade=grade
    )
    dti = _ratio(debts + requested.monthly_equivalent, income)
    values = {
        **features,
        "score": Decimal(result.score),
        "pd": Decimal(str(round(result.pd_model, 6))),
        "grade": grade,
        "dti": dti,
        "installment": requested.installment,
        "age_at_maturity": Decimal(features["age"]) + quantize_places(Decimal(term) / 12, 2),
        "amount_to_monthly_income": _ratio(amount, income),
        **{
            f"internal_{name}": Decimal(str(value))
            for name, value in history.internal.items()
            if name in INTERNAL_HISTORY and value is not None
        },
    }
    product = {
        "min_age": Decimal(terms.min_age),
        "max_age_at_maturity": Decimal(terms.max_age_at_maturity),
        "min_monthly_income": terms.min_monthly_income,
        "max_dti": terms.max_dti,
        "auto_approve_limit": terms.auto_approve_limit,
        "amount_max": terms.amount_max,
    }
    ctx = RuleContext(
        values=values,
        product=product,
        velocity=history.velocity,
        shared=history.shared,
        blocklisted=history.blocklisted,
    )
    fired: list[FiredRule] = [
        f for r in rules_for_product(rules, terms.product_code) if (f := evaluate(r, ctx))
    ]

    # Limit: min(requested, product maximum, what keeps DTI within the maximum, the grade's cap).
    headroom = terms.max_dti * income - debts
    per_unit = requested.monthly_equivalent / amount if amount else Decimal(0)
    dti_amount = _floor(headroom / per_unit) if per_unit > 0 and headroom > 0 else Decimal(0)
    if per_unit == 0:
        dti_amount = terms.amount_max
    basis = {
        "requested": str(amount),
        "product_max": str(terms.amount_max),
        "dti_max_amount": str(dti_amount),
        "grade_cap": str(terms.cap_for(grade)),
    }
    limit = max(_floor(min(amount, terms.amount_max, dti_amount, terms.cap_for(grade))), Decimal(0))
    basis["binding"] = [
        k for k in ("requested", "product_max", "dti_max_amount", "grade_cap") if Decimal(basis[k]) == limit
    ]

    system: list[FiredRule] = []
    if rate is None:
        zh, en = SYSTEM_REASONS["NO_PRICE"]
        system.append(FiredRule("NO_PRICE", RuleOutcome.DECLINE, zh, en, f"grade {grade} has no price"))
    elif limit < terms.amount_min:
        zh, en = SYSTEM_REASONS["LIMIT_BELOW_MINIMUM"]
        system.append(
            FiredRule(
                "LIMIT_BELOW_MINIMUM",
                RuleOutcome.DECLINE,
                zh,
                en,
                f"limit {limit} < minimum {terms.amount_min}",
            )
        )
    all_fired = fired + system
    outcomes = {f.outcome for f in all_fired}
    if RuleOutcome.DECLINE in outcomes:
        outcome = Outcome.DECLINE
    elif outcomes & {RuleOutcome.REFER, RuleOutcome.FLAG}:
        outcome = Outcome.REFER  # any flag refers the application to an officer
    else:
        outcome = Outcome.APPROVE

    offer, offer_rate, offer_apr, offer_installment = {}, None, None, None
    if outcome != Outcome.DECLINE:
        offered = repayment(terms, principal=limit, annual_rate=rate, term_months=term, grade=grade)
        offer_rate, offer_apr, offer_installment = rate, offered.apr, offered.installment
        offer = {
            "amount": str(limit),
            "term": term,
            "method": terms.method,
            "frequency": terms.frequency,
            "installments": terms.installments(term),
            "rate": str(rate),
            "apr": str(offered.apr),
            "installment": str(offered.installment),
            "currency": terms.currency,
            "promotions": terms.grade_promotions.get(grade, []),
            "engine": offered.engine,
            "counter_offer": limit < amount,
        }

    order = {RuleOutcome.DECLINE: 0, RuleOutcome.REFER: 1, RuleOutcome.FLAG: 2}
    reasons = [
        {
            "code": f.code,
            "kind": "rule",
            "outcome": f.outcome,
            "zh": f.reason_zh,
            "en": f.reason_en,
            "detail": f.detail,
        }
        for f in sorted(all_fired, key=lambda f: (order[f.outcome], f.code))
    ]
    lost = sorted(
        (
            (fs.max_points - fs.points, fs.name, fs.bin_label)
            for fs in result.features
            if fs.max_points > fs.points
        ),
        key=lambda item: (-item[0], item[1]),
    )[:TOP_FEATURE_REASONS]
    for points_lost, name, label in lost:
        zh, en = FEATURE_REASONS.get(name, (name, name))
        reasons.append(
            {
                "code": f"FEATURE_{name.upper()}",
                "kind": "feature",
                "zh": zh,
                "en": en,
                "detail": f"{name} {label}: -{points_lost} points",
            }
        )

    return DecisionData(
        features=to_json(features),
        points={fs.name: fs.points for fs in result.features},
        score=result.score,
        grade=grade,
        pd=quantize_places(str(result.pd_grade), 6),
        pd_model=quantize_places(str(result.pd_model), 6),
        rules_fired=[f.as_dict() for f in all_fired],
        outcome=outcome,
        reasons=reasons,
        requested_amount=amount,
        approved_limit=limit if outcome != Outcome.DECLINE else Decimal("0"),
        limit_basis={
            **basis,
            "computed_limit": str(limit),
            "dti": str(quantize_places(dti, 4)),
            "installment_requested": str(requested.installment),
        },
        offer=offer,
        offer_rate=offer_rate,
        offer_apr=offer_apr,
        offer_installment=offer_installment,
        product_terms=terms.to_json(),
    )
