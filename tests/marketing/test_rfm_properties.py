"""Properties of the RFM quintile scores (marketing.rfm.quintile_scores), no database."""

from __future__ import annotations

import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from marketing.rfm import quintile_scores

VALUES = st.lists(st.integers(min_value=-1000, max_value=1000), min_size=1, max_size=60)


def reference(values: list[int]) -> list[int]:
    """Without pandas: 1 + ⌊5 · (values below) / n⌋."""
    n = len(values)
    return [1 + 5 * sum(1 for other in values if other < value) // n for value in values]


@settings(max_examples=200, deadline=None)
@given(VALUES)
def test_scores_are_monotone_within_1_to_5_and_match_the_reference(values):
    scores = quintile_scores(pd.Series(values)).tolist()
    assert scores == reference(values)
    assert all(1 <= score <= 5 for score in scores)
    for a, score_a in zip(values, scores, strict=True):
        for b, score_b in zip(values, scores, strict=True):
            if a < b:
                assert score_a <= score_b  # a higher value never scores lower
            if a == b:
                assert score_a == score_b  # ties score equally
    assert min(scores) == 1  # the lowest value is in the first quintile


@settings(max_examples=100, deadline=None)
@given(st.sets(st.integers(min_value=0, max_value=10**6), min_size=5, max_size=60))
def test_distinct_values_fill_the_quintiles_evenly(distinct):
    scores = quintile_scores(pd.Series(sorted(distinct))).tolist()
    sizes = [scores.count(k) for k in range(1, 6)]
    # n distinct values: each score goes to ⌊n/5⌋ or ⌈n/5⌉ of them, the top value scores 5.
    assert max(sizes) - min(sizes) <= 1
    assert sum(sizes) == len(distinct)
    assert scores[-1] == 5


def test_a_worked_example():
    # Six values, ranks 1..6: 1 + ⌊5·(r−1)/6⌋ = 1, 1, 2, 3, 4, 5; the tie (7, 7) shares rank 2.
    assert quintile_scores(pd.Series([10, 3, 7, 99, 7, 50])).tolist() == [3, 1, 1, 5, 1, 4]
    assert quintile_scores(pd.Series([], dtype="int64")).tolist() == []
