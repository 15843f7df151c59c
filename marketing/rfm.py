"""RFM scores (recency, frequency, monetary value) of the customers who repay, with pandas.

Over every customer with a repayment up to the day (servicing.selectors.customer_repayment_activity:
posted loan repayments, restructurings' capitalised arrears excluded, and credit-line repayments):

* recency: days from their latest repayment to the day — fewer days, higher score;
* frequency: the repayments with a value date in the last 12 months;
* monetary: the amount those repaid.

Each raw value becomes a quintile score 1–5 by its rank among the n customers:
`1 + ⌊5 · (r − 1) / n⌋`, r the value's rank from the lowest (ties share their lowest rank, so
equal values get equal scores and a higher value never a lower score). Recency is ranked by
days, most days first. With n = 5 distinct values the scores are 1, 2, 3, 4, 5; with n = 10,
two customers get each score.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd

SCORES = ("recency", "frequency", "monetary")
WINDOW_MONTHS = 12


def quintile_scores(values: pd.Series) -> pd.Series:
    """Each value's quintile score 1–5 by its rank among `values` (ties share the lowest rank)."""
    n = len(values)
    if n == 0:
        return pd.Series([], dtype="int64", index=values.index)
    ranks = values.rank(method="min")
    return ((ranks - 1) * 5 // n + 1).astype("int64")


def rfm_frame(activity: dict[int, dict], *, as_of: dt.date) -> pd.DataFrame:
    """The raw values and scores, one row per customer id (the index): recency_days, frequency,
    monetary (in cents) and recency_score, frequency_score, monetary_score."""
    frame = pd.DataFrame.from_dict(activity, orient="index", columns=["last", "count", "amount"])
    frame["recency_days"] = [(as_of - last).days for last in frame["last"]]
    frame["frequency"] = frame["count"].astype("int64")
    # Cents as integers: exact ranks without floats for money.
    frame["monetary"] = [int(amount * 100) for amount in frame["amount"]]
    frame["recency_score"] = quintile_scores(-frame["recency_days"])
    frame["frequency_score"] = quintile_scores(frame["frequency"])
    frame["monetary_score"] = quintile_scores(frame["monetary"])
    return frame


def customer_rfm(*, as_of: dt.date) -> pd.DataFrame:
    """Scores of every customer who repays, as of `as_of` (two grouped queries)."""
    from servicing.selectors import customer_repayment_activity

    return rfm_frame(customer_repayment_activity(as_of=as_of, months=WINDOW_MONTHS), as_of=as_of)


def customers_scoring_at_least(frame: pd.DataFrame, minimums: dict[str, int]) -> set[int]:
    """Customer ids whose scores reach every given minimum ({"recency_min": 4, …})."""
    selected = pd.Series(True, index=frame.index)
    for name in SCORES:
        minimum = minimums.get(f"{name}_min")
        if minimum is not None:
            selected &= frame[f"{name}_score"] >= minimum
    return {int(cid) for cid in frame.index[selected]}
