"""The early-warning signals that come from beyond the loan's own repayments (issue 15): a new
application elsewhere reported by the bureau (多头借贷), an income drop on re-verification, score
drift on the periodic rescore, and the customer's credit line with an overdue minimum weighing on
their loan. Each with a hand-computed example."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from decimal import Decimal

import pytest

from customers.income import customer_income_reverify
from customers.models import IncomeSource, IncomeVerification
from customers.services import customer_upsert_for_user
from loanhub import clock, roles
from loanhub.errors import Forbidden, Invalid
from monitoring import early_warning, rescore, tasks
from monitoring.models import EarlyWarning, LoanRescore, Signal, SignalWeight
from risk import inquiries
from risk import services as risk_services
from risk.bureau import Inquiry, LocalCreditBureau
from risk.models import Decision, ScoreModel, ScoringRequest
from risk.scorecard.model import ARTIFACT_FORMAT
from risk.scorecard.scaling import Scaling
from servicing.models import CreditLine
from tests.monitoring.conftest import snap
from tests.products.factories import UserFactory
from tests.servicing.lines_helpers import open_line

pytestmark = pytest.mark.django_db
D = Decimal
DAY = dt.timedelta(days=1)

# A hand-made scorecard that reads only the bureau's credit history, so the rescore's figures are
# known: paid duly 620 (A), all paid 610 (A), past delays 540 (C), critical 450 (E).
CARD = {
    "format": ARTIFACT_FORMAT,
    "scaling": Scaling().as_dict(),
    "features": [
        {
            "name": "credit_history",
            "kind": "categorical",
            "bins": [
                {"label": k, "categories": [k], "points": v, "woe": 0}
                for k, v in {
                    "no_credits": 560,
                    "all_paid": 610,
                    "paid_duly": 620,
                    "past_delays": 540,
                    "critical": 450,
                }.items()
            ],
        }
    ],
    "grades": [
        {"grade": "A", "min_score": 600, "pd": 0.02},
        {"grade": "B", "min_score": 560, "pd": 0.05},
        {"grade": "C", "min_score": 520, "pd": 0.1},
        {"grade": "D", "min_score": 480, "pd": 0.2},
        {"grade": "E", "min_score": None, "pd": 0.4},
    ],
}
DECIDED_ON = {
    "age": 35,
    "employment_type": "salaried",
    "employment_years": "5",
    "monthly_income": "10000.00",
    "credit_history": "paid_duly",
    "existing_credits": 1,
    "other_installment_plans": "none",
    "bureau_monthly_debt": "500.00",
}


@pytest.fixture
def today() -> dt.date:
    return clock.today()


@pytest.fixture
def champion():
    text = json.dumps(CARD)
    return ScoreModel.objects.create(
        version=7,
        dataset="hand-made",
        binner="manual",
        seed=0,
        artifact=text,
        artifact_sha256=hashlib.sha256(text.encode()).hexdigest(),
        training_data_sha256="0" * 64,
        status="champion",
    )


def decided(loan_or_line, model, **features) -> Decision:
    """The risk decision of the application the loan (or line) came from."""
    from applications.models import LoanApplication

    record = {**DECIDED_ON, **features}
    request = ScoringRequest.objects.create(
        requester_ref=f"applications.LoanApplication:{loan_or_line.origin_ref}",
        product_terms={},
        features=record,
        customer=loan_or_line.customer,
        id_number_hash="0" * 64,
    )
    decision = Decision.objects.create(
        request=request,
        model=model,
        model_sha256=model.artifact_sha256,
        features=record,
        points={},
        score=620,
        grade="A",
        pd=D("0.02"),
        pd_model=D("0.02"),
        outcome="approve",
        requested_amount=D("10000.00"),
        approved_limit=D("10000.00"),
        product_terms={},
    )
    LoanApplication.objects.filter(pk=int(loan_or_line.origin_ref[1:])).update(decision=decision)
    return decision


# --- new application elsewhere (多头借贷) ------------------------------------------------------------
def test_the_local_bureau_answers_inquiries_in_the_window_by_batch(today):
    for days_ago, institution in ((3, "Bank B"), (20, "Bank A"), (40, "Bank Old")):
        inquiries.bureau_inquiry_record(
            id_number="110101199001011234",
            inquired_on=today - dt.timedelta(days=days_ago),
            institution=institution,
        )
    inquiries.bureau_inquiry_record(  # the same inquiry reported twice is one
        id_number="110101199001011234", inquired_on=today - 3 * DAY, institution="Bank B"
    )
    inquiries.bureau_inquiry_record(id_number="110101199002021111", inquired_on=today, institution="Bank C")

    found = LocalCreditBureau().inquiries(
        id_numbers=["110101199001011234", "110101199009099999"], since=today - 35 * DAY, until=today
    )

    assert found == {
        "110101199001011234": [Inquiry(today - 20 * DAY, "Bank A"), Inquiry(today - 3 * DAY, "Bank B")]
    }
    with pytest.raises(Invalid):
        inquiries.bureau_inquiry_record(id_number="110101199001011234", inquired_on=today, institution=" ")


def test_a_bureau_inquiry_elsewhere_signals_on_the_loan_and_on_a_line_only_customer(make_loan, today):
    loan = make_loan()
    quiet = make_loan()
    snap(loan, today)
    snap(quiet, today)
    line = open_line(opened_on=today - 90 * DAY)
    for customer, days_ago, institution in (
        (loan.customer, 3, "Bank B"),
        (loan.customer, 20, "Bank A"),
        (loan.customer, 36, "Bank Old"),  # before the 35-day window
        (line.customer, 1, "Bank D"),
    ):
        inquiries.bureau_inquiry_record(
            id_number=customer.id_number,
            inquired_on=today - dt.timedelta(days=days_ago),
            institution=institution,
        )

    loans = early_warning.signals_on(today)
    lines = early_warning.line_signals_on(today)

    latest = (today - 3 * DAY).isoformat()
    assert loans == {loan.pk: [("new_application_elsewhere", f"2× (Bank B {latest})")]}
    assert lines == {line.pk: [("new_application_elsewhere", f"1× (Bank D {(today - DAY).isoformat()})")]}


# --- income drop on re-verification -------------------------------------------------------------------
def test_an_officer_reverifies_income_and_others_may_not(make_loan):
    loan = make_loan()
    customer = loan.customer
    officer = UserFactory(username="verifier", role=roles.LOAN_OFFICER)

    with pytest.raises(Forbidden):
        customer_income_reverify(customer=customer, monthly_income="7500", actor=customer.user)
    with pytest.raises(Invalid) as bad:
        customer_income_reverify(customer=customer, monthly_income="-1", actor=officer)
    assert "monthly_income" in bad.value.errors
    assert not IncomeVerification.objects.exists()

    row = customer_income_reverify(customer=customer, monthly_income="7500", actor=officer, note="payslips")

    customer.refresh_from_db()
    assert (row.monthly_income, row.source, row.verified_by, row.verified_on) == (
        D("7500.00"),
        IncomeSource.OFFICER,
        officer,
        clock.today(),
    )
    assert customer.monthly_income == D("7500.00")


def test_a_customer_changing_their_income_on_the_portal_is_a_reverification():
    from customers.forms import profile_initial
    from tests.customers.factories import CustomerFactory

    customer = CustomerFactory()
    data = {**profile_initial(customer), "monthly_income": "6000.00"}
    customer_upsert_for_user(user=customer.user, data=data)
    customer_upsert_for_user(user=customer.user, data=data)  # unchanged: nothing more

    assert list(IncomeVerification.objects.values_list("customer", "monthly_income", "source")) == [
        (customer.pk, D("6000.00"), "customer")
    ]


def test_an_income_drop_and_a_line_overdue_open_one_warning(make_loan, today, champion):
    """At application 10,000.00 a month. Re-verified at 7,500.00: (10,000 − 7,500) / 10,000 = 25 %
    ≥ 20 %: income_drop (0.70). The same customer's credit line has its 300.00 minimum 12 days
    overdue: line_overdue (0.50). 0.70 + 0.50 = 1.20 ≥ 1.00: a warning. A neighbour re-verified
    at 8,500.00 (15 % lower) and one re-verified 40 days ago at 5,000.00 show nothing."""
    loan, neighbour, earlier = make_loan(), make_loan(), make_loan()
    for each in (loan, neighbour, earlier):
        decided(each, champion)
        snap(each, today)
    IncomeVerification.objects.create(
        customer=loan.customer, monthly_income=D("7500.00"), verified_on=today - 2 * DAY, source="officer"
    )
    IncomeVerification.objects.create(
        customer=neighbour.customer, monthly_income=D("8500.00"), verified_on=today, source="customer"
    )
    IncomeVerification.objects.create(
        customer=earlier.customer,
        monthly_income=D("5000.00"),
        verified_on=today - 40 * DAY,
        source="customer",
    )
    line = open_line(customer=loan.customer, opened_on=today - 90 * DAY)
    due = today - 12 * DAY
    CreditLine.objects.filter(pk=line.pk).update(days_past_due=12, minimum_due=D("300.00"), due_date=due)

    found = early_warning.signals_on(today)
    early_warning.early_warnings_build(as_of=today)

    assert found == {
        loan.pk: [
            ("income_drop", "10000.00 → 7500.00 (-25%)"),
            ("line_overdue", f"{line.number}: 300.00 due {due}: +12d"),
        ]
    }
    warning = EarlyWarning.objects.get()
    assert (warning.loan_id, warning.score) == (loan.pk, D("1.20"))
    assert [r["signal"] for r in warning.reasons] == ["income_drop", "line_overdue"]
    assert not EarlyWarning.objects.filter(credit_line_id=line.pk).exists()  # the customer has a loan


def test_the_new_signals_have_weights_as_data_and_labels_in_both_languages():
    from django.utils import translation

    weights = dict(SignalWeight.objects.values_list("signal", "weight"))
    assert weights["line_overdue"] == D("0.50")
    for signal in ("new_application_elsewhere", "income_drop", "score_drift", "line_overdue"):
        assert signal in weights
        with translation.override("zh-hans"):
            zh = str(Signal(signal).label)
        with translation.override("en"):
            en = str(Signal(signal).label)
        assert zh != en, signal


# --- score drift on the periodic rescore ----------------------------------------------------------
def test_the_rescore_scores_then_and_now_with_the_active_model_and_drift_signals(make_loan, today, champion):
    """Decided on 'paid duly' (620, A). The bureau now says 'past delays': 540, C — 80 points and
    two grades down: score_drift. 'All paid' now: 610, A — 10 points, same grade: nothing. A loan
    without a decision is not rescored."""
    drifted, steady, undecided = make_loan(), make_loan(), make_loan()
    decided(drifted, champion)
    decided(steady, champion)
    for each in (drifted, steady, undecided):
        snap(each, today)
    for loan, history in ((drifted, "past_delays"), (steady, "all_paid")):
        risk_services.credit_file_upsert(
            id_number=loan.customer.id_number,
            credit_history=history,
            existing_credits=2,
            other_installment_plans="none",
            monthly_debt=D("800.00"),
        )

    assert tasks.rescore_portfolio.run(today.isoformat()) == {
        "as_of": today.isoformat(),
        "rescored": 2,
        "on_book": 3,
        "already": 0,
        "skipped": 1,  # the undecided loan
    }
    assert rescore.loans_rescore(as_of=today) == {  # run twice: nothing more
        "as_of": today,
        "rescored": 0,
        "on_book": 3,
        "already": 2,
        "skipped": 1,
    }

    rows = {
        r.loan_id: (r.model_version, r.baseline_score, r.baseline_grade, r.score, r.grade)
        for r in LoanRescore.objects.all()
    }
    assert rows == {drifted.pk: (7, 620, "A", 540, "C"), steady.pk: (7, 620, "A", 610, "A")}
    assert early_warning.signals_on(today) == {drifted.pk: [("score_drift", "620 A → 540 C")]}


def test_a_grade_down_is_drift_even_when_the_points_are_few(make_loan, today, settings):
    loan = make_loan()
    snap(loan, today)
    LoanRescore.objects.create(
        loan_id=loan.pk,
        as_of=today - 10 * DAY,
        model_version=1,
        baseline_score=605,
        baseline_grade="A",
        score=595,
        grade="B",
    )
    assert early_warning.signals_on(today) == {loan.pk: [("score_drift", "605 A → 595 B")]}
    settings.LOANHUB_EARLY_WARNING_GRADE_DROP = 2
    assert early_warning.signals_on(today) == {}
    settings.LOANHUB_EARLY_WARNING_SCORE_DROP = 10
    assert early_warning.signals_on(today) == {loan.pk: [("score_drift", "605 A → 595 B")]}
    # Out of the window (the rescore is monthly): nothing.
    LoanRescore.objects.update(as_of=today - 40 * DAY)
    assert early_warning.signals_on(today) == {}


def test_the_rescore_is_on_the_monitoring_beat():
    from django.conf import settings

    entry = settings.CELERY_BEAT_SCHEDULE["monitoring-rescore-portfolio"]
    assert entry["task"] == "monitoring.tasks.rescore_portfolio"
    assert tasks.rescore_portfolio.name == "monitoring.tasks.rescore_portfolio"
