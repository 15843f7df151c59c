"""The demo's portfolio history (`manage.py simulate_history`): loans in several buckets, some
cured or closed, the books balanced, month-end snapshots and monitoring rows for the dashboards,
the same book for the same seed, and nothing added by a second run."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command
from django.db import transaction

from demo.products import seed_products
from loanhub import roles
from monitoring.models import PortfolioDay, RollRate, VintagePoint
from servicing.models import JournalEntry, Loan, LoanSnapshot, Repayment
from tests.products.factories import UserFactory
from tests.servicing.cob_helpers import check_ledger

pytestmark = pytest.mark.django_db

ARGS = ("--months", "8", "--customers", "12", "--seed", "7")  # a small book with every bucket to 91-180


@pytest.fixture
def officer():
    roles.sync_roles()
    seed_products(
        maker=UserFactory(username="pm-hist", role=roles.PRODUCT_MANAGER),
        checker=UserFactory(username="pm2-hist", role=roles.PRODUCT_MANAGER),
    )
    return UserFactory(username="officer-hist", role=roles.LOAN_OFFICER)


def _book() -> list[tuple]:
    loans = Loan.objects.filter(origin_ref__startswith="DEMO-HIST-7-").order_by("origin_ref")
    repaid = Repayment.objects.filter(loan__origin_ref__startswith="DEMO-HIST-7-").order_by(
        "loan__number", "value_date", "amount"
    )
    return [
        *loans.values_list(
            "number", "start_date", "principal", "status", "days_past_due", "principal_outstanding"
        ),
        *repaid.values_list("loan__number", "value_date", "amount"),
    ]


class Rollback(Exception):
    pass


def _simulated_and_rolled_back() -> list[tuple]:
    book = []
    try:
        with transaction.atomic():
            call_command("simulate_history", *ARGS, stdout=StringIO())
            book = _book()
            raise Rollback
    except Rollback:
        pass
    return book


def test_the_history_has_buckets_balanced_books_monitoring_rows_and_runs_once(officer):
    # The same seed draws the same book: simulate, note the book, roll it back; simulate again.
    first = _simulated_and_rolled_back()
    assert not Loan.objects.exists()

    out = StringIO()
    call_command("simulate_history", *ARGS, stdout=out)
    assert "12 loans over 8 months" in out.getvalue()

    loans = list(Loan.objects.filter(origin_ref__startswith="DEMO-HIST-7-"))
    assert len(loans) == 12
    assert _book() == first
    # Month-end snapshots, several buckets across the months, most of the book current.
    month_end_rows = LoanSnapshot.objects.filter(loan__origin_ref__startswith="DEMO-HIST-7-")
    buckets = set(month_end_rows.values_list("delinquency_bucket", flat=True))
    assert "current" in buckets
    assert {"1-30", "31-60", "61-90", "91-180"} <= buckets, buckets
    assert any(loan.status == "closed" for loan in loans)  # short terms ended inside the window
    assert month_end_rows.filter(delinquency_bucket="current").count() > month_end_rows.count() / 2
    assert Repayment.objects.filter(loan__origin_ref__startswith="DEMO-HIST-7-").count() > 30
    check_ledger()
    # The monitoring jobs ran for the month ends: portfolio rows, roll rates, vintages.
    dates = set(PortfolioDay.objects.values_list("business_date", flat=True))
    assert len(dates) >= 6
    assert RollRate.objects.filter(from_bucket="current", to_bucket="1-30").exists()
    assert RollRate.objects.filter(from_bucket="1-30", to_bucket="current").exists()  # a cure
    assert VintagePoint.objects.exists()

    # A second run finds the history and adds nothing.
    counts = (
        Loan.objects.count(),
        Repayment.objects.count(),
        JournalEntry.objects.count(),
        LoanSnapshot.objects.count(),
        PortfolioDay.objects.count(),
    )
    out = StringIO()
    call_command("simulate_history", *ARGS, stdout=out)
    assert "nothing added" in out.getvalue()
    assert (
        Loan.objects.count(),
        Repayment.objects.count(),
        JournalEntry.objects.count(),
        LoanSnapshot.objects.count(),
        PortfolioDay.objects.count(),
    ) == counts

    # Another seed is another book, beside this one.
    call_command("simulate_history", "--months", "2", "--customers", "2", "--seed", "8", stdout=StringIO())
    assert Loan.objects.filter(origin_ref__startswith="DEMO-HIST-8-").count() == 2


def test_with_a_champion_the_loans_come_from_scored_applications_and_some_drift(officer):
    """With a champion (seed_risk), the borrowers apply through the real services, so the periodic
    rescore has a decision to compare each loan with; the bureau files that worsened afterwards
    show as a fallen score, and early warning finds score drift on the loans it looks at."""
    from applications.models import LoanApplication
    from demo import history
    from demo.risk import seed_risk
    from monitoring import early_warning, rescore
    from monitoring.models import LoanRescore

    seed_risk(
        trainer=UserFactory(username="analyst-hist", role=roles.RISK_ANALYST),
        approver=UserFactory(username="admin-hist", is_superuser=True, is_staff=True),
    )
    call_command("simulate_history", "--months", "6", "--customers", "16", "--seed", "9", stdout=StringIO())

    loans = list(history.loans_of(9))
    assert len(loans) == 16
    from_applications = [loan for loan in loans if loan.origin_ref.startswith("A")]
    assert from_applications
    for loan in from_applications:
        application = LoanApplication.objects.select_related("decision").get(pk=int(loan.origin_ref[1:]))
        assert application.state == "disbursed"
        assert application.events.filter(to_state="disbursed", payload__loan=loan.pk).exists()
        assert (loan.risk_grade, loan.pd) == (application.risk_grade, application.decision.pd)
        assert application.decision.features["credit_history"] in ("paid_duly", "all_paid")

    result = rescore.loans_rescore()
    assert result["rescored"] >= 1
    rows = LoanRescore.objects.filter(as_of=result["as_of"])
    assert set(rows.values_list("loan_id", flat=True)) <= {loan.pk for loan in from_applications}
    fallen = {row.loan_id for row in rows if row.score < row.baseline_score}
    assert fallen
    signals = early_warning.signals_on(result["as_of"])
    drifting = {loan_id for loan_id, found in signals.items() if "score_drift" in dict(found)}
    assert drifting
    assert drifting <= fallen
