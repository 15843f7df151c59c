"""Experiment statistics on scipy: sample-ratio mismatch, the two-proportion test with a
confidence interval for the difference, Holm's correction and the sample size for a minimum
detectable effect. Nothing here declares a winner without its test.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from scipy import stats

SRM_ALPHA = 0.001  # a sample-ratio mismatch is flagged below this p-value


@dataclass(frozen=True)
class Arm:
    name: str
    assigned: int
    converted: int

    @property
    def rate(self) -> float:
        return self.converted / self.assigned if self.assigned else 0.0


def srm_p_value(assigned: list[int], weights: list[float] | None = None) -> float | None:
    """χ² goodness of fit of the arms' sizes against the planned split (equal by default)."""
    total = sum(assigned)
    if len(assigned) < 2 or total == 0:
        return None
    weights = weights or [1.0] * len(assigned)
    expected = [total * w / sum(weights) for w in weights]
    return float(stats.chisquare(assigned, f_exp=expected).pvalue)


def two_proportions(control: Arm, treatment: Arm, *, confidence: float = 0.95) -> dict:
    """Difference of the treatment's rate over the control's: Pearson's χ² test on the 2×2 table
    without continuity correction (the two-proportion z-test), Fisher's exact test when an
    expected count is below 5, and the Wald interval for the difference."""
    if not control.assigned or not treatment.assigned:
        return {"difference": None, "ci_low": None, "ci_high": None, "p_value": None, "test": None}
    table = [
        [treatment.converted, treatment.assigned - treatment.converted],
        [control.converted, control.assigned - control.converted],
    ]
    if min(min(row) for row in table) == 0 and (treatment.converted + control.converted) in (
        0,
        treatment.assigned + control.assigned,
    ):
        p_value, test = 1.0, "none"  # nobody (or everybody) converted: no evidence of a difference
    else:
        chi2 = stats.chi2_contingency(table, correction=False)
        if (chi2.expected_freq < 5).any():
            p_value, test = float(stats.fisher_exact(table).pvalue), "fisher_exact"
        else:
            p_value, test = float(chi2.pvalue), "chi2"
    difference = treatment.rate - control.rate
    se = math.sqrt(
        control.rate * (1 - control.rate) / control.assigned
        + treatment.rate * (1 - treatment.rate) / treatment.assigned
    )
    z = float(stats.norm.ppf(1 - (1 - confidence) / 2))
    return {
        "difference": difference,
        "ci_low": difference - z * se,
        "ci_high": difference + z * se,
        "p_value": p_value,
        "test": test,
    }


def holm(p_values: list[float]) -> list[float]:
    """Holm–Bonferroni adjusted p-values (step-down, monotone, capped at 1), in input order."""
    order = sorted(range(len(p_values)), key=lambda i: p_values[i])
    adjusted = [0.0] * len(p_values)
    running = 0.0
    m = len(p_values)
    for rank, index in enumerate(order):
        running = max(running, min(1.0, (m - rank) * p_values[index]))
        adjusted[index] = running
    return adjusted


def sample_size_per_arm(baseline: float, mde: float, *, alpha: float = 0.05, power: float = 0.8) -> int:
    """Members per arm to detect an absolute lift `mde` over `baseline` (two-sided, equal arms):
    n = (z_{1-α/2}·√(2·p̄(1-p̄)) + z_{power}·√(p1(1-p1)+p2(1-p2)))² / mde²."""
    p1, p2 = baseline, baseline + mde
    if not (0 < p1 < 1 and 0 < p2 < 1) or mde == 0:
        raise ValueError("baseline and baseline + mde must lie strictly between 0 and 1")
    pooled = (p1 + p2) / 2
    z_alpha = stats.norm.ppf(1 - alpha / 2)
    z_beta = stats.norm.ppf(power)
    n = (
        z_alpha * math.sqrt(2 * pooled * (1 - pooled)) + z_beta * math.sqrt(p1 * (1 - p1) + p2 * (1 - p2))
    ) ** 2 / mde**2
    return math.ceil(n)
