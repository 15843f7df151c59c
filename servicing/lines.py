"""Writes and reads of revolving credit lines (随借随还): open, draw, repay, refresh the position,
and close of business for lines.

The line's numbers are the engine's (`products.engine.revolving.revolving_run`) replay of its
stored draws and repayments, so a draw, a repayment and close of business all agree to the cent:

* interest accrues daily (ACT/365 by default) on the drawn principal, kept exact and rounded
  half-up once when it is charged (on the statement day and at a repayment);
* the ledger holds as earned the charged interest plus the accrued interest rounded once, and
  each refresh posts only the difference (Dr credit line interest receivable / Cr interest
  income), so the interest booked over N days is principal × rate × N / 365 rounded once,
  however often close of business ran in between;
* a statement's minimum due (interest due + LOANHUB_CREDIT_LINE_MINIMUM_PRINCIPAL_RATE × the
  principal) falls due LOANHUB_CREDIT_LINE_DUE_DAYS after the statement; a minimum not covered
  by the repayments made since its statement makes the line overdue from the day after the due
  date; days past due, bucket and class follow the loans' rules (`servicing.rules`);
* the unpaid minimum bears penalty interest (罚息) from the due date at the line's penalty rate
  (pinned at opening like a loan's: contract rate × the product's multiplier, capped at the
  legal cap), ACT/365, kept exact and rounded once (the engine's rule); a repayment pays penalty
  first, then interest, then principal; the line's class sets its IFRS 9 stage and provision
  as for loans (`servicing.line_books` posts interest, penalty and reserve);
* the product's overdue grace days, pinned at opening like a loan's, apply as for loans: a
  minimum unpaid within them after its due date is not past due (days past due 0) and bears no
  penalty; still unpaid after them, days past due count from the due date and the penalty is
  charged from the due date;
* from 90 days past due (LOANHUB_NON_ACCRUAL_DPD) the line is non-accrual as a loan is: its
  unpaid interest and penalty are held in suspense until paid (`servicing.line_books`).

Every write locks the line (`select_for_update`) and posts through `servicing.ledger.post`.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.utils.translation import gettext as _

from loanhub.errors import Conflict, Forbidden, Invalid, NotFound
from loanhub.money import quantize_money
from loanhub.permissions import may
from loanhub.transitions import lock, record_event, run_transition
from products import engine, engine_adapter
from servicing import ledger, line_books, notices, rules
from servicing.calendar import open_business_date
from servicing.choices import Account, DayCount, EntryKind, RepaymentChannel
from servicing.models import (
    CreditLine,
    CreditLineStatement,
    CreditLineStatus,
    CreditLineTransaction,
    CreditLineTransactionKind,
)
from servicing.repayments import amount_check

__all__ = (
    "CreditLineAlreadyOpen",
    "credit_line_close",
    "credit_line_draw",
    "credit_line_freeze",
    "credit_line_get_for_actor",
    "credit_line_limit_raise",
    "credit_line_open",
    "credit_line_refresh",
    "credit_line_repay",
    "credit_line_unfreeze",
    "credit_lines_close_day",
    "credit_lines_for_actor",
    "credit_lines_of_user",
)

ZERO = Decimal("0.00")
ONE_DAY = dt.timedelta(days=1)
TAKES_REPAYMENTS = (CreditLineStatus.ACTIVE, CreditLineStatus.FROZEN)


class CreditLineAlreadyOpen(Conflict):
    """The origin already has a credit line: a second opening is refused."""

    def __init__(self, origin_ref: str):
        super().__init__(
            _("%(origin)s already has a credit line") % {"origin": origin_ref}, state="disbursed"
        )


# --- reads ----------------------------------------------------------------------------------------
def _base() -> QuerySet[CreditLine]:
    return CreditLine.objects.select_related("product_version__product").order_by("-id")


def credit_lines_of_user(user) -> QuerySet[CreditLine]:
    """The lines of the user's own customer profile (none for a user without one)."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return CreditLine.objects.none()
    return _base().filter(customer__user=user)


def credit_lines_for_actor(actor) -> QuerySet[CreditLine]:
    """Lines `actor` may see: all for staff with servicing.view_creditline, else their own."""
    if may(actor, "servicing.view_creditline"):
        return _base()
    return credit_lines_of_user(actor)


def credit_line_get_for_actor(*, line_id: int, actor) -> CreditLine:
    """One visible line; NotFound (404) when there is none or the caller may not see it."""
    try:
        return credit_lines_for_actor(actor).get(pk=line_id)
    except CreditLine.DoesNotExist:
        raise NotFound(_("No such credit line.")) from None


def credit_line_check_actor(actor, line: CreditLine, *, draw: bool = False) -> None:
    """Who may move money on a line. A draw pays money out, so only the line's owner draws: staff
    who may see the line get Forbidden (a draw on a customer's behalf would need a second
    approver, which no flow offers). Repayments: the owner, or staff with
    servicing.add_creditlinetransaction (a payment received at a branch). Anyone else NotFound."""
    owner = getattr(actor, "is_authenticated", False) and line.customer.user_id == actor.pk
    if owner or (not draw and may(actor, "servicing.add_creditlinetransaction")):
        return
    if may(actor, "servicing.view_creditline"):
        if draw:
            raise Forbidden(_("Only the customer may draw on their credit line."))
        raise Forbidden(_("You may not draw on or repay this credit line."))
    raise NotFound(_("No such credit line."))


def transactions_of_line(line: CreditLine) -> QuerySet[CreditLineTransaction]:
    return CreditLineTransaction.objects.filter(credit_line=line).order_by("-value_date", "-id")


# --- the replay -----------------------------------------------------------------------------------
@dataclass(frozen=True)
class LinePosition:
    """A line as of a date: the engine's state plus the minimum due and days past due."""

    state: engine.RevolvingState
    due_dates: tuple[dt.date, ...]
    minimum_due: Decimal
    due_date: dt.date | None
    days_past_due: int


def _moves(line: CreditLine, extra: list[engine.LineTransaction] = ()) -> list[engine.LineTransaction]:
    stored = [
        engine.LineTransaction(tx.value_date, engine.TransactionKind(tx.kind), tx.amount)
        for tx in CreditLineTransaction.objects.filter(credit_line=line).order_by("value_date", "id")
    ]
    return stored + list(extra)


def _engine_errors(exc: engine.EngineValidationError) -> Invalid:
    if isinstance(exc, engine.CreditLimitExceededError):
        return Invalid(
            {"amount": [_("exceeds the available limit of %(available)s") % {"available": exc.available}]}
        )
    return Invalid(engine_adapter.localized(exc.errors))


def line_position(line: CreditLine, *, as_of: dt.date, moves: list[engine.LineTransaction]) -> LinePosition:
    """Replay `moves` on the line's terms to `as_of` (during that day, after its transactions)."""
    try:
        state = engine.revolving_run(
            credit_limit=line.credit_limit,
            annual_rate=line.annual_rate,
            statement_day=line.statement_day,
            opened_on=line.opened_on,
            transactions=moves,
            as_of=as_of,
            day_count=line.day_count,
            minimum_principal_rate=line.minimum_principal_rate,
            penalty_rate=line.penalty_rate,
            due_days=line.due_days,
            compound_penalty=line.compound_penalty,
            grace_days=line.overdue_grace_days,
        )
    except engine.EngineValidationError as exc:
        raise _engine_errors(exc) from None
    due_days = dt.timedelta(days=line.due_days)

    def unpaid(statement: engine.Statement) -> Decimal:
        # What the repayments since the statement paid of interest and principal covers its
        # minimum; what they paid of penalty interest does not (the engine's rule).
        paid = sum(
            (a.interest + a.principal for a in state.allocations if a.on > statement.statement_date), ZERO
        )
        return max(ZERO, statement.minimum_due - paid)

    due_dates = tuple(s.statement_date + due_days for s in state.statements)
    grace = dt.timedelta(days=line.overdue_grace_days)
    dpd = 0
    for statement, due in zip(state.statements, due_dates, strict=True):
        if due < as_of and unpaid(statement) > 0:
            # The loans' rule (servicing.position.days_past_due): the oldest unpaid minimum is not
            # past due within its grace days; after them, days past due count from its due date.
            dpd = (as_of - due).days if as_of > due + grace else 0
            break
    last = state.statements[-1] if state.statements else None
    return LinePosition(
        state=state,
        due_dates=due_dates,
        minimum_due=unpaid(last) if last else ZERO,
        due_date=due_dates[-1] if last else None,
        days_past_due=dpd,
    )


POSITION_FIELDS = (
    "position_date",
    "principal",
    "interest_due",
    "accrued_interest",
    "minimum_due",
    "due_date",
    "days_past_due",
    "delinquency_bucket",
    "classification",
    "interest_booked",
    "penalty_charged",
    "penalty_due",
    "overdue_amount",
    "ifrs9_stage",
    "reserve",
    "suspense_interest",
    "suspense_penalty",
    "ledger_version",
)


def _apply(line: CreditLine, position: LinePosition, *, actor) -> None:
    """Write `position` on the locked line: columns, new statements, interest booked, DPD events."""
    state = position.state
    classification = rules.classification_floor(position.days_past_due, overdue=position.days_past_due > 0)
    non_accrual = rules.non_accrual(position.days_past_due)
    line_books.book(
        line,
        {
            "interest_booked": line_books.earned_interest(state),
            "penalty_charged": state.penalty_charged,
            "reserve": rules.provision(classification, state.principal),
            # non-accrual (loans' rule): unpaid interest and penalty held in suspense until paid
            "suspense_interest": state.interest_due + state.accrued_interest if non_accrual else ZERO,
            "suspense_penalty": state.penalty_due if non_accrual else ZERO,
        },
        through=state.as_of - ONE_DAY,
        actor=actor,
    )
    was_overdue = line.days_past_due > 0
    line.position_date = state.as_of
    line.principal = state.principal
    line.interest_due = state.interest_due
    line.accrued_interest = state.accrued_interest
    line.minimum_due = position.minimum_due
    line.due_date = position.due_date
    line.days_past_due = position.days_past_due
    line.delinquency_bucket = rules.bucket_for(position.days_past_due)
    line.classification = classification
    line.ifrs9_stage = rules.ifrs9_stage(position.days_past_due, classification)
    line.penalty_due = state.penalty_due
    line.overdue_amount = state.overdue_amount
    line.save(update_fields=list(POSITION_FIELDS))
    known = set(CreditLineStatement.objects.filter(credit_line=line).values_list("statement_date", flat=True))
    CreditLineStatement.objects.bulk_create(
        CreditLineStatement(
            credit_line=line,
            period_start=s.period_start,
            statement_date=s.statement_date,
            due_date=due,
            opening_balance=s.opening_balance,
            draws=s.draws,
            repayments=s.repayments,
            interest=s.interest,
            closing_balance=s.closing_balance,
            principal_balance=s.principal_balance,
            interest_due=s.interest_due,
            minimum_due=s.minimum_due,
        )
        for s, due in zip(state.statements, position.due_dates, strict=True)
        if s.statement_date not in known
    )
    if was_overdue != (line.days_past_due > 0):
        record_event(
            line,
            actor=None,
            reason="overdue" if line.days_past_due else "cured",
            payload={"days_past_due": line.days_past_due, "on": state.as_of},
        )


def credit_line_refresh(line: CreditLine | int, *, as_of: dt.date, actor=None) -> CreditLine:
    """Bring the line's position to `as_of` (idempotent: a second refresh posts nothing)."""
    with transaction.atomic():
        locked = lock(line, model=CreditLine)
        if as_of < locked.position_date or locked.status == CreditLineStatus.CLOSED:
            return locked
        _apply(locked, line_position(locked, as_of=as_of, moves=_moves(locked)), actor=actor)
    return locked


# --- writes ---------------------------------------------------------------------------------------
def credit_line_open(
    *,
    origin_ref: str,
    number: str,
    customer_id: int,
    product_version,
    credit_limit: Decimal,
    annual_rate: Decimal,
    opened_on: dt.date,
    actor,
    risk_grade: str = "",
) -> CreditLine:
    """Open a line for `origin_ref` with the approved limit and rate (nothing is drawn yet).

    Call inside the caller's transaction with the origin locked; CreditLineAlreadyOpen when the
    origin has a line (the unique origin_ref settles a race too), Invalid for a bad limit or rate.
    """
    errors: dict[str, list[str]] = {}
    if credit_limit is None or credit_limit <= 0:
        errors["credit_limit"] = [_("must be more than 0")]
    if annual_rate is None or annual_rate < 0:
        errors["annual_rate"] = [_("must not be negative")]
    if errors:
        raise Invalid(errors)
    if CreditLine.objects.filter(origin_ref=origin_ref).exists():
        raise CreditLineAlreadyOpen(origin_ref)
    with transaction.atomic():
        try:
            with transaction.atomic():
                line = CreditLine.objects.create(
                    number=number,
                    origin_ref=origin_ref,
                    customer_id=customer_id,
                    product_version=product_version,
                    currency=product_version.currency,
                    credit_limit=quantize_money(credit_limit),
                    annual_rate=annual_rate,
                    # A line accrues by actual days: ACT/360 when the product says so, else ACT/365.
                    day_count=(
                        DayCount.ACT_360
                        if product_version.day_count == DayCount.ACT_360
                        else DayCount.ACT_365
                    ),
                    statement_day=opened_on.day,
                    minimum_principal_rate=settings.LOANHUB_CREDIT_LINE_MINIMUM_PRINCIPAL_RATE,
                    due_days=settings.LOANHUB_CREDIT_LINE_DUE_DAYS,
                    penalty_rate=rules.penalty_rate(
                        annual_rate=Decimal(str(annual_rate)),
                        multiplier=product_version.penalty_rate_multiplier,
                    ),
                    compound_penalty=product_version.compound_penalty,
                    overdue_grace_days=product_version.overdue_grace_days,
                    opened_on=opened_on,
                    opened_by=actor if getattr(actor, "is_authenticated", False) else None,
                    risk_grade=risk_grade or "",
                    position_date=opened_on,
                )
        except IntegrityError:
            if CreditLine.objects.filter(origin_ref=origin_ref).exists():
                raise CreditLineAlreadyOpen(origin_ref) from None
            raise
        record_event(
            line,
            actor=actor,
            from_state="",
            reason="opened",
            payload={"credit_limit": line.credit_limit, "annual_rate": line.annual_rate},
        )
    return line


def _value_date(line: CreditLine) -> dt.date:
    return max(open_business_date(), line.opened_on, line.position_date)


def credit_line_draw(
    *, line: CreditLine | int, amount: Decimal, actor, channel: str = RepaymentChannel.API
) -> CreditLineTransaction:
    """Draw `amount` today (servicing's open business date): paid out to the customer, interest
    from today. Invalid naming `amount` above the available limit; Conflict unless the line is
    active and not overdue. Nothing is written when refused."""
    amount = amount_check(amount)
    with transaction.atomic():
        locked = lock(line, model=CreditLine)
        if actor is not None:
            credit_line_check_actor(actor, locked, draw=True)
        if locked.status != CreditLineStatus.ACTIVE:
            raise Conflict(
                _("cannot draw: credit line %(line)s is %(state)s")
                % {"line": locked, "state": locked.get_status_display()},
                state=locked.status,
            )
        if locked.days_past_due > 0:
            raise Conflict(
                _("cannot draw: credit line %(line)s has an overdue minimum payment") % {"line": locked},
                state="overdue",
            )
        on = _value_date(locked)
        move = engine.LineTransaction(on, engine.TransactionKind.DRAW, amount)
        position = line_position(locked, as_of=on, moves=_moves(locked, [move]))
        tx = CreditLineTransaction.objects.create(
            credit_line=locked,
            kind=CreditLineTransactionKind.DRAW,
            amount=amount,
            value_date=on,
            principal=amount,
            channel=channel,
            created_by=actor if getattr(actor, "is_authenticated", False) else None,
        )
        _apply(locked, position, actor=actor)
        ledger.post(
            kind=EntryKind.DISBURSEMENT,
            lines=[
                (Account.CREDIT_LINES_RECEIVABLE, amount, ZERO),
                (Account.DISBURSEMENT_CLEARING, ZERO, amount),
            ],
            memo=f"Draw on credit line {locked.number}",
            idempotency_key=f"creditline:{locked.pk}:tx:{tx.pk}",
            actor=actor,
        )
        record_event(locked, actor=actor, reason="draw", payload={"amount": amount, "on": on})
    return tx


def credit_line_repay(
    *, line: CreditLine | int, amount: Decimal, actor, channel: str = RepaymentChannel.API
) -> CreditLineTransaction:
    """Repay `amount` today: penalty interest first, then interest due (and accrued, charged now),
    then principal, which is available to draw again at once (Civil Code art. 561; a line has no
    fees, so every allocation order of the catalogue comes to this). Invalid naming `amount` above
    what is owed; Conflict on a closed line."""
    amount = amount_check(amount)
    with transaction.atomic():
        locked = lock(line, model=CreditLine)
        if actor is not None:
            credit_line_check_actor(actor, locked)
        if locked.status not in TAKES_REPAYMENTS:
            raise Conflict(
                _("cannot repay: credit line %(line)s is %(state)s")
                % {"line": locked, "state": locked.get_status_display()},
                state=locked.status,
            )
        on = _value_date(locked)
        move = engine.LineTransaction(on, engine.TransactionKind.REPAYMENT, amount)
        position = line_position(locked, as_of=on, moves=_moves(locked, [move]))
        split = position.state.allocations[-1]
        tx = CreditLineTransaction.objects.create(
            credit_line=locked,
            kind=CreditLineTransactionKind.REPAYMENT,
            amount=amount,
            value_date=on,
            interest=split.interest,
            principal=split.principal,
            penalty=split.penalty,
            channel=channel,
            created_by=actor if getattr(actor, "is_authenticated", False) else None,
        )
        _apply(locked, position, actor=actor)  # books the interest charged now, before it is paid
        ledger.post(
            kind=EntryKind.REPAYMENT,
            lines=line_books.repayment_legs(
                amount, penalty=split.penalty, interest=split.interest, principal=split.principal
            ),
            memo=f"Repayment on credit line {locked.number}",
            idempotency_key=f"creditline:{locked.pk}:tx:{tx.pk}",
            actor=actor,
        )
        record_event(
            locked,
            actor=actor,
            reason="repayment",
            payload={
                "amount": amount,
                "penalty": split.penalty,
                "interest": split.interest,
                "principal": split.principal,
                "on": on,
            },
        )
        notices.line_repayment_received(tx, customer_id=locked.customer_id, line_number=locked.number)
    return tx


def credit_line_limit_raise(
    *, line: CreditLine | int, from_limit: Decimal, to_limit: Decimal, actor, reason: str
) -> CreditLine:
    """Raise the line's limit from `from_limit` to `to_limit` (an approved limit proposal,
    `servicing.limits`), with a "limit_raised" event. Conflict unless the line is active and its
    limit is still `from_limit`; Invalid unless the new limit is higher. The ledger keeps no
    off-balance commitments, so nothing is posted: only what is drawn is on the books."""
    with transaction.atomic():
        locked = lock(line, model=CreditLine)
        if locked.status != CreditLineStatus.ACTIVE:
            raise Conflict(
                _("cannot raise the limit: credit line %(line)s is %(state)s")
                % {"line": locked, "state": locked.get_status_display()},
                state=locked.status,
            )
        if locked.credit_limit != from_limit:
            raise Conflict(
                _("The limit of credit line %(line)s has changed since the proposal.") % {"line": locked},
                state=locked.status,
            )
        to_limit = quantize_money(to_limit)
        if to_limit <= from_limit:
            raise Invalid({"credit_limit": [_("must be more than the current limit")]})
        locked.credit_limit = to_limit
        locked.save(update_fields=["credit_limit"])
        record_event(
            locked,
            actor=actor,
            reason="limit_raised",
            payload={"from_limit": from_limit, "to_limit": to_limit, "note": reason},
        )
    return locked


def credit_line_freeze(*, line: CreditLine | int, actor, reason: str) -> CreditLine:
    return run_transition(line, "freeze", actor=actor, reason=reason, model=CreditLine)


def credit_line_unfreeze(*, line: CreditLine | int, actor, reason: str = "") -> CreditLine:
    return run_transition(line, "unfreeze", actor=actor, reason=reason, model=CreditLine)


def credit_line_close(*, line: CreditLine | int, actor, reason: str = "") -> CreditLine:
    return run_transition(line, "close", actor=actor, reason=reason, model=CreditLine)


# --- close of business ----------------------------------------------------------------------------
def credit_lines_close_day(*, business_date: dt.date) -> int:
    """Close `business_date` for every open line: accrue its interest, close its statement when
    the day is its statement day, and mark overdue minimums. Idempotent; returns lines refreshed."""
    ids = list(
        CreditLine.objects.filter(status__in=TAKES_REPAYMENTS, opened_on__lte=business_date)
        .order_by("id")
        .values_list("id", flat=True)
    )
    for pk in ids:
        credit_line_refresh(pk, as_of=business_date + ONE_DAY)
    return len(ids)
