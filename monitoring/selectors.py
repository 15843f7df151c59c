"""Reads of monitoring: the figures the API and the dashboard show, from the aggregates only —
the book's totals, series and provisions from the per-date rollup `PortfolioTotal` (a few dozen
rows a date), never from `PortfolioDay`'s slices or the loans."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from decimal import Decimal

from django.conf import settings
from django.db.models import Count, Q, Sum

from monitoring.models import (
    WARNING_LIVE,
    CalibrationGrade,
    ConcentrationExposure,
    EarlyWarning,
    ModelStability,
    PortfolioTotal,
    RollRate,
    VintagePoint,
    WarningStatus,
)
from servicing.choices import NON_PERFORMING_CLASSES, Classification

ZERO = Decimal("0.00")
RATIO = Decimal("0.0001")


def bucket_names() -> list[str]:
    return [code for code, _first, _last in settings.LOANHUB_DELINQUENCY_BUCKETS]


def _ratio(part: Decimal | int, whole: Decimal | int) -> Decimal | None:
    return (Decimal(part) / Decimal(whole)).quantize(RATIO) if whole else None


def latest_portfolio_date() -> dt.date | None:
    return PortfolioTotal.objects.order_by("-business_date").values_list("business_date", flat=True).first()


def portfolio_on(as_of: dt.date) -> dict | None:
    """The book at the end of `as_of`: loans, balance, overdue, balance per bucket and per class,
    reserve, coverage ratio (reserve ÷ non-performing balance) and loan provision ratio (reserve
    ÷ balance), ratios to 4 places (None with nothing to divide by). None without figures."""
    rows = list(
        PortfolioTotal.objects.filter(business_date=as_of)
        .values("delinquency_bucket", "classification")
        .annotate(loans=Sum("loans"), balance=Sum("balance"), overdue=Sum("overdue"), reserve=Sum("reserve"))
        .order_by()
    )
    if not rows:
        return None
    buckets = dict.fromkeys(bucket_names(), ZERO)
    classes = dict.fromkeys(Classification.values, ZERO)
    loans, balance, overdue, reserve = 0, ZERO, ZERO, ZERO
    for row in rows:
        buckets[row["delinquency_bucket"]] = buckets.get(row["delinquency_bucket"], ZERO) + row["balance"]
        classes[row["classification"]] = classes.get(row["classification"], ZERO) + row["balance"]
        loans += row["loans"]
        balance += row["balance"]
        overdue += row["overdue"]
        reserve += row["reserve"]
    npl = sum((classes[klass] for klass in NON_PERFORMING_CLASSES), ZERO)
    return {
        "as_of": as_of,
        "loans": loans,
        "balance": balance,
        "overdue": overdue,
        "buckets": buckets,
        "classification": classes,
        "reserve": reserve,
        "provision_coverage_ratio": _ratio(reserve, npl),
        "loan_provision_ratio": _ratio(reserve, balance),
    }


def portfolio_series(*, since: dt.date) -> list[dict]:
    """Per date from `since`: balance per bucket and per class (the dashboard's charts)."""
    series: dict[dt.date, dict] = {}
    rows = (
        PortfolioTotal.objects.filter(business_date__gte=since)
        .values("business_date", "delinquency_bucket", "classification")
        .annotate(balance=Sum("balance"))
        .order_by("business_date")
    )
    for row in rows:
        day = series.setdefault(
            row["business_date"],
            {
                "as_of": row["business_date"],
                "buckets": dict.fromkeys(bucket_names(), ZERO),
                "classification": dict.fromkeys(Classification.values, ZERO),
            },
        )
        day["buckets"][row["delinquency_bucket"]] = (
            day["buckets"].get(row["delinquency_bucket"], ZERO) + row["balance"]
        )
        day["classification"][row["classification"]] += row["balance"]
    return list(series.values())


def latest_roll_month() -> dt.date | None:
    return RollRate.objects.order_by("-month").values_list("month", flat=True).first()


def roll_rates(month: dt.date) -> dict | None:
    """Month-end to month-end transitions of `month` (its first day): for each bucket at the end
    of the previous month, the share of those loans (by count) in each bucket at the end of this
    one, `closed` for loans that left the book. None when the month has no figures."""
    rows = list(RollRate.objects.filter(month=month).values_list("from_bucket", "to_bucket", "loans"))
    if not rows:
        return None
    totals: dict[str, int] = defaultdict(int)
    for source, _target, loans in rows:
        totals[source] += loans
    order = {name: n for n, name in enumerate([*bucket_names(), RollRate.CLOSED])}
    matrix: dict[str, dict[str, Decimal]] = {}
    for source, target, loans in sorted(rows, key=lambda r: (order.get(r[0], 99), order.get(r[1], 99))):
        matrix.setdefault(source, {})[target] = _ratio(loans, totals[source])
    return {"month": month, "from_buckets": matrix}


def vintages() -> list[dict]:
    """The vintage curves last built: per origination month, the cumulative share of its loans
    (by count) that had been 30+ days past due by each month on book."""
    curves: dict[dt.date, list[dict]] = {}
    for point in VintagePoint.objects.order_by("origination_month", "months_on_book"):
        curves.setdefault(point.origination_month, []).append(
            {"months_on_book": point.months_on_book, "dpd30_share": _ratio(point.loans_dpd30, point.loans)}
        )
    return [{"month": month, "points": points} for month, points in curves.items()]


# --- Model monitoring and concentration -------------------------------------------------------
def latest_stability_date() -> dt.date | None:
    return ModelStability.objects.order_by("-as_of").values_list("as_of", flat=True).first()


def stability_versions(as_of: dt.date) -> list[int]:
    return sorted(set(ModelStability.objects.filter(as_of=as_of).values_list("model_version", flat=True)))


def stability(*, as_of: dt.date, version: int) -> dict | None:
    """The PSI of a scorecard's score (with its bins) and of each feature on a date."""
    rows = list(ModelStability.objects.filter(as_of=as_of, model_version=version))
    score = next((r for r in rows if r.target == ModelStability.SCORE), None)
    if score is None:
        return None
    features = sorted((r for r in rows if r.target != ModelStability.SCORE), key=lambda r: r.target)
    return {
        "as_of": as_of,
        "model_version": version,
        "window_start": score.window_start,
        "decisions": score.decisions,
        "score": {"psi": score.psi, "light": score.light, "bins": score.bins},
        "features": {r.target: r.psi for r in features},
        "feature_lights": {r.target: r.light for r in features},
    }


def stability_history(*, version: int, since: dt.date) -> list[tuple[dt.date, Decimal]]:
    return list(
        ModelStability.objects.filter(model_version=version, target=ModelStability.SCORE, as_of__gte=since)
        .order_by("as_of")
        .values_list("as_of", "psi")
    )


def calibration(as_of: dt.date | None = None) -> list[CalibrationGrade]:
    as_of = as_of or CalibrationGrade.objects.order_by("-as_of").values_list("as_of", flat=True).first()
    return list(CalibrationGrade.objects.filter(as_of=as_of).order_by("grade")) if as_of else []


def concentration(as_of: dt.date | None = None) -> list[ConcentrationExposure]:
    as_of = as_of or ConcentrationExposure.objects.order_by("-as_of").values_list("as_of", flat=True).first()
    if as_of is None:
        return []
    return list(ConcentrationExposure.objects.filter(as_of=as_of).order_by("dimension", "key", "limit_id"))


def default_version(versions: list[int]) -> int | None:
    """The champion's version when it has figures, else the first version with figures."""
    from risk import selectors as risk

    champion = risk.champion_version()
    if champion in versions:
        return champion
    return versions[0] if versions else None


def provisions_on(as_of: dt.date) -> dict | None:
    """Provisions at the end of `as_of` by five-tier class and by IFRS 9 stage: balance and
    reserve of each cell, the reserve's share of the balance per class, and the book's coverage
    ratio (拨备覆盖率) and loan provision ratio (贷款拨备率) against the regulatory floors
    (`LOANHUB_MIN_PROVISION_COVERAGE`, `LOANHUB_MIN_LOAN_PROVISION_RATIO`)."""
    rows = list(
        PortfolioTotal.objects.filter(business_date=as_of)
        .values("classification", "ifrs9_stage")
        .annotate(loans=Sum("loans"), balance=Sum("balance"), reserve=Sum("reserve"))
        .order_by()
    )
    if not rows:
        return None
    stages = sorted({row["ifrs9_stage"] for row in rows} | {1, 2, 3})
    cells = {
        klass: {stage: {"loans": 0, "balance": ZERO, "reserve": ZERO} for stage in stages}
        for klass in Classification.values
    }
    for row in rows:
        cell = cells.setdefault(row["classification"], {}).setdefault(
            row["ifrs9_stage"], {"loans": 0, "balance": ZERO, "reserve": ZERO}
        )
        cell["loans"] += row["loans"]
        cell["balance"] += row["balance"]
        cell["reserve"] += row["reserve"]
    classes = []
    for klass, by_stage in cells.items():
        balance = sum((c["balance"] for c in by_stage.values()), ZERO)
        reserve = sum((c["reserve"] for c in by_stage.values()), ZERO)
        classes.append(
            {
                "classification": klass,
                "stages": by_stage,
                "balance": balance,
                "reserve": reserve,
                "reserve_ratio": _ratio(reserve, balance),
            }
        )
    balance = sum((c["balance"] for c in classes), ZERO)
    reserve = sum((c["reserve"] for c in classes), ZERO)
    npl = sum((c["balance"] for c in classes if c["classification"] in NON_PERFORMING_CLASSES), ZERO)
    coverage, ratio = _ratio(reserve, npl), _ratio(reserve, balance)
    min_coverage = settings.LOANHUB_MIN_PROVISION_COVERAGE
    min_ratio = settings.LOANHUB_MIN_LOAN_PROVISION_RATIO
    return {
        "as_of": as_of,
        "stages": stages,
        "classes": classes,
        "balance": balance,
        "reserve": reserve,
        "non_performing": npl,
        "provision_coverage_ratio": coverage,
        "loan_provision_ratio": ratio,
        "min_provision_coverage_ratio": min_coverage,
        "min_loan_provision_ratio": min_ratio,
        "coverage_ok": coverage is None or coverage >= min_coverage,
        "loan_provision_ok": ratio is None or ratio >= min_ratio,
    }


def early_warning_console_summary(*, limit: int = 5) -> dict:
    """The officers' start page: live early warnings per status (one aggregate query) and the
    highest-scored open ones."""
    counts = EarlyWarning.objects.filter(status__in=WARNING_LIVE).aggregate(
        **{status: Count("id", filter=Q(status=status)) for status in WARNING_LIVE}
    )
    labels = dict(WarningStatus.choices)
    top = list(
        EarlyWarning.objects.filter(status=WarningStatus.OPEN).order_by("-score", "-raised_on", "-id")[:limit]
    )
    return {
        "statuses": [(status, labels[status], counts[status]) for status in WARNING_LIVE],
        "live": sum(counts.values()),
        "top": top,
    }
