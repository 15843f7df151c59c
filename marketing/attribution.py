"""Attribution models over ordered touch paths (pure Python): who gets the credit for a conversion.

first_touch and last_touch give it all to one touch; linear shares it equally; position_based
gives 40 % to the first, 40 % to the last and shares 20 % among those between (one touch gets all,
two get half each).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Hashable, Iterable

MODELS = ("first_touch", "last_touch", "linear", "position_based")


def weights(n: int, model: str) -> list[float]:
    """The credit of each of n ordered touches under `model` (summing to 1; empty for n = 0)."""
    if model not in MODELS:
        raise ValueError(f"unknown attribution model {model!r}")
    if n == 0:
        return []
    if model == "first_touch":
        return [1.0] + [0.0] * (n - 1)
    if model == "last_touch":
        return [0.0] * (n - 1) + [1.0]
    if model == "linear" or n <= 2:
        return [1.0 / n] * n
    middle = 0.2 / (n - 2)
    return [0.4] + [middle] * (n - 2) + [0.4]


def credit(paths: Iterable[list[Hashable]], model: str) -> dict[Hashable, float]:
    """Total credit by key (a channel, a campaign) over conversion paths of keys."""
    totals: dict[Hashable, float] = defaultdict(float)
    for path in paths:
        for key, weight in zip(path, weights(len(path), model), strict=True):
            totals[key] += weight
    return dict(totals)
