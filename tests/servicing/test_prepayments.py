"""Prepayment of live loans (issue 14): partial (reduce installment, shorten term), full payoff,
fees, the ledger, events, idempotency and close of business afterwards."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal as D

import pytest
from dateutil.relativedelta import relativedelta
from django.db.models import Sum

from calculator import services as calculator
from loanhub import clock
from loanhub.errors import Conflict, Forbidden, Invalid, KeyReused, NotFound
from servicing import cob, prepayments, repayments, subledger
from servicing.calendar import open_business_date
from servicing.choices import LoanStatus, PrepaymentFeeKind
from servicing.models import JournalEntry, Loan, LoanEvent, Posting, Repayment, ScheduleChange
from tests.servicing.factories import open_loan

pytestmark = pytest.mark.django_db


def _loan(people, *, months=3, **terms):
    """A 100 000.00, 6 %, 12-month annuity loan disbursed `months` ago, every installment due so
    far paid on its due date."""
    loan = open_loan(
        people["owner_loan"].customer.applications.first() if False else None,
        actor=people["officer"],
        disbursed_on=clock.today() - relativedelta(months=months),
        fees=[],
        **terms,
    )
    Loan.objects.filter(pk=loan.pk).update(customer=people["owner_loan"].customer)
    loan.refresh_from_db()
    for inst in loan.installments.filter(due_date__lte=clock.today()).order_by("number"):
        repayments.repayment_post(
            loan=loan, amount=inst.payment, value_date=inst.due_date, actor=people["officer"]
        )
    loan.refresh_from_db()
    assert loan.days_past_due == 0
    return loan


def _calculator(loan, *, amount, mode, on, fee_rate=0):
    """The public calculator's prepayment endpoint on the loan's own terms."""
    return calculator.prepayment_result(
        {
            "principal": loan.principal,
            "annual_rate": loan.annual_rate,
            "term": loan.term,
            "frequency": loan.frequency,
            "method": loan.method,
            "day_count": loan.day_count,
            "start_date": loan.start_date,
            "first_due_date": loan.first_due_date,
            "fees": [],
            "grace": None,
            "interest_free_periods": 0,
            "prepayment_date": on,
            "amount": amount,
            "mode": mode,
            "fee_rate": fee_rate,
            "free_allowance": 0,
        }
    )


def _ledger_balanced(loan=None):
    """Debits equal credits, and the ledger's balance of each loan account is the sum of the
    loans' sub-ledgers (close of business books a day's accrual in one entry for many loans)."""
    cent = D("0.01")
    totals = Posting.objects.aggregate(d=Sum("debit"), c=Sum("credit"))
    assert totals["d"].quantize(cent) == totals["c"].quantize(cent)
    expected: dict[str, D] = {}
    for row in Loan.objects.all():
        for code, balance in subledger.balances(row).items():
            expected[code] = expected.get(code, D(0)) + balance
    for code, balance in expected.items():
        posted = Posting.objects.filter(account__code=code).aggregate(d=Sum("debit"), c=Sum("credit"))
        assert D((posted["d"] or 0) - (posted["c"] or 0)).quantize(cent) == balance, code


@pytest.mark.parametrize("mode", ["reduce_installment", "shorten_term"])
def test_partial_prepayment_posts_the_quote_the_calculator_gives(people, mode):
    loan = _loan(people)
    today = open_business_date()
    quote = prepayments.prepayment_quote(loan=loan, amount=D("20000.00"), mode=mode)
    expected = _calculator(loan, amount=D("20000.00"), mode=mode, on=today)["prepayment"]
    assert quote["fee"] == expected["fee"] == D("0.00")
    assert quote["interest"] == expected["interest"]
    assert quote["interest_saved"] == expected["interest_saved"]
    assert quote["total"] == expected["total_paid"]
    assert [(r["due_date"], r["payment"], r["balance"]) for r in quote["new_schedule"]] == [
        (r["due_date"], r["payment"], r["balance"]) for r in expected["remaining"]["installments"]
    ]
    remaining_before = loan.installments.filter(due_date__gt=today).count()
    if mode == "reduce_installment":
        assert len(quote["new_schedule"]) == remaining_before
    else:
        assert len(quote["new_schedule"]) < remaining_before

    change = prepayments.prepayment_post(loan=loan, amount=D("20000.00"), mode=mode, actor=people["owner"])

    loan.refresh_from_db()
    assert change.repayment.amount == quote["total"]  # the quote is the posting, to the cent
    assert change.quote["total"] == str(quote["total"])
    assert loan.status == LoanStatus.ACTIVE
    assert loan.days_past_due == 0
    assert (
        loan.principal_outstanding
        == quote["new_schedule"][0]["balance"] + quote["new_schedule"][0]["principal"]
    )
    stored = list(
        loan.installments.filter(due_date__gt=today).order_by("number").values("due_date", "payment")
    )
    assert stored == [{"due_date": r["due_date"], "payment": r["payment"]} for r in quote["new_schedule"]]
    assert loan.schedule_version == 1
    assert loan.maturity_date == quote["new_schedule"][-1]["due_date"]
    assert LoanEvent.objects.filter(loan=loan, reason="Partial prepayment.").count() == 1
    _ledger_balanced(loan)


def test_reduce_then_shorten_on_the_same_loan(people):
    """Two prepayments in a row: the second is quoted on the schedule the first left."""
    loan = _loan(people)
    prepayments.prepayment_post(
        loan=loan, amount=D("10000.00"), mode="reduce_installment", actor=people["owner"]
    )
    loan.refresh_from_db()
    quote = prepayments.prepayment_quote(loan=loan, amount=D("10000.00"), mode="shorten_term")
    change = prepayments.prepayment_post(
        loan=loan, amount=D("10000.00"), mode="shorten_term", actor=people["owner"]
    )
    assert change.repayment.amount == quote["total"]
    loan.refresh_from_db()
    assert loan.schedule_version == 2
    assert loan.principal_outstanding == sum(r["principal"] for r in quote["new_schedule"])


def test_full_payoff_closes_the_loan_with_an_event(people):
    loan = _loan(people)
    payoff = repayments.payoff_quote(loan)
    quote = prepayments.prepayment_quote(loan=loan, amount=D("999999.00"))
    assert quote["closes_loan"] is True
    assert quote["new_schedule"] == []
    # Payoff = outstanding principal + interest accrued + fee (none here), as the payoff quote.
    assert quote["total"] == payoff["total"] == quote["principal"] + quote["interest"] + quote["fee"]

    change = prepayments.prepayment_post(loan=loan, amount=D("999999.00"), actor=people["owner"])

    loan.refresh_from_db()
    assert loan.status == LoanStatus.CLOSED
    assert loan.closed_on == open_business_date()
    assert change.repayment.amount == payoff["total"]
    assert loan.principal_outstanding == 0
    assert loan.total_due == 0
    assert loan.credit_balance == 0
    assert LoanEvent.objects.filter(loan=loan, from_state="active", to_state="closed").count() == 1
    _ledger_balanced()
    with pytest.raises(Conflict):
        prepayments.prepayment_quote(loan=loan, amount=D("100.00"))


@pytest.mark.parametrize(
    ("terms", "fee"),
    [
        ({"fee_kind": PrepaymentFeeKind.NONE}, D("0.00")),
        ({"fee_kind": PrepaymentFeeKind.FLAT, "fee_amount": "150.00"}, D("150.00")),
        ({"fee_kind": PrepaymentFeeKind.PERCENT, "fee_rate": "0.02"}, D("400.00")),
        # 5 % of the principal (5 000.00) free each contract year: 2 % of 15 000.00.
        ({"fee_kind": PrepaymentFeeKind.PERCENT, "fee_rate": "0.02", "free_allowance": "0.05"}, D("300.00")),
        (
            {"fee_kind": PrepaymentFeeKind.PERCENT_LOCK_IN, "fee_rate": "0.02", "lock_in_months": 6},
            D("400.00"),
        ),
        ({"fee_kind": PrepaymentFeeKind.PERCENT_LOCK_IN, "fee_rate": "0.02", "lock_in_months": 2}, D("0.00")),
    ],
)
def test_prepayment_fee_follows_the_loan_terms(people, terms, fee):
    loan = _loan(people)
    Loan.objects.filter(pk=loan.pk).update(prepayment_terms=terms)
    loan.refresh_from_db()
    quote = prepayments.prepayment_quote(loan=loan, amount=D("20000.00"), mode="reduce_installment")
    assert quote["fee"] == fee
    change = prepayments.prepayment_post(loan=loan, amount=D("20000.00"), actor=people["owner"])
    loan.refresh_from_db()
    assert change.repayment.amount == quote["total"]
    assert loan.sl_fees_charged == fee
    assert loan.sl_paid_fees == fee
    _ledger_balanced()


def test_minimum_mode_and_allowed_after_are_refused_by_field(people):
    loan = _loan(people)
    Loan.objects.filter(pk=loan.pk).update(
        prepayment_terms={"minimum": "5000.00", "modes": "shorten_term", "allowed_after": 4}
    )
    loan.refresh_from_db()
    entries = JournalEntry.objects.count()
    with pytest.raises(Invalid) as exc:
        prepayments.prepayment_post(loan=loan, amount=D("1000.00"), actor=people["owner"])
    assert set(exc.value.errors) == {"value_date"}
    Loan.objects.filter(pk=loan.pk).update(prepayment_terms={"minimum": "5000.00", "modes": "shorten_term"})
    loan.refresh_from_db()
    with pytest.raises(Invalid) as exc:
        prepayments.prepayment_post(
            loan=loan, amount=D("1000.00"), mode="shorten_term", actor=people["owner"]
        )
    assert set(exc.value.errors) == {"amount"}
    with pytest.raises(Invalid) as exc:
        prepayments.prepayment_post(
            loan=loan, amount=D("6000.00"), mode="reduce_installment", actor=people["owner"]
        )
    assert set(exc.value.errors) == {"mode"}
    for bad in (D("0"), D("-1"), D("1.001")):
        with pytest.raises(Invalid) as exc:
            prepayments.prepayment_quote(loan=loan, amount=bad)
        assert set(exc.value.errors) == {"amount"}
    with pytest.raises(Invalid) as exc:
        prepayments.prepayment_post(
            loan=loan,
            amount=D("6000.00"),
            value_date=open_business_date() + dt.timedelta(days=1),
            actor=people["owner"],
        )
    assert set(exc.value.errors) == {"value_date"}
    loan.refresh_from_db()
    assert loan.schedule_version == 0
    assert JournalEntry.objects.count() == entries
    assert not ScheduleChange.objects.exists()
    assert not Repayment.objects.filter(reference="prepayment").exists()


def test_shorten_term_default_mode_from_the_loan(people):
    loan = _loan(people)
    Loan.objects.filter(pk=loan.pk).update(prepayment_terms={"modes": "shorten_term"})
    loan.refresh_from_db()
    assert prepayments.prepayment_quote(loan=loan, amount=D("30000.00"))["mode"] == "shorten_term"


def test_only_the_owner_or_an_officer_prepays(people):
    loan = _loan(people)
    with pytest.raises(NotFound):
        prepayments.prepayment_post(loan=loan, amount=D("1000.00"), actor=people["other"])
    with pytest.raises(Forbidden):
        prepayments.prepayment_post(loan=loan, amount=D("1000.00"), actor=people["auditor"])
    change = prepayments.prepayment_post(loan=loan, amount=D("1000.00"), actor=people["officer"])
    assert change.requested_by == people["officer"]


def test_same_idempotency_key_posts_once_and_another_body_conflicts(people):
    loan = _loan(people)
    first = prepayments.prepayment_post(
        loan=loan, amount=D("1000.00"), actor=people["owner"], idempotency_key="k1", request_hash="h1"
    )
    again = prepayments.prepayment_post(
        loan=loan, amount=D("1000.00"), actor=people["owner"], idempotency_key="k1", request_hash="h1"
    )
    assert again.pk == first.pk
    assert Repayment.objects.filter(loan=loan, reference="prepayment").count() == 1
    with pytest.raises(KeyReused):
        prepayments.prepayment_post(
            loan=loan, amount=D("2000.00"), actor=people["owner"], idempotency_key="k1", request_hash="h2"
        )


@pytest.mark.parametrize("amount", [D("20000.00"), None])
def test_close_of_business_after_a_prepayment_keeps_the_loan_current(people, amount):
    """A prepaid (or paid-off) loan, then close of business for 70 days with the new installments
    paid on their due dates: no days past due, no penalty, the replay and the ledger agree."""
    from tests.servicing.test_cob_replay import _check_against_replay

    loan = _loan(people)
    start = open_business_date()
    cob.close_through(start - dt.timedelta(days=1), start=start - dt.timedelta(days=1))
    prepayments.prepayment_post(loan=loan, amount=amount or D("999999.00"), actor=people["owner"])
    for _ in range(70):
        day = open_business_date()
        for inst in Loan.objects.get(pk=loan.pk).installments.filter(
            due_date=day, status__in=("due", "pending")
        ):
            repayments.repayment_post(loan=loan, amount=inst.payment, actor=people["owner"])
        cob.close_through(day)
        loan.refresh_from_db()
        assert loan.days_past_due == 0
        assert loan.penalty_due == 0
    _check_against_replay([(loan, None)])
    _ledger_balanced(loan)
    loan.refresh_from_db()
    assert loan.status == (LoanStatus.ACTIVE if amount else LoanStatus.CLOSED)


def test_a_prepaid_loan_unpaid_afterwards_goes_overdue_on_the_new_installment(people):
    loan = _loan(people)
    start = open_business_date()
    cob.close_through(start - dt.timedelta(days=1), start=start - dt.timedelta(days=1))
    quote = prepayments.prepayment_quote(loan=loan, amount=D("20000.00"), mode="reduce_installment")
    prepayments.prepayment_post(loan=loan, amount=D("20000.00"), actor=people["owner"])
    due = quote["new_schedule"][0]["due_date"]
    cob.close_through(due + dt.timedelta(days=10))
    loan.refresh_from_db()
    assert loan.days_past_due == (open_business_date() - due).days == 11
    assert loan.penalty_due > 0
    first = loan.installments.get(due_date=due)
    assert first.payment == quote["new_schedule"][0]["payment"]
