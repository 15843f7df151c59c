"""What a borrower is shown of their loan (a read for the portal's loan page).

The loan is replayed as of servicing's today (`servicing.repayments.loan_position`, the one
definition of what is owed), so the page agrees with the payoff quote and with what a payment
made now would be allocated to: what is due today, the overdue installments with their penalty
interest explained (rate, days, amount), the next installment, the payoff amount, the schedule
with what was paid of each installment, and the repayments with their allocation.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from decimal import Decimal

from loanhub.money import quantize_money, quantize_places, quantize_rate
from servicing.calendar import open_business_date
from servicing.choices import InstallmentStatus, LoanStatus
from servicing.models import Loan, Repayment
from servicing.position import DAYS_IN_YEAR, InstallmentState, Position, penalty_of
from servicing.repayments import deferred_interest, installment_status, loan_position

ZERO = Decimal("0.00")
STATUS_LABELS = dict(InstallmentStatus.choices)


@dataclasses.dataclass(frozen=True)
class OverdueInstallment:
    """An installment unpaid after its due date, and its penalty interest (罚息) in plain figures."""

    number: int
    due_date: dt.date
    days: int
    principal: Decimal
    interest: Decimal
    fees: Decimal
    penalty: Decimal  # still to pay
    base: Decimal  # what penalty interest runs on now
    daily_penalty: Decimal  # a day's penalty on `base`, to the cent
    charged: bool  # false while in the grace days: the penalty is waived if paid in time
    grace_until: dt.date | None
    # True when the penalty is exactly base × rate × days / 365 (the amount never changed), so the
    # page may show the sum itself.
    simple: bool

    @property
    def total(self) -> Decimal:
        return self.principal + self.interest + self.fees + self.penalty


@dataclasses.dataclass(frozen=True)
class ScheduleRow:
    number: int
    due_date: dt.date
    payment: Decimal
    principal: Decimal
    interest: Decimal
    fees: Decimal
    balance: Decimal
    paid_principal: Decimal
    paid_interest: Decimal
    paid_fees: Decimal
    paid_penalty: Decimal
    status: str
    status_label: str
    paid_on: dt.date | None


@dataclasses.dataclass(frozen=True)
class NextInstallment:
    number: int
    due_date: dt.date
    amount: Decimal


@dataclasses.dataclass(frozen=True)
class LoanOverview:
    loan: Loan
    as_of: dt.date
    active: bool
    due_today: Decimal
    overdue: list[OverdueInstallment]
    penalty_due: Decimal
    next_installment: NextInstallment | None
    credit: Decimal
    payoff: dict[str, Decimal] | None
    schedule: list[ScheduleRow]
    repayments: list[Repayment]
    penalty_rate: Decimal
    # The penalty rate as a multiple of the contract rate ("1.5"), None when it is not one (a
    # capped rate, an interest-free loan).
    penalty_multiplier: Decimal | None
    compound: bool
    grace_days: int

    @property
    def suggested_payment(self) -> Decimal:
        """What the pay-now form starts from: what is due today, else the next installment."""
        if self.due_today > 0:
            return self.due_today
        return self.next_installment.amount if self.next_installment else ZERO

    @property
    def overdue_total(self) -> Decimal:
        return sum((row.total for row in self.overdue), ZERO)


def _multiplier(loan: Loan) -> Decimal | None:
    if loan.annual_rate <= 0 or loan.penalty_rate <= 0:
        return None
    multiple = quantize_places(loan.penalty_rate / loan.annual_rate, 2)
    if quantize_rate(loan.annual_rate * multiple) != loan.penalty_rate:
        return None
    return multiple.normalize()


def _overdue(loan: Loan, position: Position) -> list[OverdueInstallment]:
    rows = []
    rate = loan.penalty_rate
    for inst in position.overdue_rows():
        days = (position.as_of - inst.due_date).days
        base = inst.penalty_base(loan.compound_penalty)
        charged = inst.penalty_charged
        simple = (
            charged
            and inst.paid_penalty == 0
            and penalty_of(inst.penalty_basis) == penalty_of(base * rate * days)
        )
        rows.append(
            OverdueInstallment(
                number=inst.number,
                due_date=inst.due_date,
                days=days,
                principal=inst.outstanding("principal"),
                interest=inst.outstanding("interest"),
                fees=inst.outstanding("fees"),
                penalty=inst.outstanding("penalty"),
                base=base,
                daily_penalty=quantize_money(base * rate / DAYS_IN_YEAR),
                charged=charged,
                grace_until=None if charged else inst.due_date + dt.timedelta(days=loan.overdue_grace_days),
                simple=simple,
            )
        )
    return rows


def _schedule(loan: Loan, position: Position) -> list[ScheduleRow]:
    stored = {row.number: row for row in loan.installments.all()}
    rows = []
    for state in position.installments:
        row = stored[state.number]
        status = installment_status(state, position.as_of)
        rows.append(
            ScheduleRow(
                number=row.number,
                due_date=row.due_date,
                payment=row.payment,
                principal=row.principal,
                interest=row.interest,
                fees=row.fees,
                balance=row.balance,
                paid_principal=state.paid_principal,
                paid_interest=state.paid_interest,
                paid_fees=state.paid_fees,
                paid_penalty=state.paid_penalty,
                status=status,
                status_label=STATUS_LABELS[status],
                paid_on=state.settled_on,
            )
        )
    return rows


def _next(position: Position) -> NextInstallment | None:
    upcoming: list[InstallmentState] = [
        i for i in position.installments if i.due_date > position.as_of and i.total_outstanding > 0
    ]
    if not upcoming:
        return None
    first = upcoming[0]
    return NextInstallment(number=first.number, due_date=first.due_date, amount=first.total_outstanding)


def loan_overview(loan: Loan, *, as_of: dt.date | None = None) -> LoanOverview:
    """The loan as its borrower sees it on `as_of` (default servicing's today)."""
    as_of = as_of or open_business_date()
    position = loan_position(loan, as_of=as_of)
    active = loan.status == LoanStatus.ACTIVE
    payoff = None
    if active and as_of >= loan.start_date:
        payoff = position.payoff(deferred=deferred_interest(loan))
    return LoanOverview(
        loan=loan,
        as_of=as_of,
        active=active,
        due_today=position.due_today() if active else ZERO,
        overdue=_overdue(loan, position) if active else [],
        penalty_due=position.outstanding("penalty"),
        next_installment=_next(position) if active else None,
        credit=position.credit,
        payoff=payoff,
        schedule=_schedule(loan, position),
        repayments=list(loan.repayments.order_by("-value_date", "-id")),
        penalty_rate=loan.penalty_rate,
        penalty_multiplier=_multiplier(loan),
        compound=loan.compound_penalty,
        grace_days=loan.overdue_grace_days,
    )
