"""The score distribution by score band over time (model monitoring): decisions counted per
month, product and 20-point band by the monitoring job, against counts made by hand; a run twice
or out of order writes nothing twice; the API, the risk page's heat map and its CSV."""

from __future__ import annotations

import csv
import io
from decimal import Decimal

import pytest
from rest_framework.test import APIClient

from loanhub import roles
from monitoring import score_bands, services
from monitoring.models import DecisionScoreBand
from tests.monitoring.conftest import month_end, month_start, snap
from tests.monitoring.test_cures_and_migration import _at, decide, score_model  # noqa: F401
from tests.products.factories import UserFactory

pytestmark = pytest.mark.django_db
D = Decimal
URL = "/api/v1/monitoring/score-distribution/"
PAGE = "/admin/monitoring/modelstability/"
BANDS = [
    "< 420",
    "420–439",
    "440–459",
    "460–479",
    "480–499",
    "500–519",
    "520–539",
    "540–559",
    "560–579",
    "580–599",
    "600–619",
    "≥ 620",
]


@pytest.fixture
def banded(score_model, make_loan):  # noqa: F811
    """Two months ago, PL: 419, 420, 439, 605, 620. Last month: BIZ 505, PL 519 and 520. This
    month (after the date monitored): PL 700."""
    two, one = month_start(2), month_start(1)
    for product, score, day in (
        ("PL:v1", 419, two),
        ("PL:v1", 420, two),
        ("PL:v1", 439, two),
        ("PL:v1", 605, two),
        ("PL:v1", 620, month_end(2)),
        ("BIZ:v1", 505, one),
        ("PL:v2", 519, one),
        ("PL:v2", 520, one),
        ("PL:v2", 700, month_start(0)),
    ):
        decide(score_model, _at(day), product=product, outcome="approve", grade="A", score=score)
    snap(make_loan(), month_end(1), "current")  # a closed date
    return services.run_monitoring(month_end(1))


def _stored():
    return sorted(DecisionScoreBand.objects.values_list("month", "product", "band", "decisions", "through"))


def _counts(month: dict) -> dict[str, int]:
    return {band["band"]: band["decisions"] for band in month["bands"] if band["decisions"]}


def test_decisions_by_score_band_by_hand(banded):
    # Stored by 20-point floor: PL 400 (419), 420 (420, 439), 600 (605), 620 (620) two months
    # ago; BIZ 500, PL 500, PL 520 last month; this month's decision is after the date.
    assert banded["score_bands"] == 7
    assert [row[:4] for row in _stored()] == [
        (month_start(2), "PL", 400, 1),
        (month_start(2), "PL", 420, 2),
        (month_start(2), "PL", 600, 1),
        (month_start(2), "PL", 620, 1),
        (month_start(1), "BIZ", 500, 1),
        (month_start(1), "PL", 500, 1),
        (month_start(1), "PL", 520, 1),
    ]

    two, one = score_bands.score_distribution()
    assert [band["band"] for band in two["bands"]] == BANDS
    assert (two["month"], two["decisions"]) == (month_start(2), 5)
    assert _counts(two) == {"< 420": 1, "420–439": 2, "600–619": 1, "≥ 620": 1}
    shares = {band["band"]: band["share"] for band in two["bands"]}
    assert (shares["< 420"], shares["420–439"], shares["440–459"]) == (D("0.2000"), D("0.4000"), D("0.0000"))
    assert (two["bands"][0]["low"], two["bands"][0]["high"]) == (None, 419)
    assert (two["bands"][1]["low"], two["bands"][1]["high"]) == (420, 439)
    assert (two["bands"][-1]["low"], two["bands"][-1]["high"]) == (620, None)
    assert one["decisions"] == 3
    assert _counts(one) == {"500–519": 2, "520–539": 1}
    assert one["bands"][5]["share"] == D("0.6667")  # 2 of 3

    (pl,) = score_bands.score_distribution(since=month_start(1), product="PL")
    assert _counts(pl) == {"500–519": 1, "520–539": 1}
    assert pl["bands"][6]["share"] == D("0.5000")


def test_a_run_twice_or_out_of_order_writes_nothing_twice(banded):
    before = _stored()
    assert {row[-1] for row in before} == {month_end(2), month_end(1)}

    assert services.run_monitoring(month_end(1))["score_bands"] == 7  # the same rows, replaced
    assert _stored() == before
    # An earlier date: last month, counted further already, stays; the month before is recounted.
    assert score_bands.score_bands_build(as_of=month_end(2)) == 4
    assert _stored() == before


def test_api_gives_the_bands_per_month(banded):
    client = APIClient(HTTP_ACCEPT_LANGUAGE="en")
    client.force_authenticate(UserFactory(username="band-analyst", role=roles.RISK_ANALYST))

    body = client.get(URL).json()
    assert (body["product"], body["band_width"]) == ("", 20)
    assert [m["month"] for m in body["months"]] == [
        month_start(2).strftime("%Y-%m"),
        month_start(1).strftime("%Y-%m"),
    ]
    first = body["months"][0]
    assert first["decisions"] == 5
    assert first["bands"][1] == {
        "band": "420–439",
        "low": 420,
        "high": 439,
        "decisions": 2,
        "share": "0.4000",
    }
    assert first["bands"][-1] == {
        "band": "≥ 620",
        "low": 620,
        "high": None,
        "decisions": 1,
        "share": "0.2000",
    }

    body = client.get(URL, {"since": month_start(1).strftime("%Y-%m"), "product": "BIZ"}).json()
    (month,) = body["months"]
    assert (body["product"], month["decisions"], month["bands"][5]["share"]) == ("BIZ", 1, "1.0000")

    bad = client.get(URL, {"since": "2025-13"})
    assert bad.status_code == 400
    assert "since" in bad.json()["errors"]


def test_api_refuses_customers_and_anonymous_callers(banded):
    customer = APIClient()
    customer.force_authenticate(UserFactory(username="band-customer", role=roles.CUSTOMER))
    assert customer.get(URL).status_code == 403
    assert APIClient().get(URL).status_code == 401


@pytest.mark.parametrize(
    ("language", "title"),
    [("en", "Score distribution by score band"), ("zh-hans", "按评分段的评分分布")],
)
def test_risk_page_draws_the_bands_and_exports_them(client, banded, language, title):
    client.force_login(UserFactory(username="band-page", role=roles.RISK_ANALYST))

    page = client.get(PAGE, HTTP_ACCEPT_LANGUAGE=language).content.decode()

    assert title in page
    assert "≥ 620, " + month_start(2).strftime("%Y-%m") + ": 20%" in page  # a heat map cell's tooltip
    response = client.get(PAGE, {"export": "csv", "table": "score_bands"}, HTTP_ACCEPT_LANGUAGE="en")
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0] == ["Month", "Product", "Score band", "Decisions", "Share of the month"]
    assert len(rows) == 1 + 2 * len(BANDS)
    assert rows[2] == [month_start(2).strftime("%Y-%m"), "all", "420–439", "2", "0.4000"]
