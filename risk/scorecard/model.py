"""The runtime scorecard: built from a stored artifact, scores one record or a whole frame.

A record's score is the sum of its integer points, one bin per feature; the probability of
default follows from the score through the points scaling, and the grade from the artifact's
cut-offs (with the calibrated PD observed per grade out of fold at training time).
"""

from __future__ import annotations

import bisect
import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

from risk.scorecard.scaling import Scaling

ARTIFACT_FORMAT = "loanhub-scorecard/1"


class ArtifactError(RuntimeError):
    """The model artifact is missing, corrupt or malformed: scoring must stop, loudly."""


@dataclass(frozen=True)
class FeatureScore:
    name: str
    points: int
    max_points: int
    bin_label: str


@dataclass(frozen=True)
class ScoreResult:
    score: int
    pd_model: float
    grade: str
    pd_grade: float
    features: tuple[FeatureScore, ...]

    @property
    def points(self) -> dict[str, int]:
        return {f.name: f.points for f in self.features}


class _Feature:
    def __init__(self, spec: dict):
        self.name = spec["name"]
        self.kind = spec["kind"]
        bins = spec["bins"]
        regular = [b for b in bins if not b.get("missing")]
        missing = [b for b in bins if b.get("missing")]
        self.missing_points = missing[0]["points"] if missing else None
        self.labels = [b["label"] for b in regular]
        self.points = [int(b["points"]) for b in regular]
        self.max_points = max(self.points + ([self.missing_points] if missing else []))
        if self.kind == "numeric":
            self.splits = [float(b["upper"]) for b in regular[:-1]]
            if self.splits != sorted(self.splits) or len(self.splits) != len(regular) - 1:
                raise ArtifactError(f"feature {self.name}: bins are not ordered")
            self._splits_array = np.asarray(self.splits, dtype=float)
            self._points_array = np.asarray(self.points, dtype=float)
        else:
            self.lookup = {}
            for index, b in enumerate(regular):
                for category in b["categories"]:
                    self.lookup[category] = index
            # A category allowed by the schema but never seen in training gets the worst bin's
            # points: the conservative choice, recorded in the artifact.
            self.unseen_index = int(np.argmin(self.points))

    def index(self, value) -> int | None:
        if value is None or (isinstance(value, float) and math.isnan(value)):
            return None
        if self.kind == "numeric":
            return bisect.bisect_right(self.splits, float(value))
        return self.lookup.get(value, self.unseen_index)

    def score(self, value) -> tuple[int, str]:
        i = self.index(value)
        if i is None:
            if self.missing_points is None:
                raise ValueError(f"{self.name}: a value is required")
            return int(self.missing_points), "missing"
        return self.points[i], self.labels[i]

    def label_series(self, values: pd.Series) -> np.ndarray:
        """The bin label of each value ("missing" for no value): the bins PSI is counted in."""
        labels = np.asarray([*self.labels, "missing"], dtype=object)
        if self.kind == "numeric":
            x = values.to_numpy(dtype=float)
            index = np.searchsorted(self._splits_array, x, side="right")
            isnan = np.isnan(x)
        else:
            isnan = values.isna().to_numpy()
            index = values.map(self.lookup).fillna(self.unseen_index).to_numpy(dtype=int)
        return labels[np.where(isnan, len(self.labels), index)]

    def score_series(self, values: pd.Series) -> np.ndarray:
        if self.kind == "numeric":
            x = values.to_numpy(dtype=float)
            out = self._points_array[np.searchsorted(self._splits_array, x, side="right")]
            isnan = np.isnan(x)
        else:
            mapped = values.map(self.lookup)
            isnan = values.isna().to_numpy()
            out = np.asarray(self.points, dtype=float)[mapped.fillna(self.unseen_index).to_numpy(dtype=int)]
        if isnan.any():
            if self.missing_points is None:
                raise ValueError(f"{self.name}: {int(isnan.sum())} rows have no value")
            out = np.where(isnan, float(self.missing_points), out)
        return out


class Scorecard:
    """Scores LoanHub model inputs with a validated artifact."""

    def __init__(self, artifact: dict):
        try:
            if artifact.get("format") != ARTIFACT_FORMAT:
                raise ArtifactError(f"unknown artifact format {artifact.get('format')!r}")
            scaling = artifact["scaling"]
            self.scaling = Scaling(scaling["base_score"], scaling["base_odds"], scaling["pdo"])
            self.features = [_Feature(spec) for spec in artifact["features"]]
            grades = list(artifact["grades"])
            self.grade_names = [g["grade"] for g in grades]
            self.grade_floors = [g["min_score"] for g in grades]
            self.grade_pd = {g["grade"]: float(g["pd"]) for g in grades}
        except ArtifactError:
            raise
        except (KeyError, TypeError, ValueError, IndexError) as exc:
            raise ArtifactError(f"malformed artifact: {exc!r}") from exc
        floors = self.grade_floors[:-1]
        if (
            not self.features
            or len(self.grade_floors) != 5
            or self.grade_floors[-1] is not None
            or any(f is None for f in floors)
            or floors != sorted(floors, reverse=True)
        ):
            raise ArtifactError("artifact needs features and five grades with descending floors")
        self.inputs = tuple(f.name for f in self.features)
        self._floors_ascending = np.asarray(self.grade_floors[::-1][1:], dtype=float)

    def grade_for(self, score: int) -> str:
        for name, floor in zip(self.grade_names, self.grade_floors, strict=True):
            if floor is None or score >= floor:
                return name
        return self.grade_names[-1]

    def score_record(self, inputs: dict) -> ScoreResult:
        parts = []
        total = 0
        for feature in self.features:
            points, label = feature.score(inputs.get(feature.name))
            total += points
            parts.append(FeatureScore(feature.name, points, feature.max_points, label))
        grade = self.grade_for(total)
        return ScoreResult(
            score=total,
            pd_model=self.scaling.pd_from_score(total),
            grade=grade,
            pd_grade=self.grade_pd[grade],
            features=tuple(parts),
        )

    def bin_labels(self, frame: pd.DataFrame) -> dict[str, np.ndarray]:
        """Per feature, the bin label of each row of model inputs (population stability)."""
        return {feature.name: feature.label_series(frame[feature.name]) for feature in self.features}

    def score_frame(self, frame: pd.DataFrame) -> pd.DataFrame:
        """Vectorised scoring of many model-input rows: score, PD and grade per row."""
        total = np.zeros(len(frame))
        for feature in self.features:
            total += feature.score_series(frame[feature.name])
        score = total.astype(int)
        pd_model = 1.0 / (1.0 + np.exp((score - self.scaling.offset) / self.scaling.factor))
        # grade floors descending (A first, last floor None): count how many floors are passed
        ascending_names = self.grade_names[::-1]
        grade_index = np.searchsorted(self._floors_ascending, score, side="right")
        grade = np.asarray(ascending_names, dtype=object)[grade_index]
        return pd.DataFrame({"score": score, "pd": pd_model, "grade": grade}, index=frame.index)
