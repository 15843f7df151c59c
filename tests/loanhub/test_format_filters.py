"""Display filters round half-up, like the money and rate rounding everywhere else."""

import pytest

from loanhub.templatetags.loanhub_format import money, percent


@pytest.mark.parametrize(
    ("value", "shown"),
    [("0.123450", "12.35%"), ("0.049", "4.90%"), ("0.1234449", "12.34%"), ("", ""), ("NaN", ""), (None, "")],
)
def test_percent(value, shown):
    assert percent(value) == shown


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        ("1234567.805", "1,234,567.81"),
        ("0.125", "0.13"),
        ("5307.27", "5,307.27"),
        ("abc", ""),
        ("Infinity", ""),
    ],
)
def test_money(value, shown):
    assert money(value) == shown
