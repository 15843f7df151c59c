"""Reads of monitoring: the figures the API and the dashboard show, from the aggregates only —
the book's totals, series and provisions from the per-date rollup `PortfolioTotal` (a few dozen
rows a date), never from `PortfolioDay`'s slices or the loans."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings
from django.db.models import Count, Q, Subquery, Sum

from monitoring.models import (
    WARNING_LIVE,
    CalibrationGrade,
    ClassificationMigration,
    ConcentrationExposure,
    DecisionMonth,
    EarlyWarning,
    ModelStability,
    PortfolioTotal,
    RollRate,
    VintagePoint,
    WarningStatus,
)
from risk.choices import GRADES, Outcome
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
    one, `closed` for loans that left the book paid off, `written_off` for those written off.
    None when the month has no figures."""
    rows = list(RollRate.objects.filter(month=month).values_list("from_bucket", "to_bucket", "loans"))
    if not rows:
        return None
    totals: dict[str, int] = defaultdict(int)
    for source, _target, loans in rows:
        totals[source] += loans
    order = {name: n for n, name in enumerate([*bucket_names(), *RollRate.LEFT_BOOK])}
    matrix: dict[str, dict[str, Decimal]] = {}
    for source, target, loans in sorted(rows, key=lambda r: (order.get(r[0], 99), order.get(r[1], 99))):
        matrix.setdefault(source, {})[target] = _ratio(loans, totals[source])
    return {"month": month, "from_buckets": matrix}


def current_bucket() -> str:
    """The bucket of loans not past due (the first configured one, from 0 days)."""
    return bucket_names()[0]


def _cure_cells(rows) -> dict:
    """From roll-rate rows (from_bucket, to_bucket, loans, balance) of one month: for each
    delinquent bucket at the previous month end, and for all of them together ("delinquent"),
    the loans and balance, those cured (current or closed — paid off — at the month end), those
    written off, and the cured shares by count and by balance (None with nothing to divide)."""
    current = current_bucket()
    cured_targets = {current, RollRate.CLOSED}
    order = {name: n for n, name in enumerate(bucket_names())}
    cells: dict[str, dict] = {}
    for source, target, loans, balance in sorted(rows, key=lambda r: order.get(r[0], 99)):
        if source == current:
            continue
        for key in (source, DELINQUENT):
            cell = cells.setdefault(
                key,
                {
                    "loans": 0,
                    "balance": ZERO,
                    "cured_loans": 0,
                    "cured_balance": ZERO,
                    "paid_off_loans": 0,
                    "written_off_loans": 0,
                },
            )
            cell["loans"] += loans
            cell["balance"] += balance
            if target in cured_targets:
                cell["cured_loans"] += loans
                cell["cured_balance"] += balance
            if target == RollRate.CLOSED:
                cell["paid_off_loans"] += loans
            elif target == RollRate.WRITTEN_OFF:
                cell["written_off_loans"] += loans
    for cell in cells.values():
        cell["loans_share"] = _ratio(cell["cured_loans"], cell["loans"])
        cell["balance_share"] = _ratio(cell["cured_balance"], cell["balance"])
    if DELINQUENT in cells:  # last, after the buckets
        cells[DELINQUENT] = cells.pop(DELINQUENT)
    return cells


DELINQUENT = "delinquent"


def cure_rates(month: dt.date) -> dict | None:
    """Cure rates of `month` (its first day), from its roll rates: of the loans delinquent (in a
    bucket past due) at the end of the previous month, per bucket and together, the share by count
    and by balance (principal at the previous month end) that is current or paid off at the end
    of this one. A written-off loan has not cured; it is counted apart. None without roll rates."""
    rows = list(
        RollRate.objects.filter(month=month).values_list("from_bucket", "to_bucket", "loans", "balance")
    )
    if not rows:
        return None
    return {"month": month, "from_buckets": _cure_cells(rows)}


def cure_rate_series(*, since: dt.date) -> list[dict]:
    """The cure rates of every month from `since` (one query over the roll rates)."""
    by_month: dict[dt.date, list] = defaultdict(list)
    rows = (
        RollRate.objects.filter(month__gte=since)
        .exclude(from_bucket=current_bucket())
        .values_list("month", "from_bucket", "to_bucket", "loans", "balance")
    )
    for month, *row in rows:
        by_month[month].append(row)
    return [{"month": month, "from_buckets": _cure_cells(by_month[month])} for month in sorted(by_month)]


def latest_migration_month() -> dt.date | None:
    return ClassificationMigration.objects.order_by("-month").values_list("month", flat=True).first()


def classification_migration(month: dt.date | None = None) -> dict | None:
    """The five-tier class migration of `month` (its first day; the last month with figures when
    None, read in the same query): for each class at the end of the previous month (best to
    worst), the loans and principal (at the previous month end) in each class at the end of this
    one or off the book (`closed`, `written_off`), with their shares of the from-class by count
    and by balance. None when the month has no figures."""
    if month is None:
        latest = ClassificationMigration.objects.order_by("-month").values("month")[:1]
        rows = ClassificationMigration.objects.filter(month=Subquery(latest))
    else:
        rows = ClassificationMigration.objects.filter(month=month)
    rows = list(rows.values_list("month", "from_class", "to_class", "loans", "balance"))
    if not rows:
        return None
    month = rows[0][0]
    rows = [row[1:] for row in rows]
    totals: dict[str, list] = defaultdict(lambda: [0, ZERO])
    for source, _target, loans, balance in rows:
        totals[source][0] += loans
        totals[source][1] += balance
    targets = [*Classification.values, *RollRate.LEFT_BOOK]
    order = {name: n for n, name in enumerate(targets)}
    matrix: dict[str, dict[str, dict]] = {}
    for source, target, loans, balance in sorted(
        rows, key=lambda r: (order.get(r[0], 99), order.get(r[1], 99))
    ):
        matrix.setdefault(source, {})[target] = {
            "loans": loans,
            "balance": balance,
            "loans_share": _ratio(loans, totals[source][0]),
            "balance_share": _ratio(balance, totals[source][1]),
        }
    return {
        "month": month,
        "targets": targets,
        "from_classes": matrix,
        "totals": {source: {"loans": n, "balance": b} for source, (n, b) in totals.items()},
    }


def decision_products() -> list[str]:
    """The products with counted decisions (the filter of the approval charts)."""
    return sorted(set(DecisionMonth.objects.values_list("product", flat=True).distinct()))


def decision_series(*, since: dt.date | None = None, product: str | None = None) -> list[dict]:
    """Per decision month (from `since`, of one product or all): decisions, how many the engine
    approved, referred and declined, the approval rate (approved ÷ decided), the decisions per
    grade and their shares (the score distribution) and the mean score. One query."""
    rows = DecisionMonth.objects.order_by()
    if since is not None:
        rows = rows.filter(month__gte=since)
    if product:
        rows = rows.filter(product=product)
    rows = rows.values("month", "outcome", "grade").annotate(n=Sum("decisions"), scores=Sum("score_sum"))
    months: dict[dt.date, dict] = {}
    for row in rows:
        month = months.setdefault(
            row["month"],
            {
                "month": row["month"],
                "decisions": 0,
                "outcomes": dict.fromkeys(Outcome.values, 0),
                "grades": dict.fromkeys(GRADES, 0),
                "score_sum": 0,
            },
        )
        month["decisions"] += row["n"]
        month["outcomes"][row["outcome"]] = month["outcomes"].get(row["outcome"], 0) + row["n"]
        month["grades"][row["grade"]] = month["grades"].get(row["grade"], 0) + row["n"]
        month["score_sum"] += row["scores"]
    series = []
    for key in sorted(months):
        month = months.pop(key)
        n = month.pop("decisions")
        score_sum = month.pop("score_sum")
        outcomes = month["outcomes"]
        series.append(
            {
                **month,
                "decisions": n,
                "approved": outcomes[Outcome.APPROVE],
                "referred": outcomes[Outcome.REFER],
                "declined": outcomes[Outcome.DECLINE],
                "approval_rate": _ratio(outcomes[Outcome.APPROVE], n),
                "referral_rate": _ratio(outcomes[Outcome.REFER], n),
                "decline_rate": _ratio(outcomes[Outcome.DECLINE], n),
                "grade_shares": {grade: _ratio(count, n) for grade, count in month["grades"].items()},
                "mean_score": (Decimal(score_sum) / n).quantize(Decimal("0.1"), ROUND_HALF_UP) if n else None,
            }
        )
    return series


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
