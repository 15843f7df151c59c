"""Revolving credit line (随借随还, 按日计息): daily interest on the drawn principal, monthly statements.

Rules:

* Interest accrues daily on the principal drawn and unpaid at the end of each day, at annual_rate /
  365 (ACT/365, the default) or / 360 (ACT/360): a draw accrues from its own day, a repayment stops
  interest from its own day (算头不算尾). Unpaid interest does not itself bear interest.
* Accrued interest is kept unrounded and crystallised -- rounded half-up to the cent and added to the
  interest due -- at the end of each statement day and whenever a repayment is made (so the
  repayment can be split in cents); each crystallisation starts a new accrual from zero.
* A repayment pays interest due first, then principal. A repayment larger than everything owed is
  refused, as is a draw larger than the available limit (credit limit - principal drawn), with a
  `CreditLimitExceededError` on field ``amount``.
* Statements close at the end of `statement_day` each month (clamped to month end), the first one
  after the opening date. A cycle runs from the day after the previous statement (the opening date
  for the first) through its statement day, and includes that day's transactions.
  closing_balance = opening_balance + draws - repayments + interest; minimum_due = interest due +
  minimum_principal_rate x principal.
* State "as of" a date is taken during that day after its listed transactions: statements closed on
  earlier days, interest accrued through the previous day. The payoff amount on a date is what a
  repayment on that date needs to bring penalty, principal and interest to zero.
* Penalty interest (罚息) when `penalty_rate` > 0: a statement's minimum falls due `due_days` after
  its statement day; what of it is unpaid at the end of the due date is overdue. Each day's
  end-of-day overdue amount bears penalty at penalty_rate / 365 (ACT/365 whatever the line's day
  count, as for instalment loans), for the days before the as-of date (算头不算尾: paying on the due
  date owes none, a day late owes one day). The overdue amount is the largest unpaid minimum of
  the statements past their due date (a later minimum already holds the earlier interest due);
  with `compound_penalty` false only its principal share bears penalty. Penalty is kept exact as a
  basis (Σ amount × rate × days) and rounded half-up once, basis / 365, whenever it is read:
  N days on an unchanged overdue amount is amount × rate × N / 365 rounded once, however often
  the line was replayed in between. Unpaid penalty bears no penalty.
* Overdue grace days `grace_days` = g (the instalment loans' rule, servicing.position): a minimum
  unpaid after its due date is in grace through the end of day due + g and bears no penalty
  while in grace; covered by then, it never does (the grace is a waiver for paying in time).
  Still not covered at the end of day due + g, it bears penalty from its due date, as if there
  had been no grace (not a shift of the due date). With g = 0 this is the rule above.
* A repayment pays penalty first, then interest due, then principal (Civil Code art. 561: a line
  has no fees). A minimum is covered by what repayments since its statement paid of interest and
  principal (the penalty they paid does not count).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal, localcontext
from enum import StrEnum
from typing import cast

from .dates import add_months
from .daycount import year_basis
from .enums import DayCount
from .errors import CreditLimitExceededError, EngineValidationError, ErrorCollector, Message, gettext_noop
from .money import ENGINE_CONTEXT, ZERO, quantize_money
from .parsing import parse_choice, parse_date, parse_decimal, parse_int
from .terms import MAX_ANNUAL_RATE, MAX_PRINCIPAL

__all__ = [
    "LineTransaction",
    "RepaymentAllocation",
    "RevolvingState",
    "Statement",
    "TransactionKind",
    "revolving_payoff",
    "revolving_run",
]

_ONE_DAY = timedelta(days=1)
PENALTY_BASIS_DAYS = 365  # penalty interest is ACT/365 on every line, as on instalment loans


class TransactionKind(StrEnum):
    """A movement on a credit line."""

    DRAW = "draw"
    REPAYMENT = "repayment"


@dataclass(frozen=True, slots=True)
class LineTransaction:
    """A dated draw or repayment of `amount` on a credit line."""

    on: date
    kind: TransactionKind
    amount: Decimal


@dataclass(frozen=True, slots=True)
class RepaymentAllocation:
    """How one repayment was split: penalty first, then interest, then principal."""

    on: date
    amount: Decimal
    interest: Decimal
    principal: Decimal
    penalty: Decimal = ZERO


@dataclass(frozen=True, slots=True)
class Statement:
    """One statement cycle of a credit line (balances are principal + interest due)."""

    period_start: date
    statement_date: date
    opening_balance: Decimal
    draws: Decimal
    repayments: Decimal
    interest: Decimal
    closing_balance: Decimal
    principal_balance: Decimal
    interest_due: Decimal
    minimum_due: Decimal


@dataclass(frozen=True, slots=True)
class RevolvingState:
    """A credit line as of a date: its closed statements, balances and what pays it off."""

    as_of: date
    statements: tuple[Statement, ...]
    allocations: tuple[RepaymentAllocation, ...]
    principal: Decimal
    interest_due: Decimal
    accrued_interest: Decimal
    available: Decimal
    payoff_amount: Decimal
    # Penalty interest: charged to date (rounded once from the exact basis) and still unpaid.
    penalty_charged: Decimal = ZERO
    penalty_due: Decimal = ZERO
    # The amount bearing penalty: the unpaid minimums charged by the end of the day before `as_of`,
    # after the repayments of `as_of` (nil when nothing is overdue or it is within its grace days).
    overdue_amount: Decimal = ZERO


class _Line:
    """The running state of a credit line while its transactions are replayed in date order."""

    def __init__(
        self,
        *,
        limit: Decimal,
        rate: Decimal,
        basis: int,
        statement_day: int,
        opened_on: date,
        minimum_rate: Decimal,
        penalty_rate: Decimal = ZERO,
        due_days: int = 0,
        compound_penalty: bool = True,
        grace_days: int = 0,
    ) -> None:
        self.limit = limit
        self.rate = rate
        self.basis = basis
        self.statement_day = statement_day
        self.minimum_rate = minimum_rate
        self.principal = ZERO
        self.interest_due = ZERO
        self.accrued = Decimal(0)
        self.accrued_through = opened_on - _ONE_DAY
        self.cycle_start = opened_on
        self.next_statement = self._statement_after(opened_on)
        self.opening = ZERO
        self.draws = ZERO
        self.repayments = ZERO
        self.cycle_interest = ZERO
        self.statements: list[Statement] = []
        self.allocations: list[RepaymentAllocation] = []
        self.penalty_rate = penalty_rate
        self.due_days = timedelta(days=due_days)
        self.compound_penalty = compound_penalty
        self.grace = timedelta(days=grace_days)
        self.penalty_basis = Decimal(0)  # Σ overdue amount × penalty rate × days, exact
        self.penalty_paid = ZERO
        self.penalty_through = opened_on - _ONE_DAY
        # The penalty basis of the days through `settled_through`, which no later grace can change.
        self.settled_basis = Decimal(0)
        self.settled_through = opened_on - _ONE_DAY

    def _statement_after(self, day: date) -> date:
        candidate = add_months(day, 0, self.statement_day)
        return candidate if candidate > day else add_months(day, 1, self.statement_day)

    def accrue_through(self, day: date) -> None:
        """Add the interest of the days after the last accrued one up to `day`, at today's principal."""
        days = (day - self.accrued_through).days
        if days > 0:
            self.accrued += self.principal * self.rate * days / self.basis
            self.accrued_through = day

    def unpaid(self, statement: Statement, through: date) -> Decimal:
        """What of the statement's minimum the repayments after it, through `through`, left unpaid
        (what they paid of penalty does not count)."""
        paid = sum(
            (
                a.interest + a.principal
                for a in self.allocations
                if statement.statement_date < a.on <= through
            ),
            ZERO,
        )
        return max(ZERO, statement.minimum_due - paid)

    def charged(self, through: date) -> list[Statement]:
        """The statements whose minimum bears penalty as of the end of `through`: those whose
        grace (due date + grace days) has ended with the minimum still not covered."""
        return [
            s
            for s in self.statements
            if s.statement_date + self.due_days + self.grace <= through
            and self.unpaid(s, s.statement_date + self.due_days + self.grace) > 0
        ]

    def overdue_on(self, day: date, statements: list[Statement] | None = None) -> Decimal:
        """The amount bearing penalty at the end of `day`: the largest unpaid minimum (its
        principal share only, unless compound) of the charged statements due on or before `day`."""
        largest = ZERO
        for statement in self.charged(day) if statements is None else statements:
            if statement.statement_date + self.due_days > day:
                break
            unpaid = self.unpaid(statement, day)
            if not self.compound_penalty:
                principal_share = statement.minimum_due - statement.interest_due
                unpaid = min(unpaid, principal_share)
            largest = max(largest, unpaid)
        return largest

    def accrue_penalty_through(self, day: date) -> None:
        """Bring the penalty basis to the end of `day`: each day's end-of-day overdue amount of the
        statements charged by then. A grace that ends unpaid charges penalty back to its due date,
        so the days from the earliest due date still in grace are recomputed at every call; the
        days before it are final and kept (`settled_*`). The basis stays exact, so the cadence of
        the calls never changes the rounded result."""
        self.penalty_through = max(self.penalty_through, day)
        if not self.penalty_rate:
            return
        charged = self.charged(day)
        in_grace = (
            s.statement_date + self.due_days
            for s in self.statements
            if s.statement_date + self.due_days + self.grace > day
        )
        frontier = min(in_grace, default=day + _ONE_DAY)
        frontier = min(frontier, day + _ONE_DAY)  # the days before it are final
        start = self.settled_through + _ONE_DAY
        basis = self.settled_basis
        changes = {s.statement_date + self.due_days for s in charged} | {a.on for a in self.allocations}
        changes.add(frontier)
        while start <= day:
            if start == frontier:
                self.settled_basis, self.settled_through = basis, start - _ONE_DAY
            change = min((d for d in changes if start < d <= day), default=day + _ONE_DAY)
            amount = self.overdue_on(start, charged) if charged else ZERO
            if amount > 0:
                basis += amount * self.penalty_rate * (change - start).days
            start = change
        if start == frontier:
            self.settled_basis, self.settled_through = basis, start - _ONE_DAY
        self.penalty_basis = basis

    @property
    def penalty_charged(self) -> Decimal:
        return quantize_money(self.penalty_basis / PENALTY_BASIS_DAYS)

    @property
    def penalty_due(self) -> Decimal:
        return self.penalty_charged - self.penalty_paid

    def crystallise(self) -> None:
        charged = quantize_money(self.accrued)
        self.accrued = Decimal(0)
        self.interest_due += charged
        self.cycle_interest += charged

    def close_statements_before(self, day: date) -> None:
        """Close every statement whose day ended before `day`."""
        while self.next_statement < day:
            closing_day = self.next_statement
            self.accrue_through(closing_day)
            self.crystallise()
            closing = self.principal + self.interest_due
            self.statements.append(
                Statement(
                    period_start=self.cycle_start,
                    statement_date=closing_day,
                    opening_balance=self.opening,
                    draws=self.draws,
                    repayments=self.repayments,
                    interest=self.cycle_interest,
                    closing_balance=closing,
                    principal_balance=self.principal,
                    interest_due=self.interest_due,
                    minimum_due=self.interest_due + quantize_money(self.principal * self.minimum_rate),
                )
            )
            self.opening = closing
            self.draws = self.repayments = self.cycle_interest = ZERO
            self.cycle_start = closing_day + _ONE_DAY
            self.next_statement = self._statement_after(closing_day)

    def apply(self, transaction: LineTransaction) -> None:
        on, amount = transaction.on, transaction.amount
        self.close_statements_before(on)
        self.accrue_through(on - _ONE_DAY)
        self.accrue_penalty_through(on - _ONE_DAY)
        if transaction.kind is TransactionKind.DRAW:
            available = self.limit - self.principal
            if amount > available:
                raise CreditLimitExceededError(field="amount", on=on, requested=amount, available=available)
            self.principal += amount
            self.draws += amount
            return
        self.crystallise()
        self.accrue_penalty_through(on - _ONE_DAY)
        penalty = self.penalty_due
        owed = penalty + self.principal + self.interest_due
        if amount > owed:
            template = gettext_noop("repayment of {amount} on {date} exceeds the {owed} owed")
            params = {"amount": amount, "date": on.isoformat(), "owed": owed}
            raise EngineValidationError({"amount": [Message(template, params)]})
        to_penalty = min(amount, penalty)
        to_interest = min(amount - to_penalty, self.interest_due)
        to_principal = amount - to_penalty - to_interest
        self.penalty_paid += to_penalty
        self.interest_due -= to_interest
        self.principal -= to_principal
        self.repayments += amount
        self.allocations.append(RepaymentAllocation(on, amount, to_interest, to_principal, to_penalty))


def _parse_transactions(
    value: object, opened_on: date | None, errors: ErrorCollector
) -> list[LineTransaction]:
    if isinstance(value, str | bytes | Mapping) or not isinstance(value, Iterable):
        errors.add("transactions", gettext_noop("must be a list of draws and repayments"))
        return []
    out: list[LineTransaction] = []
    for item in value:
        if isinstance(item, LineTransaction):
            raw_on, raw_kind, raw_amount = item.on, item.kind, item.amount
        elif isinstance(item, Mapping):
            raw_on, raw_kind, raw_amount = item.get("on"), item.get("kind"), item.get("amount")
        else:
            errors.add(
                "transactions", gettext_noop("each transaction must be a LineTransaction or a mapping")
            )
            continue
        on = parse_date(raw_on, "transactions", errors)
        kind = parse_choice(raw_kind, TransactionKind, "transactions", errors)
        amount = parse_decimal(
            raw_amount,
            "transactions",
            errors,
            minimum=ZERO,
            min_exclusive=True,
            maximum=MAX_PRINCIPAL,
            max_places=2,
        )
        if on is not None and opened_on is not None and on < opened_on:
            errors.add(
                "transactions",
                gettext_noop("transaction on {date} is before the line opened"),
                date=on.isoformat(),
            )
            continue
        if on is not None and kind is not None and amount is not None:
            out.append(LineTransaction(on, kind, quantize_money(amount)))
    return out


def revolving_run(
    *,
    credit_limit: object,
    annual_rate: object,
    statement_day: object,
    opened_on: object,
    transactions: object,
    as_of: object,
    day_count: object = DayCount.ACT_365,
    minimum_principal_rate: object = ZERO,
    penalty_rate: object = ZERO,
    due_days: object = 0,
    compound_penalty: bool = True,
    grace_days: object = 0,
) -> RevolvingState:
    """Replay a credit line's draws and repayments up to `as_of` (see the module docstring).

    Transactions are applied in date order (same-day ones in the given order); those after `as_of`
    are ignored. Raises `EngineValidationError` for bad inputs (credit_limit, annual_rate,
    statement_day, opened_on, transactions, as_of, day_count, minimum_principal_rate, penalty_rate,
    due_days, grace_days), a repayment above
    the amount owed, and `CreditLimitExceededError` for a draw above the available limit.
    """
    return _run(
        credit_limit=credit_limit,
        annual_rate=annual_rate,
        statement_day=statement_day,
        opened_on=opened_on,
        transactions=transactions,
        as_of=as_of,
        as_of_field="as_of",
        day_count=day_count,
        minimum_principal_rate=minimum_principal_rate,
        penalty_rate=penalty_rate,
        due_days=due_days,
        compound_penalty=compound_penalty,
        grace_days=grace_days,
    )


def _run(
    *,
    credit_limit: object,
    annual_rate: object,
    statement_day: object,
    opened_on: object,
    transactions: object,
    as_of: object,
    as_of_field: str,
    day_count: object,
    minimum_principal_rate: object,
    penalty_rate: object = ZERO,
    due_days: object = 0,
    compound_penalty: bool = True,
    grace_days: object = 0,
) -> RevolvingState:
    errors = ErrorCollector()
    limit = parse_decimal(
        credit_limit,
        "credit_limit",
        errors,
        minimum=ZERO,
        min_exclusive=True,
        maximum=MAX_PRINCIPAL,
        max_places=2,
    )
    rate = parse_decimal(
        annual_rate, "annual_rate", errors, minimum=ZERO, maximum=MAX_ANNUAL_RATE, max_places=12
    )
    day = parse_int(statement_day, "statement_day", errors, minimum=1, maximum=31)
    opened = parse_date(opened_on, "opened_on", errors)
    until = parse_date(as_of, as_of_field, errors)
    dc = parse_choice(day_count, DayCount, "day_count", errors)
    if dc is DayCount.THIRTY_360:
        errors.add(
            "day_count", gettext_noop("a revolving line accrues by actual days: use ACT/365 or ACT/360")
        )
    minimum_rate = parse_decimal(
        minimum_principal_rate,
        "minimum_principal_rate",
        errors,
        minimum=ZERO,
        maximum=Decimal(1),
        max_places=12,
    )
    penalty = parse_decimal(
        penalty_rate, "penalty_rate", errors, minimum=ZERO, maximum=MAX_ANNUAL_RATE, max_places=12
    )
    to_due = parse_int(due_days, "due_days", errors, minimum=0, maximum=366)
    grace = parse_int(grace_days, "grace_days", errors, minimum=0, maximum=366)
    moves = _parse_transactions(transactions, opened, errors)
    if opened is not None and until is not None and until < opened:
        errors.add(as_of_field, gettext_noop("must not be before opened_on"))
    errors.raise_if_any()
    opened, until = cast(date, opened), cast(date, until)

    with localcontext(ENGINE_CONTEXT):
        line = _Line(
            limit=quantize_money(cast(Decimal, limit)),
            rate=cast(Decimal, rate),
            basis=year_basis(cast(DayCount, dc)),
            statement_day=cast(int, day),
            opened_on=opened,
            minimum_rate=cast(Decimal, minimum_rate),
            penalty_rate=cast(Decimal, penalty),
            due_days=cast(int, to_due),
            compound_penalty=bool(compound_penalty),
            grace_days=cast(int, grace),
        )
        for move in sorted(moves, key=lambda m: m.on):  # sorted() is stable: same-day order kept
            if move.on > until:
                break
            line.apply(move)
        line.close_statements_before(until)
        line.accrue_through(until - _ONE_DAY)
        line.accrue_penalty_through(until - _ONE_DAY)
        accrued = quantize_money(line.accrued)
        return RevolvingState(
            as_of=until,
            statements=tuple(line.statements),
            allocations=tuple(line.allocations),
            principal=line.principal,
            interest_due=line.interest_due,
            accrued_interest=accrued,
            available=line.limit - line.principal,
            payoff_amount=line.principal + line.interest_due + accrued + line.penalty_due,
            penalty_charged=line.penalty_charged,
            penalty_due=line.penalty_due,
            # charged by the end of yesterday, after today's repayments
            overdue_amount=line.overdue_on(until, line.charged(until - _ONE_DAY))
            if line.penalty_rate
            else ZERO,
        )


def revolving_payoff(
    *,
    credit_limit: object,
    annual_rate: object,
    statement_day: object,
    opened_on: object,
    transactions: object,
    payoff_date: object,
    day_count: object = DayCount.ACT_365,
) -> Decimal:
    """The repayment that clears the line on `payoff_date`: principal + interest due + accrued interest.

    Same rules and errors as `revolving_run`, with the date reported as field ``payoff_date``.
    """
    return _run(
        credit_limit=credit_limit,
        annual_rate=annual_rate,
        statement_day=statement_day,
        opened_on=opened_on,
        transactions=transactions,
        as_of=payoff_date,
        as_of_field="payoff_date",
        day_count=day_count,
        minimum_principal_rate=ZERO,
    ).payoff_amount
