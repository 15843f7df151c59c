"""Choices of the product catalogue: states, categories, methods, frequencies, channels, grades.

Codes are the identifiers of the glossary (shared/GLOSSARY.md) and of the loan-math engine, so a
product's terms pass to the engine unchanged.
"""

from __future__ import annotations

import re

from django.db import models
from django.utils.translation import gettext_lazy as _

from products.engine import enums as engine_enums


class ProductStatus(models.TextChoices):
    DRAFT = "draft", _("draft")
    IN_REVIEW = "in_review", _("in review")
    ACTIVE = "active", _("active")
    SUSPENDED = "suspended", _("suspended")
    RETIRED = "retired", _("retired")


# Grouped states. EDITABLE: the only states in which terms may change. LIVE: the version that
# currently represents its product (at most one per product). PENDING: a version in preparation
# (at most one per product, so two managers never prepare conflicting edits).
EDITABLE_STATES = (ProductStatus.DRAFT,)
PENDING_STATES = (ProductStatus.DRAFT, ProductStatus.IN_REVIEW)
LIVE_STATES = (ProductStatus.ACTIVE, ProductStatus.SUSPENDED)
OFFERED_STATES = (ProductStatus.ACTIVE,)
TERMINAL_STATES = (ProductStatus.RETIRED,)


class Category(models.TextChoices):
    CONSUMER_HOME = "consumer_home", _("home purchase loan")
    CONSUMER_AUTO = "consumer_auto", _("car loan")
    EDUCATION = "education", _("education loan")
    TRAVEL = "travel", _("travel loan")
    CONSUMER_GENERAL = "consumer_general", _("personal consumer loan")
    BUSINESS_OPERATING = "business_operating", _("business operating loan")
    BUSINESS_STARTUP = "business_startup", _("start-up loan")
    PREMIUM = "premium", _("premium loan")


# What a loan is for, in the lender's words: a customer states it as the kind of loan they need
# (the catalogue's categories; a premium loan is a tier, not a purpose). Risk translates it into
# its model's features (risk.mapping.PURPOSE_FEATURE), nothing else does.
PURPOSES = tuple(category for category in Category if category != Category.PREMIUM)


class CustomerType(models.TextChoices):
    """Who borrows: the one vocabulary of customers, products' eligibility and risk."""

    INDIVIDUAL = "individual", _("individual")
    SOLE_PROPRIETOR = "sole_proprietor", _("sole proprietor")
    SMALL_BUSINESS = "small_business", _("small and micro enterprise")


class EmploymentType(models.TextChoices):
    """How a customer earns a living: the one vocabulary of the customer profile, products'
    eligibility and the recommendations API (risk.mapping translates it into the scorecard's)."""

    SALARIED = "salaried", _("salaried")
    SELF_EMPLOYED = "self_employed", _("self-employed")
    BUSINESS_OWNER = "business_owner", _("business owner")
    RETIRED = "retired", _("retired")
    STUDENT = "student", _("student")
    UNEMPLOYED = "unemployed", _("unemployed")


class Segment(models.TextChoices):
    """Target segments: who a product is shaped for; fee waivers and promotions name them."""

    SALARIED = "salaried", _("salaried")
    PAYROLL = "payroll", _("payroll customers")
    GRADUATE = "graduate", _("students and graduates")
    MERCHANT = "merchant", _("merchants")
    SME = "sme", _("small and micro enterprises")
    ENTREPRENEUR = "entrepreneur", _("entrepreneurs")
    HIGH_NET_WORTH = "high_net_worth", _("high-net-worth customers")
    NEW_CUSTOMER = "new_customer", _("new customers")
    # On behaviour with us (servicing.behaviour says who carries them): a promotion can target them.
    LOYAL = "loyal", _("loyal customers")
    REPEAT_BORROWER = "repeat_borrower", _("repeat borrowers")
    LAPSED = "lapsed", _("lapsed borrowers")


# A promotion or fee waiver limited to the customers a campaign invited names the invitation
# `invited:<promotion code>` among its segments (products.hooks).
INVITED_PREFIX = "invited:"
_INVITATION = re.compile(r"^invited:[-a-zA-Z0-9_]{1,32}$")


def invitation(promotion_code: str) -> str:
    """The segment of the customers invited to the promotion `promotion_code`."""
    return f"{INVITED_PREFIX}{promotion_code}"


# A promotion under a pilot (试点, marketing) reaches only the pilot's members: their segments
# carry `pilot:<PRODUCT>/<promotion code>` (products.hooks), for the product's every version.
PILOT_PREFIX = "pilot:"


def pilot_member(product_code: str, promotion_code: str) -> str:
    """The segment of the members of the pilot of promotion `promotion_code` of a product."""
    return f"{PILOT_PREFIX}{product_code}/{promotion_code}"


def is_invitation(value) -> bool:
    return isinstance(value, str) and bool(_INVITATION.match(value))


class Channel(models.TextChoices):
    WEB = "web", _("web")
    APP = "app", _("app")
    BRANCH = "branch", _("branch")
    PARTNER = "partner", _("partner")
    HOTLINE = "hotline", _("hotline")


# Methods, frequencies, day counts and grace kinds are the engine's codes (products.engine.enums,
# pure Python) with the catalogue's labels: one vocabulary, one spelling.
class RepaymentMethod(models.TextChoices):
    ANNUITY = engine_enums.Method.ANNUITY.value, _("equal installments")
    EQUAL_PRINCIPAL = engine_enums.Method.EQUAL_PRINCIPAL.value, _("equal principal")
    INTEREST_ONLY = engine_enums.Method.INTEREST_ONLY.value, _("interest-only, principal at maturity")
    BULLET = engine_enums.Method.BULLET.value, _("bullet (all at maturity)")
    # A revolving credit line (随借随还) has no schedule of its own: see `schedule_method`.
    REVOLVING = "revolving", _("revolving credit line (borrow and repay any time)")


# The methods the schedule engine computes (the calculator offers these).
SCHEDULE_METHODS = [
    (value, label) for value, label in RepaymentMethod.choices if value != RepaymentMethod.REVOLVING
]


def schedule_method(method: str) -> str:
    """The engine's method for a catalogue method. A revolving line's representative cost (quote,
    offer, compliance check, risk's debt service) is its whole limit drawn for the term with the
    interest paid each period and the principal at the end: the interest-only schedule, which
    is what daily interest on a fully drawn line comes to (the line itself is replayed by
    `products.engine.revolving` in servicing)."""
    return RepaymentMethod.INTEREST_ONLY.value if method == RepaymentMethod.REVOLVING else method


class Frequency(models.TextChoices):
    """Repayment frequencies a product may offer.

    A product's term is stated in months (贷款期限 6–36 个月), so products offer the month-based
    frequencies of the engine; the number of installments is term × installments per month.
    """

    MONTHLY = engine_enums.Frequency.MONTHLY.value, _("monthly")
    QUARTERLY = engine_enums.Frequency.QUARTERLY.value, _("quarterly")
    SEMIANNUAL = engine_enums.Frequency.SEMIANNUAL.value, _("half-yearly")
    ANNUAL = engine_enums.Frequency.ANNUAL.value, _("yearly")


# Every frequency the engine (and the public calculator) knows; products offer the month-based ones.
ENGINE_FREQUENCIES = [member.value for member in engine_enums.Frequency]

MONTHS_PER_PERIOD = {
    Frequency.MONTHLY: 1,
    Frequency.QUARTERLY: 3,
    Frequency.SEMIANNUAL: 6,
    Frequency.ANNUAL: 12,
}


class DayCount(models.TextChoices):
    THIRTY_360 = engine_enums.DayCount.THIRTY_360.value, "30/360"
    ACT_365 = engine_enums.DayCount.ACT_365.value, "ACT/365"
    ACT_360 = engine_enums.DayCount.ACT_360.value, "ACT/360"


class RateType(models.TextChoices):
    FIXED = "fixed", _("fixed rate")
    FLOATING = "floating", _("floating rate")


class Benchmark(models.TextChoices):
    LPR_1Y = "lpr_1y", _("1-year Loan Prime Rate")
    LPR_5Y = "lpr_5y", _("5-year Loan Prime Rate")


class RateReset(models.TextChoices):
    """When a floating rate follows its benchmark (重定价日), as the loan contract says."""

    ANNIVERSARY = "anniversary", _("each anniversary of the disbursement")
    JANUARY_1 = "january_1", _("each 1 January")


class RiskGrade(models.TextChoices):
    A = "A", "A"
    B = "B", "B"
    C = "C", "C"
    D = "D", "D"
    E = "E", "E"


RISK_GRADES = tuple(RiskGrade.values)
# The grade a quote uses when the customer's grade is not known yet (the grid's middle grade).
DEFAULT_GRADE = RISK_GRADES[len(RISK_GRADES) // 2]


class FeeType(models.TextChoices):
    """The engine's fee types."""

    UPFRONT = "upfront", _("one-off fee at disbursement")
    # xgettext:no-python-format
    UPFRONT_PERCENT = "upfront_percent", _("one-off fee, % of the amount")
    PERIODIC = "periodic", _("fee per installment")
    # xgettext:no-python-format
    PERIODIC_PERCENT = "periodic_percent", _("fee per installment, % of the amount")


PERCENT_FEE_TYPES = (FeeType.UPFRONT_PERCENT, FeeType.PERIODIC_PERCENT)


class GraceType(models.TextChoices):
    INTEREST_ONLY = engine_enums.GraceKind.INTEREST_ONLY.value, _("interest only")
    CAPITALISED = engine_enums.GraceKind.CAPITALISED.value, _("capitalised")


class DeferralInterest(models.TextChoices):
    """What happens to the interest of a payment holiday (延期还款期间的利息)."""

    CAPITALISE = "capitalise", _("capitalised (added to the principal)")
    SPREAD = "spread", _("spread over the remaining installments")


class AllocationOrder(models.TextChoices):
    """How a repayment is split over what is owed (the product says which; servicing applies it)."""

    # Civil Code art. 561: costs (fees), then interest (penalty before contractual), then principal,
    # each over the due installments, oldest first.
    CIVIL_CODE = "civil_code", _("Civil Code art. 561: fees, interest (penalty first), principal")
    # Apache Fineract's default: installment by installment, oldest first.
    PENALTIES_FEES_INTEREST_PRINCIPAL = (
        "penalties_fees_interest_principal",
        _("Per installment, oldest first: penalty, fees, interest, principal"),
    )
    # Fineract's "due first, then in advance": the rest pays the next installments early.
    DUE_THEN_ADVANCE = "due_then_advance", _("Due installments first, then the next ones in advance")


class PromotionKind(models.TextChoices):
    INTEREST_FREE = "interest_free", _("first installments interest-free")
    RATE_DISCOUNT = "rate_discount", _("rate discount")
    FEE_WAIVER = "fee_waiver", _("fees waived")


class Document(models.TextChoices):
    ID_CARD = "id_card", _("resident identity card")
    INCOME_PROOF = "income_proof", _("proof of income")
    BANK_STATEMENT = "bank_statement", _("bank statements (6 months)")
    PURCHASE_CONTRACT = "purchase_contract", _("purchase contract")
    PROPERTY_CERTIFICATE = "property_certificate", _("property certificate")
    VEHICLE_INVOICE = "vehicle_invoice", _("vehicle invoice")
    ADMISSION_LETTER = "admission_letter", _("admission letter")
    TRAVEL_BOOKING = "travel_booking", _("travel booking")
    BUSINESS_LICENSE = "business_license", _("business licence")
    TAX_RETURNS = "tax_returns", _("tax returns")
    BUSINESS_PLAN = "business_plan", _("business plan")
    ASSET_PROOF = "asset_proof", _("proof of assets")


class LtvExcess(models.TextChoices):
    """What happens when an application's loan-to-value is above the product's maximum."""

    REFUSE = "refuse", _("Refuse the collateral (field error)")
    REFER = "refer", _("Refer the application to an officer")
