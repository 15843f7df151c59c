"""Deferral of installments (延期还款, a payment holiday): the customer (or an officer) asks, an
officer approves, two different officers above `LOANHUB_DEFERRAL_SECOND_APPROVAL_AMOUNT`.

The request stores the new schedule as shown. What happens to the holiday's interest is the
product's rule (`ProductVersion.deferral_interest`): capitalised (`engine.defer_installments`:
nothing is due on the deferred dates, their interest joins the balance, and the grown balance is
re-amortised over the installments left before the original maturity) or spread
(`engine.defer_installments_spread`: nothing is due on the deferred dates, the balance as it
stands is re-amortised over the installments left, and the holiday's interest is added to them in
equal parts, the last taking the rounding remainder). Approval applies exactly that schedule, under
the loan's lock, and only to the schedule version it was made on: a loan changed since (a
prepayment, another deferral) or whose first deferred installment has fallen due meanwhile is
a Conflict, and the customer asks again.

The maker-checker amount is the sum of the deferred installments' payments as they stood.
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext as _

from loanhub import clock
from loanhub.errors import Conflict, Forbidden, Invalid, NotFound
from loanhub.permissions import may
from loanhub.reasons import coded
from loanhub.transitions import json_safe, record_event, run_transition
from products import engine, engine_adapter
from products.choices import DeferralInterest
from servicing import quiet
from servicing import schedule_changes as sc
from servicing.calendar import open_business_date
from servicing.choices import ChangeStatus, EntryKind, LoanStatus, ScheduleChangeKind
from servicing.models import Loan, ScheduleChange
from servicing.repayments import loan_refresh

__all__ = ("deferral_approve", "deferral_quote", "deferral_reject", "deferral_request", "may_decide")

ZERO = Decimal("0.00")
DECIDE = "servicing.change_schedulechange"


def may_request(actor, loan: Loan) -> bool:
    return may(actor, "servicing.add_schedulechange") or getattr(loan.customer, "user_id", None) == getattr(
        actor, "pk", -1
    )


def may_decide(actor) -> bool:
    return may(actor, DECIDE)


def second_approval_amount() -> Decimal:
    return Decimal(str(settings.LOANHUB_DEFERRAL_SECOND_APPROVAL_AMOUNT))


def _check_installments(installments) -> int:
    most = settings.LOANHUB_DEFERRAL_MAX_INSTALLMENTS
    if isinstance(installments, bool) or not isinstance(installments, int):
        raise Invalid({"installments": [_("Enter a whole number of installments.")]})
    if not 1 <= installments <= most:
        raise Invalid({"installments": [_("Defer between 1 and %(most)s installments.") % {"most": most}]})
    return installments


def _check_current(loan: Loan) -> None:
    if loan.status != LoanStatus.ACTIVE:
        raise Conflict(
            _("Loan %(loan)s is %(status)s: it cannot be deferred.")
            % {"loan": loan, "status": loan.get_status_display()},
            state=loan.status,
        )
    if loan.days_past_due > 0 or loan.installments.filter(status="overdue").exists():
        raise Conflict(
            _(
                "Loan %(loan)s is overdue: pay the overdue amount first "
                "(a restructuring is an officer's matter)."
            )
            % {"loan": loan},
            state="overdue",
        )


def interest_rule(loan: Loan) -> str:
    """The product's rule for a holiday's interest: "capitalise" or "spread"."""
    return loan.product_version.deferral_interest or DeferralInterest.CAPITALISE


def deferral_quote(*, loan: Loan, installments) -> dict:
    """The new schedule if the next `installments` installments (the first due after the open
    business date onward) were deferred; nothing is written."""
    _check_current(loan)
    count = _check_installments(installments)
    today = open_business_date()
    schedule = sc.engine_schedule(loan)
    first_index = next((i + 1 for i, r in enumerate(schedule.rows) if r.due_date > today), None)
    if first_index is None:
        raise Conflict(_("No installment is left to defer."), state=loan.status)
    tail = schedule.rows[first_index - 1 :]
    sc.check_tail(sc.stored_rows(loan), tail, after=today)
    rule = interest_rule(loan)
    try:
        done = sc.defer(schedule, first_installment=first_index, installments=count, rule=rule)
    except engine.EngineValidationError as exc:
        errors = engine_adapter.localized(exc.errors)
        raise Invalid({"installments": [m for ms in errors.values() for m in ms]}) from None
    first = sc.next_number(loan, after=today)
    rows = sc.engine_rows(done.remaining.rows, first)
    deferred = sum((r.principal + r.interest + r.fees for r in tail[:count]), ZERO)
    return {
        "first_due_date": tail[0].due_date,
        "installments": count,
        "deferred_amount": deferred,
        "interest_rule": rule,
        "capitalised_interest": ZERO if rule == DeferralInterest.SPREAD else done.capitalised_interest,
        "spread_interest": done.holiday_interest if rule == DeferralInterest.SPREAD else ZERO,
        "new_schedule": sc.plain_rows(rows),
        "schedule_version": loan.schedule_version,
        "first_index": first_index,
        "needs_two_approvals": deferred > second_approval_amount(),
    }


def deferral_request(*, loan: Loan | int, installments, reason: str, actor) -> ScheduleChange:
    """Ask for a deferral (the loan's owner, or staff who may add schedule changes): a pending
    change with the new schedule as shown. One pending change per loan (Conflict)."""
    reason = (reason or "").strip()
    with transaction.atomic():
        try:
            row = quiet.lock_loan(loan)
        except Loan.DoesNotExist:
            raise NotFound(_("No such loan.")) from None
        if not may_request(actor, row):
            if not may(actor, "servicing.view_loan"):
                raise NotFound(_("No such loan."))
            raise Forbidden(_("You may not ask for a deferral of this loan."))
        if not reason:
            raise Invalid({"reason": [_("Say why the payments should be deferred.")]})
        quote = deferral_quote(loan=row, installments=installments)
        if row.schedule_changes.filter(status=ChangeStatus.PENDING).exists():
            raise Conflict(
                _("A change of this loan's schedule is already waiting for approval."), state="pending"
            )
        change = ScheduleChange.objects.create(
            loan=row,
            kind=ScheduleChangeKind.DEFERRAL,
            params={
                "first_index": quote["first_index"],
                "installments": quote["installments"],
                "interest_rule": quote["interest_rule"],
            },
            quote=json_safe(quote),
            amount=quote["deferred_amount"],
            base_version=row.schedule_version,
            reason=reason[:2000],
            requested_by=actor if getattr(actor, "is_authenticated", False) else None,
            requested_at=clock.now(),
        )
        record_event(
            change,
            actor=actor,
            reason=reason,
            payload={"schedule_change": change.pk, "kind": "deferral", "requested": True, **quote},
        )
    return change


def _texts() -> sc.DecisionTexts:
    return sc.DecisionTexts(
        missing=_("No such deferral."),
        refused=_("You may not decide deferrals."),
        already=_("This deferral is already %(status)s."),
        own=_("Someone other than the requester must decide a deferral."),
    )


def _locked(change_id: int, loan_id: int | None) -> tuple[Loan, ScheduleChange]:
    return sc.lock_pending(change_id, loan_id, kind=ScheduleChangeKind.DEFERRAL, texts=_texts())


def _check_decider(actor, change: ScheduleChange) -> None:
    sc.check_decider(actor, change, allowed=may_decide(actor), texts=_texts())


def deferral_approve(*, change_id: int, actor, loan_id: int | None = None) -> ScheduleChange:
    """Approve a pending deferral. Above the second-approval amount the first officer's approval
    is recorded and the change stays pending until a different officer approves; then the new
    schedule applies (Conflict when the loan changed since the request)."""
    with transaction.atomic():
        loan, change = _locked(change_id, loan_id)
        _check_decider(actor, change)
        if change.first_approved_by_id == actor.pk:
            raise Forbidden(_("A second, different officer must approve this deferral."))
        if change.amount > second_approval_amount() and change.first_approved_by_id is None:
            change.first_approved_by = actor
            change.save(update_fields=["first_approved_by"])
            record_event(
                change,
                actor=actor,
                reason=coded("svc.first_approval_second"),
                payload={"schedule_change": change.pk, "first_approval": True},
            )
            return change
        _check_current(loan)
        today = open_business_date()
        first_due = change.quote["first_due_date"]
        if loan.schedule_version != change.base_version or str(first_due) <= today.isoformat():
            raise Conflict(
                _("The loan's schedule has changed since this deferral was asked for: ask again."),
                state=change.status,
            )
        rows = [sc.Row(**_row(r)) for r in change.quote["new_schedule"]]
        replaced = sc.replace_after(loan, after=today, rows=rows)
        loan.schedule_version += 1
        loan.save(update_fields=["schedule_version"])

        def before(locked: ScheduleChange):
            locked.replaced_rows = json_safe(replaced)
            locked.decided_by = actor
            locked.decided_at = clock.now()
            return {
                "schedule_change": locked.pk,
                "interest_rule": locked.quote.get("interest_rule", DeferralInterest.CAPITALISE),
                "capitalised_interest": locked.quote["capitalised_interest"],
                "spread_interest": locked.quote.get("spread_interest", "0.00"),
            }

        change = run_transition(
            change,
            "approve",
            actor=actor,
            reason=coded("svc.deferral_approved"),
            before=before,
            fields=("replaced_rows", "decided_by", "decided_at"),
            locked=True,
        )
        loan_refresh(
            loan,
            kind=EntryKind.ADJUSTMENT,
            memo=f"Deferral {change.pk} of {loan.number}",
            actor=actor,
            locked=True,
        )
    return change


def deferral_reject(*, change_id: int, actor, reason: str = "", loan_id: int | None = None) -> ScheduleChange:
    """Refuse a pending deferral; the schedule stays as it was."""
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
            reason=(reason or "").strip() or _("Deferral rejected."),
            before=before,
            fields=("decided_by", "decided_at"),
            locked=True,
        )


def _row(plain: dict) -> dict:
    import datetime as dt

    return {
        "number": int(plain["number"]),
        "due_date": dt.date.fromisoformat(str(plain["due_date"])),
        **{k: Decimal(str(plain[k])) for k in ("payment", "principal", "interest", "fees", "balance")},
    }
