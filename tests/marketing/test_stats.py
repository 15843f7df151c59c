"""Experiment statistics (scipy) against hand-computed examples."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from marketing import attribution, stats


def test_two_proportions_hand_computed():
    # Control 100/1000 = 10 %, treatment 130/1000 = 13 %. Pooled p = 0.115,
    # z = 0.03 / sqrt(0.115 * 0.885 * (2/1000)) = 0.03 / 0.0142671 = 2.1027, two-sided p = 0.0355.
    # Wald 95 % interval: 0.03 ± 1.959964 * sqrt(0.1*0.9/1000 + 0.13*0.87/1000)
    #   = 0.03 ± 1.959964 * 0.0142513 = [0.002068, 0.057932].
    result = stats.two_proportions(stats.Arm("A", 1000, 100), stats.Arm("B", 1000, 130))
    assert result["test"] == "chi2"
    assert result["difference"] == pytest.approx(0.03)
    assert result["p_value"] == pytest.approx(0.0355, abs=5e-4)
    assert result["ci_low"] == pytest.approx(0.002068, abs=1e-5)
    assert result["ci_high"] == pytest.approx(0.057932, abs=1e-5)


def test_small_counts_use_fishers_exact_test():
    # 1/10 against 6/10: Fisher's exact two-sided p = 0.0573 (the classic 2×2 tables).
    result = stats.two_proportions(stats.Arm("A", 10, 1), stats.Arm("B", 10, 6))
    assert result["test"] == "fisher_exact"
    assert result["p_value"] == pytest.approx(0.0573, abs=5e-4)


def test_no_conversion_anywhere_is_no_evidence():
    result = stats.two_proportions(stats.Arm("A", 50, 0), stats.Arm("B", 50, 0))
    assert result["p_value"] == 1.0
    assert result["difference"] == 0


def test_sample_ratio_mismatch():
    # 5000 vs 5000 is the plan; 5200 vs 4800: χ² = (200² + 200²) / 5000 = 16, p = 6.3e-5 < 0.001.
    assert stats.srm_p_value([5000, 5000]) == pytest.approx(1.0)
    assert stats.srm_p_value([5200, 4800]) == pytest.approx(6.334e-5, rel=1e-3)
    assert stats.srm_p_value([5]) is None


def test_holm_adjustment():
    # p = 0.01, 0.04, 0.03 (m = 3): sorted 0.01*3 = 0.03, 0.03*2 = 0.06, max(0.06, 0.04*1) = 0.06.
    assert stats.holm([0.01, 0.04, 0.03]) == pytest.approx([0.03, 0.06, 0.06])
    assert stats.holm([0.5, 0.9]) == pytest.approx([1.0, 1.0])


def test_sample_size_for_a_minimum_detectable_effect():
    # Baseline 10 %, lift 2 points, α = 0.05 two-sided, power 0.8 (Fleiss' formula, no continuity
    # correction): (1.959964·sqrt(2·0.11·0.89) + 0.841621·sqrt(0.09 + 0.1056))² / 0.02² = 3840.9.
    assert stats.sample_size_per_arm(0.10, 0.02) == 3841
    with pytest.raises(ValueError, match="between 0 and 1"):
        stats.sample_size_per_arm(0.99, 0.05)


@pytest.mark.parametrize(
    ("model", "expected"),
    [
        ("first_touch", [1, 0, 0, 0]),
        ("last_touch", [0, 0, 0, 1]),
        ("linear", [0.25, 0.25, 0.25, 0.25]),
        ("position_based", [0.4, 0.1, 0.1, 0.4]),
    ],
)
def test_attribution_weights_of_four_touches(model, expected):
    assert attribution.weights(4, model) == pytest.approx(expected)


def test_position_based_with_one_and_two_touches():
    assert attribution.weights(1, "position_based") == [1.0]
    assert attribution.weights(2, "position_based") == [0.5, 0.5]


def test_credit_by_channel():
    paths = [["email", "web", "sms"], ["sms"]]
    assert attribution.credit(paths, "first_touch") == {"email": 1.0, "web": 0.0, "sms": 1.0}
    assert attribution.credit(paths, "position_based") == pytest.approx(
        {"email": 0.4, "web": 0.2, "sms": 1.4}
    )


@given(st.integers(min_value=1, max_value=50), st.sampled_from(attribution.MODELS))
def test_every_model_gives_exactly_one_conversion_of_credit(n, model):
    assert sum(attribution.weights(n, model)) == pytest.approx(1.0)


@given(
    st.integers(min_value=20, max_value=5000),
    st.integers(min_value=20, max_value=5000),
    st.floats(min_value=0.05, max_value=0.95),
    st.floats(min_value=0.05, max_value=0.95),
)
def test_interval_contains_the_observed_difference(n1, n2, r1, r2):
    a, b = stats.Arm("A", n1, round(n1 * r1)), stats.Arm("B", n2, round(n2 * r2))
    result = stats.two_proportions(a, b)
    assert result["ci_low"] <= result["difference"] <= result["ci_high"]
    assert 0 <= result["p_value"] <= 1
