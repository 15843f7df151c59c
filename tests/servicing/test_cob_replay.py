"""Close of business set-based (PostgreSQL) agrees with replaying each loan, day after day, to the
cent: installments, positions, classes, provisions and the sub-ledger; the ledger stays balanced
and the loans' sub-ledgers add up to it.

A book of loans with different methods, grace, compounding, fees and borrowers' habits is closed
day by day over five months; after every day each loan is replayed (`loan_refresh` as of its
position date, provisions included) and must find nothing to change or to book. The same book is
closed by replay alone (`LOANHUB_COB_SET_BASED=False`) in the second test with the same outcome.
"""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal

import pytest
from django.db import connection, transaction
from django.db.models import F, Sum
from django.test import override_settings

from loanhub import clock, roles
from servicing import cob, quiet, repayments, subledger
from servicing.calendar import open_business_date
from servicing.choices import CobStatus, LoanStatus
from servicing.models import CobRun, JournalEntry, Loan, LoanInstallment, LoanSnapshot, Posting
from tests.products.factories import UserFactory
from tests.servicing.factories import ApplicationFactory, active_version, open_loan

pytestmark = pytest.mark.django_db

D = Decimal
DAYS = 120
LEAD = 40  # days between the disbursements and the first close of business

LOAN_FIELDS = (
    "status position_date days_past_due delinquency_bucket classification ifrs9_stage non_accrual "
    "principal_outstanding interest_due penalty_due fees_due credit_balance next_due_date next_due_amount "
    "ecl accrual_start accrual_end accrual_interest quiet_until"
).split() + [f"sl_{flow}" for flow in subledger.FLOWS]
INSTALLMENT_FIELDS = (
    "paid_principal paid_interest paid_fees paid_penalty penalty_basis penalty_from penalty_daily "
    "grace_basis penalty_charged status paid_on"
).split()


def _state(loan: Loan) -> tuple:
    row = Loan.objects.get(pk=loan.pk)
    installments = tuple(
        LoanInstallment.objects.filter(loan=loan).order_by("number").values_list(*INSTALLMENT_FIELDS)
    )
    return tuple(getattr(row, f) for f in LOAN_FIELDS), installments


def _book(start: dt.date, officer):
    """Loans of every shape, disbursed before `start` (the first close catches them up, one by
    one), with a habit each (what they pay and when)."""
    version = active_version()
    shapes = [
        {"method": "annuity"},
        {"method": "equal_principal"},
        {"method": "interest_only"},
        {"method": "annuity", "grace": {"periods": 2, "type": "capitalised"}},
        {"method": "annuity", "grace": {"periods": 1, "type": "interest_only"}},
        {"method": "annuity", "annual_rate": D("0.0789")},
        {"method": "equal_principal", "annual_rate": D("0.1199")},
        {"method": "annuity"},
        {"method": "annuity"},
        {"method": "annuity"},
    ]
    habits = ["on_time", "late", "partial", "stops", "on_time", "stops", "late", "overpays", "never", "grace"]
    loans = []
    for n, (shape, habit) in enumerate(zip(shapes, habits, strict=True)):
        method = shape.pop("method")
        application = ApplicationFactory(product_version=version, method=method, amount=D(50000 + 7919 * n))
        loan = open_loan(application, actor=officer, disbursed_on=start - dt.timedelta(days=LEAD), **shape)
        if habit == "grace":
            Loan.objects.filter(pk=loan.pk).update(overdue_grace_days=5, compound_penalty=False)
        if habit == "late":
            Loan.objects.filter(pk=loan.pk).update(worst_loan_classification=True)
        loans.append((Loan.objects.get(pk=loan.pk), habit))
    return loans


def _pay(loans, day: dt.date, officer, rng: random.Random) -> None:
    for loan, habit in loans:
        loan.refresh_from_db()
        if loan.status != LoanStatus.ACTIVE:
            continue
        position = repayments.loan_position(loan, as_of=day)
        due = position.due_today()
        upcoming = position.next_due()
        amount = D(0)
        overdue = position.overdue_rows()
        late_by = (day - overdue[0].due_date).days if overdue else 0
        if habit == "on_time" and upcoming and upcoming[0] == day:
            amount = due
        elif habit == "grace" and overdue and late_by >= (3 if overdue[0].number % 2 else 8):
            amount = due  # within the 5 grace days (penalty waived), or after them (charged)
        elif habit == "late" and position.days_past_due in (12, 40):
            amount = due
        elif habit == "partial" and upcoming and upcoming[0] == day:
            amount = (due / 3).quantize(D("0.01"))
        elif (
            habit == "stops"
            and upcoming
            and upcoming[0] == day
            and day < loan.start_date + dt.timedelta(days=70)
        ):
            amount = due
        elif habit == "overpays" and upcoming and upcoming[0] == day:
            amount = due + D("333.33")
        if amount > 0:
            repayments.repayment_post(loan=loan, amount=amount, actor=officer)


def _catch_up(loans) -> None:
    """A quiet loan's row stands at an earlier date but for its accrual, which the ledger holds
    (servicing.quiet): bring each to its date, posting nothing."""
    entries = JournalEntry.objects.count()
    for loan, _habit in loans:
        with transaction.atomic():
            quiet.lock_loan(loan.pk)
    assert JournalEntry.objects.count() == entries


def _check_against_replay(loans) -> None:
    _catch_up(loans)
    for loan, _habit in loans:
        before = _state(loan)
        entries = JournalEntry.objects.count()
        row = Loan.objects.get(pk=loan.pk)
        if row.status == LoanStatus.ACTIVE:
            repayments.loan_refresh(row, as_of=row.position_date, provision=True)
        assert JournalEntry.objects.count() == entries, f"replay of {row} booked more"
        assert _state(loan) == before, f"{row} differs from its replay on {row.position_date}"


def _check_ledger() -> None:
    totals = Posting.objects.aggregate(d=Sum("debit"), c=Sum("credit"))
    assert totals["d"] == totals["c"]
    by_account = {
        code: debit - credit
        for code, debit, credit in Posting.objects.values_list("account__code")
        .annotate(d=Sum("debit"), c=Sum("credit"))
        .values_list("account__code", "d", "c")
    }
    expected: dict[str, Decimal] = {}
    for loan in Loan.objects.all():
        for code, balance in subledger.balances(loan).items():
            expected[code] = expected.get(code, D(0)) + balance
    for code, balance in expected.items():
        assert by_account.get(code, D(0)) == balance, code


def _close_days(loans, start, officer, *, check: bool, days: int = DAYS) -> None:
    rng = random.Random(7)
    cob.close_through(start, start=start)
    for _ in range(days):
        day = open_business_date()
        _pay(loans, day, officer, rng)
        cob.close_through(day)
        if check:
            _check_against_replay(loans)
    _check_ledger()


def _start() -> dt.date:
    return clock.today() - dt.timedelta(days=DAYS + 30)


@pytest.mark.services("postgres")
def test_set_based_close_of_business_agrees_with_the_replay_every_day():
    assert connection.vendor == "postgresql"
    assert cob.set_based()
    officer = UserFactory(username="cob-officer", role=roles.LOAN_OFFICER)
    start = _start()
    loans = _book(start, officer)
    _close_days(loans, start, officer, check=True)
    closed = CobRun.objects.filter(status=CobStatus.DONE)
    assert closed.count() == DAYS + 1
    # The book went through overdue, penalty, classes and provisions (or the test proves little).
    classes = set(LoanSnapshot.objects.values_list("classification", flat=True))
    assert {"pass", "special_mention", "substandard"} <= classes
    assert Loan.objects.filter(penalty_due__gt=0).exists()
    assert Loan.objects.filter(non_accrual=True, sl_suspense_interest__gt=0).exists()
    in_grace = LoanInstallment.objects.filter(loan__overdue_grace_days=5)
    assert in_grace.filter(penalty_charged=True, paid_penalty__gt=0).exists()
    assert (
        in_grace.filter(penalty_charged=False, paid_on__isnull=False, paid_penalty=0)
        .exclude(paid_on=F("due_date"))
        .exists()
    )
    # Most loans were moved set-based, not replayed one by one.
    replayed = sum(run.chunks.aggregate(n=Sum("replayed"))["n"] or 0 for run in closed)
    moved = sum(run.loans for run in closed)
    assert replayed < moved / 3


@pytest.mark.services("postgres")
def test_the_same_book_closed_by_replay_alone_ends_in_the_same_state():
    officer = UserFactory(username="cob-officer", role=roles.LOAN_OFFICER)
    start = _start()
    loans = _book(start, officer)
    _close_days(loans, start, officer, check=False, days=50)
    _catch_up(loans)  # before the business dates start again (never so outside this test)
    set_based = [_state(loan) for loan, _ in loans]
    snapshots = list(
        LoanSnapshot.objects.order_by("business_date", "loan_id").values_list(
            "business_date", "days_past_due", "classification", "provision", "overdue_amount", "ecl"
        )
    )
    # Again from scratch, every loan replayed.
    for model in (LoanSnapshot, CobRun):
        model.objects.all().delete()
    for loan, _ in loans:
        loan.refresh_from_db()
    with override_settings(LOANHUB_COB_SET_BASED=False):
        loans2 = _book(start, officer)
        _close_days(loans2, start, officer, check=False, days=50)
    replayed = [_state(loan) for loan, _ in loans2]
    strip = lambda state: (state[0], state[1])  # noqa: E731
    assert [strip(s) for s in replayed] == [strip(s) for s in set_based]
    snapshots2 = list(
        LoanSnapshot.objects.filter(loan_id__in=[loan.pk for loan, _ in loans2])
        .order_by("business_date", "loan_id")
        .values_list("business_date", "days_past_due", "classification", "provision", "overdue_amount", "ecl")
    )
    assert snapshots2 == snapshots
