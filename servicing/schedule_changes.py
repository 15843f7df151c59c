"""Schedule changes of a live loan: the engine's view of its current schedule and the one way to
replace the installments not yet due (`servicing.prepayments`, `servicing.deferrals`,
`servicing.rate_resets`).

The loan's schedule as the engine sees it is rebuilt from the pinned terms and the applied
changes, in order (the engine is pure, so this is exact): a prepayment's `remaining` schedule,
then a deferral's, a restructuring's new schedule (built afresh from the new principal), and
so on. The stored installments are the rows already due (kept as they
are), the prepayment's own row (due on the value date: the principal prepaid, the interest
accrued to the date and the fee), then the engine's remaining rows, numbered on. Repayments,
the replay (`servicing.position`) and close of business read the stored rows like any others.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from products import engine, engine_adapter
from servicing.choices import ChangeStatus, ScheduleChangeKind
from servicing.models import Loan, LoanInstallment, ScheduleChange
from servicing.position import Position, ScheduledRow, replay

ZERO = Decimal("0.00")
ROW_FIELDS = engine_adapter.ROW_FIELDS  # number, due_date, payment, principal, interest, fees, balance


class ScheduleMismatch(RuntimeError):
    """The stored installments differ from the engine's schedule of the loan: a bug, never input."""


@dataclass(frozen=True)
class Row:
    number: int
    due_date: dt.date
    payment: Decimal
    principal: Decimal
    interest: Decimal
    fees: Decimal
    balance: Decimal

    def plain(self) -> dict:
        return {f: getattr(self, f) for f in ROW_FIELDS}

    def scheduled(self) -> ScheduledRow:
        return ScheduledRow(
            number=self.number,
            due_date=self.due_date,
            principal=self.principal,
            interest=self.interest,
            fees=self.fees,
        )


def engine_schedule(loan: Loan) -> engine.Schedule:
    """The loan's current schedule in the engine's terms (pinned terms + applied changes)."""
    schedule = engine_adapter.build(
        principal=loan.principal,
        annual_rate=loan.initial_rate if loan.initial_rate is not None else loan.annual_rate,
        term=loan.term,
        frequency=loan.frequency,
        method=loan.method,
        start_date=loan.start_date,
        day_count=loan.day_count,
        fees=list(loan.fees),
        grace=loan.grace,
        interest_free_periods=loan.interest_free_periods,
        first_due_date=loan.first_due_date,
    )
    changes = loan.schedule_changes.filter(status=ChangeStatus.APPROVED).order_by("decided_at", "pk")
    for change in changes:
        p = change.params
        if change.kind == ScheduleChangeKind.PREPAYMENT:
            schedule = engine.prepay(
                schedule,
                prepayment_date=dt.date.fromisoformat(str(p["value_date"])),
                amount=Decimal(str(p["principal"])),
                mode=p["mode"],
            ).remaining
        elif change.kind == ScheduleChangeKind.DEFERRAL:
            schedule = defer(
                schedule,
                first_installment=p["first_index"],
                installments=p["installments"],
                rule=p.get("interest_rule", "capitalise"),
            ).remaining
        elif change.kind == ScheduleChangeKind.RESTRUCTURE:
            schedule = restructured(loan, p)
        elif change.kind == ScheduleChangeKind.RATE_RESET:
            schedule = engine.reprice(
                schedule,
                reset_date=dt.date.fromisoformat(str(p["reset_date"])),
                annual_rate=Decimal(str(p["annual_rate"])),
            ).remaining
    return schedule


def defer(schedule: engine.Schedule, *, first_installment: int, installments: int, rule: str):
    """The engine's deferral under the product's rule for the holiday's interest ("capitalise",
    or "spread"); deferrals approved before the rule existed were capitalised."""
    if rule == "spread":
        return engine.defer_installments_spread(
            schedule, first_installment=first_installment, installments=installments
        )
    return engine.defer_installments(schedule, first_installment=first_installment, installments=installments)


def restructured(loan: Loan, params: dict) -> engine.Schedule:
    """A restructuring's new schedule: the new principal (arrears capitalised) from the
    restructuring date over the new term at the new rate, on the loan's method and frequency."""
    return engine_adapter.build(
        principal=Decimal(str(params["principal"])),
        annual_rate=Decimal(str(params["annual_rate"])),
        term=int(params["term"]),
        frequency=loan.frequency,
        method=loan.method,
        start_date=dt.date.fromisoformat(str(params["start_date"])),
        day_count=loan.day_count,
        fees=[],
    )


def stored_rows(loan: Loan) -> list[Row]:
    return [Row(**row) for row in loan.installments.order_by("number").values(*ROW_FIELDS)]


def engine_rows(rows: Iterable, first_number: int) -> list[Row]:
    """Engine schedule rows as stored rows, numbered from `first_number`."""
    return [
        Row(
            number=first_number + i,
            due_date=r.due_date,
            payment=r.principal + r.interest + r.fees,
            principal=r.principal,
            interest=r.interest,
            fees=r.fees,
            balance=r.balance,
        )
        for i, r in enumerate(rows)
    ]


def check_tail(stored: list[Row], tail: list, *, after: dt.date) -> None:
    """The stored rows due after `after` must be the engine's rows `tail` (a bug otherwise)."""
    mine = [(r.due_date, r.principal, r.interest, r.fees) for r in stored if r.due_date > after]
    theirs = [(r.due_date, r.principal, r.interest, r.fees) for r in tail]
    if mine != theirs:
        raise ScheduleMismatch(f"stored rows after {after} differ from the engine's schedule")


def replace_after(loan: Loan, *, after: dt.date, rows: list[Row]) -> list[dict]:
    """Delete the loan's installments due after `after` and store `rows` instead; returns the
    replaced rows (plain). Call with the loan locked; the caller replays the loan afterwards."""
    doomed = loan.installments.filter(due_date__gt=after)
    replaced = [Row(**r).plain() for r in doomed.order_by("number").values(*ROW_FIELDS)]
    doomed.delete()
    LoanInstallment.objects.bulk_create(LoanInstallment(loan=loan, **row.plain()) for row in rows)
    return replaced


def new_schedule(loan: Loan, *, after: dt.date, rows: list[Row]) -> list[Row]:
    """The whole stored schedule once `rows` replace the rows due after `after`."""
    return [r for r in stored_rows(loan) if r.due_date <= after] + rows


def replay_with(loan: Loan, rows: list[Row], *, as_of: dt.date) -> Position:
    """The loan replayed on another schedule, with its standing payments (nothing is written)."""
    from servicing.repayments import _standing, _terms

    return replay(
        schedule=[r.scheduled() for r in rows], payments=_standing(loan), terms=_terms(loan), as_of=as_of
    )


def next_number(loan: Loan, *, after: dt.date) -> int:
    kept = loan.installments.filter(due_date__lte=after).order_by("-number").values_list("number", flat=True)
    return (kept.first() or 0) + 1


def plain_rows(rows: list[Row]) -> list[dict]:
    return [r.plain() for r in rows]


# --- a pending change's decision (deferral, restructuring, write-off) -----------------------------
@dataclass(frozen=True)
class DecisionTexts:
    """What a kind of change says when it cannot be decided (translated by the caller's module)."""

    missing: str  # no such change
    refused: str  # the actor may not decide this kind
    already: str  # "… already %(status)s"
    own: str  # the requester tried to decide it


def lock_pending(
    change_id: int, loan_id: int | None, *, kind: str, texts: DecisionTexts
) -> tuple[Loan, ScheduleChange]:
    """Lock a change of `kind` (of `loan_id` when given) and its loan, the loan first as every
    servicing write does. NotFound for an id beyond the column or another kind's change."""
    from loanhub.errors import NotFound
    from loanhub.transitions import lock
    from servicing import quiet

    if not 0 < change_id < 2**63:  # beyond the id column: no such row (not a database error)
        raise NotFound(texts.missing)
    try:
        found = ScheduleChange.objects.values_list("loan_id", flat=True).get(
            pk=change_id, kind=kind, **({"loan_id": loan_id} if loan_id else {})
        )
    except ScheduleChange.DoesNotExist:
        raise NotFound(texts.missing) from None
    loan = quiet.lock_loan(found)
    return loan, lock(change_id, model=ScheduleChange)


def check_decider(actor, change: ScheduleChange, *, allowed: bool, texts: DecisionTexts) -> None:
    """Maker-checker: someone allowed, other than the requester, decides a pending change."""
    from loanhub.errors import Conflict, Forbidden

    if not allowed:
        raise Forbidden(texts.refused)
    if change.status != ChangeStatus.PENDING:
        raise Conflict(texts.already % {"status": change.get_status_display()}, state=change.status)
    if change.requested_by_id is not None and change.requested_by_id == actor.pk:
        raise Forbidden(texts.own)
