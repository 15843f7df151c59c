"""PD calibration and grade cut-offs from out-of-fold scores (no Django).

The points scaling turns a score into a PD through the regression's log-odds, which a 5-fold
cross-validation shows to be optimistic and, over a few hundred rows, not monotone per grade when
the cut-offs are fixed population shares. Here, on the out-of-fold scores of the development set:

- an isotonic regression of default on score (scikit-learn, decreasing) gives the calibrated PD,
  a step function of the score (Zadrozny & Elkan 2002; scikit-learn's `CalibratedClassifierCV`
  with method="isotonic" is the same fit);
- each grade floor is the calibration step nearest to the target population share (A 20 %,
  B 45 %, C 70 %, D 85 % at or above its floor). As every grade is then a run of whole steps and
  the steps' bad rates fall strictly with the score, the out-of-fold bad rate rises strictly from
  A to E by construction;
- calibration figures: Brier score and expected calibration error (10 equal-width PD bins,
  Naeini et al. 2015). The out-of-fold figures are cross-fitted (the calibrator that predicts a
  row never saw it), so they are honest; the hold-out figures use the final calibrator.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from sklearn.isotonic import IsotonicRegression
from sklearn.model_selection import StratifiedKFold

from risk.choices import GRADES

# Share of the development population at or above each grade's floor (A best … E worst); the
# floors land on the calibration step nearest to these targets.
GRADE_QUANTILES = {"A": 0.20, "B": 0.45, "C": 0.70, "D": 0.85}
ECE_BINS = 10
CALIBRATION_FOLDS = 5


class CalibrationError(ValueError):
    """The out-of-fold scores have too few calibration steps to cut five ordered grades."""


@dataclass(frozen=True)
class Calibration:
    """An isotonic map score → PD: PD at each threshold score, linear in between, flat outside."""

    method: str
    scores: tuple[float, ...]
    pds: tuple[float, ...]

    def predict(self, scores) -> np.ndarray:
        return np.interp(np.asarray(scores, dtype=float), self.scores, self.pds)

    def steps(self, observed: np.ndarray) -> list[int]:
        """The observed scores where the calibrated PD drops (a new step starts), descending."""
        unique = np.unique(observed)
        fitted = self.predict(unique)
        return [int(unique[i]) for i in range(len(unique) - 1, 0, -1) if fitted[i] < fitted[i - 1]]

    def as_artifact(self) -> dict:
        return {"method": self.method, "scores": list(self.scores), "pds": list(self.pds)}


def _fit(scores: np.ndarray, is_bad: np.ndarray) -> Calibration:
    model = IsotonicRegression(increasing=False, out_of_bounds="clip", y_min=0.0, y_max=1.0)
    model.fit(np.asarray(scores, dtype=float), np.asarray(is_bad, dtype=float))
    return Calibration(
        method="isotonic",
        scores=tuple(float(x) for x in model.X_thresholds_),
        pds=tuple(round(float(y), 6) for y in model.y_thresholds_),
    )


def calibrate(oof_scores: np.ndarray, is_bad: np.ndarray) -> Calibration:
    return _fit(oof_scores, is_bad)


def grade_cuts(oof_scores: np.ndarray, is_bad: np.ndarray, calibration: Calibration) -> list[dict]:
    """Five grades A…E: floors on calibration steps nearest the target shares, PD per grade its
    out-of-fold bad rate (smoothed by ½ bad in one more row, so no grade has a PD of 0)."""
    steps = calibration.steps(oof_scores)  # descending
    targets = [GRADE_QUANTILES[g] for g in GRADES[:-1]]
    if len(steps) < len(targets):
        raise CalibrationError(f"{len(steps)} calibration steps; {len(targets)} grade floors needed")
    shares = [float(np.mean(oof_scores >= s)) for s in steps]
    floors, start = [], 0
    for k, target in enumerate(targets):
        last = len(steps) - (len(targets) - k)  # leave a step for each later floor
        best = min(range(start, last + 1), key=lambda i: (abs(shares[i] - target), i))
        floors.append(steps[best])
        start = best + 1
    grades, upper, previous_pd = [], np.inf, 0.0
    for grade, floor in zip(GRADES, [*floors, None], strict=True):
        low = -np.inf if floor is None else floor
        mask = (oof_scores >= low) & (oof_scores < upper)
        observed = (is_bad[mask].sum() + 0.5) / (mask.sum() + 1)
        previous_pd = max(previous_pd, float(observed))
        grades.append({"grade": grade, "min_score": floor, "pd": round(previous_pd, 4)})
        upper = low
    return grades


def brier(is_bad: np.ndarray, pd: np.ndarray) -> float:
    return float(np.mean((np.asarray(pd, dtype=float) - is_bad) ** 2))


def expected_calibration_error(is_bad: np.ndarray, pd: np.ndarray, *, bins: int = ECE_BINS) -> float:
    """Σ over equal-width PD bins of (rows in bin / rows) × |observed bad rate − mean PD|."""
    pd = np.asarray(pd, dtype=float)
    index = np.minimum((pd * bins).astype(int), bins - 1)
    total = 0.0
    for b in range(bins):
        mask = index == b
        if mask.any():
            total += mask.mean() * abs(float(is_bad[mask].mean()) - float(pd[mask].mean()))
    return total


def calibration_figures(is_bad: np.ndarray, pd: np.ndarray) -> dict:
    return {
        "n": int(len(is_bad)),
        "brier": round(brier(is_bad, pd), 4),
        "ece": round(expected_calibration_error(is_bad, pd), 4),
        "mean_pd": round(float(np.mean(pd)), 4),
        "bad_rate": round(float(np.mean(is_bad)), 4),
    }


def cross_fitted_pd(oof_scores: np.ndarray, is_bad: np.ndarray, *, seed: int) -> np.ndarray:
    """Calibrated PD of each row from a calibrator fitted on the other folds' rows only."""
    out = np.zeros(len(is_bad))
    splitter = StratifiedKFold(n_splits=CALIBRATION_FOLDS, shuffle=True, random_state=seed)
    for fit_rows, test_rows in splitter.split(oof_scores.reshape(-1, 1), is_bad):
        out[test_rows] = _fit(oof_scores[fit_rows], is_bad[fit_rows]).predict(oof_scores[test_rows])
    return out
