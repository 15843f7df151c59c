"""Policy and fraud rules as data: validation of a rule definition and its pure evaluation.

A rule (`risk.models.RiskRule`, editable by Risk Analysts) is one of a few check kinds with
parameters: a feature compared with a threshold or with a product limit, a feature value in a
list, an identifier on the blocklist, velocity (applications per identifier within a window) and
shared identifiers (identities per phone or device within a window). Rules are evaluated on a
context holding the validated features, the derived quantities (score, grade, DTI, age at
maturity …), the product terms and the history counts a selector gathered beforehand, so the
evaluation itself is pure and repeatable.
"""

from __future__ import annotations

import operator as op
import re
from dataclasses import dataclass, field
from decimal import Decimal

from django.utils.translation import gettext as _

from risk.choices import GRADES, IdentifierKind, Operator, RuleCheck, RuleOutcome
from risk.mapping import FEATURES

# Derived quantities rules may test, with the range a sensible threshold lies in.
DERIVED_NUMERIC = {
    "score": (Decimal(0), Decimal(1200)),
    "pd": (Decimal(0), Decimal(1)),
    "dti": (Decimal(0), Decimal(100)),
    "installment": (Decimal(0), Decimal(100_000_000)),
    "age_at_maturity": (Decimal(0), Decimal(160)),
    "amount_to_monthly_income": (Decimal(0), Decimal(1_000_000)),
}
# A returning customer's own repayment history with LoanHub (servicing's facts, passed in the
# scoring request; absent for a new customer, so a rule on them does not fire): name → range.
INTERNAL_HISTORY = {
    "months_on_book": (Decimal(0), Decimal(1200)),
    "on_time_ratio": (Decimal(0), Decimal(1)),
    "days_past_due": (Decimal(0), Decimal(100_000)),
    "late_recently": (Decimal(0), Decimal(10_000)),
}
DERIVED_NUMERIC.update({f"internal_{name}": bounds for name, bounds in INTERNAL_HISTORY.items()})
NUMERIC_FEATURES = {
    **{n: (s.min_value, s.max_value) for n, s in FEATURES.items() if s.kind == "numeric"},
    **DERIVED_NUMERIC,
}
CATEGORICAL_FEATURES = {
    **{n: s.choices for n, s in FEATURES.items() if s.kind == "categorical"},
    "grade": GRADES,
}
# Product limits a threshold rule may compare with, and the feature each one is measured on.
PRODUCT_ATTRIBUTES = {
    "min_age": "age",
    "max_age_at_maturity": "age_at_maturity",
    "min_monthly_income": "monthly_income",
    "max_dti": "dti",
    "auto_approve_limit": "amount",
    "amount_max": "amount",
}
COMPARE = {
    Operator.LT: op.lt,
    Operator.LE: op.le,
    Operator.GT: op.gt,
    Operator.GE: op.ge,
    Operator.EQ: op.eq,
    Operator.NE: op.ne,
}
CODE_PATTERN = re.compile(r"^[A-Z][A-Z0-9_]{2,39}$")
MAX_WINDOW_HOURS = 24 * 365


@dataclass(frozen=True)
class RuleSpec:
    """A rule's definition as a value (a snapshot of a RiskRule row)."""

    code: str
    kind: str
    outcome: str
    reason_zh: str
    reason_en: str
    feature: str = ""
    operator: str = ""
    threshold: Decimal | None = None
    threshold_high: Decimal | None = None
    values: tuple[str, ...] = ()
    product_attribute: str = ""
    identifier: str = ""
    window_hours: int | None = None
    product_code: str = ""


@dataclass(frozen=True)
class FiredRule:
    """A rule's finding. `kind` and `feature` (or `identifier`) say what it looked at, so callers
    ask about a finding by its fields, never by parsing the human-readable `detail`."""

    code: str
    outcome: str
    reason_zh: str
    reason_en: str
    detail: str
    kind: str = ""  # a RuleCheck; blank for the decision's own system findings (NO_PRICE …)
    feature: str = ""  # the feature a threshold or in-set rule tested
    identifier: str = ""  # the identifier a blocklist, velocity or shared-identifier rule counted

    def as_dict(self) -> dict:
        return {
            "code": self.code,
            "outcome": self.outcome,
            "reason_zh": self.reason_zh,
            "reason_en": self.reason_en,
            "detail": self.detail,
            "kind": self.kind,
            "feature": self.feature,
            "identifier": self.identifier,
        }


@dataclass
class RuleContext:
    """Everything a rule may look at for one application."""

    values: dict  # features + derived numbers (Decimal) + grade
    product: dict  # product attributes by PRODUCT_ATTRIBUTES name (None when the product has none)
    velocity: dict = field(default_factory=dict)  # (identifier, hours) → applications incl. this one
    shared: dict = field(default_factory=dict)  # (identifier, hours) → distinct identities incl. this
    blocklisted: frozenset = frozenset()  # identifier kinds of this application on the blocklist


def validate_rule(spec: RuleSpec) -> dict[str, str]:
    """Field → message for everything wrong with a rule definition (empty when it is valid)."""
    errors: dict[str, str] = {}
    if not CODE_PATTERN.match(spec.code or ""):
        errors["code"] = _("use 3–40 capital letters, digits or underscores, starting with a letter")
    if spec.outcome not in RuleOutcome.values:
        errors["outcome"] = _one_of(RuleOutcome.values)
    if not (spec.reason_zh or "").strip():
        errors["reason_zh"] = _("a reason in Chinese is required")
    if not (spec.reason_en or "").strip():
        errors["reason_en"] = _("a reason in English is required")
    if spec.kind == RuleCheck.THRESHOLD:
        if spec.feature not in NUMERIC_FEATURES:
            errors["feature"] = _("unknown numeric feature %(feature)s; use one of %(allowed)s") % {
                "feature": repr(spec.feature),
                "allowed": ", ".join(sorted(NUMERIC_FEATURES)),
            }
        if spec.operator not in Operator.values:
            errors["operator"] = _one_of(Operator.values)
        if spec.product_attribute:
            measured = PRODUCT_ATTRIBUTES.get(spec.product_attribute)
            if measured is None:
                errors["product_attribute"] = _("unknown product limit; use one of %(allowed)s") % {
                    "allowed": ", ".join(PRODUCT_ATTRIBUTES)
                }
            elif spec.feature and measured != spec.feature:
                errors["product_attribute"] = _(
                    "%(limit)s is compared with %(measured)s, not %(feature)s"
                ) % {
                    "limit": spec.product_attribute,
                    "measured": measured,
                    "feature": spec.feature,
                }
            if spec.threshold is not None:
                errors["threshold"] = _("give either a threshold or a product limit, not both")
            if spec.operator == Operator.BETWEEN:
                errors["operator"] = _("'between' needs two thresholds, not a product limit")
        elif spec.threshold is None:
            errors["threshold"] = _("a threshold (or a product limit) is required")
        if spec.feature in NUMERIC_FEATURES and "feature" not in errors:
            low, high = NUMERIC_FEATURES[spec.feature]
            for name in ("threshold", "threshold_high"):
                value = getattr(spec, name)
                if value is not None and not (low <= value <= high):
                    errors[name] = _("impossible for %(feature)s: must lie between %(low)s and %(high)s") % {
                        "feature": spec.feature,
                        "low": low,
                        "high": high,
                    }
        if spec.operator == Operator.BETWEEN:
            if spec.threshold_high is None:
                errors["threshold_high"] = _("'between' needs an upper threshold")
            elif spec.threshold is not None and spec.threshold_high <= spec.threshold:
                errors["threshold_high"] = _("must be above the lower threshold")
        elif spec.threshold_high is not None:
            errors["threshold_high"] = _("only 'between' uses an upper threshold")
    elif spec.kind == RuleCheck.IN_SET:
        allowed = CATEGORICAL_FEATURES.get(spec.feature)
        if allowed is None:
            errors["feature"] = _("unknown categorical feature %(feature)s; use one of %(allowed)s") % {
                "feature": repr(spec.feature),
                "allowed": ", ".join(sorted(CATEGORICAL_FEATURES)),
            }
        elif not spec.values:
            errors["values"] = _("list at least one value")
        else:
            wrong = [v for v in spec.values if v not in allowed]
            if wrong:
                errors["values"] = _("%(values)s not among %(allowed)s") % {
                    "values": ", ".join(map(str, wrong)),
                    "allowed": ", ".join(allowed),
                }
    elif spec.kind == RuleCheck.BLOCKLIST:
        if spec.identifier not in IdentifierKind.values:
            errors["identifier"] = _one_of(IdentifierKind.values)
    elif spec.kind in (RuleCheck.VELOCITY, RuleCheck.SHARED_IDENTIFIER):
        kinds = IdentifierKind.values if spec.kind == RuleCheck.VELOCITY else ["phone", "device"]
        if spec.identifier not in kinds:
            errors["identifier"] = _one_of(kinds)
        if spec.window_hours is None or not (1 <= spec.window_hours <= MAX_WINDOW_HOURS):
            errors["window_hours"] = _("must be between 1 and %(max)s hours") % {"max": MAX_WINDOW_HOURS}
        if (
            spec.threshold is None
            or spec.threshold != spec.threshold.to_integral_value()
            or not (2 <= spec.threshold <= 1000)
        ):
            errors["threshold"] = _("a whole count between 2 and 1000 (this application included)")
    else:
        errors["kind"] = _one_of(RuleCheck.values)
    return errors


def _one_of(allowed) -> str:
    return _("must be one of %(allowed)s") % {"allowed": ", ".join(allowed)}


def _number(value) -> str:
    if isinstance(value, Decimal):
        return f"{value.normalize():f}" if value == value.to_integral_value() else f"{value:.4f}".rstrip("0")
    return str(value)


def evaluate(rule: RuleSpec, ctx: RuleContext) -> FiredRule | None:
    """The rule's finding on this application, or None when it does not fire."""
    detail = None
    if rule.kind == RuleCheck.THRESHOLD:
        value = ctx.values.get(rule.feature)
        if rule.product_attribute:
            limit = ctx.product.get(rule.product_attribute)
            if limit is None:  # the product sets no such limit
                return None
        else:
            limit = rule.threshold
        if value is None:
            return None
        if rule.operator == Operator.BETWEEN:
            if rule.threshold <= value < rule.threshold_high:
                low, high = _number(rule.threshold), _number(rule.threshold_high)
                detail = f"{rule.feature} {_number(value)} in [{low}, {high})"
        elif COMPARE[rule.operator](value, limit):
            detail = f"{rule.feature} {_number(value)} {Operator(rule.operator).label} {_number(limit)}"
    elif rule.kind == RuleCheck.IN_SET:
        value = ctx.values.get(rule.feature)
        if value in rule.values:
            detail = f"{rule.feature} = {value}"
    elif rule.kind == RuleCheck.BLOCKLIST:
        if rule.identifier in ctx.blocklisted:
            detail = f"{rule.identifier} on the blocklist"
    elif rule.kind == RuleCheck.VELOCITY:
        count = ctx.velocity.get((rule.identifier, rule.window_hours), 1)
        if count >= rule.threshold:
            detail = f"{count} applications with this {rule.identifier} in {rule.window_hours} h"
    elif rule.kind == RuleCheck.SHARED_IDENTIFIER:
        count = ctx.shared.get((rule.identifier, rule.window_hours), 1)
        if count >= rule.threshold:
            detail = f"{count} identities used this {rule.identifier} in {rule.window_hours} h"
    if detail is None:
        return None
    return FiredRule(
        rule.code,
        rule.outcome,
        rule.reason_zh,
        rule.reason_en,
        detail,
        kind=rule.kind,
        feature=rule.feature,
        identifier=rule.identifier,
    )


def _r(code, check, outcome, zh, en, **params) -> dict:
    return {"code": code, "kind": check, "outcome": outcome, "reason_zh": zh, "reason_en": en, **params}


D, R, F = RuleOutcome.DECLINE, RuleOutcome.REFER, RuleOutcome.FLAG
T, S = RuleCheck.THRESHOLD, RuleCheck.IN_SET
# The policy LoanHub ships with; Risk Analysts edit them in the admin (seeded by rule_seed_defaults).
DEFAULT_RULES = (
    _r(
        "AGE_MIN",
        T,
        D,
        "申请人未满18周岁。",
        "The applicant is under 18.",
        feature="age",
        operator=Operator.LT,
        threshold=Decimal(18),
    ),
    _r(
        "AGE_AT_MATURITY",
        T,
        D,
        "贷款到期时申请人年龄超过本产品上限。",
        "The applicant would be older than this product allows when the loan ends.",
        feature="age_at_maturity",
        operator=Operator.GT,
        product_attribute="max_age_at_maturity",
    ),
    _r(
        "INCOME_MIN",
        T,
        D,
        "月收入低于本产品的最低要求。",
        "Monthly income is below this product's minimum.",
        feature="monthly_income",
        operator=Operator.LT,
        product_attribute="min_monthly_income",
    ),
    _r(
        "DTI_MAX",
        T,
        D,
        "加上本笔贷款月供后，负债收入比超过本产品上限。",
        "With this loan's installment, debts would take too large a share of income.",
        feature="dti",
        operator=Operator.GT,
        product_attribute="max_dti",
    ),
    _r(
        "BLOCKLIST_ID",
        RuleCheck.BLOCKLIST,
        D,
        "身份信息在内部禁止名单上。",
        "The identity is on the internal blocklist.",
        identifier=IdentifierKind.ID_NUMBER,
    ),
    _r(
        "BLOCKLIST_PHONE",
        RuleCheck.BLOCKLIST,
        D,
        "手机号码在内部禁止名单上。",
        "The phone number is on the internal blocklist.",
        identifier=IdentifierKind.PHONE,
    ),
    _r(
        "IDV_REJECTED",
        S,
        D,
        "身份核验未通过。",
        "Identity verification was rejected.",
        feature="identity_status",
        values=("rejected",),
    ),
    _r(
        "IDV_PENDING",
        S,
        R,
        "身份尚未核验，需人工审核。",
        "The identity is not verified yet; an officer will review it.",
        feature="identity_status",
        values=("pending",),
    ),
    _r(
        "VELOCITY_ID",
        RuleCheck.VELOCITY,
        F,
        "24小时内同一身份证号多次申请。",
        "Several applications with the same identity number within 24 hours.",
        identifier=IdentifierKind.ID_NUMBER,
        window_hours=24,
        threshold=Decimal(3),
    ),
    _r(
        "VELOCITY_PHONE",
        RuleCheck.VELOCITY,
        F,
        "24小时内同一手机号多次申请。",
        "Several applications with the same phone number within 24 hours.",
        identifier=IdentifierKind.PHONE,
        window_hours=24,
        threshold=Decimal(3),
    ),
    _r(
        "SHARED_PHONE",
        RuleCheck.SHARED_IDENTIFIER,
        F,
        "同一手机号被多个身份使用。",
        "One phone number is used by several identities.",
        identifier=IdentifierKind.PHONE,
        window_hours=720,
        threshold=Decimal(2),
    ),
    _r(
        "SHARED_DEVICE",
        RuleCheck.SHARED_IDENTIFIER,
        F,
        "同一设备被多个身份使用。",
        "One device is used by several identities.",
        identifier=IdentifierKind.DEVICE,
        window_hours=720,
        threshold=Decimal(2),
    ),
    _r(
        "AMOUNT_VS_INCOME",
        T,
        F,
        "申请金额远高于申报收入水平。",
        "The amount is far above what the stated income suggests.",
        feature="amount_to_monthly_income",
        operator=Operator.GT,
        threshold=Decimal(36),
    ),
    _r(
        "SCORE_DECLINE",
        S,
        D,
        "综合信用评分低于审批下限。",
        "The credit score is below the approval cut-off.",
        feature="grade",
        values=("E",),
    ),
    _r(
        "SCORE_GREY_ZONE",
        S,
        R,
        "信用评分处于人工审核区间。",
        "The credit score is in the range reviewed by an officer.",
        feature="grade",
        values=("D",),
    ),
    _r(
        "AUTO_APPROVE_LIMIT",
        T,
        R,
        "申请金额超过自动审批额度，需人工审核。",
        "The amount is above the automatic approval limit; an officer will review it.",
        feature="amount",
        operator=Operator.GT,
        product_attribute="auto_approve_limit",
    ),
    _r(
        "THIN_FILE",
        S,
        R,
        "征信无信贷记录，需人工审核。",
        "There is no credit history on file; an officer will review it.",
        feature="credit_history",
        values=("no_credits",),
    ),
    _r(
        "INTERNAL_OVERDUE",
        T,
        R,
        "客户在本行有逾期未还款项，需人工审核。",
        "The customer has an overdue payment with us; an officer will review it.",
        feature="internal_days_past_due",
        operator=Operator.GT,
        threshold=Decimal(0),
    ),
)
