"""The trained scorecard: binning, points scaling, determinism, discrimination, data checksums."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest

from risk import mapping
from risk.scorecard import datasets, metrics, training
from risk.scorecard.binning import MonotonicBinner, OptBinningBinner
from risk.scorecard.model import Scorecard
from risk.scorecard.scaling import Scaling


def _is_monotonic(rates: list[float]) -> bool:
    diffs = np.diff(rates)
    return bool(np.all(diffs >= 0) or np.all(diffs <= 0))


@pytest.mark.parametrize("binner", [OptBinningBinner(), MonotonicBinner()], ids=["optbinning", "monotonic"])
@pytest.mark.parametrize("column", ["term", "amount", "age"])
def test_numeric_bins_are_monotonic_in_bad_rate(german, binner, column):
    # Given a numeric German Credit input, when binned, then the bad rate per bin is monotonic.
    x = german.features[column].to_numpy(dtype=float)
    spec = binner.fit(x, german.is_bad, kind="numeric")
    index = np.searchsorted(np.asarray(spec.splits), x, side="right")
    rates = [german.is_bad[index == i].mean() for i in range(len(spec.splits) + 1)]
    assert len(rates) >= 2
    assert _is_monotonic(rates)
    assert min(np.bincount(index)) >= 0.05 * len(x) - 1


def test_trained_artifact_numeric_bins_are_monotonic(trained):
    for feature in trained.artifact["features"]:
        if feature["kind"] == "numeric":
            assert _is_monotonic([b["bad_rate"] for b in feature["bins"]]), feature["name"]
            assert _is_monotonic([b["woe"] for b in feature["bins"]]), feature["name"]


def test_points_scaling_constants():
    scaling = Scaling()
    assert scaling.factor == pytest.approx(20 / math.log(2))
    assert scaling.offset == pytest.approx(600 - 20 / math.log(2) * math.log(50))
    assert scaling.offset == pytest.approx(487.1229, abs=1e-4)
    # 600 points at odds 50:1, 620 at 100:1, 580 at 25:1
    assert scaling.score_from_pd(1 / 51) == pytest.approx(600)
    assert scaling.score_from_pd(1 / 101) == pytest.approx(620)
    assert scaling.score_from_pd(1 / 26) == pytest.approx(580)
    assert scaling.pd_from_score(600) == pytest.approx(1 / 51)


def test_points_are_the_regression_log_odds_rescaled(trained, german):
    # Given the artifact, the exact points of a record sum to offset + factor × ln(odds good:bad)
    # of the logistic regression on the WOEs; the integer points are those rounded.
    artifact = trained.artifact
    scaling = Scaling()
    frame = mapping.model_frame(german.features.head(50), [f["name"] for f in artifact["features"]])
    card = Scorecard(artifact)
    for _, row in frame.iterrows():
        logit = artifact["intercept"]
        exact = 0.0
        for feature in artifact["features"]:
            index = card.features[[f.name for f in card.features].index(feature["name"])].index(
                row[feature["name"]]
            )
            b = feature["bins"][index]
            logit += feature["coefficient"] * b["woe"]
            exact += b["points_exact"]
            assert b["points"] == round(b["points_exact"])
        assert exact == pytest.approx(scaling.offset - scaling.factor * logit)


def test_training_is_deterministic(german, trained):
    again = training.train(
        german.features,
        german.is_bad,
        german.inputs,
        dataset=german.name,
        data_sha256=german.sha256,
        seed=training.DEFAULT_SEED,
    )
    assert json.dumps(again.artifact, sort_keys=True) == json.dumps(trained.artifact, sort_keys=True)
    assert again.report == trained.report


def test_discrimination_meets_floors(trained):
    report = trained.report
    assert report["cv"]["auc"] >= 0.76
    assert report["holdout"]["auc"] >= 0.73
    assert report["holdout"]["auc"] < 0.85  # above that would mean leakage
    assert report["cv"]["gini"] == pytest.approx(2 * report["cv"]["auc"] - 1, abs=1e-3)
    assert len(report["cv"]["folds"]) == 5
    assert report["psi"] < 0.1
    assert trained.seconds < 60


def test_holdout_auc_recomputes_from_reported_scores(trained):
    holdout = trained.report["holdout"]
    scores = np.array([s for s, _ in holdout["scores"]])
    bad = np.array([b for _, b in holdout["scores"]])
    assert len(scores) == holdout["n"] == 250
    assert metrics.auc(bad, -scores) == pytest.approx(holdout["auc"], abs=1e-4)


def test_grades_have_rising_pd_and_band_table_adds_up(trained):
    grades = trained.artifact["grades"]
    assert [g["grade"] for g in grades] == ["A", "B", "C", "D", "E"]
    pds = [g["pd"] for g in grades]
    assert pds == sorted(pds)
    bands = trained.report["bands"]
    assert sum(b["count"] for b in bands) == 250
    assert bands[-1]["cum_count_share"] == 1.0


def test_protected_attributes_are_not_model_inputs(trained):
    names = {f["name"] for f in trained.artifact["features"]}
    assert names <= set(mapping.GERMAN_MODEL_INPUTS)
    assert not names & {"personal_status_and_sex", "foreign_worker", "telephone"}
    assert all(
        f["source"] in ("applicant", "application", "bureau", "derived") for f in trained.artifact["features"]
    )


def test_second_dataset_out_of_sample(tmp_path):
    data = datasets.load("credit_data")
    assert len(data.is_bad) == 4454
    result = training.train(
        data.features,
        data.is_bad,
        data.inputs,
        dataset=data.name,
        data_sha256=data.sha256,
        binner="monotonic",
    )
    assert result.report["holdout"]["auc"] >= 0.75


def test_corrupted_data_file_is_refused(monkeypatch, tmp_path):
    (tmp_path / "germancredit.csv").write_text("a,b\n1,2\n")
    monkeypatch.setattr(datasets, "DATA_DIR", tmp_path)
    with pytest.raises(datasets.DatasetChecksumError, match="does not match"):
        datasets.load("german_credit")


def test_batch_and_single_scoring_agree(trained, german):
    from risk import batch

    card = Scorecard(trained.artifact)
    frame = german.features.head(200)
    scored = batch.score_frame(card, frame)
    for i, (_, row) in enumerate(frame.iterrows()):
        single = card.score_record(mapping.model_record(row.to_dict(), card.inputs))
        assert single.score == scored["score"].iloc[i]
        assert single.grade == scored["grade"].iloc[i]


def test_grades_out_of_fold_have_strictly_rising_bad_rates(trained):
    # Given the grades cut on the calibration's steps, then out of fold every grade is populated,
    # the bad rate rises strictly from A to E (it did not on fixed population shares: B 26.3 % vs
    # C 23.3 % on the hold-out), and the PDs are those bad rates, smoothed and rising.
    grades = trained.report["grades"]
    assert [g["grade"] for g in grades] == ["A", "B", "C", "D", "E"]
    assert sum(g["count"] for g in grades) == trained.report["cv"]["n"] == 750
    assert sum(g["bads"] for g in grades) == 225  # German Credit: 30 % bad
    rates = [g["bad_rate"] for g in grades]
    assert all(g["count"] >= 50 for g in grades)
    assert all(a < b for a, b in zip(rates, rates[1:], strict=False))
    for g in grades:
        assert g["bad_rate"] == round(g["bads"] / g["count"], 4)
        assert g["pd"] == pytest.approx((g["bads"] + 0.5) / (g["count"] + 1), abs=1e-4)
    pds = [g["pd"] for g in trained.artifact["grades"]]
    assert pds == [g["pd"] for g in grades]


def test_calibration_figures_are_sane(trained):
    calibration = trained.report["calibration"]
    assert calibration["method"] == "isotonic"
    for key in ("out_of_fold", "holdout", "holdout_uncalibrated"):
        figures = calibration[key]
        # a constant PD of 0.3 on a 30 % bad population scores Brier 0.21: a model must beat it
        assert 0.1 < figures["brier"] < 0.21, key
        assert 0 <= figures["ece"] < 0.1, key
        assert figures["mean_pd"] == pytest.approx(figures["bad_rate"], abs=0.05), key
    assert calibration["holdout"]["brier"] <= calibration["holdout_uncalibrated"]["brier"]


def test_calibrated_pd_falls_with_score_and_recomputes(trained):
    from risk.scorecard.calibration import Calibration, brier, expected_calibration_error

    stored = trained.artifact["calibration"]
    calibration = Calibration(stored["method"], tuple(stored["scores"]), tuple(stored["pds"]))
    scores = np.array([s for s, _ in trained.report["holdout"]["scores"]])
    bad = np.array([b for _, b in trained.report["holdout"]["scores"]])
    pd = calibration.predict(scores)
    assert np.all(np.diff(calibration.predict(np.arange(350, 750))) <= 0)
    assert brier(bad, pd) == pytest.approx(trained.report["calibration"]["holdout"]["brier"], abs=1e-4)
    assert expected_calibration_error(bad, pd) == pytest.approx(
        trained.report["calibration"]["holdout"]["ece"], abs=1e-4
    )


def test_expected_calibration_error_worked_example():
    from risk.scorecard.calibration import brier, expected_calibration_error

    # Two bins: PD 0.05 for 4 rows with 1 bad (|0.25 − 0.05| × 4/8) and PD 0.95 for 4 rows with
    # 3 bads (|0.75 − 0.95| × 4/8): ECE 0.2; Brier (3 × 0.0025 + 0.9025 + 3 × 0.0025 + 0.9025) / 8.
    bad = np.array([0, 0, 0, 1, 1, 1, 1, 0])
    pd = np.array([0.05] * 4 + [0.95] * 4)
    assert expected_calibration_error(bad, pd) == pytest.approx(0.2)
    assert brier(bad, pd) == pytest.approx((6 * 0.0025 + 2 * 0.9025) / 8)
