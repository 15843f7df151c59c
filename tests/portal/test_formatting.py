"""Money in yuan and dates as each site language writes them (loanhub.formatting)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.template import Context, Template
from django.utils import translation
from hypothesis import given
from hypothesis import strategies as st

from loanhub.formatting import cny_text, date_text


@pytest.mark.parametrize(
    ("value", "language", "places", "shown"),
    [
        ("1234567.805", "zh-hans", 2, "¥1,234,567.81"),  # half-up, grouped by thousands
        ("1234567.805", "en", 2, "CNY 1,234,567.81"),
        ("500000", "zh-hans", 0, "¥500,000"),
        ("0.005", "en", 2, "CNY 0.01"),
        ("-1200.5", "zh-hans", 2, "-¥1,200.50"),
        ("-1200.5", "en", 2, "-CNY 1,200.50"),
    ],
)
def test_cny_text(value, language, places, shown):
    assert cny_text(Decimal(value), language=language, places=places) == shown


def test_cny_text_of_nothing_is_empty():
    assert cny_text(None, language="en") == ""


@given(st.decimals(min_value=Decimal("-1e12"), max_value=Decimal("1e12"), places=4))
def test_cny_text_reads_back_as_the_amount_rounded_half_up(value):
    for language in ("zh-hans", "en"):
        text = cny_text(value, language=language)
        figure = text.replace("¥", "").replace("CNY ", "").replace(",", "")
        assert Decimal(figure) == value.quantize(Decimal("0.01"), rounding="ROUND_HALF_UP")


@pytest.mark.parametrize(("language", "shown"), [("zh-hans", "2028年2月29日"), ("en", "29 Feb 2028")])
def test_date_text(language, shown):
    assert date_text(dt.date(2028, 2, 29), language=language) == shown


def test_date_text_of_an_aware_datetime_is_its_local_date(settings):
    settings.TIME_ZONE = "Asia/Shanghai"
    moment = dt.datetime(2026, 3, 31, 17, 30, tzinfo=dt.UTC)  # 01:30 on 1 April in Shanghai
    assert date_text(moment, language="en") == "1 Apr 2026"


@pytest.mark.parametrize(
    ("language", "shown"), [("zh-hans", "¥12,345.60 · 2026年1月5日"), ("en", "CNY 12,345.60 · 5 Jan 2026")]
)
def test_template_filters_follow_the_active_language(language, shown):
    template = Template("{% load loanhub_format %}{{ amount|cny }} · {{ day|local_date }}")
    with translation.override(language):
        rendered = template.render(Context({"amount": "12345.6", "day": dt.date(2026, 1, 5)}))
    assert rendered == shown
