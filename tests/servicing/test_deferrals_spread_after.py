"""A spread holiday's interest after the holiday (issue 14's loose ends): the customer owes the
holiday interest that was agreed. A payoff includes what is not yet due; a partial prepayment
spreads it again over the installments left (`products.engine.holiday`); the ledger balances."""

from __future__ import annotations

from decimal import Decimal as D

import pytest

from servicing import deferrals, prepayments, repayments
from servicing import schedule_changes as sc
from servicing.calendar import open_business_date
from servicing.choices import LoanStatus
from tests.servicing.cob_helpers import check_ledger
from tests.servicing.test_deferrals_spread import _spread_loan

pytestmark = pytest.mark.django_db


def _deferred(people, settings):
    """The 100 000.00, 6 %, 12-month loan of test_deferrals_spread, its next two installments
    deferred with the holiday interest spread; returns (loan, the holiday interest)."""
    settings.LOANHUB_DEFERRAL_SECOND_APPROVAL_AMOUNT = D("100000")
    loan = _spread_loan(people)
    change = deferrals.deferral_request(loan=loan, installments=2, reason="illness", actor=people["owner"])
    deferrals.deferral_approve(change_id=change.pk, actor=people["officer"])
    loan.refresh_from_db()
    holiday = D(change.quote["spread_interest"])
    assert holiday > 0
    return loan, holiday


def test_a_payoff_owes_the_holiday_interest_not_yet_due(people, settings):
    loan, holiday = _deferred(people, settings)
    today = open_business_date()
    # The period running today ends on a deferred date (no interest in it): every part is ahead.
    without = repayments.loan_position(loan, as_of=today).payoff()
    payoff = repayments.payoff_quote(loan, on=today)
    assert payoff["interest"] == without["interest"] + holiday
    assert payoff["total"] == without["total"] + holiday
    # The prepayment service's payoff (the engine's) owes it too and closes the loan with it.
    quote = prepayments.prepayment_quote(loan=loan, amount=loan.principal_outstanding)
    assert quote["closes_loan"]
    assert quote["interest"] >= holiday
    change = prepayments.prepayment_post(loan=loan, amount=loan.principal_outstanding, actor=people["owner"])
    loan.refresh_from_db()
    assert loan.status == LoanStatus.CLOSED
    assert D(change.quote["interest"]) == quote["interest"]
    check_ledger()


def test_a_partial_prepayment_spreads_the_rest_over_the_installments_left(people, settings):
    loan, holiday = _deferred(people, settings)
    today = open_business_date()

    prepayments.prepayment_post(
        loan=loan, amount=D("10000.00"), mode="reduce_installment", actor=people["owner"]
    )

    loan.refresh_from_db()
    schedule = sc.engine_schedule(loan)
    # Nothing was due yet: the whole holiday interest is still owed, spread over the rows left,
    # and the stored installments are the engine's.
    assert sum(part for _due, part in schedule.deferred_interest) == holiday
    sc.check_tail(sc.stored_rows(loan), [r for r in schedule.rows if r.due_date > today], after=today)
    payoff = repayments.payoff_quote(loan, on=today)
    assert payoff["interest"] - repayments.loan_position(loan, as_of=today).payoff()["interest"] == holiday
    check_ledger()
