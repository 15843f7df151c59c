"""An application's request and decision fields take their values from the catalogue's vocabulary."""

from __future__ import annotations

import pytest

from applications.models import LoanApplication
from products import choices as pc


@pytest.mark.parametrize(
    ("name", "vocabulary"),
    [
        ("method", pc.RepaymentMethod),
        ("frequency", pc.Frequency),
        ("grace_type", pc.GraceType),
        ("risk_grade", pc.RiskGrade),
        ("channel", pc.Channel),
    ],
)
def test_each_field_offers_exactly_the_catalogues_choices(name, vocabulary):
    field = LoanApplication._meta.get_field(name)
    assert field.choices == vocabulary.choices
    # The column is wide enough for every code.
    assert max(len(value) for value in vocabulary.values) <= field.max_length
