"""The position replay (servicing.position): penalty interest, allocation orders, grace, credit.

Public rules the examples follow:
- PBoC 银发〔2003〕251号《中国人民银行关于人民币贷款利率有关问题的通知》 art. 3: the penalty rate
  on overdue loans is the contract rate plus 30 %–50 %, and unpaid interest bears compound interest
  at the penalty rate (对不能按时支付的利息，按罚息利率计收复利). The 50 % uplift is the default.
- Civil Code art. 561: a payment that does not cover everything pays, unless agreed otherwise,
  (1) the costs of realising the claim, (2) interest, (3) the principal.
- Apache Fineract's "Penalties, Fees, Interest, Principal order" loan transaction processing
  strategy: installment by installment, oldest first, in that order.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from servicing.position import Order, Payment, ScheduledRow, Terms, penalty_of, replay

D = Decimal
Z = D("0.00")
START = dt.date(2024, 1, 15)  # a fixed worked example: these dates are inputs, not "today"


def _schedule(n=3, principal="1000.00", interest="50.00", fees=Z):
    principal, interest, fees = D(principal), D(interest), D(fees)
    rows = []
    for i in range(n):
        month = START.month + i + 1
        rows.append(
            ScheduledRow(
                number=i + 1,
                due_date=dt.date(START.year + (month - 1) // 12, (month - 1) % 12 + 1, 15),
                principal=principal,
                interest=interest,
                fees=fees,
            )
        )
    return rows


def _terms(**kw):
    base = {"start_date": START, "principal": D("3000.00"), "penalty_rate": D("0.09")}
    base.update(kw)
    return Terms(**base)


def test_worked_example_penalty_and_compound_interest_per_pboc_2003_251():
    # 1,000.00 principal and 50.00 interest overdue for 30 days at 6 % × 1.5 = 9 %, ACT/365:
    # penalty on principal 1000 × 9 % × 30 / 365 = 7.397… and compound on interest
    # 50 × 9 % × 30 / 365 = 0.369…; together 7.767… → 7.77 (rounded once, half-up).
    rows = _schedule()
    due = rows[0].due_date
    position = replay(schedule=rows, payments=[], terms=_terms(), as_of=due + dt.timedelta(days=30))
    assert position.installments[0].due("penalty") == D("7.77")
    simple = replay(
        schedule=rows, payments=[], terms=_terms(compound=False), as_of=due + dt.timedelta(days=30)
    )
    assert simple.installments[0].due("penalty") == D("7.40")  # 7.397 on principal alone
    assert position.days_past_due == 30


def test_worked_example_civil_code_561_fees_then_interest_then_principal():
    rows = _schedule(fees=D("20.00"))
    due = rows[0].due_date
    pay = Payment(id=1, value_date=due, amount=D("60.00"))
    position = replay(schedule=rows, payments=[pay], terms=_terms(), as_of=due)
    alloc = position.allocations[1]
    assert (alloc.fees, alloc.interest, alloc.principal) == (D("20.00"), D("40.00"), Z)


def test_civil_code_order_pays_every_installments_interest_before_any_principal():
    rows = _schedule()
    late = rows[1].due_date  # two installments due, nothing paid; no penalty on the due date of #2
    terms = _terms(penalty_rate=D("0"))
    pay = Payment(id=1, value_date=late, amount=D("1100.00"))
    civil = replay(schedule=rows, payments=[pay], terms=terms, as_of=late).allocations[1]
    assert (civil.interest, civil.principal) == (D("100.00"), D("1000.00"))
    assert [(n, c) for n, c, _ in civil.lines] == [(1, "interest"), (2, "interest"), (1, "principal")]
    fineract = replay(
        schedule=rows,
        payments=[pay],
        terms=_terms(penalty_rate=D("0"), order=Order.PENALTIES_FEES_INTEREST_PRINCIPAL),
        as_of=late,
    ).allocations[1]
    assert [(n, c) for n, c, _ in fineract.lines] == [(1, "interest"), (1, "principal"), (2, "interest")]


def test_due_then_advance_pays_the_next_installment_early_instead_of_holding_credit():
    rows = _schedule()
    due = rows[0].due_date
    pay = Payment(id=1, value_date=due, amount=D("1100.00"))
    held = replay(schedule=rows, payments=[pay], terms=_terms(), as_of=due)
    assert held.credit == D("50.00")
    ahead = replay(schedule=rows, payments=[pay], terms=_terms(order=Order.DUE_THEN_ADVANCE), as_of=due)
    assert ahead.credit == Z
    assert ahead.installments[1].paid_interest == D("50.00")


def test_paying_within_the_grace_days_waives_the_penalty_and_after_them_it_runs_from_the_due_date():
    rows = _schedule()
    due = rows[0].due_date
    terms = _terms(grace_days=3)
    in_grace = Payment(id=1, value_date=due + dt.timedelta(days=3), amount=D("1050.00"))
    ok = replay(schedule=rows, payments=[in_grace], terms=terms, as_of=due + dt.timedelta(days=10))
    assert ok.installments[0].due("penalty") == Z
    late = Payment(id=1, value_date=due + dt.timedelta(days=4), amount=D("1050.00"))
    charged = replay(schedule=rows, payments=[late], terms=terms, as_of=due + dt.timedelta(days=10))
    assert charged.installments[0].due("penalty") == penalty_of(D("1050.00") * D("0.09") * 4)
    # In grace the loan is overdue but not yet counted past due.
    during = replay(schedule=rows, payments=[], terms=terms, as_of=due + dt.timedelta(days=2))
    assert during.days_past_due == 0
    assert during.overdue_rows()
    after = replay(schedule=rows, payments=[], terms=terms, as_of=due + dt.timedelta(days=4))
    assert after.days_past_due == 4


def _payments(spec):
    return [Payment(id=i, value_date=START + dt.timedelta(days=d), amount=a) for i, (d, a) in enumerate(spec)]


amounts = st.decimals(min_value=D("0.01"), max_value=D("5000.00"), places=2)


@settings(max_examples=60, deadline=None)
@given(
    days=st.integers(min_value=1, max_value=800),
    principal=amounts,
    rate=st.decimals(min_value=D("0.01"), max_value=D("0.24"), places=4),
    splits=st.lists(st.integers(min_value=1, max_value=799), max_size=6),
)
def test_penalty_for_n_days_is_the_exact_formula_whatever_the_cadence(days, principal, rate, splits):
    """N days on an unchanged overdue amount: amount × rate × N / 365, rounded once — reading the
    position on intermediate days (the close-of-business cadence) changes nothing."""
    rows = [ScheduledRow(1, START + dt.timedelta(days=30), principal, Z, Z)]
    terms = _terms(principal=principal, penalty_rate=rate)
    end = rows[0].due_date + dt.timedelta(days=days)
    for split in sorted(set(s for s in splits if s < days)):
        replay(schedule=rows, payments=[], terms=terms, as_of=rows[0].due_date + dt.timedelta(days=split))
    position = replay(schedule=rows, payments=[], terms=terms, as_of=end)
    assert position.installments[0].due("penalty") == penalty_of(principal * rate * days)


@settings(max_examples=60, deadline=None)
@given(
    payments=st.lists(st.tuples(st.integers(min_value=0, max_value=150), amounts), min_size=1, max_size=8),
    order=st.sampled_from(Order.values),
    compound=st.booleans(),
    grace=st.integers(min_value=0, max_value=5),
)
def test_every_payment_is_allocated_in_full_and_nothing_is_paid_twice(payments, order, compound, grace):
    rows = _schedule(fees=D("5.00"))
    terms = _terms(order=order, compound=compound, grace_days=grace)
    pays = [
        Payment(id=i, value_date=START + dt.timedelta(days=d), amount=a) for i, (d, a) in enumerate(payments)
    ]
    position = replay(schedule=rows, payments=pays, terms=terms, as_of=START + dt.timedelta(days=151))
    for pay in pays:
        alloc = position.allocations[pay.id]
        assert sum(alloc.totals().values()) == pay.amount
        assert sum(a for _, _, a in alloc.lines) + alloc.overpayment == pay.amount
    for inst in position.installments:
        for component in ("principal", "interest", "fees", "penalty"):
            assert Z <= inst.paid(component) <= inst.due(component)
    received = sum((p.amount for p in pays), Z)
    paid = sum(
        (
            inst.paid(c)
            for inst in position.installments
            for c in ("principal", "interest", "fees", "penalty")
        ),
        Z,
    )
    assert paid + position.credit == received


@settings(max_examples=40, deadline=None)
@given(
    payments=st.lists(st.tuples(st.integers(min_value=0, max_value=120), amounts), max_size=6),
    drop=st.integers(min_value=0, max_value=5),
)
def test_removing_a_payment_gives_the_position_as_if_it_never_happened(payments, drop):
    """A reversal is a replay without the payment: the same as never having had it."""
    rows = _schedule()
    pays = [
        Payment(id=i, value_date=START + dt.timedelta(days=d), amount=a) for i, (d, a) in enumerate(payments)
    ]
    as_of = START + dt.timedelta(days=130)
    kept = [p for p in pays if p.id != drop]
    a = replay(schedule=rows, payments=kept, terms=_terms(), as_of=as_of)
    b = replay(schedule=rows, payments=list(reversed(kept)), terms=_terms(), as_of=as_of)
    assert [(i.paid_principal, i.paid_interest, i.penalty_basis) for i in a.installments] == [
        (i.paid_principal, i.paid_interest, i.penalty_basis) for i in b.installments
    ]
    assert a.credit == b.credit
