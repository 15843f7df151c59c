"""Points scaling: score = offset + factor × ln(odds good:bad).

With the LoanHub defaults (600 points at odds 50:1, 20 points to double the odds):
factor = 20 / ln 2 ≈ 28.8539 and offset = 600 − factor × ln 50 ≈ 487.1229.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass


@dataclass(frozen=True)
class Scaling:
    base_score: float = 600.0
    base_odds: float = 50.0
    pdo: float = 20.0

    @property
    def factor(self) -> float:
        return self.pdo / math.log(2)

    @property
    def offset(self) -> float:
        return self.base_score - self.factor * math.log(self.base_odds)

    def score_from_pd(self, pd: float) -> float:
        return self.offset + self.factor * math.log((1 - pd) / pd)

    def pd_from_score(self, score: float) -> float:
        return 1.0 / (1.0 + math.exp((score - self.offset) / self.factor))

    def as_dict(self) -> dict:
        return {**asdict(self), "factor": self.factor, "offset": self.offset}
