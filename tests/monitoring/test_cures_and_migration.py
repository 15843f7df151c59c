"""Cure rates (from the roll rates), the five-tier classification migration and the approval
rate / score distribution by decision month, against figures computed by hand on a small
constructed history; each job run twice writes nothing twice; the API bodies.

Cure rate as the industry uses it: of the accounts delinquent at the start of a period, the share
back to current at its end (e.g. the "cure rate" of the roll-rate literature: Siddiqi, *Credit Risk
Scorecards*, Wiley 2006, ch. 4; Federal Reserve Bank of Philadelphia, "Cure rates" in its Large
Bank Credit Card and Mortgage Data, https://www.philadelphiafed.org/surveys-and-data/
large-bank-credit-card-and-mortgage-data). Here a loan paid off in the month also cures; a
written-off one does not.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from decimal import Decimal

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from loanhub import roles
from monitoring import approvals, selectors, services
from monitoring.models import ClassificationMigration, DecisionMonth, RollRate
from risk.models import Decision, ScoreModel, ScoringRequest
from servicing.models import Loan
from tests.monitoring.conftest import month_end, month_start, snap
from tests.products.factories import UserFactory

pytestmark = pytest.mark.django_db
D = Decimal


@pytest.fixture
def history(make_loan):
    """Eight loans over the last two month ends (principal at the earlier one):

    loan  before            after               principal
    a     1-30  (SM)        current (pass)      1,000
    b     1-30  (SM)        31-60  (SM)         2,000
    c     1-30  (SM)        — paid off          500
    d     31-60 (SM)        current (pass)      3,000
    e     31-60 (SM)        61-90 (substandard) 5,000
    f     91-180 (loss)     — written off       6,000
    g     current (pass)    current (pass)      1,000
    h     current (pass)    1-30   (SM)         1,000
    """
    start, end = month_end(2), month_end(1)
    rows = (
        ("1-30", "current", "1000.00", None),
        ("1-30", "31-60", "2000.00", None),
        ("1-30", None, "500.00", None),
        ("31-60", "current", "3000.00", None),
        ("31-60", "61-90", "5000.00", None),
        ("91-180", None, "6000.00", "loss"),
        ("current", "current", "1000.00", None),
        ("current", "1-30", "1000.00", None),
    )
    loans = []
    for before, after, principal, klass in rows:
        loan = make_loan()
        snap(loan, start, before, principal=principal, klass=klass)
        if after:
            snap(loan, end, after, principal=principal)
        loans.append(loan)
    Loan.objects.filter(pk=loans[5].pk).update(written_off_on=end - dt.timedelta(days=3))
    services.run_monitoring(start)
    services.run_monitoring(end)
    return month_start(1)


def test_roll_rates_tell_a_write_off_from_a_payoff(history):
    rolls = selectors.roll_rates(history)["from_buckets"]
    assert rolls["1-30"]["closed"] == D("0.3333")
    assert rolls["91-180"] == {"written_off": D("1.0000")}


def test_cure_rates_by_hand(history):
    cures = selectors.cure_rates(history)["from_buckets"]

    assert list(cures) == ["1-30", "31-60", "91-180", "delinquent"]
    # 1-30: a cured, c paid off (cured), b rolled: 2/3; by balance (1,000 + 500) / 3,500.
    assert cures["1-30"] == {
        "loans": 3,
        "balance": D("3500.00"),
        "cured_loans": 2,
        "cured_balance": D("1500.00"),
        "paid_off_loans": 1,
        "written_off_loans": 0,
        "loans_share": D("0.6667"),
        "balance_share": D("0.4286"),
    }
    # 31-60: d cured, e rolled: 1/2; 3,000 / 8,000.
    assert (cures["31-60"]["loans_share"], cures["31-60"]["balance_share"]) == (D("0.5000"), D("0.3750"))
    # 91-180: f written off — not a cure.
    assert (cures["91-180"]["cured_loans"], cures["91-180"]["written_off_loans"]) == (0, 1)
    assert cures["91-180"]["loans_share"] == D("0.0000")
    # Together: 3 of 6; 4,500 of 17,500 = 0.25714…
    assert cures["delinquent"] == {
        "loans": 6,
        "balance": D("17500.00"),
        "cured_loans": 3,
        "cured_balance": D("4500.00"),
        "paid_off_loans": 1,
        "written_off_loans": 1,
        "loans_share": D("0.5000"),
        "balance_share": D("0.2571"),
    }
    (month,) = selectors.cure_rate_series(since=month_start(6))
    assert month == {"month": history, "from_buckets": cures}


def test_classification_migration_by_hand(history):
    migration = selectors.classification_migration(history)["from_classes"]

    assert list(migration) == ["pass", "special_mention", "loss"]
    # pass: g stays, h slips to special mention.
    assert migration["pass"] == {
        "pass": {
            "loans": 1,
            "balance": D("1000.00"),
            "loans_share": D("0.5000"),
            "balance_share": D("0.5000"),
        },
        "special_mention": {
            "loans": 1,
            "balance": D("1000.00"),
            "loans_share": D("0.5000"),
            "balance_share": D("0.5000"),
        },
    }
    # special mention (a b c d e, 11,500): a d → pass 4,000; b stays 2,000; c paid off 500;
    # e → substandard 5,000.
    sm = migration["special_mention"]
    assert list(sm) == ["pass", "special_mention", "substandard", "closed"]
    assert {k: (v["loans"], v["balance"], v["loans_share"], v["balance_share"]) for k, v in sm.items()} == {
        "pass": (2, D("4000.00"), D("0.4000"), D("0.3478")),
        "special_mention": (1, D("2000.00"), D("0.2000"), D("0.1739")),
        "substandard": (1, D("5000.00"), D("0.2000"), D("0.4348")),
        "closed": (1, D("500.00"), D("0.2000"), D("0.0435")),
    }
    assert migration["loss"] == {
        "written_off": {
            "loans": 1,
            "balance": D("6000.00"),
            "loans_share": D("1.0000"),
            "balance_share": D("1.0000"),
        }
    }


def test_a_month_run_twice_writes_nothing_twice(history):
    def stored():
        return (
            sorted(RollRate.objects.values_list("month", "from_bucket", "to_bucket", "loans", "balance")),
            sorted(
                ClassificationMigration.objects.values_list(
                    "month", "from_class", "to_class", "loans", "balance"
                )
            ),
        )

    before = stored()
    assert (len(before[0]), len(before[1])) == (8, 7)

    result = services.run_monitoring(month_end(1))

    assert stored() == before
    assert (result["roll_rates"], result["classification_migrations"]) == (8, 7)


def test_no_migration_without_the_previous_month_end(make_loan):
    snap(make_loan(), month_end(1), "current")

    services.run_monitoring(month_end(1))

    assert not ClassificationMigration.objects.exists()
    assert selectors.classification_migration(month_start(1)) is None
    assert selectors.cure_rates(month_start(1)) is None


# --- Approval rate and score distribution ---------------------------------------------------------
@pytest.fixture
def score_model():
    return ScoreModel.objects.create(
        version=91,
        dataset="test",
        binner="test",
        seed=1,
        artifact="{}",
        artifact_sha256="0" * 64,
        training_data_sha256="0" * 64,
    )


def decide(model, when: dt.datetime, *, product: str, outcome: str, grade: str, score: int) -> Decision:
    request = ScoringRequest.objects.create(
        requester_ref="test", product_ref=product, product_terms={}, features={}, id_number_hash="x"
    )
    decision = Decision.objects.create(
        request=request,
        model=model,
        model_sha256=model.artifact_sha256,
        features={},
        points={},
        score=score,
        grade=grade,
        pd=D("0.01"),
        pd_model=D("0.01"),
        outcome=outcome,
        requested_amount=D("1000.00"),
        approved_limit=D("1000.00"),
        product_terms={},
    )
    Decision.objects.filter(pk=decision.pk).update(created_at=when)
    return decision


def _at(day: dt.date, hour: int = 12) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour)))


@pytest.fixture
def decisions(score_model, make_loan):
    """Two months ago: PL approves A 700 and B 650, refers C 600, declines E 500; last month PL
    approves A 720 and BIZ declines D 540; this month (after the date monitored) PL approves A."""
    two, one = month_start(2), month_start(1)
    for product, outcome, grade, score, day in (
        ("PL:v1", "approve", "A", 700, two),
        ("PL:v1", "approve", "B", 650, two + dt.timedelta(days=5)),
        ("PL:v1", "refer", "C", 600, two + dt.timedelta(days=9)),
        ("PL:v1", "decline", "E", 500, month_end(2)),  # the month's last day, late evening
        ("PL:v2", "approve", "A", 720, one + dt.timedelta(days=3)),
        ("BIZ:v1", "decline", "D", 540, one + dt.timedelta(days=4)),
        ("PL:v2", "approve", "A", 710, month_start(0)),
    ):
        decide(
            score_model,
            _at(day, 23 if day == month_end(2) else 12),
            product=product,
            outcome=outcome,
            grade=grade,
            score=score,
        )
    snap(make_loan(), month_end(1), "current")  # a closed date
    return services.run_monitoring(month_end(1))


def test_decisions_by_month_by_hand(decisions):
    assert decisions["decision_months"] == 6  # 4 rows two months ago, 2 last month

    two, one = selectors.decision_series()
    assert two["month"] == month_start(2)
    assert (two["decisions"], two["approved"], two["referred"], two["declined"]) == (4, 2, 1, 1)
    assert (two["approval_rate"], two["referral_rate"], two["decline_rate"]) == (
        D("0.5000"),
        D("0.2500"),
        D("0.2500"),
    )
    assert two["grades"] == {"A": 1, "B": 1, "C": 1, "D": 0, "E": 1}
    assert two["grade_shares"]["A"] == D("0.2500")
    assert two["mean_score"] == D("612.5")  # (700 + 650 + 600 + 500) / 4
    assert (one["decisions"], one["approval_rate"], one["mean_score"]) == (2, D("0.5000"), D("630.0"))
    assert one["grades"] == {"A": 1, "B": 0, "C": 0, "D": 1, "E": 0}

    (pl,) = selectors.decision_series(since=month_start(1), product="PL")
    assert (pl["decisions"], pl["approval_rate"], pl["mean_score"]) == (1, D("1.0000"), D("720.0"))
    assert selectors.decision_products() == ["BIZ", "PL"]


def test_decisions_run_twice_or_out_of_order_write_nothing_twice(decisions):
    def stored():
        return sorted(
            DecisionMonth.objects.values_list("month", "product", "outcome", "grade", "decisions", "through")
        )

    before = stored()

    assert services.run_monitoring(month_end(1))["decision_months"] == 6  # the same rows, replaced
    assert stored() == before
    # An earlier date: last month, counted further already, is left alone; the month before is
    # recounted through the same day.
    assert approvals.decision_months_build(as_of=month_end(2)) == 4
    assert stored() == before
    assert {row[-1] for row in before} == {month_end(2), month_end(1)}


def test_the_previous_month_is_recounted_for_decisions_after_its_close(decisions, score_model):
    """A decision made on a month's last day after that day's monitoring ran is counted by the
    next day's run."""
    decide(score_model, _at(month_end(1), 23), product="PL:v2", outcome="refer", grade="C", score=610)

    approvals.decision_months_build(as_of=month_start(0))

    assert selectors.decision_series(since=month_start(1))[0]["decisions"] == 3


def test_a_month_running_is_counted_through_the_date_then_to_its_end(score_model, make_loan):
    one = month_start(1)
    decide(score_model, _at(one), product="PL:v1", outcome="approve", grade="A", score=700)
    decide(
        score_model,
        _at(one + dt.timedelta(days=20)),
        product="PL:v1",
        outcome="decline",
        grade="E",
        score=500,
    )

    assert approvals.decision_months_build(as_of=one + dt.timedelta(days=10)) == 1
    assert selectors.decision_series()[0]["decisions"] == 1

    assert approvals.decision_months_build(as_of=month_end(1)) == 2
    (month,) = selectors.decision_series()
    assert (month["decisions"], month["approval_rate"]) == (2, D("0.5000"))
    assert set(DecisionMonth.objects.values_list("through", flat=True)) == {month_end(1)}


# --- API ------------------------------------------------------------------------------------------
@pytest.fixture
def api():
    client = APIClient(HTTP_ACCEPT_LANGUAGE="en")
    client.force_authenticate(UserFactory(username="cure-analyst", role=roles.RISK_ANALYST))
    return client


def test_cure_rates_api(history, api):
    body = api.get("/api/v1/monitoring/cure-rates/", {"month": history.strftime("%Y-%m")}).json()

    assert body["month"] == history.strftime("%Y-%m")
    assert body["from_buckets"]["delinquent"] == {
        "loans": 6,
        "balance": "17500.00",
        "cured_loans": 3,
        "cured_balance": "4500.00",
        "paid_off_loans": 1,
        "written_off_loans": 1,
        "loans_share": "0.5000",
        "balance_share": "0.2571",
    }
    assert api.get("/api/v1/monitoring/cure-rates/").json() == body  # the last month by default
    assert (
        api.get("/api/v1/monitoring/cure-rates/", {"month": month_end(3).strftime("%Y-%m")}).status_code
        == 404
    )
    response = api.get("/api/v1/monitoring/cure-rates/", {"month": "2026-13"})
    assert response.status_code == 400
    assert list(response.json()["errors"]) == ["month"]


def test_classification_migration_api(history, api):
    body = api.get("/api/v1/monitoring/classification-migration/").json()

    assert body["month"] == history.strftime("%Y-%m")
    assert body["from_classes"]["loss"] == {
        "written_off": {"loans": 1, "balance": "6000.00", "loans_share": "1.0000", "balance_share": "1.0000"}
    }
    assert body["from_classes"]["special_mention"]["substandard"]["balance_share"] == "0.4348"
    assert api.get("/api/v1/monitoring/classification-migration/", {"month": "x"}).status_code == 400


def test_decisions_api(decisions, api):
    body = api.get("/api/v1/monitoring/decisions/", {"product": "PL"}).json()

    assert body["product"] == "PL"
    assert [m["month"] for m in body["months"]] == [
        month_start(2).strftime("%Y-%m"),
        month_start(1).strftime("%Y-%m"),
    ]
    assert body["months"][0] == {
        "month": month_start(2).strftime("%Y-%m"),
        "decisions": 4,
        "approved": 2,
        "referred": 1,
        "declined": 1,
        "approval_rate": "0.5000",
        "referral_rate": "0.2500",
        "decline_rate": "0.2500",
        "grades": {"A": 1, "B": 1, "C": 1, "D": 0, "E": 1},
        "grade_shares": {"A": "0.2500", "B": "0.2500", "C": "0.2500", "D": "0.0000", "E": "0.2500"},
        "mean_score": "612.5",
    }
    since = api.get("/api/v1/monitoring/decisions/", {"since": month_start(1).strftime("%Y-%m")}).json()
    assert [m["decisions"] for m in since["months"]] == [2]
    assert api.get("/api/v1/monitoring/decisions/", {"since": "soon"}).status_code == 400


@pytest.mark.parametrize(
    "url",
    [
        "/api/v1/monitoring/cure-rates/",
        "/api/v1/monitoring/classification-migration/",
        "/api/v1/monitoring/decisions/",
    ],
)
def test_customers_may_not_read(history, url):
    client = APIClient(HTTP_ACCEPT_LANGUAGE="en")
    client.force_authenticate(UserFactory(username="cure-customer", role=roles.CUSTOMER))
    assert client.get(url).status_code == 403
    assert APIClient().get(url).status_code == 401


# --- Dashboards -------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("language", "texts"),
    [
        ("en", ("Cure rates of", "Cure rate (balance)", "closed (paid off)", "written off")),
        ("zh-hans", ("治愈率", "结清", "核销", "五级分类迁徙")),
    ],
)
def test_portfolio_dashboard_shows_cures_and_the_migration(client, history, language, texts):
    client.force_login(UserFactory(username="cure-dash", role=roles.RISK_ANALYST))

    page = client.get("/admin/monitoring/portfolioday/", HTTP_ACCEPT_LANGUAGE=language).content.decode()

    assert page.count('<svg class="chart"') == 5  # buckets, classes, vintages, cures, migration
    assert "0.2571" in page  # the delinquent loans' cure rate by balance
    assert "4000.00 (0.3478)" in page  # special mention → pass, by balance
    for text in texts:
        assert text in page


def test_risk_page_shows_approval_rates_and_exports_them(client, decisions):
    client.force_login(UserFactory(username="approval-dash", role=roles.RISK_ANALYST))
    url = "/admin/monitoring/modelstability/"

    page = client.get(url, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    # approvals, grades, score bands; provisions, ladder
    assert page.count('<svg class="chart"') == 3 + 2
    assert "Approval rate and score distribution" in page
    assert "612.5" in page
    assert '<a href="?product=BIZ">BIZ</a>' in page

    response = client.get(
        url, {"export": "csv", "table": "decisions", "product": "PL"}, HTTP_ACCEPT_LANGUAGE="en"
    )
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0][:7] == [
        "Month",
        "Product",
        "Decisions",
        "Approved",
        "Referred",
        "Declined",
        "Approval rate",
    ]
    assert rows[1] == [
        month_start(2).strftime("%Y-%m"),
        "PL",
        "4",
        "2",
        "1",
        "1",
        "0.5000",
        "612.5",
        "1",
        "1",
        "1",
        "0",
        "1",
    ]
    assert rows[2][:3] == [month_start(1).strftime("%Y-%m"), "PL", "1"]
