"""The customer cost calculator page: figures, comparison, charts, downloads and inline errors."""

import csv
import io
import re
from decimal import Decimal

import pytest
from openpyxl import load_workbook

from loanhub import clock

pytestmark = pytest.mark.django_db

MORTGAGE = {
    "principal": "1000000",
    "annual_rate": "4.9",
    "term": "360",
    "frequency": "monthly",
    "day_count": "30/360",
    "start_date": f"{clock.today().year}-01-01",
}


def _text(html: bytes, element_id: str) -> str:
    return re.search(rf'id="{element_id}">([^<]*)<', html.decode()).group(1)


def _number(text: str) -> Decimal:
    return Decimal(text.replace(",", ""))


@pytest.mark.parametrize(
    ("method", "installment", "total_interest"),
    [
        # 1,000,000 at 4.9 % over 360 months, the figures Chinese banks' mortgage calculators
        # publish (e.g. the housing-loan calculators of ICBC and CCB): 等额本息 5,307.27 a month;
        # 等额本金 6,861.11 in the first month and 737,041.67 interest in all.
        ("annuity", "5307.27", None),
        ("equal_principal", "6861.11", "737041.67"),
    ],
)
def test_page_reproduces_bank_calculator_figures(client, method, installment, total_interest):
    response = client.get("/calculator/", {**MORTGAGE, "method": method})
    assert response.status_code == 200
    html = response.content.decode()
    first = re.search(r'class="installment">([^<]*)<', html).group(1)
    assert _number(first) == Decimal(installment)
    if total_interest:
        assert _number(_text(response.content, "total-interest")) == Decimal(total_interest)
    assert _text(response.content, "apr") == "4.90%"


def test_first_visit_shows_an_example_without_errors(client):
    response = client.get("/calculator/")
    assert response.status_code == 200
    assert b'id="apr"' in response.content
    assert b"errorlist" not in response.content


def test_invalid_input_is_shown_next_to_the_field_with_what_was_typed(client):
    response = client.get("/calculator/", {**MORTGAGE, "principal": "-5", "annual_rate": "abc", "term": "0"})
    html = response.content.decode()
    assert response.status_code == 200
    assert 'id="apr"' not in html
    for name, typed in (("principal", "-5"), ("annual_rate", "abc"), ("term", "0")):
        field = re.search(rf'<div class="field has-error">\s*<label for="id_{name}">.*?</div>', html, re.S)
        assert field, name
        assert f'value="{typed}"' in field.group(0)
        assert "errorlist" in field.group(0)


def test_engine_refusals_land_on_their_fields(client):
    # More interest-free installments than installments: only the engine can tell.
    response = client.get(
        "/calculator/", {**MORTGAGE, "method": "annuity", "term": "6", "interest_free_periods": "9"}
    )
    html = response.content.decode()
    assert 'id="apr"' not in html
    assert re.search(r'<div class="field has-error">\s*<label for="id_interest_free_periods">', html)


def test_comparison_shows_three_methods_with_the_chosen_one_marked(client):
    html = client.get("/calculator/", {**MORTGAGE, "method": "annuity"}).content.decode()
    table = re.search(r'<table class="compare">.*?</table>', html, re.S).group(0)
    rows = re.findall(r"<tr( class=\"current\")?><td>", table)
    assert len(rows) == 3
    assert [bool(marked) for marked in rows] == [True, False, False]
    # Equal principal costs less interest than annuity on the same loan; interest-only the most.
    interest = [
        _number(re.findall(r"<td>([^<]*)</td>", row)[3])
        for row in re.findall(r"<tr[^>]*>(<td>.*?)</tr>", table)
    ]
    assert interest[1] < interest[0] < interest[2]


def test_charts_are_inline_svg_without_scripts(client):
    html = client.get("/calculator/", {**MORTGAGE, "method": "annuity"}).content.decode()
    assert html.count('<svg class="chart"') == 2
    assert "<script" not in html
    points = re.search(r'<polyline class="line-balance" fill="none" points="([^"]*)"', html).group(1)
    assert len(points.split()) == 361  # the principal, then the balance after each installment
    assert html.count('class="bar-principal"') == 120  # 360 months drawn as 120 bars of 3


def test_csv_download_matches_the_page_to_the_cent(client):
    query = {**MORTGAGE, "method": "equal_principal", "upfront_fee": "500"}
    response = client.get("/calculator/schedule.csv", query)
    assert response.status_code == 200
    assert response["Content-Disposition"].endswith('.csv"')
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    body = [row for row in rows[1:361]]
    assert len(body) == 360
    assert sum(Decimal(row[3]) for row in body) == Decimal("1000000.00")
    assert sum(Decimal(row[4]) for row in body) == Decimal("737041.67")
    assert body[0][2] == "6861.11"
    assert body[-1][6] == "0.00"


def test_xlsx_download_holds_the_same_schedule(client):
    query = {**MORTGAGE, "method": "annuity", "term": "12", "principal": "12000", "annual_rate": "6"}
    csv_rows = list(
        csv.reader(io.StringIO(client.get("/calculator/schedule.csv", query).content.decode("utf-8-sig")))
    )
    response = client.get("/calculator/schedule.xlsx", query)
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.content)).active
    cells = list(sheet.iter_rows(min_row=2, max_row=13, values_only=True))
    assert len(cells) == 12
    for csv_row, xlsx_row in zip(csv_rows[1:13], cells, strict=True):
        assert [Decimal(str(value)).quantize(Decimal("0.01")) for value in xlsx_row[2:]] == [
            Decimal(value) for value in csv_row[2:]
        ]
    assert sheet["C2"].number_format == "#,##0.00"


def test_download_with_invalid_terms_is_a_400(client):
    response = client.get("/calculator/schedule.csv", {**MORTGAGE, "principal": "abc", "method": "annuity"})
    assert response.status_code == 400


def test_page_speaks_english_and_chinese(client):
    english = client.get("/calculator/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    chinese = client.get("/calculator/", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "Loan cost calculator" in english
    assert "贷款费用计算器" in chinese


def test_a_catalogue_product_fills_in_its_rate_fees_and_day_count(client):
    import datetime as dt
    from decimal import Decimal as D

    from loanhub import clock
    from products import choices as pc
    from products.pricing import rate_from
    from tests.products.factories import version_in

    version = version_in(
        pc.ProductStatus.ACTIVE,
        product__code="CALC-P",
        available_from=clock.today() - dt.timedelta(days=30),
    )
    version.fees.create(
        code="arr", name_zh="手续费", name_en="Fee", fee_type="upfront", amount=D("300.00"), mandatory=True
    )
    response = client.get("/calculator/", {"product": "CALC-P", "principal": "50000", "term": "12"})
    html = response.content.decode()
    lowest = rate_from(version, on_date=clock.today())
    assert f'name="annual_rate" value="{format((lowest * 100).normalize(), "f")}"' in html
    assert 'name="upfront_fee" value="300' in html
    assert "See the product" in html or "/products/CALC-P/" in html
    # A rate the visitor typed wins over the product's.
    typed = client.get(
        "/calculator/", {"product": "CALC-P", "principal": "50000", "term": "12", "annual_rate": "9.5"}
    )
    assert 'name="annual_rate" value="9.5"' in typed.content.decode()


def test_engine_refusals_are_in_the_page_language(client):
    terms = {**MORTGAGE, "method": "annuity", "term": "6", "interest_free_periods": "9"}
    chinese = client.get("/calculator/", terms, HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "宽限期与免息期之和超过贷款期数" in chinese
    assert "grace periods plus interest-free periods exceed the term" not in chinese
    english = client.get("/calculator/", terms, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "grace periods plus interest-free periods exceed the term" in english
