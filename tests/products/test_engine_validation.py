"""Input validation of schedules: one exception type, errors keyed by the API request's field names."""

from __future__ import annotations

import ast
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

import products.engine
from products.engine import EngineValidationError, Fee, FeeKind, Grace, build_schedule, validate_terms

D = Decimal
ENGINE_DIR = Path(products.engine.__file__).parent


@pytest.fixture(autouse=True)
def _fast_password_hashing() -> None:
    """Shadows the root conftest's Django fixture: the engine needs no settings."""


@pytest.fixture(autouse=True)
def _tasks_in_process() -> None:
    """Shadows the root conftest's Celery fixture: the engine enqueues nothing."""


VALID: dict[str, Any] = {
    "principal": "200000",
    "annual_rate": "0.05",
    "term": 24,
    "frequency": "monthly",
    "method": "annuity",
    "start_date": date(2024, 1, 15),
}


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"principal": "0"}, "principal"),
        ({"principal": "-1"}, "principal"),
        ({"principal": "100000000000.01"}, "principal"),
        ({"principal": "100.001"}, "principal"),
        ({"principal": D("NaN")}, "principal"),
        ({"principal": D("Infinity")}, "principal"),
        ({"principal": "sNaN"}, "principal"),
        ({"principal": 1000.0}, "principal"),
        ({"principal": True}, "principal"),
        ({"principal": "ten thousand"}, "principal"),
        ({"principal": None}, "principal"),
        ({"annual_rate": "-0.0001"}, "annual_rate"),
        ({"annual_rate": "10.0001"}, "annual_rate"),
        ({"annual_rate": D("-Infinity")}, "annual_rate"),
        ({"annual_rate": 0.05}, "annual_rate"),
        ({"term": 0}, "term"),
        ({"term": 1201}, "term"),
        ({"term": 12.0}, "term"),
        ({"term": "12"}, "term"),
        ({"term": 1200, "frequency": "annual"}, "term"),  # 1,200 years: past the 100-year limit
        ({"frequency": "daily"}, "frequency"),
        ({"method": "balloon"}, "method"),
        ({"day_count": "ACT/ACT"}, "day_count"),
        ({"start_date": "2024-01-15"}, "start_date"),
        ({"start_date": datetime(2024, 1, 15, 9, 30)}, "start_date"),  # noqa: DTZ001
        ({"start_date": date(9999, 6, 1)}, "term"),
        ({"first_due_date": date(2024, 1, 15)}, "first_due_date"),
        ({"first_due_date": date(2024, 1, 1)}, "first_due_date"),
        ({"first_due_date": date(2024, 3, 16)}, "first_due_date"),  # more than two regular periods
        ({"grace": Grace(24)}, "grace"),
        ({"grace": {"periods": 2, "kind": "deferred"}}, "grace"),
        ({"grace": {"periods": -1}}, "grace"),
        ({"grace": 3}, "grace"),
        ({"interest_free_periods": 25}, "interest_free_periods"),
        ({"interest_free_periods": -1}, "interest_free_periods"),
        ({"grace": Grace(12), "interest_free_periods": 13}, "interest_free_periods"),
        ({"fees": [Fee(FeeKind.UPFRONT, D("200000"))]}, "fees"),
        (
            {
                "fees": [
                    {"kind": "upfront_percent", "value": "0.6"},
                    {"kind": "upfront_percent", "value": "0.4"},
                ]
            },
            "fees",
        ),
        ({"fees": [{"kind": "processing", "value": "10"}]}, "fees"),
        ({"fees": [{"kind": "periodic", "value": "-1"}]}, "fees"),
        ({"fees": [{"kind": "periodic_percent", "value": "1.5"}]}, "fees"),
        ({"fees": [{"kind": "periodic", "value": "NaN"}]}, "fees"),
        ({"fees": ["upfront"]}, "fees"),
        ({"fees": {"kind": "upfront", "value": "1"}}, "fees"),
    ],
)
def test_each_bad_field_is_reported_under_its_api_name(overrides: dict[str, Any], field: str) -> None:
    with pytest.raises(EngineValidationError) as caught:
        build_schedule(**{**VALID, **overrides})
    errors = caught.value.errors
    assert field in errors
    assert all(isinstance(message, str) and message for message in errors[field])


def test_every_bad_field_is_reported_at_once() -> None:
    with pytest.raises(EngineValidationError) as caught:
        build_schedule(
            principal="-5",
            annual_rate="NaN",
            term=0,
            frequency="hourly",
            method="magic",
            start_date=None,
            day_count="30/365",
        )
    assert set(caught.value.errors) == {
        "principal",
        "annual_rate",
        "term",
        "frequency",
        "method",
        "start_date",
        "day_count",
    }


def test_the_error_is_a_value_error_with_a_plain_dict() -> None:
    with pytest.raises(ValueError, match="principal") as caught:
        validate_terms(**{**VALID, "principal": "0"})
    assert isinstance(caught.value, EngineValidationError)
    assert caught.value.errors == {"principal": ["must be greater than 0.00"]}


def test_limits_themselves_are_accepted() -> None:
    terms = validate_terms(**{**VALID, "principal": "1e11", "annual_rate": "10", "term": 1200})
    assert terms.principal == D("100000000000.00")
    assert validate_terms(**{**VALID, "annual_rate": 0, "term": 1}).term == 1
    assert validate_terms(**{**VALID, "grace": Grace(23), "interest_free_periods": 1}).grace == Grace(23)


def test_normalises_inputs() -> None:
    terms = validate_terms(
        **{**VALID, "principal": D("1.5E+5"), "grace": {"periods": 0, "kind": "capitalised"}},
        fees=[{"kind": "periodic", "value": "5"}],
    )
    assert str(terms.principal) == "150000.00"
    assert terms.grace is None
    assert terms.fees == (Fee(FeeKind.PERIODIC, D("5.00")),)


def test_the_engine_imports_no_django() -> None:
    # The engine is pure Python (ARCHITECTURE.md): no module under products/engine may import Django.
    for path in sorted(ENGINE_DIR.glob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                names = [node.module or ""]
            else:
                continue
            assert not any(name.split(".")[0] in {"django", "rest_framework"} for name in names), path.name


@pytest.mark.parametrize(
    ("rate", "term", "frequency", "day_count"),
    [
        ("10", 1200, "monthly", "ACT/360"),  # once amounts outgrew 34 digits
        ("1.5", 218, "quarterly", "ACT/360"),  # once a last payment of about 3e28
        ("3", 400, "monthly", "ACT/365"),
    ],
)
def test_cent_rounding_no_longer_compounds_into_negative_amortisation(
    rate: str, term: int, frequency: str, day_count: str
) -> None:
    # These terms were refused: a row whose rounded interest passed the level payment repaid a
    # negative principal, compounding over the term. Such a row now pays its interest and no
    # principal (issue 14's loose ends), so the schedule stays bounded and is computed.
    schedule = build_schedule(
        principal="100000",
        annual_rate=rate,
        term=term,
        frequency=frequency,
        method="annuity",
        start_date=date(2026, 1, 15),
        day_count=day_count,
    )
    assert all(row.principal >= 0 for row in schedule.rows)
    assert max(row.payment for row in schedule.rows) <= schedule.rows[0].payment * 2
    assert sum(row.principal for row in schedule.rows) == D("100000")
