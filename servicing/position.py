"""A loan's position on a date, replayed from its pinned schedule and its payments (no database).

`replay()` is the one definition of what a borrower owes: which installments are paid, how every
payment was allocated, the penalty interest (罚息) accrued, the days past due and the credit held.
It is a function of the schedule, the payments that stand (reversed ones are simply left out) and
the date, so a backdated payment or a reversal is "replay with the new list of payments": the
result is, by construction, the state the loan would have had if the payments had always been
what they are now. Close of business (`servicing.cob`) computes the same quantities set-based
for the ordinary day and must agree with it (tests compare the two).

Conventions (documented in the README's servicing section):

- **Days.** `replay(as_of=d)` is the position at day `d` after the payments valued on `d`:
  penalty accrues on each day's end-of-day overdue amount, for the days before `d` ("算头不算尾":
  a payment on the due date owes no penalty, one a day late owes one day).
- **Overdue.** An installment unpaid at the end of its due date is overdue. With grace days `g`
  it is only charged penalty when still unpaid at the end of day `due + g`; then the penalty runs
  from the due date (the grace is a waiver for paying in time, not a shift of the due date).
  Days past due count from the oldest unpaid installment's due date once it is overdue.
- **Penalty.** Accrues daily on overdue principal (and on overdue contractual interest when
  `compound`, 复利) at `penalty_rate` ACT/365, or from each date of `penalty_changes` at its rate
  (a penalty rate of contract rate × multiplier follows an LPR reset or a restructuring). It is
  kept exact as a "basis" (Σ amount × rate × days, no division) and rounded half-up once,
  `basis / 365`, whenever it is read or posted: N days on an unchanged amount is exactly
  amount × rate × N / 365 rounded, whatever the cadence.
- **Capitalised grace rows** (negative principal) owe no cash: their interest joins the principal
  on the due date.
- **Credit.** Money beyond what is due is held as credit (an overpayment liability) and pays the
  next installments at the start of their due dates, unless the allocation order pays in advance.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Iterable, Sequence
from decimal import ROUND_HALF_UP, Decimal

from products.choices import AllocationOrder

ZERO = Decimal("0.00")
CENT = Decimal("0.01")
DAYS_IN_YEAR = 365
COMPONENTS = ("fees", "penalty", "interest", "principal")


def cents(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def penalty_of(basis: Decimal) -> Decimal:
    """The penalty, to the cent, of an exact basis (Σ amount × annual rate × days)."""
    return cents(basis / DAYS_IN_YEAR)


# The allocation orders are the catalogue's vocabulary (the product says which; see its comments).
Order = AllocationOrder


@dataclasses.dataclass(frozen=True)
class ScheduledRow:
    number: int
    due_date: dt.date
    principal: Decimal
    interest: Decimal
    fees: Decimal


@dataclasses.dataclass(frozen=True)
class Payment:
    id: int | str
    value_date: dt.date
    amount: Decimal


@dataclasses.dataclass(frozen=True)
class Terms:
    start_date: dt.date
    principal: Decimal
    penalty_rate: Decimal
    compound: bool = True
    grace_days: int = 0
    order: str = Order.CIVIL_CODE
    # A penalty rate that follows the contract rate (an LPR reset, a restructuring at a new rate):
    # (from this day on, this rate), in date order; `penalty_rate` runs before the first.
    penalty_changes: tuple[tuple[dt.date, Decimal], ...] = ()

    def penalty_rate_on(self, day: dt.date) -> Decimal:
        rate = self.penalty_rate
        for start, changed in self.penalty_changes:
            if start > day:
                break
            rate = changed
        return rate


@dataclasses.dataclass
class InstallmentState:
    row: ScheduledRow
    paid_principal: Decimal = ZERO
    paid_interest: Decimal = ZERO
    paid_fees: Decimal = ZERO
    paid_penalty: Decimal = ZERO
    penalty_basis: Decimal = Decimal(0)  # charged: accrued and past grace
    grace_basis: Decimal = Decimal(0)  # accrued while in grace; waived if paid in time
    penalty_charged: bool = False  # unpaid after the grace days: its penalty stands
    settled_on: dt.date | None = None  # the day everything of it (penalty too) was paid

    @property
    def number(self) -> int:
        return self.row.number

    @property
    def due_date(self) -> dt.date:
        return self.row.due_date

    @property
    def capitalised(self) -> Decimal:
        """Interest a capitalised grace row adds to the principal (no cash is due for it)."""
        return -self.row.principal if self.row.principal < 0 else ZERO

    def due(self, component: str) -> Decimal:
        if component == "principal":
            return max(self.row.principal, ZERO)
        if component == "interest":
            return self.row.interest - self.capitalised
        if component == "fees":
            return self.row.fees
        return penalty_of(self.penalty_basis)

    def paid(self, component: str) -> Decimal:
        return getattr(self, f"paid_{component}")

    def outstanding(self, component: str) -> Decimal:
        return self.due(component) - self.paid(component)

    @property
    def contractual_outstanding(self) -> Decimal:
        """Principal, interest and fees still owed (what makes an installment overdue)."""
        return sum((self.outstanding(c) for c in ("principal", "interest", "fees")), ZERO)

    @property
    def total_outstanding(self) -> Decimal:
        return self.contractual_outstanding + self.outstanding("penalty")

    def penalty_base(self, compound: bool) -> Decimal:
        base = self.outstanding("principal")
        if compound:
            base += self.outstanding("interest")
        return max(base, ZERO)


@dataclasses.dataclass
class Allocation:
    """Where one payment went: totals by component and the lines by installment."""

    payment_id: int | str
    value_date: dt.date
    amount: Decimal
    fees: Decimal = ZERO
    penalty: Decimal = ZERO
    interest: Decimal = ZERO
    principal: Decimal = ZERO
    overpayment: Decimal = ZERO
    lines: list[tuple[int, str, Decimal]] = dataclasses.field(default_factory=list)

    def add(self, number: int, component: str, amount: Decimal) -> None:
        setattr(self, component, getattr(self, component) + amount)
        self.lines.append((number, component, amount))

    def totals(self) -> dict[str, Decimal]:
        return {c: getattr(self, c) for c in (*COMPONENTS, "overpayment")}


@dataclasses.dataclass
class Position:
    as_of: dt.date
    terms: Terms
    installments: list[InstallmentState]
    allocations: dict[int | str, Allocation]
    credit: Decimal
    credit_applied: list[tuple[dt.date, int, str, Decimal]]

    # -- what is owed -----------------------------------------------------------------------
    def outstanding(self, component: str) -> Decimal:
        if component == "principal":
            # Every principal still to be repaid, due or not (capitalised interest included once
            # its row is due: before that it is still interest, accruing).
            return sum((i.outstanding("principal") for i in self.installments), ZERO) - sum(
                (i.capitalised for i in self.installments if i.due_date > self.as_of), ZERO
            )
        return sum((i.outstanding(component) for i in self._due_rows()), ZERO)

    def _due_rows(self) -> list[InstallmentState]:
        return [i for i in self.installments if i.due_date <= self.as_of]

    def overdue_rows(self) -> list[InstallmentState]:
        return [i for i in self.installments if i.due_date < self.as_of and i.contractual_outstanding > 0]

    @property
    def paid_off(self) -> bool:
        return all(i.total_outstanding <= 0 for i in self.installments)

    @property
    def days_past_due(self) -> int:
        for inst in self.installments:
            if inst.due_date < self.as_of and inst.contractual_outstanding > 0:
                if self.as_of > inst.due_date + dt.timedelta(days=self.terms.grace_days):
                    return (self.as_of - inst.due_date).days
                return 0
        return 0

    @property
    def penalty_accrued(self) -> Decimal:
        return sum((penalty_of(i.penalty_basis) for i in self.installments), ZERO)

    def next_due(self) -> tuple[dt.date, Decimal] | None:
        """The first installment due today or later that still has something to pay."""
        for inst in self.installments:
            if inst.due_date >= self.as_of and inst.total_outstanding > 0:
                return inst.due_date, inst.total_outstanding
        return None

    def due_today(self) -> Decimal:
        """What pays every installment due on or before the date (overdue ones with penalty)."""
        return sum((i.total_outstanding for i in self._due_rows()), ZERO)

    def payoff(self, deferred: dict[dt.date, Decimal] | None = None) -> dict[str, Decimal]:
        """Everything owed if the loan is paid off on `as_of`: the principal still to be repaid,
        interest accrued to the date (not the future schedule's) and a spread holiday's interest
        not yet due (`deferred`: its parts by due date, `products.engine.holiday`), penalty and
        due fees, less credit held."""
        principal = self.outstanding("principal")
        interest = self.interest_accrued() - sum(
            (i.capitalised for i in self.installments if i.due_date <= self.as_of), ZERO
        )
        interest += self.deferred_not_accrued(deferred or {})
        interest -= sum((i.paid_interest for i in self.installments), ZERO)
        fees = self.outstanding("fees")
        penalty = self.outstanding("penalty")
        total = principal + interest + fees + penalty - self.credit
        return {
            "principal": principal,
            "interest": interest,
            "penalty": penalty,
            "fees": fees,
            "credit": self.credit,
            "total": max(total, ZERO),
        }

    def accrual_period(self) -> tuple[dt.date, dt.date | None, Decimal]:
        """The interest period running at `as_of`: (its start, its end, its scheduled interest);
        after the last due date, (that date, None, 0). `interest_accrued` on a later day of the
        period is what was earned before it plus the period's interest pro rata by days."""
        previous = self.terms.start_date
        for inst in self.installments:
            if inst.due_date > self.as_of:
                return previous, inst.due_date, inst.row.interest
            previous = inst.due_date
        return previous, None, ZERO

    def deferred_not_accrued(self, deferred: dict[dt.date, Decimal]) -> Decimal:
        """The holiday interest parts (by due date, inside the rows' interest) that
        `interest_accrued` has not counted on `as_of`: the later rows' whole parts, and of the
        running period's row what its pro rata share left out."""
        owed = ZERO
        previous = self.terms.start_date
        for inst in self.installments:
            part = deferred.get(inst.due_date, ZERO)
            if inst.due_date > self.as_of and part:
                if previous < self.as_of:
                    days = (inst.due_date - previous).days
                    elapsed = (self.as_of - previous).days
                    with_part = cents(inst.row.interest * elapsed / days)
                    without = cents((inst.row.interest - part) * elapsed / days)
                    owed += part - (with_part - without)
                else:
                    owed += part
            previous = inst.due_date
        return owed

    def interest_accrued(self) -> Decimal:
        """Contractual interest earned up to the start of `as_of`: whole periods that have ended
        and the running period pro rata by days (half-up), as income is recognised."""
        earned = ZERO
        previous = self.terms.start_date
        for inst in self.installments:
            if inst.due_date <= self.as_of:
                earned += inst.row.interest
            elif previous < self.as_of:
                days = (inst.due_date - previous).days
                elapsed = (self.as_of - previous).days
                earned += cents(inst.row.interest * elapsed / days) if days > 0 else ZERO
                break
            else:
                break
            previous = inst.due_date
        return earned


def _pay(inst: InstallmentState, component: str, budget: Decimal, alloc: Allocation | None) -> Decimal:
    """Pay up to `budget` of the component; returns what was used."""
    owed = inst.outstanding(component)
    if owed <= 0 or budget <= 0:
        return ZERO
    used = min(owed, budget)
    setattr(inst, f"paid_{component}", inst.paid(component) + used)
    if alloc is not None:
        alloc.add(inst.number, component, used)
    return used


def _allocate(
    rows: Sequence[InstallmentState], amount: Decimal, order: str, alloc: Allocation | None
) -> Decimal:
    """Allocate `amount` over the due `rows` (oldest first) in the given order; returns the rest."""
    left = amount
    if order == Order.CIVIL_CODE:
        for component in ("fees", "penalty", "interest", "principal"):
            for inst in rows:
                left -= _pay(inst, component, left, alloc)
    else:
        for inst in rows:
            for component in ("penalty", "fees", "interest", "principal"):
                left -= _pay(inst, component, left, alloc)
    return left


def _advance(rows: Sequence[InstallmentState], amount: Decimal, alloc: Allocation | None) -> Decimal:
    left = amount
    for inst in rows:
        for component in ("fees", "interest", "principal"):
            left -= _pay(inst, component, left, alloc)
    return left


def replay(
    *,
    schedule: Iterable[ScheduledRow],
    payments: Iterable[Payment],
    terms: Terms,
    as_of: dt.date,
) -> Position:
    """The position at day `as_of` after the payments valued up to and on it (see the module)."""
    installments = [InstallmentState(row=row) for row in sorted(schedule, key=lambda r: r.number)]
    pays = sorted(
        (p for p in payments if terms.start_date <= p.value_date <= as_of),
        key=lambda p: (p.value_date, str(p.id)),
    )
    allocations: dict[int | str, Allocation] = {}
    credit = ZERO
    credit_applied: list[tuple[dt.date, int, str, Decimal]] = []
    grace = dt.timedelta(days=terms.grace_days)

    # Dates on which something happens: payments, due dates (credit pays them), the first day
    # after each grace period (penalty is charged or waived); accrual runs between them.
    events = {p.value_date for p in pays} | {start for start, _rate in terms.penalty_changes}
    grace_ends: dict[dt.date, list[InstallmentState]] = {}
    for inst in installments:
        events.add(inst.due_date)
        end = inst.due_date + grace + dt.timedelta(days=1)
        events.add(end)
        grace_ends.setdefault(end, []).append(inst)
    dates = sorted(d for d in events if terms.start_date <= d <= as_of)
    dates.append(as_of + dt.timedelta(days=1))  # a sentinel: accrue up to the end of as_of − 1
    pay_index = 0
    first_open = 0  # rows before it are settled: nothing accrues on them any more
    day = terms.start_date

    for next_day in dates:
        # 1. Accrue penalty for the days [day, min(next_day, as_of)) on end-of-day balances.
        stop = min(next_day, as_of)
        days = (stop - day).days
        if days > 0:
            while first_open < len(installments) and installments[first_open].contractual_outstanding <= 0:
                first_open += 1
            for inst in installments[first_open:]:
                if inst.due_date > day:
                    break
                base = inst.penalty_base(terms.compound)
                if base <= 0:
                    continue
                accrued = base * terms.penalty_rate_on(day) * days
                if inst.penalty_charged:
                    inst.penalty_basis += accrued
                else:
                    inst.grace_basis += accrued
        day = max(day, stop)
        if next_day > as_of:
            break
        # 2. Grace ends for installments due `g + 1` days ago: unpaid ones are charged.
        for inst in grace_ends.get(next_day, ()):
            if inst.contractual_outstanding > 0:
                inst.penalty_charged = True
                inst.penalty_basis += inst.grace_basis
            inst.grace_basis = Decimal(0)
        # 3. Credit held pays what falls due.
        if credit > 0:
            due_rows = [i for i in installments if i.due_date <= next_day]
            probe = Allocation(payment_id="credit", value_date=next_day, amount=credit)
            rest = _allocate(due_rows, credit, terms.order, probe)
            credit_applied.extend((next_day, n, c, a) for n, c, a in probe.lines)
            credit = rest
        # 4. The payments valued on this date, in the order they were made.
        while pay_index < len(pays) and pays[pay_index].value_date == next_day:
            payment = pays[pay_index]
            pay_index += 1
            alloc = Allocation(payment_id=payment.id, value_date=payment.value_date, amount=payment.amount)
            due_rows = [i for i in installments if i.due_date <= next_day]
            rest = _allocate(due_rows, payment.amount, terms.order, alloc)
            if rest > 0 and terms.order == Order.DUE_THEN_ADVANCE:
                later = [i for i in installments if i.due_date > next_day]
                rest = _advance(later, rest, alloc)
            if rest > 0:
                alloc.overpayment = rest
                credit += rest
            allocations[payment.id] = alloc
        for inst in installments:
            if inst.settled_on is None and inst.due_date <= next_day and inst.total_outstanding <= 0:
                inst.settled_on = next_day

    return Position(
        as_of=as_of,
        terms=terms,
        installments=installments,
        allocations=allocations,
        credit=credit,
        credit_applied=credit_applied,
    )
