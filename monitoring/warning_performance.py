"""How well the warnings foresee delinquency (precision and recall), and the warnings listed."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.db.models import (
    Exists,
    OuterRef,
    QuerySet,
)

from monitoring.models import (
    DelinquencyOnset,
    EarlyWarning,
)

HORIZON_DAYS = 90  # a warning foresees 30+ days past due within this many days


def warning_performance(*, as_of: dt.date, horizon_days: int = HORIZON_DAYS) -> dict:
    """How well the warnings foretold 30+ days past due within `horizon_days`, as of `as_of`.

    - precision: of the warnings raised at least `horizon_days` before `as_of` (their window is
      over), the share whose loan first went 30+ days past due within `horizon_days` after the
      raising date;
    - recall: of the loans that first went 30+ days past due after the first warning was ever
      raised and on or before `as_of`, the share that had a warning raised in the `horizon_days`
      before that day.

    A share with nothing to divide by is None."""
    horizon = dt.timedelta(days=horizon_days)
    loans = EarlyWarning.objects.filter(loan_id__isnull=False)  # a line has no delinquency onset
    evaluated = loans.filter(raised_on__lte=as_of - horizon)
    late_soon = DelinquencyOnset.objects.filter(
        loan_id=OuterRef("loan_id"),
        first_dpd30__gt=OuterRef("raised_on"),
        first_dpd30__lte=OuterRef("raised_on") + horizon,
    )
    warnings = evaluated.count()
    true_positives = evaluated.filter(Exists(late_soon)).count()
    first = loans.order_by("raised_on").values_list("raised_on", flat=True).first()
    onsets = onsets_warned = 0
    if first is not None:
        in_period = DelinquencyOnset.objects.filter(first_dpd30__gt=first, first_dpd30__lte=as_of)
        warned_before = EarlyWarning.objects.filter(
            loan_id=OuterRef("loan_id"),
            raised_on__lt=OuterRef("first_dpd30"),
            raised_on__gte=OuterRef("first_dpd30") - horizon,
        )
        onsets = in_period.count()
        onsets_warned = in_period.filter(Exists(warned_before)).count()

    def share(part: int, whole: int) -> Decimal | None:
        return (Decimal(part) / Decimal(whole)).quantize(Decimal("0.0001")) if whole else None

    return {
        "as_of": as_of,
        "horizon_days": horizon_days,
        "warnings_evaluated": warnings,
        "true_positives": true_positives,
        "precision": share(true_positives, warnings),
        "delinquencies": onsets,
        "delinquencies_warned": onsets_warned,
        "recall": share(onsets_warned, onsets),
    }


def early_warnings_list(*, status: str | None = None) -> QuerySet[EarlyWarning]:
    queryset = EarlyWarning.objects.all()
    if status:
        queryset = queryset.filter(status=status)
    return queryset
