"""Reproducible scorecard training and validation (no Django).

Pipeline: LoanHub feature records → model inputs (risk.mapping) → a stratified 25 % hold-out is
set aside → on the 75 % development set: monotonic binning per input (risk.scorecard.binning),
weights of evidence, information-value screening, logistic regression on the WOEs (inputs whose
coefficient takes the wrong sign are dropped and the model refitted), integer points by the
scaling. Out-of-fold scores of a stratified 5-fold cross-validation (every fold re-bins and
refits, so nothing leaks) calibrate the PD (isotonic regression, risk.scorecard.calibration) and
place the grade cut-offs on the calibration's steps, so the out-of-fold bad rate rises with the
grade. The hold-out is
scored once by the final model. Everything is seeded.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass

import numpy as np
import pandas as pd
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedKFold, train_test_split

from risk import mapping
from risk.choices import GRADES
from risk.scorecard import metrics
from risk.scorecard.binning import Binner, BinSpec, get_binner
from risk.scorecard.calibration import calibrate, calibration_figures, cross_fitted_pd, grade_cuts
from risk.scorecard.model import ARTIFACT_FORMAT, Scorecard
from risk.scorecard.scaling import Scaling

DEFAULT_SEED = 20260515
IV_MIN = 0.02
HOLDOUT_SHARE = 0.25
FOLDS = 5
_SMOOTH = 0.5  # added to good and bad counts so an empty side gives a finite WOE


@dataclass(frozen=True)
class TrainingResult:
    artifact: dict
    report: dict
    seconds: float


def _woe(goods: float, bads: float, total_goods: float, total_bads: float) -> float:
    return math.log(
        ((goods + _SMOOTH) / (total_goods + _SMOOTH)) / ((bads + _SMOOTH) / (total_bads + _SMOOTH))
    )


def _fmt(value: float) -> str:
    return f"{value:g}"


def _fit_feature(name: str, kind: str, x: pd.Series, y: np.ndarray, binner: Binner) -> dict:
    """Bins, counts and WOE of one input on the development rows."""
    missing = x.isna().to_numpy()
    present_x = x[~missing]
    present_y = y[~missing]
    spec: BinSpec = binner.fit(present_x.to_numpy(), present_y, kind=kind)
    total_bads = float(y.sum())
    total_goods = float(len(y) - y.sum())
    bins = []
    if kind == "numeric":
        edges = [-math.inf, *spec.splits, math.inf]
        values = present_x.to_numpy(dtype=float)
        index = np.searchsorted(np.asarray(spec.splits, dtype=float), values, side="right")
        for i in range(len(edges) - 1):
            mask = index == i
            lower, upper = edges[i], edges[i + 1]
            label = (
                f"< {_fmt(upper)}"
                if i == 0
                else f"≥ {_fmt(lower)}"
                if upper == math.inf
                else f"[{_fmt(lower)}, {_fmt(upper)})"
            )
            bins.append(
                {
                    "label": label,
                    "upper": None if upper == math.inf else upper,
                    "count": int(mask.sum()),
                    "bads": int(present_y[mask].sum()),
                }
            )
    else:
        values = present_x.astype(str).to_numpy()
        for group in spec.groups:
            mask = np.isin(values, list(group))
            bins.append(
                {
                    "label": ", ".join(group),
                    "categories": list(group),
                    "count": int(mask.sum()),
                    "bads": int(present_y[mask].sum()),
                }
            )
    if missing.any():
        bins.append(
            {"label": "missing", "missing": True, "count": int(missing.sum()), "bads": int(y[missing].sum())}
        )
    iv = 0.0
    for b in bins:
        goods = b["count"] - b["bads"]
        b["bad_rate"] = round(b["bads"] / b["count"], 6) if b["count"] else 0.0
        b["woe"] = _woe(goods, b["bads"], total_goods, total_bads)
        iv += (
            (goods + _SMOOTH) / (total_goods + _SMOOTH) - (b["bads"] + _SMOOTH) / (total_bads + _SMOOTH)
        ) * b["woe"]
    return {"name": name, "kind": kind, "bins": bins, "iv": iv}


def _woe_column(feature: dict, x: pd.Series) -> np.ndarray:
    """WOE per row for one fitted input (same bin lookup as the runtime scorer)."""
    spec = {**feature, "bins": [{**b, "points": 0} for b in feature["bins"]]}
    from risk.scorecard.model import _Feature

    runtime = _Feature(spec)
    woes = np.asarray([b["woe"] for b in feature["bins"] if not b.get("missing")], dtype=float)
    missing_woe = next((b["woe"] for b in feature["bins"] if b.get("missing")), 0.0)
    out = np.empty(len(x))
    for row, value in enumerate(x.tolist()):
        i = runtime.index(value)
        out[row] = missing_woe if i is None else woes[i]
    return out


def fit_scorecard(
    frame: pd.DataFrame,
    y: np.ndarray,
    inputs: dict[str, str],
    *,
    binner: Binner,
    scaling: Scaling,
    seed: int,
    iv_min: float = IV_MIN,
) -> dict:
    """Bins + logistic regression + points. Returns the artifact's features and intercept."""
    fitted = [_fit_feature(name, kind, frame[name], y, binner) for name, kind in inputs.items()]
    selected = [f for f in fitted if f["iv"] >= iv_min]
    while True:
        matrix = np.column_stack([_woe_column(f, frame[f["name"]]) for f in selected])
        regression = LogisticRegression(C=1.0, max_iter=2000, random_state=seed).fit(matrix, y)
        coefficients = regression.coef_[0]
        # WOE = ln(good share / bad share), so a sensible coefficient (predicting bad) is negative.
        wrong = [i for i, c in enumerate(coefficients) if c >= 0]
        if not wrong:
            break
        del selected[wrong[0]]
    intercept = float(regression.intercept_[0])
    shift = (scaling.offset - scaling.factor * intercept) / len(selected)
    features = []
    for feature, coefficient in zip(selected, coefficients, strict=True):
        for b in feature["bins"]:
            b["points_exact"] = -scaling.factor * float(coefficient) * b["woe"] + shift
            b["points"] = int(round(b["points_exact"]))
        features.append(
            {
                "name": feature["name"],
                "kind": feature["kind"],
                "source": (mapping.FEATURES.get(feature["name"]) or mapping.DERIVED[feature["name"]]).source,
                "coefficient": float(coefficient),
                "iv": feature["iv"],
                "bins": feature["bins"],
            }
        )
    return {
        "intercept": intercept,
        "features": features,
        "screened_out": sorted({f["name"]: round(f["iv"], 4) for f in fitted if f not in selected}.items()),
    }


def _provisional(core: dict, scaling: Scaling) -> Scorecard:
    grades = [{"grade": g, "min_score": 1000 - i, "pd": 0.0} for i, g in enumerate(GRADES[:-1])]
    grades.append({"grade": "E", "min_score": None, "pd": 0.0})
    return Scorecard(
        {
            "format": ARTIFACT_FORMAT,
            "scaling": scaling.as_dict(),
            "features": core["features"],
            "grades": grades,
        }
    )


def _scores(card: Scorecard, frame: pd.DataFrame) -> np.ndarray:
    return card.score_frame(frame[list(card.inputs)])["score"].to_numpy()


def _discrimination(is_bad: np.ndarray, scores: np.ndarray) -> dict:
    value = metrics.auc(is_bad, -scores)
    return {
        "auc": round(value, 4),
        "ks": round(metrics.ks(is_bad, -scores), 4),
        "gini": round(metrics.gini(value), 4),
    }


def _grade_table(scores: np.ndarray, is_bad: np.ndarray, grades: list[dict]) -> list[dict]:
    rows, cumulative, cumulative_bads = [], 0, 0
    total, total_bads = len(scores), max(int(is_bad.sum()), 1)
    upper = None
    for g in grades:
        floor = g["min_score"]
        mask = (scores >= (floor if floor is not None else -np.inf)) & (
            scores < (upper if upper is not None else np.inf)
        )
        count, bads = int(mask.sum()), int(is_bad[mask].sum())
        cumulative += count
        cumulative_bads += bads
        rows.append(
            {
                "grade": g["grade"],
                "min_score": floor,
                "max_score": None if upper is None else upper - 1,
                "count": count,
                "bads": bads,
                "bad_rate": round(bads / count, 4) if count else None,
                "cum_count_share": round(cumulative / total, 4),
                "cum_bad_share": round(cumulative_bads / total_bads, 4),
                "pd": g["pd"],
            }
        )
        upper = floor
    return rows


def train(
    features: pd.DataFrame,
    is_bad: np.ndarray,
    inputs: dict[str, str],
    *,
    dataset: str,
    data_sha256: str,
    binner: str = "optbinning",
    seed: int = DEFAULT_SEED,
    scaling: Scaling | None = None,
) -> TrainingResult:
    started = time.perf_counter()
    scaling = scaling or Scaling()
    chosen = get_binner(binner)
    frame = mapping.model_frame(features, list(inputs))
    y = np.asarray(is_bad, dtype=int)
    dev_index, hold_index = train_test_split(
        np.arange(len(y)), test_size=HOLDOUT_SHARE, stratify=y, random_state=seed
    )
    dev, hold = frame.iloc[dev_index].reset_index(drop=True), frame.iloc[hold_index].reset_index(drop=True)
    y_dev, y_hold = y[dev_index], y[hold_index]

    # Cross-validation on the development set: every fold re-bins and refits.
    oof = np.zeros(len(y_dev))
    folds = []
    splitter = StratifiedKFold(n_splits=FOLDS, shuffle=True, random_state=seed)
    for number, (fit_rows, test_rows) in enumerate(splitter.split(dev, y_dev), start=1):
        core = fit_scorecard(
            dev.iloc[fit_rows], y_dev[fit_rows], inputs, binner=chosen, scaling=scaling, seed=seed
        )
        fold_scores = _scores(_provisional(core, scaling), dev.iloc[test_rows])
        oof[test_rows] = fold_scores
        folds.append({"fold": number, "n": len(test_rows), **_discrimination(y_dev[test_rows], fold_scores)})

    core = fit_scorecard(dev, y_dev, inputs, binner=chosen, scaling=scaling, seed=seed)
    # Calibration and grades from the out-of-fold scores (never from scores of the rows a model
    # was fitted on): isotonic regression of default on score, and grade floors moved onto its
    # steps so the bad rate rises with the grade.
    calibration = calibrate(oof, y_dev)
    grades = grade_cuts(oof, y_dev, calibration)

    artifact = {
        "format": ARTIFACT_FORMAT,
        "dataset": {
            "name": dataset,
            "sha256": data_sha256,
            "rows": int(len(y)),
            "bad_rate": round(float(y.mean()), 4),
        },
        "seed": seed,
        "binner": chosen.name,
        "scaling": scaling.as_dict(),
        "intercept": core["intercept"],
        "features": core["features"],
        "screened_out": core["screened_out"],
        "grades": grades,
        "calibration": calibration.as_artifact(),
        "feature_sources": {f["name"]: f["source"] for f in core["features"]},
    }
    card = Scorecard(artifact)
    dev_scores = _scores(card, dev)
    hold_scores = _scores(card, hold)
    cv_auc = [f["auc"] for f in folds]
    report = {
        "dataset": dataset,
        "rows": int(len(y)),
        "seed": seed,
        "binner": chosen.name,
        "features": [f["name"] for f in core["features"]],
        "cv": {
            "auc": round(float(np.mean(cv_auc)), 4),
            "auc_std": round(float(np.std(cv_auc)), 4),
            "ks": round(float(np.mean([f["ks"] for f in folds])), 4),
            "gini": round(metrics.gini(float(np.mean(cv_auc))), 4),
            "folds": folds,
            "n": int(len(y_dev)),
        },
        "holdout": {
            **_discrimination(y_hold, hold_scores),
            "n": int(len(y_hold)),
            "scores": [[int(s), int(b)] for s, b in zip(hold_scores, y_hold, strict=True)],
        },
        "train": {**_discrimination(y_dev, dev_scores), "n": int(len(y_dev))},
        "psi": round(metrics.psi(dev_scores, hold_scores), 4),
        "bands": _grade_table(hold_scores, y_hold, grades),
        "bands_population": "hold-out",
        # Grades as cut: out-of-fold counts and bad rates on the development set.
        "grades": [
            {k: row[k] for k in ("grade", "count", "bads", "bad_rate", "pd")}
            for row in _grade_table(oof, y_dev, grades)
        ],
        "calibration": {
            "method": calibration.method,
            # cross-fitted: the calibrator that predicts a row was fitted without it
            "out_of_fold": calibration_figures(y_dev, cross_fitted_pd(oof, y_dev, seed=seed)),
            "holdout": calibration_figures(y_hold, calibration.predict(hold_scores)),
            # the points scaling's PD, before calibration, for comparison
            "holdout_uncalibrated": calibration_figures(
                y_hold, np.asarray([scaling.pd_from_score(s) for s in hold_scores])
            ),
        },
        "targets": {"cv_auc": 0.78, "holdout_auc": 0.75},
    }
    return TrainingResult(artifact=artifact, report=report, seconds=time.perf_counter() - started)
