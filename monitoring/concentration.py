"""Concentration exposure: what the book holds in each slice a limit caps (`risk.concentration`).

`exposure(dimension, key)` is the exposure source monitoring registers with risk (the decision
check): principal outstanding in the slice and in the whole book at the last date monitored.
`exposures_build(as_of)` is the daily check: for every active limit, the slice it caps (for a
single-borrower limit, the largest borrower; for a customer-group limit without a code, the
largest group: the sum over its members' loans) against the limit, breaches marked.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.db.models import Sum

from monitoring.models import ConcentrationExposure, PortfolioMix, PortfolioTotal
from risk import concentration as risk_concentration
from risk.choices import LimitDimension
from servicing import selectors as servicing

ZERO = Decimal("0.00")
# Dimension → the snapshot's path to it.
_PATHS = {
    LimitDimension.PRODUCT: "loan__product_version__product__code",
    LimitDimension.INDUSTRY: "loan__customer__industry",
    LimitDimension.REGION: "loan__customer__region",
    LimitDimension.BORROWER: "loan__customer_id",
    # The group as it is now: a member's loans count with the group's from the day it joins.
    LimitDimension.CUSTOMER_GROUP: "loan__customer__group__code",
}
# Dimensions whose limit without a key caps every slice: the daily check shows the largest.
_EVERY = (LimitDimension.BORROWER, LimitDimension.CUSTOMER_GROUP)
# Dimension → the column of the date's PortfolioMix rollup, read instead of the snapshots.
_MIX_COLUMNS = {
    LimitDimension.PRODUCT: "product",
    LimitDimension.INDUSTRY: "industry",
    LimitDimension.REGION: "region",
}


def _latest() -> dt.date | None:
    return PortfolioTotal.objects.order_by("-business_date").values_list("business_date", flat=True).first()


def _book(as_of: dt.date) -> Decimal:
    return PortfolioTotal.objects.filter(business_date=as_of).aggregate(b=Sum("balance"))["b"] or ZERO


def _slice(as_of: dt.date, dimension: str, key: str) -> Decimal:
    mix = PortfolioMix.objects.filter(business_date=as_of)
    if dimension in _MIX_COLUMNS and mix.exists():
        # A few hundred rows a date, where the snapshots are one per loan (the decision check
        # asks at every application). Dates monitored before the rollup existed scan snapshots.
        return mix.filter(**{_MIX_COLUMNS[dimension]: key}).aggregate(b=Sum("balance"))["b"] or ZERO
    snapshots = servicing.snapshots_on(as_of).filter(**{_PATHS[dimension]: key})
    return snapshots.aggregate(b=Sum("principal_outstanding"))["b"] or ZERO


def exposure(*, dimension: str, key: str, as_of: dt.date | None = None) -> risk_concentration.Exposure:
    """The slice's and the book's principal outstanding at `as_of` (default: the last date
    monitored; before any, nothing)."""
    as_of = as_of or _latest()
    if as_of is None:
        return risk_concentration.Exposure(ZERO, ZERO)
    return risk_concentration.Exposure(_slice(as_of, dimension, key), _book(as_of))


def _largest(as_of: dt.date, dimension: str) -> tuple[str, Decimal]:
    """The largest borrower or group of the date and its exposure (one grouped query); loans of
    customers in no group are no group's."""
    path = _PATHS[dimension]
    row = (
        servicing.snapshots_on(as_of)
        .filter(**{f"{path}__isnull": False})
        .values(path)
        .annotate(b=Sum("principal_outstanding"))
        .order_by("-b", path)
        .values_list(path, "b")
        .first()
    )
    return (str(row[0]), row[1]) if row else ("", ZERO)


def exposures_build(*, as_of: dt.date) -> int:
    """Replace the date's exposure rows, one per active limit; the number written."""
    ConcentrationExposure.objects.filter(as_of=as_of).delete()
    book = _book(as_of)
    rows = []
    for limit in risk_concentration.limits_active():
        if limit.dimension in _EVERY and not limit.key:
            key, amount = _largest(as_of, limit.dimension)
        else:
            key, amount = limit.key, _slice(as_of, limit.dimension, limit.key)
        value = risk_concentration.measure(limit, risk_concentration.Exposure(amount, book))
        rows.append(
            ConcentrationExposure(
                as_of=as_of,
                limit_id=limit.pk,
                dimension=limit.dimension,
                key=key,
                basis=limit.basis,
                severity=limit.severity,
                threshold=limit.threshold,
                exposure=amount,
                book=book,
                value=value,
                breached=risk_concentration.breaches(limit, value),
            )
        )
    ConcentrationExposure.objects.bulk_create(rows)
    return len(rows)
