"""The real training data sets shipped in risk/data/, read only after their checksum matches."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from risk import mapping

DATA_DIR = Path(__file__).resolve().parent.parent / "data"


@dataclass(frozen=True)
class DatasetInfo:
    name: str
    file: str
    sha256: str
    description: str


DATASETS = {
    "german_credit": DatasetInfo(
        "german_credit",
        "germancredit.csv",
        "2c0bae00275c028fc853a1ea72cc7a68002c3f6876c41300c5c948711540c8c6",
        "UCI Statlog (German Credit Data), Hofmann 1994, CC BY 4.0",
    ),
    "credit_data": DatasetInfo(
        "credit_data",
        "credit_data.csv",
        "64984b2aff14d24ebdeb5a051d992194f03d0dc8f250372b9e37c4e653ba678d",
        "modeldata credit_data (Belanche / Sanchez credit scoring data), MIT",
    ),
}


class DatasetChecksumError(RuntimeError):
    """The data file on disk is not the one the project ships."""


@dataclass(frozen=True)
class Dataset:
    name: str
    sha256: str
    features: pd.DataFrame  # LoanHub feature records
    is_bad: np.ndarray
    inputs: dict[str, str]  # candidate model inputs → "numeric" | "categorical"


def load(name: str = "german_credit") -> Dataset:
    try:
        info = DATASETS[name]
    except KeyError:
        raise ValueError(f"unknown data set {name!r}; choose one of {', '.join(DATASETS)}") from None
    path = DATA_DIR / info.file
    try:
        content = path.read_bytes()
    except FileNotFoundError:
        raise DatasetChecksumError(f"{path} is missing") from None
    digest = hashlib.sha256(content).hexdigest()
    if digest != info.sha256:
        raise DatasetChecksumError(f"{path}: SHA-256 {digest} does not match the expected {info.sha256}")
    raw = pd.read_csv(path)
    if name == "german_credit":
        frame, is_bad = mapping.german_to_loanhub(raw)
        inputs = mapping.GERMAN_MODEL_INPUTS
    else:
        frame, is_bad = mapping.credit_data_to_loanhub(raw)
        inputs = mapping.CREDIT_DATA_MODEL_INPUTS
    return Dataset(name=name, sha256=digest, features=frame, is_bad=is_bad, inputs=dict(inputs))
