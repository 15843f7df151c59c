"""Fairness checks of a scorecard across age bands and regions (pure: no Django).

From one row per decided application — age, region, approved or not, PD — each group's count,
approval rate and mean PD, and the largest gap between groups large enough to compare (groups
smaller than `min_group` are shown but left out of the gap, so one applicant cannot make a gap).
Rates are fractions rounded half-up to four places, PDs to six; both travel as strings.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

UNKNOWN = "unknown"
# Lower bounds of the age bands (years); the last is open-ended.
AGE_BANDS = ((18, "18-24"), (25, "25-34"), (35, "35-44"), (45, "45-54"), (55, "55-64"), (65, "65+"))
RATE_PLACES = Decimal("0.0001")
PD_PLACES = Decimal("0.000001")


@dataclass(frozen=True)
class Row:
    age: int | None
    region: str
    approved: bool
    pd: Decimal


def age_band(age: int | None) -> str:
    if age is None or age < AGE_BANDS[0][0]:
        return UNKNOWN
    label = UNKNOWN
    for lower, name in AGE_BANDS:
        if age >= lower:
            label = name
    return label


def _group_table(rows: list[Row], key, *, min_group: int) -> dict:
    groups: dict[str, list[Row]] = {}
    for row in rows:
        groups.setdefault(key(row), []).append(row)
    table = []
    for name in sorted(groups):
        members = groups[name]
        n = len(members)
        approved = sum(1 for r in members if r.approved)
        table.append(
            {
                "group": name,
                "n": n,
                "approved": approved,
                "approval_rate": (Decimal(approved) / n).quantize(RATE_PLACES, ROUND_HALF_UP),
                "mean_pd": (sum((r.pd for r in members), Decimal(0)) / n).quantize(PD_PLACES, ROUND_HALF_UP),
                "in_gap": n >= min_group,
            }
        )
    compared = [g for g in table if g["in_gap"]]
    approval_gap = pd_gap = None
    if len(compared) >= 2:
        rates = [g["approval_rate"] for g in compared]
        pds = [g["mean_pd"] for g in compared]
        approval_gap, pd_gap = max(rates) - min(rates), max(pds) - min(pds)
    return {"groups": table, "approval_rate_gap": approval_gap, "mean_pd_gap": pd_gap}


def fairness_summary(rows: Iterable[Row], *, min_group: int = 30) -> dict:
    """Approval rate and mean PD per age band and per region, and the largest gaps (None when
    fewer than two groups have `min_group` applicants)."""
    rows = list(rows)
    return {
        "rows": len(rows),
        "min_group": min_group,
        "age_band": _group_table(rows, lambda r: age_band(r.age), min_group=min_group),
        "region": _group_table(rows, lambda r: (r.region or "").strip() or UNKNOWN, min_group=min_group),
    }
