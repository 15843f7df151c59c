"""Monotonic binning behind a small internal interface, so the library can be replaced.

A binner turns one feature column and the bad flags into a `BinSpec`: split points for a numeric
feature (bins are right-open: (-inf, s0), [s0, s1), …, [sk, +inf)) or groups of categories. The
weights of evidence and points are computed by the training code from the counts, the same way
for every binner.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from typing import Protocol

import numpy as np

MIN_BIN_SHARE = 0.05
MAX_BINS = 6


@dataclass(frozen=True)
class BinSpec:
    kind: str  # "numeric" | "categorical"
    splits: tuple[float, ...] = ()
    groups: tuple[tuple[str, ...], ...] = ()


class Binner(Protocol):
    name: str

    def fit(self, x: np.ndarray, y: np.ndarray, *, kind: str) -> BinSpec: ...


class OptBinningBinner:
    """optbinning's constraint-programming optimal binning; numeric bins monotonic in bad rate."""

    name = "optbinning"

    def fit(self, x: np.ndarray, y: np.ndarray, *, kind: str) -> BinSpec:
        from optbinning import OptimalBinning

        if kind == "numeric":
            binning = OptimalBinning(
                dtype="numerical",
                solver="cp",
                monotonic_trend="auto_asc_desc",
                min_bin_size=MIN_BIN_SHARE,
                max_n_bins=MAX_BINS,
            )
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                binning.fit(np.asarray(x, dtype=float), np.asarray(y, dtype=int))
            return BinSpec("numeric", splits=tuple(float(s) for s in binning.splits))
        binning = OptimalBinning(
            dtype="categorical", solver="cp", min_bin_size=MIN_BIN_SHARE, max_n_bins=MAX_BINS
        )
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            binning.fit(np.asarray(x, dtype=object).astype(str), np.asarray(y, dtype=int))
        groups = tuple(tuple(sorted(str(c) for c in group)) for group in binning.splits)
        seen = {c for group in groups for c in group}
        leftovers = tuple(sorted(set(map(str, x)) - seen))
        if leftovers:  # optbinning may leave very rare categories out; keep them in a bin of their own
            groups = (*groups, leftovers)
        return BinSpec("categorical", groups=groups)


class MonotonicBinner:
    """A small dependency-free fallback: quantile pre-bins merged until bad rates are monotonic.

    Numeric: up to 20 quantile pre-bins; adjacent bins are merged while a bin is smaller than
    MIN_BIN_SHARE or the bad rate breaks the trend (its direction is the sign of the correlation
    between the feature and the bad flag), then the closest pair is merged until MAX_BINS remain.
    Categorical: categories sorted by bad rate, small ones merged into their neighbour.
    """

    name = "monotonic"

    def fit(self, x: np.ndarray, y: np.ndarray, *, kind: str) -> BinSpec:
        y = np.asarray(y, dtype=int)
        if kind == "numeric":
            return self._numeric(np.asarray(x, dtype=float), y)
        return self._categorical(np.asarray(x, dtype=object).astype(str), y)

    @staticmethod
    def _merge(bins: list[list], ascending: bool | None, min_count: float) -> list[list]:
        # bins: [label_or_splitpoint, count, bads]; merge in place until rules hold.
        def rate(b):
            return b[2] / b[1] if b[1] else 0.0

        changed = True
        while changed and len(bins) > 1:
            changed = False
            for i in range(len(bins) - 1):
                small = bins[i][1] < min_count or bins[i + 1][1] < min_count
                broken = ascending is not None and (
                    (ascending and rate(bins[i + 1]) < rate(bins[i]))
                    or (not ascending and rate(bins[i + 1]) > rate(bins[i]))
                )
                if small or broken:
                    bins[i] = [
                        bins[i][0] + bins[i + 1][0],
                        bins[i][1] + bins[i + 1][1],
                        bins[i][2] + bins[i + 1][2],
                    ]
                    del bins[i + 1]
                    changed = True
                    break
        while len(bins) > MAX_BINS:
            gaps = [abs(rate(bins[i + 1]) - rate(bins[i])) for i in range(len(bins) - 1)]
            i = int(np.argmin(gaps))
            bins[i] = [bins[i][0] + bins[i + 1][0], bins[i][1] + bins[i + 1][1], bins[i][2] + bins[i + 1][2]]
            del bins[i + 1]
        return bins

    def _numeric(self, x: np.ndarray, y: np.ndarray) -> BinSpec:
        cuts = np.unique(np.quantile(x, np.linspace(0, 1, 21)[1:-1], method="higher"))
        cuts = cuts[cuts > x.min()]
        index = np.searchsorted(cuts, x, side="right")
        bins = []
        for i in range(len(cuts) + 1):
            mask = index == i
            if mask.any():
                bins.append([[i], int(mask.sum()), int(y[mask].sum())])
        ascending = bool(np.corrcoef(x, y)[0, 1] >= 0) if x.std() > 0 else None
        bins = self._merge(bins, ascending, MIN_BIN_SHARE * len(x))
        # the split between merged groups is the cut at the start of each following group
        splits = tuple(float(cuts[group[0][0] - 1]) for group in bins[1:])
        return BinSpec("numeric", splits=splits)

    def _categorical(self, x: np.ndarray, y: np.ndarray) -> BinSpec:
        categories = sorted(set(x), key=lambda c: (y[x == c].mean(), c))
        bins = [[[c], int((x == c).sum()), int(y[x == c].sum())] for c in categories]
        bins = self._merge(bins, True, MIN_BIN_SHARE * len(x))
        return BinSpec("categorical", groups=tuple(tuple(sorted(group[0])) for group in bins))


BINNERS: dict[str, type] = {"optbinning": OptBinningBinner, "monotonic": MonotonicBinner}


def get_binner(name: str) -> Binner:
    try:
        return BINNERS[name]()
    except KeyError:
        raise ValueError(f"unknown binner {name!r}; choose one of {', '.join(BINNERS)}") from None
