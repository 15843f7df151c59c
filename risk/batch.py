"""Set-based scoring with pandas: many feature records, one pass per model (rescore, benchmark)."""

from __future__ import annotations

import pandas as pd

from risk import mapping
from risk.scorecard.model import Scorecard

NUMERIC = [name for name, spec in mapping.FEATURES.items() if spec.kind == "numeric"]


def features_frame(records: list[dict]) -> pd.DataFrame:
    """Feature snapshots (JSON dicts, numbers possibly as strings) → a typed frame."""
    frame = pd.DataFrame.from_records(records)
    for name in NUMERIC:
        if name in frame:
            frame[name] = pd.to_numeric(frame[name], errors="raise")
    return frame


def score_frame(card: Scorecard, features: pd.DataFrame) -> pd.DataFrame:
    """Score, PD and grade for every row of a LoanHub feature frame."""
    return card.score_frame(mapping.model_frame(features, list(card.inputs)))
