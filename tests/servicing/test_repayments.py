"""Repayments on live loans: allocation, penalty interest, backdating, reversal, closing, and the
ledger balanced with the sub-ledger equal to the loan after every step."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
import time_machine
from dateutil.relativedelta import relativedelta

from loanhub import clock, roles
from loanhub.errors import Conflict, Forbidden, Invalid, NotFound
from servicing import repayments, subledger
from servicing.models import JournalEntry, Loan, Posting
from servicing.position import penalty_of
from tests.products.factories import UserFactory
from tests.servicing.factories import CustomerFactory, open_loan

pytestmark = pytest.mark.django_db
D = Decimal
Z = D("0.00")


def _months_ago(n: int) -> dt.date:
    return clock.today() - relativedelta(months=n)


def assert_books_balance(*loans: Loan) -> None:
    """Debits equal credits in every entry and in total; the loans' sub-ledgers add up to the
    general ledger's loan accounts (close of business books a chunk of loans in one entry, so the
    sum over every loan is what the journal holds); each loan's own entries equal its sub-ledger
    while no set-based close has booked it."""
    from servicing.selectors import loan_ledger_balances

    for entry in JournalEntry.objects.all():
        legs = list(entry.postings.values_list("debit", "credit"))
        assert sum(d for d, _ in legs) == sum(c for _, c in legs), entry
    expected: dict[str, Decimal] = {}
    for loan in Loan.objects.all():
        for code, balance in subledger.balances(loan).items():
            expected[code] = expected.get(code, Z) + balance
    general: dict[str, Decimal] = {}  # added up here: SQLite sums decimals as floats
    for code, debit, credit in Posting.objects.values_list("account__code", "debit", "credit"):
        general[code] = general.get(code, Z) + debit - credit
    for code, balance in expected.items():
        assert general.get(code, Z) == balance, code
    chunk_entries = JournalEntry.objects.filter(idempotency_key__startswith="cob:").exists()
    for loan in loans:
        loan.refresh_from_db()
        if not chunk_entries:
            journal = loan_ledger_balances(loan=loan)
            for code, balance in subledger.balances(loan).items():
                assert journal.get(code, Z) == balance, (loan, code)
        # and the sub-ledger is the loan's position
        assert subledger.balances(loan)["1100"] == loan.principal_outstanding


def _officer():
    return UserFactory(username="officer-r", role=roles.LOAN_OFFICER)


def test_a_payment_on_the_due_date_pays_the_installment_and_owes_no_penalty():
    loan = open_loan(disbursed_on=_months_ago(1) - dt.timedelta(days=1), fees=[])
    first = loan.installments.get(number=1)
    repayment = repayments.repayment_post(
        loan=loan, amount=first.payment, value_date=first.due_date, actor=_officer()
    )
    assert repayment.allocation == {
        "fees": Z,
        "penalty": Z,
        "interest": first.interest,
        "principal": first.principal,
        "overpayment": Z,
    }
    loan.refresh_from_db()
    first.refresh_from_db()
    assert first.status == "paid"
    assert first.paid_on == first.due_date
    assert loan.days_past_due == 0
    assert loan.classification == "pass"
    assert loan.principal_outstanding == loan.principal - first.principal
    assert_books_balance(loan)


def test_a_missed_installment_accrues_penalty_exactly_and_is_classified():
    loan = open_loan(disbursed_on=_months_ago(2), fees=[])
    first = loan.installments.get(number=1)
    loan = repayments.loan_refresh(loan)
    days = (clock.today() - first.due_date).days
    assert loan.days_past_due == days > 0
    # Penalty on overdue principal and (compound) interest at 1.5 × 6 % = 9 %, ACT/365, once rounded.
    assert loan.penalty_rate == D("0.09")
    expected = penalty_of((first.principal + first.interest) * D("0.09") * days)
    assert loan.penalty_due == expected
    assert loan.classification == "special_mention"
    assert loan.delinquency_bucket == ("1-30" if days <= 30 else "31-60")
    assert_books_balance(loan)


def test_a_full_life_miss_penalty_pay_back_and_close_with_the_books_balanced_at_every_step():
    loan = open_loan(disbursed_on=_months_ago(4), fees=[], term=3, principal=D("3000.00"))
    officer = _officer()
    rows = list(loan.installments.order_by("number"))
    # The first is paid on time; the second ten days late with its penalty; the third on time.
    repayments.repayment_post(loan=loan, amount=rows[0].payment, value_date=rows[0].due_date, actor=officer)
    assert_books_balance(loan)
    late_day = rows[1].due_date + dt.timedelta(days=10)
    penalty = penalty_of((rows[1].principal + rows[1].interest) * loan.penalty_rate * 10)
    assert repayments.loan_position(loan, as_of=late_day).outstanding("penalty") == penalty > 0
    second = repayments.repayment_post(
        loan=loan, amount=rows[1].payment + penalty, value_date=late_day, actor=officer
    )
    assert second.penalty == penalty
    assert second.principal == rows[1].principal
    assert_books_balance(loan)
    repayments.repayment_post(loan=loan, amount=rows[2].payment, value_date=rows[2].due_date, actor=officer)
    loan.refresh_from_db()
    assert loan.status == "closed"
    assert loan.principal_outstanding == loan.total_due == Z
    assert loan.closed_on == rows[2].due_date  # the value date of the last payment
    assert loan.events.filter(to_state="closed").exists()
    assert_books_balance(loan)
    assert loan.sl_penalty_earned == loan.sl_paid_penalty == penalty
    with pytest.raises(Conflict):
        repayments.repayment_post(loan=loan, amount=D("1.00"), actor=officer)


def test_a_backdated_payment_gives_the_same_state_as_one_posted_on_time():
    officer = _officer()
    start = _months_ago(3)
    on_time = open_loan(disbursed_on=start, fees=[])
    late = open_loan(disbursed_on=start, fees=[])
    due = on_time.installments.get(number=1).due_date
    amount = on_time.installments.get(number=1).payment
    with time_machine.travel(dt.datetime.combine(due, dt.time(12)), tick=False):
        repayments.repayment_post(loan=on_time, amount=amount, actor=officer)
    on_time = repayments.loan_refresh(on_time)
    repayments.repayment_post(loan=late, amount=amount, value_date=due, actor=officer)
    late.refresh_from_db()
    fields = [
        "days_past_due",
        "classification",
        "principal_outstanding",
        "interest_due",
        "penalty_due",
        "credit_balance",
        *[f"sl_{f}" for f in subledger.FLOWS],
    ]
    assert {f: getattr(late, f) for f in fields} == {f: getattr(on_time, f) for f in fields}
    assert_books_balance(on_time, late)


def test_a_reversal_restores_the_previous_state_with_penalty_recomputed():
    officer = _officer()
    loan = open_loan(disbursed_on=_months_ago(2), fees=[])
    before = repayments.loan_refresh(loan)
    snapshot = {
        f: getattr(before, f)
        for f in ("penalty_due", "interest_due", "principal_outstanding", "days_past_due")
    }
    first = loan.installments.get(number=1)
    repayment = repayments.repayment_post(
        loan=loan, amount=first.payment, value_date=first.due_date + dt.timedelta(days=3), actor=officer
    )
    loan.refresh_from_db()
    assert loan.penalty_due < snapshot["penalty_due"]
    repayments.repayment_reverse(repayment=repayment, reason="bounced direct debit", actor=officer)
    loan.refresh_from_db()
    assert {f: getattr(loan, f) for f in snapshot} == snapshot
    repayment.refresh_from_db()
    assert repayment.status == "reversed"
    with pytest.raises(Conflict):
        repayments.repayment_reverse(repayment=repayment, reason="again", actor=officer)
    assert_books_balance(loan)


def test_more_than_is_due_is_held_as_credit_and_pays_the_next_installment_when_due():
    officer = _officer()
    loan = open_loan(disbursed_on=clock.today() - dt.timedelta(days=1), fees=[])
    first = loan.installments.get(number=1)
    repayment = repayments.repayment_post(loan=loan, amount=D("500.00"), actor=officer)
    assert repayment.overpayment == D("500.00")
    loan.refresh_from_db()
    assert loan.credit_balance == D("500.00")
    position = repayments.loan_position(loan, as_of=first.due_date)
    assert position.credit == Z
    assert position.installments[0].paid_interest + position.installments[0].paid_principal == D("500.00")
    assert_books_balance(loan)


@pytest.mark.parametrize(
    ("amount", "value_date", "field"),
    [
        (D("0"), None, "amount"),
        (D("-5.00"), None, "amount"),
        (D("1.005"), None, "amount"),
        (D("10.00"), "future", "value_date"),
        (D("10.00"), "before", "value_date"),
    ],
)
def test_bad_input_is_refused_field_by_field_and_posts_nothing(amount, value_date, field):
    loan = open_loan(disbursed_on=_months_ago(1), fees=[])
    dates = {
        None: None,
        "future": clock.today() + dt.timedelta(days=1),
        "before": loan.start_date - dt.timedelta(days=1),
    }
    postings = Posting.objects.count()
    with pytest.raises(Invalid) as caught:
        repayments.repayment_post(loan=loan, amount=amount, value_date=dates[value_date], actor=_officer())
    assert list(caught.value.errors) == [field]
    assert Posting.objects.count() == postings
    assert not loan.repayments.exists()


def test_only_the_owner_or_an_officer_may_pay():
    loan = open_loan(disbursed_on=_months_ago(1), fees=[])
    stranger = CustomerFactory().user
    with pytest.raises(NotFound):
        repayments.repayment_post(loan=loan, amount=D("10.00"), actor=stranger)
    analyst = UserFactory(username="analyst-r", role=roles.RISK_ANALYST)
    with pytest.raises(Forbidden):
        repayments.repayment_post(loan=loan, amount=D("10.00"), actor=analyst)
    owner = loan.customer.user
    assert repayments.repayment_post(loan=loan, amount=D("10.00"), actor=owner).amount == D("10.00")


def test_from_90_days_past_due_interest_is_held_in_suspense_and_returns_to_income_when_paid():
    loan = repayments.loan_refresh(open_loan(disbursed_on=_months_ago(5), fees=[]))
    assert loan.days_past_due >= 90
    assert loan.non_accrual
    assert loan.classification in ("substandard", "special_mention")
    receivable = subledger.balances(loan)["1200"]
    assert receivable > 0
    assert loan.sl_suspense_interest == receivable
    assert loan.sl_suspense_penalty == loan.penalty_due > 0
    # Paying everything overdue brings the loan back to accrual and the interest into income.
    repayments.repayment_post(loan=loan, amount=repayments.loan_position(loan).due_today(), actor=_officer())
    loan.refresh_from_db()
    assert loan.days_past_due == 0
    assert not loan.non_accrual
    assert loan.sl_suspense_interest == loan.sl_suspense_penalty == Z
    assert_books_balance(loan)
