"""An overdue installment whose penalty is charged is stored as of an anchor date with the basis it
adds a day (`LoanInstallment.penalty_from`, `penalty_daily`), so close of business does not
rewrite it every day. Read as of the loan's date, the basis is exactly the one the replay keeps
(Σ amount × rate × days), whatever the cadence of the closes; a payment moves the anchor.

Runs on SQLite (every loan replayed) and on PostgreSQL (set-based close of business).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection

from loanhub import clock, roles
from loanhub.money import quantize_money
from servicing import cob, repayments
from servicing.calendar import open_business_date
from servicing.choices import InstallmentStatus
from servicing.models import Loan, LoanInstallment
from servicing.position import penalty_of
from tests.products.factories import UserFactory
from tests.servicing.cob_helpers import _check_against_replay, check_ledger
from tests.servicing.factories import ApplicationFactory, active_version, open_loan

pytestmark = pytest.mark.django_db

D = Decimal
ONE_DAY = dt.timedelta(days=1)


def _xmin(pk: int) -> int | None:
    """The PostgreSQL row version of an installment (None elsewhere): changes with every write."""
    if connection.vendor != "postgresql":
        return None
    with connection.cursor() as cursor:
        cursor.execute("SELECT xmin::text FROM servicing_loaninstallment WHERE id = %s", [pk])
        return int(cursor.fetchone()[0])


@pytest.fixture
def loan():
    """A loan that pays nothing, disbursed 120 days ago; closed up to its first due date."""
    officer = UserFactory(username="anchor-officer", role=roles.LOAN_OFFICER)
    start = clock.today() - dt.timedelta(days=120)
    application = ApplicationFactory(product_version=active_version(), method="annuity", amount=D("60000"))
    opened = open_loan(application, actor=officer, disbursed_on=start)
    first_due = opened.installments.order_by("number").first().due_date
    cob.close_through(first_due - ONE_DAY, start=start)
    opened.refresh_from_db()
    assert opened.overdue_grace_days == 0
    assert opened.compound_penalty
    return opened


def test_an_overdue_installment_is_anchored_once_and_its_basis_is_the_exact_formula_every_day(loan):
    first = LoanInstallment.objects.get(loan=loan, number=1)
    amount = first.payment  # compound: principal and interest overdue both bear penalty
    anchored = first.due_date + ONE_DAY
    versions = set()
    for _ in range(20):
        cob.close_through(open_business_date())
        loan.refresh_from_db()
        first.refresh_from_db()
        days = (loan.position_date - first.due_date).days
        if days < 1:
            assert first.penalty_from is None
            continue
        # Anchored on its first day overdue, then never moved (nothing paid, the rate unchanged).
        assert (first.status, first.penalty_charged) == (InstallmentStatus.OVERDUE, True)
        assert first.penalty_from == anchored
        assert first.penalty_daily == amount * loan.penalty_rate
        basis = first.penalty_basis_on(loan.position_date)
        assert basis == amount * loan.penalty_rate * days
        assert penalty_of(basis) == quantize_money(amount * loan.penalty_rate * days / 365)
        # The replay as of the loan's date holds the same exact basis.
        replayed = repayments.loan_position(loan, as_of=loan.position_date).installments[0]
        assert replayed.penalty_basis == basis
        if days > 1:
            versions.add(_xmin(first.pk))
    assert days >= 15
    if connection.vendor == "postgresql":
        assert len(versions) == 1, "close of business rewrote an unchanged overdue installment"
    _check_against_replay([(loan, "never")])
    check_ledger()


def test_closing_daily_or_in_one_catch_up_gives_the_same_anchors_and_penalty(loan, settings):
    start = loan.position_date
    through = loan.first_due_date + dt.timedelta(days=40)
    cob.close_through(through)
    daily = list(
        LoanInstallment.objects.filter(loan=loan)
        .order_by("number")
        .values_list("penalty_basis", "penalty_from", "penalty_daily", "status")
    )
    penalty_due = Loan.objects.get(pk=loan.pk).penalty_due
    assert penalty_due > 0
    # The same loan replayed once as of that date (a loan caught up after missed days).
    row = Loan.objects.get(pk=loan.pk)
    LoanInstallment.objects.filter(loan=loan).update(
        penalty_basis=0, penalty_from=None, penalty_daily=0, penalty_charged=False, status="pending"
    )
    repayments.loan_refresh(row, as_of=row.position_date)
    at_once = list(
        LoanInstallment.objects.filter(loan=loan)
        .order_by("number")
        .values_list("penalty_basis", "penalty_from", "penalty_daily", "status")
    )
    row.refresh_from_db()
    assert row.penalty_due == penalty_due
    for (b1, f1, d1, s1), (b2, f2, d2, s2) in zip(daily, at_once, strict=True):
        assert (d1, s1) == (d2, s2)
        if f1 is None:
            assert (b1, f2) == (b2, None)
        else:  # anchored at different dates, the same basis as of the loan's date
            assert f2 == row.position_date >= f1 > start
            assert b1 + d1 * (row.position_date - f1).days == b2


def test_a_payment_moves_the_anchor_and_the_basis_stays_the_replays(loan):
    officer = UserFactory(username="anchor-payer", role=roles.LOAN_OFFICER)
    cob.close_through(loan.first_due_date + dt.timedelta(days=10))
    first = LoanInstallment.objects.get(loan=loan, number=1)
    before = first.penalty_from
    assert before == first.due_date + ONE_DAY
    paid_on = open_business_date()
    repayments.repayment_post(loan=loan, amount=D("1000.00"), actor=officer)
    first.refresh_from_db()
    assert first.penalty_from == paid_on  # its base fell: a new daily amount from the payment's date
    assert first.penalty_daily < (first.payment * loan.penalty_rate)
    cob.close_through(open_business_date() + dt.timedelta(days=9))
    first.refresh_from_db()
    assert first.penalty_from == paid_on
    _check_against_replay([(loan, "partial")])
    check_ledger()
