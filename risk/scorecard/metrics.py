"""Discrimination and stability measures: AUC, KS, Gini, PSI."""

from __future__ import annotations

import numpy as np
from sklearn.metrics import roc_auc_score, roc_curve


def auc(is_bad: np.ndarray, risk: np.ndarray) -> float:
    """Area under the ROC curve, `risk` higher for worse applicants."""
    return float(roc_auc_score(is_bad, risk))


def ks(is_bad: np.ndarray, risk: np.ndarray) -> float:
    """Kolmogorov–Smirnov: the largest gap between the bad and good cumulative distributions."""
    fpr, tpr, _ = roc_curve(is_bad, risk)
    return float(np.max(tpr - fpr))


def gini(auc_value: float) -> float:
    return 2 * auc_value - 1


def psi(expected: np.ndarray, actual: np.ndarray, *, buckets: int = 10) -> float:
    """Population stability index of `actual` against `expected`, over expected's deciles."""
    edges = np.unique(np.quantile(expected, np.linspace(0, 1, buckets + 1)[1:-1]))
    e = np.bincount(np.searchsorted(edges, expected, side="right"), minlength=len(edges) + 1)
    a = np.bincount(np.searchsorted(edges, actual, side="right"), minlength=len(edges) + 1)
    return psi_counts(e, a)


PSI_FLOOR = 1e-4  # an empty bin counts as this share (ln 0 is undefined)


def psi_counts(expected: np.ndarray, actual: np.ndarray) -> float:
    """PSI = Σ (aᵢ − eᵢ) · ln(aᵢ / eᵢ) over the bins' shares of the counts given, each share
    floored at `PSI_FLOOR` (Siddiqi, *Credit Risk Scorecards*, 2006, ch. 11; Yurdakul,
    *Statistical Properties of Population Stability Index*, 2018)."""
    e = np.asarray(expected, dtype=float)
    a = np.asarray(actual, dtype=float)
    e_share = np.clip(e / e.sum(), PSI_FLOOR, None)
    a_share = np.clip(a / a.sum(), PSI_FLOOR, None)
    return float(np.sum((a_share - e_share) * np.log(a_share / e_share)))
