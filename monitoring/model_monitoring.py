"""Model monitoring: population stability (PSI) of each scorecard and calibration by grade.

PSI. For every model that decided in the window (`LOANHUB_PSI_WINDOW_DAYS` up to the date), its
decisions are counted in the bins of its development sample (`risk.selectors.development_profile`):
the score in the sample's deciles, each feature in its scorecard bins (plus "missing"). PSI =
Σ (actual − expected) · ln(actual / expected) over the shares (`risk.scorecard.metrics.psi_counts`,
the one formula the training report uses too). Lights: below `LOANHUB_PSI_AMBER` (0.10) green, below
`LOANHUB_PSI_RED` (0.25) amber, else red — the rule of thumb of Siddiqi, *Credit Risk Scorecards*
(Wiley, 2006), ch. 11, restated by Yurdakul, *Statistical Properties of Population Stability Index*
(Western Michigan University dissertation, 2018).

Calibration. Loans disbursed at least `LOANHUB_CALIBRATION_OUTCOME_MONTHS` before the date, by
grade at origination: the share first 30+ days past due within that window (the realised bad rate)
against the champion's predicted PD of the grade, with the 95 % Wilson score interval (scipy's
`binomtest(...).proportion_ci(method="wilson")`; Wilson, JASA 22 (1927); Newcombe, Statistics in
Medicine 17 (1998) 857–872). Red when the predicted PD lies outside the interval, amber when the
grade has fewer than `LOANHUB_CALIBRATION_MIN_LOANS` loans, green otherwise.

Discrimination. On the same loans and outcome as the calibration, how well the PD at origination
ranked them: AUC (`sklearn.metrics.roc_auc_score`), Gini = 2·AUC − 1 and KS = max(TPR − FPR) over
the ROC curve — the training report's own formulas (`risk.scorecard.metrics`). Nothing is written
until both good and bad loans have matured.

All replace their rows of the date, so a date run twice writes them once.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from decimal import ROUND_HALF_UP, Decimal

import numpy as np
from dateutil.relativedelta import relativedelta
from django.conf import settings
from django.db.models import Count
from django.utils import timezone
from scipy.stats import binomtest

from monitoring.models import CalibrationGrade, DelinquencyOnset, Discrimination, Light, ModelStability
from risk import selectors as risk
from risk.scorecard import metrics
from risk.scorecard.metrics import psi_counts
from risk.scorecard.model import ArtifactError
from servicing import selectors as servicing

SHARE = Decimal("0.0001")
WILSON_CONFIDENCE = 0.95

# Development profiles by artifact SHA-256 (a profile re-scores the training data: ~0.1 s).
_profiles: dict[str, dict] = {}


def _q(value: float | Decimal) -> Decimal:
    return Decimal(str(value)).quantize(SHARE, rounding=ROUND_HALF_UP)


def psi_light(psi: Decimal) -> str:
    if psi >= settings.LOANHUB_PSI_RED:
        return Light.RED
    if psi >= settings.LOANHUB_PSI_AMBER:
        return Light.AMBER
    return Light.GREEN


def score_edges(expected_scores: list[int], buckets: int = 10) -> list[float]:
    """The inner edges of the development scores' deciles (duplicates merged), as in training."""
    return [float(e) for e in np.unique(np.quantile(expected_scores, np.linspace(0, 1, buckets + 1)[1:-1]))]


def score_bin_labels(edges: list[float]) -> list[str]:
    bounds = [f"{e:g}" for e in edges]
    if not bounds:
        return ["all"]
    return [
        f"< {bounds[0]}",
        *(f"[{a}, {b})" for a, b in zip(bounds, bounds[1:], strict=False)),
        f"≥ {bounds[-1]}",
    ]


def stability(expected: list, actual: list, order: list) -> tuple[Decimal, list[dict]]:
    """PSI (4 places) of `actual` labels against `expected` labels over the bins `order`, and
    the bins with both shares."""
    e_counts, a_counts = Counter(expected), Counter(actual)
    e = np.asarray([e_counts[b] for b in order], dtype=float)
    a = np.asarray([a_counts[b] for b in order], dtype=float)
    psi = _q(psi_counts(e, a))
    bins = [
        {
            "bin": str(name),
            "expected_share": str(_q(e_i / e.sum())),
            "actual_share": str(_q(a_i / a.sum())),
        }
        for name, e_i, a_i in zip(order, e, a, strict=True)
    ]
    return psi, bins


def _day_start(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


def _profile(model) -> dict:
    profile = _profiles.get(model.artifact_sha256)
    if profile is None:
        profile = risk.development_profile(model)
        _profiles[model.artifact_sha256] = profile
    return profile


def stability_build(*, as_of: dt.date) -> int:
    """Replace the date's PSI rows: for each model that decided in the window, the score's and
    each feature's PSI against its development sample. The number of rows written."""
    window_start = as_of - dt.timedelta(days=settings.LOANHUB_PSI_WINDOW_DAYS - 1)
    since, until = _day_start(window_start), _day_start(as_of + dt.timedelta(days=1))
    ModelStability.objects.filter(as_of=as_of).delete()
    rows = []
    for model in risk.models_with_decisions(since=since, until=until):
        try:
            profile = _profile(model)
        except ArtifactError:
            continue  # a model that cannot be trusted is shown by the registry, not here
        actual = risk.decisions_profile(model, since=since, until=until)
        if not actual["scores"]:
            continue
        edges = score_edges(profile["scores"])
        labels = score_bin_labels(edges)

        def binned(scores, edges=edges, labels=labels):
            return [labels[i] for i in np.searchsorted(edges, scores, side="right")]

        targets = {ModelStability.SCORE: (binned(profile["scores"]), binned(actual["scores"]), labels)}
        for name, order in profile["bin_order"].items():
            targets[name] = (profile["bins"][name], actual["bins"].get(name, []), order)
        for target, (expected, observed, order) in targets.items():
            if not observed:
                continue
            psi, bins = stability(expected, observed, order)
            rows.append(
                ModelStability(
                    as_of=as_of,
                    model_version=model.version,
                    target=target,
                    window_start=window_start,
                    decisions=len(observed),
                    psi=psi,
                    light=psi_light(psi),
                    bins=bins,
                )
            )
    ModelStability.objects.bulk_create(rows)
    return len(rows)


def wilson_interval(bads: int, loans: int) -> tuple[Decimal, Decimal]:
    """The 95 % Wilson score interval of bads/loans, to 4 places (scipy)."""
    interval = binomtest(bads, loans).proportion_ci(confidence_level=WILSON_CONFIDENCE, method="wilson")
    return _q(interval.low), _q(interval.high)


def calibration_light(*, predicted: Decimal, loans: int, low: Decimal | None, high: Decimal | None) -> str:
    if loans < settings.LOANHUB_CALIBRATION_MIN_LOANS or low is None:
        return Light.AMBER
    return Light.GREEN if low <= predicted <= high else Light.RED


def calibration_build(*, as_of: dt.date) -> int:
    """Replace the date's calibration rows (see the module); nothing without a champion."""
    CalibrationGrade.objects.filter(as_of=as_of).delete()
    try:
        model = risk.champion_get()
        predicted = risk.grade_pds(model)
    except ArtifactError:
        return 0
    months = settings.LOANHUB_CALIBRATION_OUTCOME_MONTHS
    cutoff = as_of - relativedelta(months=months)
    loans = dict(
        servicing.loans_disbursed_through(cutoff)
        .values_list("risk_grade")
        .annotate(n=Count("pk"))
        .values_list("risk_grade", "n")
    )
    bads: Counter = Counter()
    onsets = DelinquencyOnset.objects.filter(start_date__lte=cutoff, first_dpd30__lte=as_of).values_list(
        "risk_grade", "start_date", "first_dpd30"
    )
    for grade, start, onset in onsets.iterator():
        if onset < start + relativedelta(months=months):
            bads[grade] += 1
    rows = []
    for grade, pd in sorted(predicted.items()):
        n, k = loans.get(grade, 0), bads.get(grade, 0)
        low, high = wilson_interval(k, n) if n else (None, None)
        rows.append(
            CalibrationGrade(
                as_of=as_of,
                model_version=model.version,
                grade=grade,
                predicted_pd=pd,
                loans=n,
                bads=k,
                bad_rate=_q(Decimal(k) / n) if n else None,
                ci_low=low,
                ci_high=high,
                light=calibration_light(predicted=pd, loans=n, low=low, high=high),
            )
        )
    CalibrationGrade.objects.bulk_create(rows)
    return len(rows)


def discrimination_build(*, as_of: dt.date) -> int:
    """Replace the date's Gini/KS row (see the module); 1 when written, 0 when the matured loans
    are not yet both good and bad."""
    Discrimination.objects.filter(as_of=as_of).delete()
    months = settings.LOANHUB_CALIBRATION_OUTCOME_MONTHS
    cutoff = as_of - relativedelta(months=months)
    bad_ids = {
        loan_id
        for loan_id, start, onset in DelinquencyOnset.objects.filter(
            start_date__lte=cutoff, first_dpd30__lte=as_of
        )
        .values_list("loan_id", "start_date", "first_dpd30")
        .iterator()
        if onset < start + relativedelta(months=months)
    }
    rows = np.asarray(list(servicing.loans_disbursed_through(cutoff).values_list("pk", "pd")), dtype=object)
    if not len(rows):
        return 0
    is_bad = np.fromiter((pk in bad_ids for pk in rows[:, 0]), dtype=bool, count=len(rows))
    if is_bad.all() or not is_bad.any():
        return 0
    risk_score = rows[:, 1].astype(float)
    auc = metrics.auc(is_bad, risk_score)
    Discrimination.objects.create(
        as_of=as_of,
        model_version=risk.champion_version(),
        loans=len(rows),
        bads=int(is_bad.sum()),
        auc=_q(auc),
        gini=_q(metrics.gini(auc)),
        ks=_q(metrics.ks(is_bad, risk_score)),
    )
    return 1


def discrimination_latest() -> Discrimination | None:
    return Discrimination.objects.order_by("-as_of").first()
