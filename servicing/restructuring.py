"""Restructuring (重组) of a live loan: a new term and/or rate, the arrears capitalised, decided by
two people (maker-checker: an officer asks, a different officer approves).

On the restructuring date T (the open business date) the loan owes its principal still to be
repaid (overdue or not), the interest accrued to T (overdue and the running period's, the engine's
`payoff_quote` figure), penalty interest and fees due, less credit held: that total is the new
principal, amortised by the engine (`products.engine`, the loan's method and frequency) from T
over the new term at the new rate. The stored installments due after T are replaced by the
running period's interest to T (a row due on T) and the engine's rows. What was owed on T is
settled by a non-cash "restructure" repayment (`RepaymentChannel.RESTRUCTURE`), which the
sub-ledger books as capitalised arrears (Dr loans receivable, Cr overpayment, then the paid
flows), so penalty and interest earned to T stay as they were and the loan's accounts move
through `servicing.ledger.post` like any other posting.

The loan is then classified at least substandard through `observation_until` (T plus
`LOANHUB_RESTRUCTURE_OBSERVATION_MONTHS`, default 12); a day past due within it starts the period
again, so the loan leaves the floor only after paying on time through a whole period
(`servicing.rules.observation_floor`, applied by the replay and by close of business).

The request stores the quote as shown (the new schedule included); approval recomputes it under
the loan's lock and applies it only when it is still the same (else Conflict: ask again).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation

from dateutil.relativedelta import relativedelta
from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext as _

from loanhub import clock
from loanhub.errors import Conflict, Forbidden, Invalid, NotFound
from loanhub.money import quantize_rate
from loanhub.permissions import may
from loanhub.reasons import coded
from loanhub.transitions import json_safe, record_event, run_transition
from products import engine, engine_adapter
from products import selectors as products
from servicing import quiet, rules
from servicing import schedule_changes as sc
from servicing.calendar import open_business_date
from servicing.choices import (
    ChangeStatus,
    EntryKind,
    LoanStatus,
    RateType,
    RepaymentChannel,
    ScheduleChangeKind,
)
from servicing.models import Loan, Repayment, ScheduleChange
from servicing.repayments import loan_position, loan_refresh

__all__ = (
    "may_decide",
    "may_request",
    "restructuring_approve",
    "restructuring_quote",
    "restructuring_reject",
    "restructuring_request",
)

ZERO = Decimal("0.00")
MAX_TERM = 360
DECIDE = "servicing.change_schedulechange"


def may_request(actor) -> bool:
    return may(actor, "servicing.add_schedulechange")


def may_decide(actor) -> bool:
    return may(actor, DECIDE)


def _check_term(term) -> int | None:
    if term is None:
        return None
    if isinstance(term, bool) or not isinstance(term, int) or not 1 <= term <= MAX_TERM:
        raise Invalid(
            {
                "term_months": [
                    _("Enter a whole number of installments from 1 to %(most)s.") % {"most": MAX_TERM}
                ]
            }
        )
    return term


def _check_rate(rate) -> Decimal | None:
    if rate is None:
        return None
    try:
        rate = Decimal(str(rate))
    except (InvalidOperation, ValueError):
        rate = None
    if rate is None or not rate.is_finite() or rate < 0 or rate > settings.LOANHUB_APR_CAP:
        raise Invalid(
            {
                "annual_rate": [
                    _("Enter a yearly rate as a fraction from 0 to %(cap)s (0.049 = 4.9 %%).")
                    % {"cap": settings.LOANHUB_APR_CAP}
                ]
            }
        )
    return quantize_rate(rate)


def _quote(loan: Loan, *, term: int | None, annual_rate: Decimal | None) -> tuple[dict, dict]:
    """(the quote as shown, what applying it needs: rows, settlement, params)."""
    if loan.status != LoanStatus.ACTIVE:
        raise Conflict(
            _("Loan %(loan)s is %(status)s: it cannot be restructured.")
            % {"loan": loan, "status": loan.get_status_display()},
            state=loan.status,
        )
    term = _check_term(term)
    annual_rate = _check_rate(annual_rate)
    today = open_business_date()
    schedule = sc.engine_schedule(loan)
    try:
        payoff = engine.payoff_quote(schedule, payoff_date=today)
    except engine.EngineValidationError as exc:
        errors = engine_adapter.localized(exc.errors)
        raise Conflict(" ".join(m for ms in errors.values() for m in ms), state=loan.status) from None
    tail = schedule.rows[payoff.installments_paid :]
    if not tail:
        raise Conflict(_("No installment is left to restructure."), state=loan.status)
    sc.check_tail(sc.stored_rows(loan), tail, after=today)
    term = term or len(tail)
    annual_rate = schedule.terms.annual_rate if annual_rate is None else annual_rate
    before = loan_position(loan, as_of=today)
    owed = before.payoff()
    kept = [r for r in sc.stored_rows(loan) if r.due_date <= today]
    # The running period's interest to T, as the replay earns it (so interest earned stays put).
    accrued = before.interest_accrued() - sum((r.interest for r in kept), ZERO)
    first = sc.next_number(loan, after=today)
    rows: list[sc.Row] = []
    if (kept[-1].due_date if kept else loan.start_date) < today:
        rows.append(
            sc.Row(
                number=first,
                due_date=today,
                payment=accrued,
                principal=ZERO,
                interest=accrued,
                fees=ZERO,
                balance=payoff.principal,
            )
        )
    # What is owed on T (overdue principal, interest, penalty, fees, the interest to T), less
    # credit held: the restructuring settles it with the new principal.
    due = sc.replay_with(loan, kept + rows, as_of=today)
    settlement = due.due_today() - due.credit
    if settlement < 0:
        raise Conflict(_("The loan holds more credit than it owes today: apply it first."), state=loan.status)
    new_principal = settlement + payoff.principal  # + the principal of the installments after T
    params = {"start_date": today, "principal": new_principal, "annual_rate": annual_rate, "term": term}
    try:
        new = sc.restructured(loan, params)
    except engine.EngineValidationError as exc:
        errors = engine_adapter.localized(exc.errors)
        raise Invalid({"term_months": [m for ms in errors.values() for m in ms]}) from None
    new_rows = sc.engine_rows(new.rows, first + len(rows))
    rows += new_rows
    quote = {
        "restructure_date": today,
        "term": term,
        "annual_rate": annual_rate,
        "principal_outstanding": owed["principal"],
        "interest_capitalised": owed["interest"],
        "penalty_capitalised": owed["penalty"],
        "fees_capitalised": owed["fees"],
        "credit_applied": owed["credit"],
        "new_principal": new_principal,
        "settlement": settlement,
        "accrued_interest": accrued,
        "new_installment": new_rows[0].payment if new_rows else ZERO,
        "total_interest": sum((r.interest for r in new_rows), ZERO),
        "new_schedule": sc.plain_rows(new_rows),
        "schedule_version": loan.schedule_version,
        "observation_until": today + relativedelta(months=settings.LOANHUB_RESTRUCTURE_OBSERVATION_MONTHS),
    }
    return quote, {"rows": rows, "params": params, "settlement": settlement, "today": today}


def restructuring_quote(*, loan: Loan, term: int | None = None, annual_rate=None) -> dict:
    """The new schedule if the loan were restructured today; nothing is written."""
    return _quote(loan, term=term, annual_rate=annual_rate)[0]


def _visible(actor, loan: Loan) -> None:
    if not may_request(actor):
        owner = getattr(loan.customer, "user_id", None) == getattr(actor, "pk", -1)
        if not owner and not may(actor, "servicing.view_loan"):
            raise NotFound(_("No such loan."))
        raise Forbidden(_("You may not restructure loans."))


def restructuring_request(
    *, loan: Loan | int, reason: str, actor, term: int | None = None, annual_rate=None
) -> ScheduleChange:
    """An officer asks for a restructuring: a pending change with the new schedule as shown.
    One pending change per loan (Conflict)."""
    reason = (reason or "").strip()
    with transaction.atomic():
        try:
            row = quiet.lock_loan(loan)
        except Loan.DoesNotExist:
            raise NotFound(_("No such loan.")) from None
        _visible(actor, row)
        if not reason:
            raise Invalid({"reason": [_("Say why the loan is restructured.")]})
        quote, applied = _quote(row, term=term, annual_rate=annual_rate)
        if row.schedule_changes.filter(status=ChangeStatus.PENDING).exists():
            raise Conflict(
                _("A change of this loan's schedule is already waiting for approval."), state="pending"
            )
        change = ScheduleChange.objects.create(
            loan=row,
            kind=ScheduleChangeKind.RESTRUCTURE,
            params=json_safe({**applied["params"], "requested_term": term, "requested_rate": annual_rate}),
            quote=json_safe(quote),
            amount=quote["new_principal"],
            base_version=row.schedule_version,
            reason=reason[:2000],
            requested_by=actor,
            requested_at=clock.now(),
        )
        record_event(
            change,
            actor=actor,
            reason=reason,
            payload={"schedule_change": change.pk, "kind": "restructure", "requested": True, **quote},
        )
    return change


def _texts() -> sc.DecisionTexts:
    return sc.DecisionTexts(
        missing=_("No such restructuring."),
        refused=_("You may not decide restructurings."),
        already=_("This restructuring is already %(status)s."),
        own=_("Someone other than the requester must decide a restructuring."),
    )


def _locked(change_id: int, loan_id: int | None) -> tuple[Loan, ScheduleChange]:
    return sc.lock_pending(change_id, loan_id, kind=ScheduleChangeKind.RESTRUCTURE, texts=_texts())


def _check_decider(actor, change: ScheduleChange) -> None:
    sc.check_decider(actor, change, allowed=may_decide(actor), texts=_texts())


def restructuring_approve(*, change_id: int, actor, loan_id: int | None = None) -> ScheduleChange:
    """A second officer approves: the new schedule applies as shown, the arrears are capitalised
    (a non-cash settlement posted through the ledger) and the observation period starts.
    Conflict when the loan or the date changed since the request (the figures differ)."""
    with transaction.atomic():
        loan, change = _locked(change_id, loan_id)
        _check_decider(actor, change)
        p = change.params
        quote, applied = _quote(loan, term=p.get("requested_term"), annual_rate=p.get("requested_rate"))
        if loan.schedule_version != change.base_version or json_safe(quote) != change.quote:
            raise Conflict(
                _("The loan has changed since this restructuring was asked for: ask again."),
                state=change.status,
            )
        today = applied["today"]
        replaced = sc.replace_after(loan, after=today, rows=applied["rows"])
        settlement = None
        if applied["settlement"] > 0:
            settlement = Repayment.objects.create(
                loan=loan,
                amount=applied["settlement"],
                value_date=today,
                reference=f"RESTRUCTURE-{change.pk}",
                channel=RepaymentChannel.RESTRUCTURE,
                posted_by=actor,
                posted_at=clock.now(),
            )
        loan.schedule_version += 1
        loan.observation_until = dt.date.fromisoformat(str(quote["observation_until"]))
        loan.maturity_date = applied["rows"][-1].due_date  # as a prepayment moves it
        contract = _new_contract_rate(loan, new_rate=Decimal(str(applied["params"]["annual_rate"])), on=today)
        loan.save(
            update_fields=[
                "schedule_version",
                "observation_until",
                "maturity_date",
                "annual_rate",
                "initial_rate",
                "rate_spread",
                "penalty_rate",
            ]
        )

        def before(locked: ScheduleChange):
            locked.params = json_safe({**locked.params, **contract})
            locked.replaced_rows = json_safe(replaced)
            locked.decided_by = actor
            locked.decided_at = clock.now()
            locked.repayment = settlement
            return {"schedule_change": locked.pk, "new_principal": quote["new_principal"]}

        change = run_transition(
            change,
            "approve",
            actor=actor,
            reason=coded("svc.restructuring_approved"),
            before=before,
            fields=("params", "replaced_rows", "decided_by", "decided_at", "repayment"),
            locked=True,
        )
        loan_refresh(
            loan,
            kind=EntryKind.CAPITALISATION,
            memo=f"Restructuring {change.pk} of {loan.number}",
            actor=actor,
            locked=True,
        )
        loan.refresh_from_db()
        record_event(
            loan,
            actor=actor,
            reason=coded("svc.restructured_until", date=loan.observation_until),
            payload={
                "schedule_change": change.pk,
                "restructured": True,
                "observation_until": loan.observation_until,
                "classification": loan.classification,
            },
        )
    return change


def _new_contract_rate(loan: Loan, *, new_rate: Decimal, on: dt.date) -> dict:
    """A restructuring at a new rate is the loan's new contract: its rate in force becomes the new
    rate; a floating loan's spread is taken over the fixing in force on the date, so later LPR
    resets compare with and spread over the restructured rate, not the disbursed one; a penalty
    rate of contract rate × multiplier follows it from the date. Changes `loan` (the caller
    saves it) and returns what the change stores of it."""
    new_rate = quantize_rate(new_rate)
    old_rate = loan.annual_rate
    if new_rate == old_rate:
        return {}
    stored: dict = {"old_annual_rate": old_rate}
    if loan.initial_rate is None:
        loan.initial_rate = old_rate  # the engine rebuilds the pinned schedule at it
    if loan.rate_type == RateType.FLOATING and loan.benchmark:
        fixing = products.benchmark_fixing_before(benchmark=loan.benchmark, before=on + dt.timedelta(days=1))
        if fixing is not None:
            loan.rate_spread = new_rate - fixing.rate
            stored.update(spread=loan.rate_spread, fixing_rate=fixing.rate, fixing_date=fixing.effective_date)
    penalty = rules.penalty_rate_after(loan=loan, old_rate=old_rate, new_rate=new_rate)
    if penalty is not None:
        stored.update(penalty_from=on, penalty_rate=penalty, old_penalty_rate=loan.penalty_rate)
        loan.penalty_rate = penalty
    loan.annual_rate = new_rate
    return stored


def restructuring_reject(
    *, change_id: int, actor, reason: str = "", loan_id: int | None = None
) -> ScheduleChange:
    """A second officer refuses; the schedule stays as it was."""
    with transaction.atomic():
        _loan, change = _locked(change_id, loan_id)
        _check_decider(actor, change)

        def before(locked: ScheduleChange):
            locked.decided_by = actor
            locked.decided_at = clock.now()
            return {"schedule_change": locked.pk}

        return run_transition(
            change,
            "reject",
            actor=actor,
            reason=(reason or "").strip() or _("Restructuring rejected."),
            before=before,
            fields=("decided_by", "decided_at"),
            locked=True,
        )
