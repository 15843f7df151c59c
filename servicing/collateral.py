"""Collateral on loans: the copy made at disbursement, the secured amount, the per-loan LGD and
the scheduled revaluation.

Secured amount = Σ value × (1 − haircut of its type) (`risk.collateral`, the table risk
analysts edit). The LGD of a loan in provisioning and in the IFRS 9 ECL:

    LGD = max(floor, 1 − min(secured / EAD, 1)) × base

with base = `LOANHUB_IFRS9_LGD` (0.45, the unsecured LGD) and floor =
`LOANHUB_IFRS9_LGD_FLOOR` (0.10: even a fully secured loan loses something — time and costs of
realising the collateral). An unsecured loan keeps the base LGD; EAD ≤ 0 has nothing to lose.
Worked example: EAD 100,000.00, a flat valued 100,000.00 with a 30 % haircut secures 70,000.00:
LGD = max(0.10, 1 − 0.70) × 0.45 = 0.135. `ecl_lgd_sql` gives the same per loan in SQL for the
set-based close of business.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.conf import settings
from django.db.models import Q

from loanhub import clock
from loanhub.money import quantize_money, quantize_rate
from products.engine.dates import add_months
from risk.collateral import CollateralType, haircuts, revalue_after_months, secured_value
from servicing.models import LoanCollateral

ONE = Decimal(1)


def lgd(
    *, secured: Decimal, ead: Decimal, base: Decimal | None = None, floor: Decimal | None = None
) -> Decimal:
    """max(floor, 1 − min(secured / EAD, 1)) × base (see the module's docstring)."""
    base = settings.LOANHUB_IFRS9_LGD if base is None else base
    floor = settings.LOANHUB_IFRS9_LGD_FLOOR if floor is None else floor
    if ead <= 0 or secured <= 0:
        return base
    unsecured_share = ONE - min(secured / ead, ONE)
    return quantize_rate(max(floor, unsecured_share) * base)


def secured_amounts(*, loan_ids) -> dict[int, Decimal]:
    """Secured amount per loan (loans without collateral are left out)."""
    table = haircuts()
    out: dict[int, Decimal] = {}
    rows = LoanCollateral.objects.filter(loan_id__in=list(loan_ids)).values_list(
        "loan_id", "collateral_type", "value"
    )
    for loan_id, kind, value in rows:
        out[loan_id] = out.get(loan_id, Decimal(0)) + secured_value(
            collateral_type=kind, value=value, table=table
        )
    return out


def loan_secured_amount(*, loan_id: int) -> Decimal:
    return secured_amounts(loan_ids=[loan_id]).get(loan_id, Decimal("0.00"))


def loan_lgd(*, loan_id: int, ead: Decimal) -> Decimal:
    """The LGD of one loan for `rules.ecl(..., lgd=...)` on the per-loan path."""
    return lgd(secured=loan_secured_amount(loan_id=loan_id), ead=ead)


def _secured_item_sql() -> str:
    """One collateral item's (`c`) secured value as SQL: its value after the haircut, to the cent."""
    table = haircuts()
    haircut_case = " ".join(f"WHEN '{kind}' THEN {table[kind]}::numeric" for kind in CollateralType.values)
    return f"round(c.value * (1 - CASE c.collateral_type {haircut_case} END), 2)"


def secured_by_loan_sql(*, where: str) -> str:
    """A query of the secured amount (`secured`) per loan (`loan_id`) of the collateral items
    (`c`) matching `where`: loans without collateral are left out (`secured_amounts` in SQL)."""
    return (
        f"SELECT c.loan_id, SUM({_secured_item_sql()}) AS secured "
        f"FROM servicing_loancollateral c WHERE {where} GROUP BY c.loan_id"
    )


def ecl_lgd_sql(*, loan_id: str, ead: str, secured: str | None = None) -> str:
    """The per-loan LGD as a PostgreSQL expression, for the set-based close of business:
    `loan_id` and `ead` are SQL expressions of the statement (e.g. "x.id" and
    "GREATEST(x.principal_outstanding + x.interest_due, 0)"); `secured`, the loan's secured
    amount when the statement has it already (`secured_by_loan_sql`, 0 without collateral),
    else read per loan. Same rule and rounding as `lgd` (the secured value of each item to the
    cent, the LGD to eight places)."""
    base = settings.LOANHUB_IFRS9_LGD
    floor = settings.LOANHUB_IFRS9_LGD_FLOOR
    if secured is None:
        secured = (
            f"(SELECT COALESCE(SUM({_secured_item_sql()}), 0) "
            f"FROM servicing_loancollateral c WHERE c.loan_id = {loan_id})"
        )
    return (
        f"(CASE WHEN ({ead}) <= 0 OR {secured} <= 0 THEN {base}::numeric ELSE "
        f"round(GREATEST({floor}::numeric, 1 - LEAST({secured} / ({ead}), 1)) * {base}::numeric, 8) END)"
    )


def loan_collateral_record(*, loan, items: list[dict]) -> list[LoanCollateral]:
    """Copy the application's collateral to the loan (called by applications at disbursement, in
    its transaction). Each item: origin_ref, collateral_type, value, valuation_date, description."""
    return LoanCollateral.objects.bulk_create(
        [
            LoanCollateral(
                loan=loan,
                origin_ref=item["origin_ref"],
                collateral_type=item["collateral_type"],
                value=quantize_money(item["value"]),
                valuation_date=item["valuation_date"],
                description=item.get("description", ""),
            )
            for item in items
        ]
    )


def collateral_revaluation_flag(*, as_of: dt.date | None = None) -> int:
    """Flag the collateral of active loans whose valuation is older than its type's revaluation
    age (set-based, one UPDATE; an item already flagged is left alone, so a rerun changes
    nothing). Returns how many items were flagged. A new valuation (value and date) clears it."""
    from servicing.choices import LoanStatus

    as_of = as_of or clock.today()
    stale = Q()
    for kind, months in revalue_after_months().items():
        stale |= Q(collateral_type=kind, valuation_date__lt=add_months(as_of, -months))
    return LoanCollateral.objects.filter(stale, revaluation_due=False, loan__status=LoanStatus.ACTIVE).update(
        revaluation_due=True, revaluation_flagged_on=as_of
    )


def loan_collateral_revalue(
    *, item: LoanCollateral, value: Decimal, valuation_date: dt.date
) -> LoanCollateral:
    """Record a new valuation of one item (the officer's, from the admin): clears the flag."""
    item.value = quantize_money(value)
    item.valuation_date = valuation_date
    item.revaluation_due = False
    item.revaluation_flagged_on = None
    item.save(update_fields=["value", "valuation_date", "revaluation_due", "revaluation_flagged_on"])
    return item
