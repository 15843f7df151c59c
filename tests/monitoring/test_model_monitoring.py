"""Model monitoring: PSI against hand-computed examples and its traffic lights, the Wilson
interval against Newcombe's published examples, calibration by grade, and PSI of a real champion
over real decisions (stored once per date, served by the API, refused to customers).

Sources:
- PSI = Σ (aᵢ − eᵢ)·ln(aᵢ/eᵢ); below 0.10 stable, 0.10–0.25 a minor shift, 0.25 and above a major
  one: Siddiqi, *Credit Risk Scorecards* (Wiley 2006), ch. 11; Open Risk Manual, "Population
  Stability" (https://www.openriskmanual.org/wiki/Population_Stability); Yurdakul, *Statistical
  Properties of Population Stability Index* (WMU dissertation, 2018).
- Wilson score interval, 95 %: Newcombe, "Two-sided confidence intervals for the single
  proportion: comparison of seven methods", Statistics in Medicine 17 (1998) 857–872, Table II,
  method 3: 81/263 → 0.2553–0.3662, 15/148 → 0.0624–0.1605, 0/20 → 0–0.1611, 1/29 → 0.0061–0.1718.
"""

from __future__ import annotations

import math
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from rest_framework.test import APIClient

from loanhub import clock, roles
from monitoring import model_monitoring as mm
from monitoring import services
from monitoring.models import CalibrationGrade, DelinquencyOnset, ModelStability
from risk import services as risk_services
from risk.scorecard.metrics import psi_counts
from tests.monitoring.conftest import snap
from tests.products.factories import UserFactory
from tests.risk.conftest import (  # noqa: F401 (fixtures)
    analyst,
    analyst2,
    candidate,
    champion,
    create_request,
    german,
    terms,
    trained,
)

D = Decimal


# --- PSI -----------------------------------------------------------------------------------------
def test_psi_two_bins_by_hand():
    # expected 50 % / 50 %, actual 75 % / 25 %:
    # (0.75 − 0.5)·ln(1.5) + (0.25 − 0.5)·ln(0.5) = 0.101366 + 0.173287 = 0.274653
    psi, bins = mm.stability(["a"] * 50 + ["b"] * 50, ["a"] * 3 + ["b"], ["a", "b"])
    assert psi == D("0.2747")
    assert bins == [
        {"bin": "a", "expected_share": "0.5000", "actual_share": "0.7500"},
        {"bin": "b", "expected_share": "0.5000", "actual_share": "0.2500"},
    ]
    assert mm.psi_light(psi) == "red"


def test_psi_four_bins_by_hand_and_an_empty_bin_is_floored():
    # e = .25 each; a = .40 .30 .20 .10:
    # .15·ln1.6 + .05·ln1.2 − .05·ln.8 − .15·ln.4 = .070501 + .009116 + .011157 + .137444 = .228218
    psi, _bins = mm.stability(list("abcd"), list("aaaabbbccd"), list("abcd"))
    assert psi == D("0.2282")
    assert mm.psi_light(psi) == "amber"
    # an actual bin with nothing counts as 0.0001 (the others are not rescaled):
    # (0.0001 − 0.5)·ln(0.0002) + (1 − 0.5)·ln(2)
    expected = (0.0001 - 0.5) * math.log(0.0002) + 0.5 * math.log(2)
    assert psi_counts([1, 1], [0, 5]) == pytest.approx(expected)


@pytest.mark.parametrize(
    ("psi", "light"),
    [("0.0000", "green"), ("0.0999", "green"), ("0.1000", "amber"), ("0.2499", "amber"), ("0.2500", "red")],
)
def test_psi_lights_at_the_thresholds(psi, light):
    assert mm.psi_light(D(psi)) == light


def test_psi_thresholds_are_settings(settings):
    settings.LOANHUB_PSI_AMBER, settings.LOANHUB_PSI_RED = D("0.05"), D("0.20")
    assert mm.psi_light(D("0.06")) == "amber"
    assert mm.psi_light(D("0.20")) == "red"


# Pure arithmetic, but drawing nested lists is slow on a loaded machine: no too_slow health check,
# no deadline (the examples and the assertions are the same).
@hypothesis_settings(suppress_health_check=[HealthCheck.too_slow], deadline=None)
@given(st.lists(st.integers(1, 500), min_size=2, max_size=12), st.data())
def test_psi_is_nonnegative_and_zero_for_the_same_shares(expected, data):
    actual = data.draw(st.lists(st.integers(0, 500), min_size=len(expected), max_size=len(expected)))
    if sum(actual) == 0:
        actual[0] = 1
    assert psi_counts(expected, actual) >= -1e-12
    assert psi_counts(expected, [3 * n for n in expected]) == pytest.approx(0.0, abs=1e-12)


def test_score_bins_are_the_development_deciles():
    edges = mm.score_edges(list(range(100)))
    assert len(edges) == 9
    labels = mm.score_bin_labels(edges)
    assert len(labels) == 10
    assert labels[0].startswith("< ")
    assert labels[-1].startswith("≥ ")


# --- Wilson interval (Newcombe 1998, Table II) -----------------------------------------------------
@pytest.mark.parametrize(
    ("bads", "loans", "low", "high"),
    [
        (81, 263, "0.2553", "0.3662"),
        (15, 148, "0.0624", "0.1605"),
        (0, 20, "0.0000", "0.1611"),
        (1, 29, "0.0061", "0.1718"),
    ],
)
def test_wilson_interval_matches_newcombe(bads, loans, low, high):
    assert mm.wilson_interval(bads, loans) == (D(low), D(high))


@given(st.integers(1, 400), st.data())
def test_wilson_interval_contains_the_rate(loans, data):
    bads = data.draw(st.integers(0, loans))
    low, high = mm.wilson_interval(bads, loans)
    rate = D(bads) / loans
    assert D(0) <= low <= rate.quantize(D("0.0001")) <= high <= D(1)


# --- Calibration by grade --------------------------------------------------------------------------


class _Model:
    version = 9


@pytest.mark.django_db
def test_calibration_by_grade_by_hand(make_loan, monkeypatch, settings):
    """Grade A: 40 loans with a full 12-month window, 2 first 30+ past due inside it, 1 only after
    it → 2/40 = 0.05, Wilson 0.0138–0.1650, predicted 0.02 inside → green. Grade B: 10 loans, none
    late → amber (fewer than 30). A loan of the last 12 months is not counted."""
    from dateutil.relativedelta import relativedelta

    from servicing.models import Loan

    monkeypatch.setattr(mm.risk, "champion_get", lambda: _Model())
    monkeypatch.setattr(mm.risk, "grade_pds", lambda model: {"A": D("0.020000"), "B": D("0.050000")})
    as_of = clock.today()
    start = as_of - relativedelta(months=13)
    loans_a = [make_loan(start) for _ in range(40)]
    for _ in range(10):
        make_loan(start)
    Loan.objects.filter(pk__in=[loan.pk for loan in loans_a]).update(risk_grade="A")
    Loan.objects.exclude(pk__in=[loan.pk for loan in loans_a]).update(risk_grade="B")
    make_loan(as_of - relativedelta(months=2))  # too young: grade B but not counted
    Loan.objects.filter(risk_grade="").update(risk_grade="B")
    for loan, months in ((loans_a[0], 3), (loans_a[1], 11), (loans_a[2], 12)):
        DelinquencyOnset.objects.create(
            loan_id=loan.pk,
            start_date=start,
            first_dpd30=start + relativedelta(months=months),
            risk_grade="A",
        )

    assert mm.calibration_build(as_of=as_of) == 2
    assert mm.calibration_build(as_of=as_of) == 2  # idempotent
    a, b = CalibrationGrade.objects.filter(as_of=as_of).order_by("grade")
    assert (a.loans, a.bads, a.bad_rate, a.light) == (40, 2, D("0.0500"), "green")
    assert (a.ci_low, a.ci_high) == mm.wilson_interval(2, 40)
    assert (b.loans, b.bads, b.light) == (10, 0, "amber")


def test_calibration_light_red_outside_the_interval(settings):
    assert mm.calibration_light(predicted=D("0.20"), loans=100, low=D("0.01"), high=D("0.10")) == "red"
    assert mm.calibration_light(predicted=D("0.05"), loans=100, low=D("0.01"), high=D("0.10")) == "green"


# --- PSI of a real champion over real decisions ----------------------------------------------------
@pytest.fixture
def decided(champion, terms, django_capture_on_commit_callbacks):  # noqa: F811
    risk_services.rule_seed_defaults()
    for n in range(3):
        with django_capture_on_commit_callbacks(execute=True):
            create_request(terms, id_number=f"11010119900101{n:04d}")
    return champion


@pytest.mark.django_db
def test_stability_of_the_champion_is_stored_once_and_served(decided, make_loan):
    day = clock.today()
    snap(make_loan(), day)  # a closed date
    first = services.run_monitoring(day)
    again = services.run_monitoring(day)
    card_features = len(decided.features)
    assert first["stability_rows"] == again["stability_rows"] == 1 + card_features
    rows = ModelStability.objects.filter(as_of=day, model_version=decided.version)
    assert rows.count() == 1 + card_features
    score = rows.get(target=ModelStability.SCORE)
    assert score.decisions == 3
    assert sum(D(b["actual_share"]) for b in score.bins) == pytest.approx(D(1), abs=D("0.0005"))
    assert sum(D(b["expected_share"]) for b in score.bins) == pytest.approx(D(1), abs=D("0.0005"))
    # Three decisions against ~750 development rows: a large shift, red.
    assert score.light == "red"

    reader = UserFactory(username="psi-analyst", role=roles.RISK_ANALYST)
    client = APIClient(HTTP_ACCEPT_LANGUAGE="en")
    client.force_authenticate(reader)
    body = client.get("/api/v1/monitoring/psi/").json()
    assert body["score"]["psi"] == str(score.psi)
    assert body["model_version"] == decided.version
    assert set(body["features"]) == set(decided.features)
    assert {"bin", "expected_share", "actual_share"} == set(body["score"]["bins"][0])
    assert client.get("/api/v1/monitoring/psi/", {"model": 999}).status_code == 404
    assert client.get("/api/v1/monitoring/psi/", {"as_of": "not-a-date"}).status_code == 400

    customer = UserFactory(username="psi-customer", role=roles.CUSTOMER)
    client.force_authenticate(customer)
    assert client.get("/api/v1/monitoring/psi/").status_code == 403


@pytest.mark.django_db
def test_gini_and_ks_on_matured_loans_by_hand(make_loan, settings):
    """Four matured loans by PD at origination 0.10 (bad), 0.05 (good), 0.02 (bad), 0.01 (good).
    Of the 2 × 2 (bad, good) pairs, the bad one has the higher PD in 3 (0.10 > 0.05, 0.10 > 0.01,
    0.02 > 0.01): AUC 0.75, Gini 2 · 0.75 − 1 = 0.50. Down the PD ranking the bads' and goods'
    cumulative shares are (½, 0), (½, ½), (1, ½), (1, 1): KS = the largest gap, 0.50. A loan
    disbursed inside the outcome window is not counted."""
    from dateutil.relativedelta import relativedelta

    from monitoring.models import Discrimination
    from servicing.models import Loan

    settings.LOANHUB_CALIBRATION_OUTCOME_MONTHS = 12
    today = clock.today()
    start = today - relativedelta(months=13)
    for pd, bad in (("0.10", True), ("0.05", False), ("0.02", True), ("0.01", False)):
        loan = make_loan(start)
        Loan.objects.filter(pk=loan.pk).update(pd=Decimal(pd))
        if bad:
            DelinquencyOnset.objects.create(
                loan_id=loan.pk, start_date=start, first_dpd30=start + relativedelta(months=3)
            )
    make_loan(today - relativedelta(months=2))

    assert mm.discrimination_build(as_of=today) == 1
    assert mm.discrimination_build(as_of=today) == 1  # replaced, not added

    row = Discrimination.objects.get()
    assert (row.loans, row.bads, row.auc, row.gini, row.ks) == (
        4,
        2,
        Decimal("0.7500"),
        Decimal("0.5000"),
        Decimal("0.5000"),
    )


@pytest.mark.django_db
def test_no_gini_before_good_and_bad_loans_matured(make_loan):
    from monitoring.models import Discrimination

    assert mm.discrimination_build(as_of=clock.today()) == 0
    assert not Discrimination.objects.exists()
