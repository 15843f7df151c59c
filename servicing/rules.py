"""The servicing rules a regulator or an accountant would ask about, each in one function.

- Delinquency buckets (settings `LOANHUB_DELINQUENCY_BUCKETS`).
- Five-tier classification floors of the 2023 rules (商业银行金融资产风险分类办法, art. 11–16):
  any overdue principal or interest → at least special mention; more than 90 days → substandard;
  more than 270 → doubtful; more than 360 → loss. An officer may classify worse, never better.
- Non-accrual from `LOANHUB_NON_ACCRUAL_DPD` (90) days past due.
- Provisions (银行贷款损失准备计提指引): a general rate on the performing book (pass and special
  mention) plus a specific rate by class.
- IFRS 9 stages with the 30 and 90 days-past-due backstops, and ECL = PD × LGD × EAD, 12-month in
  stage 1 and lifetime in stage 2 (PD compounded over the remaining years), PD = 1 in stage 3.
- A restructured loan's observation period (art. 19–20): at least substandard through
  `Loan.observation_until`; a day past due within it starts the period again
  (`LOANHUB_RESTRUCTURE_OBSERVATION_MONTHS`, default 12).
- The penalty rate: the contract rate × the product's multiplier (加收50% by default), never more
  than the legal cap.

Close of business applies the same rules in SQL (`servicing.cob`); tests hold the two together.
"""

from __future__ import annotations

from decimal import Decimal

from dateutil.relativedelta import relativedelta
from django.conf import settings

from loanhub.money import quantize_money, quantize_rate
from servicing.choices import CLASS_RANK, PERFORMING_CLASSES, Classification

ONE = Decimal(1)
# The largest single payment accepted (portal, console, API, statement lines): ten billion yuan.
MAX_PAYMENT = Decimal("10000000000")


def bucket_for(dpd: int) -> str:
    for code, first, last in settings.LOANHUB_DELINQUENCY_BUCKETS:
        if dpd >= first and (last is None or dpd <= last):
            return code
    raise ValueError(f"no delinquency bucket holds {dpd} days")


# (more than this many days past due, the class at least): the 2023 rules' floors.
CLASS_FLOORS = (
    (360, Classification.LOSS),
    (270, Classification.DOUBTFUL),
    (90, Classification.SUBSTANDARD),
)


def classification_floor(dpd: int, *, overdue: bool) -> str:
    """The best class the rules allow for a loan `dpd` days past due (`overdue`: anything unpaid
    after its due date, grace days included)."""
    for days, klass in CLASS_FLOORS:
        if dpd > days:
            return klass
    if overdue or dpd > 0:
        return Classification.SPECIAL_MENTION
    return Classification.PASS


def observation_floor(observation_until, as_of) -> str:
    """The class a restructured loan keeps at least on `as_of` ('' when none applies)."""
    if observation_until is not None and as_of <= observation_until:
        return Classification.SUBSTANDARD
    return ""


def observation_end(observation_until, as_of, dpd: int):
    """The observation period's end after `as_of`: a day past due within it starts it again."""
    if observation_until is not None and as_of <= observation_until and dpd > 0:
        return max(
            observation_until, as_of + relativedelta(months=settings.LOANHUB_RESTRUCTURE_OBSERVATION_MONTHS)
        )
    return observation_until


def worst(*classes: str) -> str:
    return max((k for k in classes if k), key=CLASS_RANK.__getitem__)


def non_accrual(dpd: int) -> bool:
    return dpd >= settings.LOANHUB_NON_ACCRUAL_DPD


def provision_rate(classification: str) -> Decimal:
    general = settings.LOANHUB_GENERAL_PROVISION_RATE if classification in PERFORMING_CLASSES else Decimal(0)
    return min(general + settings.LOANHUB_SPECIFIC_PROVISION_RATES[classification], ONE)


def provision(classification: str, exposure: Decimal) -> Decimal:
    return quantize_money(max(exposure, Decimal(0)) * provision_rate(classification))


def ifrs9_stage(dpd: int, classification: str) -> int:
    if dpd > 90 or CLASS_RANK[classification] >= CLASS_RANK[Classification.SUBSTANDARD]:
        return 3
    if dpd > 30 or classification == Classification.SPECIAL_MENTION:
        return 2
    return 1


def ecl(*, stage: int, pd: Decimal, ead: Decimal, remaining_days: int, lgd: Decimal | None = None) -> Decimal:
    """Expected credit loss: PD × LGD × EAD (12-month PD in stage 1, lifetime in stage 2). `lgd`:
    the loan's own (`servicing.collateral.loan_lgd`, lower when secured); default the base LGD."""
    lgd = settings.LOANHUB_IFRS9_LGD if lgd is None else lgd
    if stage == 3:
        probability = ONE
    elif stage == 2:
        years = max(Decimal(remaining_days) / 365, ONE)
        probability = ONE - (ONE - pd) ** years if pd < ONE else ONE
    else:
        probability = pd
    return quantize_money(max(ead, Decimal(0)) * probability * lgd)


def penalty_rate(*, annual_rate: Decimal, multiplier: Decimal) -> Decimal:
    """The annual penalty rate (罚息利率): contract rate × multiplier, capped at the legal APR cap."""
    return quantize_rate(min(annual_rate * multiplier, settings.LOANHUB_APR_CAP))


def penalty_rate_after(*, loan, old_rate: Decimal, new_rate: Decimal) -> Decimal | None:
    """The loan's penalty rate once its contract rate moves from `old_rate` to `new_rate` (an LPR
    reset, a restructuring): when it is the product's contract rate × multiplier, the same
    multiple of the new rate; None when it does not move (pinned otherwise, or the same)."""
    multiplier = loan.product_version.penalty_rate_multiplier
    if loan.penalty_rate != penalty_rate(annual_rate=old_rate, multiplier=multiplier):
        return None
    new = penalty_rate(annual_rate=new_rate, multiplier=multiplier)
    return None if new == loan.penalty_rate else new
