"""After an LPR reset (and a restructuring at a new rate) the penalty rate of contract rate × the
product's multiplier follows the new contract rate from the reset date (issue 14's loose ends);
close of business set-based and the per-loan replay agree on it day by day."""

from __future__ import annotations

import datetime as dt
from decimal import ROUND_HALF_UP
from decimal import Decimal as D

import pytest
from dateutil.relativedelta import relativedelta
from django.core.management import call_command

from loanhub import clock, roles
from servicing import cob, rate_resets, repayments, restructuring
from servicing import schedule_changes as sc
from servicing.calendar import open_business_date
from servicing.models import Loan
from tests.products.factories import UserFactory
from tests.servicing.test_cob_replay import _check_against_replay, _check_ledger
from tests.servicing.test_lpr_resets import _fixings, _floating_loan
from tests.servicing.test_prepayments import _ledger_balanced

pytestmark = pytest.mark.django_db


def _overdue_floating_loan(tmp_path, *, start: dt.date, first_close: dt.date):
    """100 000.00 over 24 months at 1-year LPR 3.00 % + 150 bp = 4.50 % (penalty × 1.5 = 6.75 %),
    closed through `first_close` (caught up at once), then the first ten installments paid on
    their due dates (back-valued), the 11th left unpaid."""
    loan = _floating_loan(tmp_path, start=start, pay=False)
    cob.close_through(first_close, start=first_close)
    for inst in loan.installments.filter(number__lte=10).order_by("number"):
        repayments.repayment_post(
            loan=loan, amount=inst.payment, value_date=inst.due_date, actor=loan.disbursed_by
        )
    loan.refresh_from_db()
    assert loan.penalty_rate == D("0.0675")
    return loan


@pytest.mark.services("postgres")
def test_the_penalty_rate_follows_the_reset_and_cob_agrees_with_the_replay(tmp_path):
    # Given a loan whose anniversary reset was ten days ago, overdue since its 11th due date, and
    # a 1-year LPR of 3.90 % published the day before the anniversary (4.50 % → 5.40 %),
    today = clock.today()
    start = today - relativedelta(years=1) - dt.timedelta(days=10)
    reset = start + relativedelta(years=1)
    loan = _overdue_floating_loan(tmp_path, start=start, first_close=reset - dt.timedelta(days=4))
    assert loan.next_rate_reset == reset
    call_command("import_lpr", _fixings(tmp_path, (reset - dt.timedelta(days=1), "3.90", "4.40")))
    eleventh = loan.installments.get(number=11)

    # when close of business runs day by day across the reset (checked against the replay daily;
    # the provisions follow the back-valued payments at the first close),
    while (day := open_business_date()) < today:
        cob.close_through(day)
        _check_against_replay([(loan, "")])
    _check_ledger()

    # then the penalty rate is 5.40 % × 1.5 = 8.10 % from the reset date on,
    loan = Loan.objects.get(pk=loan.pk)
    assert loan.annual_rate == D("0.054")
    assert loan.penalty_rate == D("0.081")
    [change] = loan.schedule_changes.all()
    assert change.params["penalty_from"] == reset.isoformat()
    assert D(change.params["old_penalty_rate"]) == D("0.0675")
    # and the 11th installment's penalty (compound: on its whole payment) is 6.75 % a year for
    # the days before the reset and 8.10 % from it: Σ amount × rate × days / 365, half-up.
    position = repayments.loan_position(loan, as_of=loan.position_date)
    state = next(i for i in position.installments if i.number == 11)
    before, after = (reset - eleventh.due_date).days, (loan.position_date - reset).days
    expected = eleventh.payment * (D("0.0675") * before + D("0.081") * after) / 365
    assert state.outstanding("penalty") == expected.quantize(D("0.01"), rounding=ROUND_HALF_UP)
    assert loan.installments.get(number=11).paid_penalty == 0
    assert position.terms.penalty_rate_on(reset - dt.timedelta(days=1)) == D("0.0675")
    assert position.terms.penalty_rate_on(reset) == D("0.081")


def test_a_penalty_rate_pinned_otherwise_stays_as_it_is(tmp_path):
    # A loan whose penalty rate is not the contract rate × multiplier (set by hand) keeps it.
    start = clock.today() - relativedelta(years=1)
    loan = _floating_loan(tmp_path, start=start)
    Loan.objects.filter(pk=loan.pk).update(penalty_rate=D("0.12"))
    reset = loan.next_rate_reset
    call_command("import_lpr", _fixings(tmp_path, (reset - dt.timedelta(days=1), "3.90", "4.40")))

    [change] = rate_resets.rate_resets_run(business_date=reset)

    loan.refresh_from_db()
    assert loan.annual_rate == D("0.054")
    assert loan.penalty_rate == D("0.12")
    assert "penalty_rate" not in change.params


def test_a_reset_after_a_restructuring_spreads_over_the_restructured_rate(tmp_path):
    # Given a floating loan at 1-year LPR 3.00 % + 150 bp = 4.50 %, eleven months old, restructured
    # today by two officers at 6.00 % (the new contract: LPR 3.00 % + 300 bp),
    start = clock.today() - relativedelta(months=11)
    loan = _floating_loan(tmp_path, start=start)
    maker = loan.disbursed_by
    checker = UserFactory(username="checker", role=roles.LOAN_OFFICER)
    change = restructuring.restructuring_request(loan=loan, annual_rate=D("0.06"), reason="x", actor=maker)
    restructuring.restructuring_approve(change_id=change.pk, actor=checker)
    loan.refresh_from_db()
    assert loan.annual_rate == D("0.06")
    assert loan.rate_spread == D("0.03")
    assert loan.penalty_rate == D("0.09")  # 6.00 % × 1.5 from the restructuring date
    assert loan.initial_rate == D("0.045")  # the pinned schedule's rate (the engine rebuilds it)
    reset = loan.next_rate_reset
    assert reset == start + relativedelta(years=1)

    # when the 1-year LPR falls to 2.90 % before the anniversary and the reset runs,
    call_command("import_lpr", _fixings(tmp_path, (reset - dt.timedelta(days=1), "2.90", "3.40")))
    [reset_change] = rate_resets.rate_resets_run(business_date=reset)

    # then the new rate is 2.90 % + 300 bp = 5.90 % (not 2.90 % + 150 bp = 4.40 %), compared with
    # the restructured 6.00 %, and the rows after it are the restructured schedule repriced.
    loan.refresh_from_db()
    assert D(reset_change.quote["old_rate"]) == D("0.06")
    assert D(reset_change.quote["new_rate"]) == D("0.059")
    assert loan.annual_rate == D("0.059")
    assert loan.penalty_rate == D("0.0885")
    schedule = sc.engine_schedule(loan)
    assert schedule.terms.annual_rate == D("0.059")
    effective = dt.date.fromisoformat(reset_change.quote["effective_date"])
    sc.check_tail(sc.stored_rows(loan), schedule.rows, after=effective)
    _ledger_balanced(loan)
