"""Market and liquidity views: the maturity ladder of contractual inflows and the sensitivity of
the next twelve months' interest income to an LPR move.

Ladder. Every unpaid amount of the book's pinned schedules (principal − paid principal, interest −
paid interest) falls in the bucket of its due date after the business date: `overdue` (on or
before it), `0-1m` (≤ 1 month after), `1-3m` (≤ 3 months), `3-12m` (≤ 12 months), `1-5y`
(≤ 5 years), `5y+`; fixed and floating rates apart (the product's rate type). One GROUP BY.

Sensitivity. For the rows due in the next 12 months, Σ unpaid interest ÷ the loan's annual rate is
the interest a whole unit of rate moves; a move of `bp` basis points changes the floating book's
interest income by that × bp / 10,000, the fixed book's by nothing. This assumes every floating
loan reprices at once (an upper bound: a loan linked to the LPR reprices on its own repricing date,
e.g. each 1 January) and first order (the schedule's principal split is kept).
"""

from __future__ import annotations

import datetime as dt
from decimal import ROUND_HALF_UP, Decimal

from dateutil.relativedelta import relativedelta
from django.db.models import Case, CharField, DecimalField, ExpressionWrapper, F, Q, Sum, Value, When
from django.db.models.functions import Coalesce

from loanhub.money import quantize_money
from monitoring.models import LiquidityBucket
from servicing import selectors as servicing

LADDER = ("overdue", "0-1m", "1-3m", "3-12m", "1-5y", "5y+")
SHOCKS_BP = (-100, -50, -25, 25, 50, 100)
RATE_TYPES = ("fixed", "floating")
FLOATING = "floating"
WIDE = DecimalField(max_digits=24, decimal_places=4)


def _bucket(as_of: dt.date) -> Case:
    edges = [
        ("overdue", as_of),
        ("0-1m", as_of + relativedelta(months=1)),
        ("1-3m", as_of + relativedelta(months=3)),
        ("3-12m", as_of + relativedelta(months=12)),
        ("1-5y", as_of + relativedelta(years=5)),
    ]
    return Case(
        *(When(due_date__lte=edge, then=Value(name)) for name, edge in edges),
        default=Value("5y+"),
        output_field=CharField(),
    )


def ladder_build(*, as_of: dt.date) -> int:
    """Replace the date's ladder rows; the number written."""
    LiquidityBucket.objects.filter(as_of=as_of).delete()
    year = as_of + relativedelta(months=12)

    def unpaid_interest():
        return ExpressionWrapper(F("interest") - F("paid_interest"), output_field=WIDE)

    rows = (
        servicing.installments_of_active_loans()
        .filter(Q(principal__gt=F("paid_principal")) | Q(interest__gt=F("paid_interest")))
        .annotate(m_bucket=_bucket(as_of), m_rate_type=F("loan__product_version__rate_type"))
        .values("m_bucket", "m_rate_type")
        .annotate(
            m_principal=Coalesce(
                Sum(F("principal") - F("paid_principal")), Value(Decimal(0)), output_field=WIDE
            ),
            m_interest=Coalesce(Sum(unpaid_interest()), Value(Decimal(0)), output_field=WIDE),
            m_per_rate=Coalesce(
                Sum(
                    ExpressionWrapper(unpaid_interest() / F("loan__annual_rate"), output_field=WIDE),
                    filter=Q(due_date__gt=as_of, due_date__lte=year, loan__annual_rate__gt=0),
                ),
                Value(Decimal(0)),
                output_field=WIDE,
            ),
        )
    )
    objects = [
        LiquidityBucket(
            as_of=as_of,
            bucket=row["m_bucket"],
            rate_type=row["m_rate_type"],
            principal=quantize_money(row["m_principal"]),
            interest=quantize_money(row["m_interest"]),
            interest_per_rate=Decimal(row["m_per_rate"]).quantize(Decimal("0.0001"), rounding=ROUND_HALF_UP),
        )
        for row in rows
    ]
    LiquidityBucket.objects.bulk_create(objects)
    return len(objects)


def ladder(as_of: dt.date) -> dict:
    """The ladder of a date: per bucket (in order) principal, interest and total per rate type
    and together; zeros where nothing falls."""
    zero = Decimal("0.00")
    table = {b: {t: {"principal": zero, "interest": zero} for t in RATE_TYPES} for b in LADDER}
    for row in LiquidityBucket.objects.filter(as_of=as_of):
        cell = table.setdefault(row.bucket, {}).setdefault(
            row.rate_type, {"principal": zero, "interest": zero}
        )
        cell["principal"] += row.principal
        cell["interest"] += row.interest
    return {
        "as_of": as_of,
        "buckets": [
            {
                "bucket": bucket,
                **{
                    rate_type: {
                        **cells[rate_type],
                        "total": cells[rate_type]["principal"] + cells[rate_type]["interest"],
                    }
                    for rate_type in RATE_TYPES
                },
                "total": sum((c["principal"] + c["interest"] for c in cells.values()), zero),
            }
            for bucket, cells in table.items()
        ],
    }


def sensitivity(as_of: dt.date, shocks: tuple[int, ...] = SHOCKS_BP) -> dict:
    """Next-12-month interest income and its change for each LPR move (basis points), floating
    book only (fixed: zero), money half-up to 0.01."""
    rows = LiquidityBucket.objects.filter(as_of=as_of, bucket__in=("0-1m", "1-3m", "3-12m"))
    base = {t: Decimal("0.00") for t in RATE_TYPES}
    per_rate = Decimal(0)
    for row in rows:
        base[row.rate_type] = base.get(row.rate_type, Decimal("0.00")) + row.interest
        if row.rate_type == FLOATING:
            per_rate += row.interest_per_rate
    return {
        "as_of": as_of,
        "interest_12m": base,
        "shocks": [
            {
                "bp": bp,
                "floating_change": quantize_money(per_rate * bp / Decimal(10000)),
                "fixed_change": Decimal("0.00"),
            }
            for bp in shocks
        ],
    }


def latest_date() -> dt.date | None:
    return LiquidityBucket.objects.order_by("-as_of").values_list("as_of", flat=True).first()
