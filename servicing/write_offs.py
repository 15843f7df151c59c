"""Write-off (核销) of loss-classified loans, and recoveries after it.

An officer asks (a pending `ScheduleChange` of kind write_off, with the loan's balances as they
stand); a different officer approves (maker-checker). Approval brings the loan to the open
business date, then closes every one of its accounts in one balanced entry through
`servicing.ledger.post`: the receivables (principal, interest, penalty, fees) are credited, the
interest and penalty in suspense and the loan-loss reserve debited, and what the reserve does not
cover is charged to provision expense (a surplus released). The loan moves to `written_off` by its
FSM transition, with an event; it keeps its schedule, payments and history and stays visible.

Money received afterwards is a recovery (核销后收回): Dr repayment clearing, Cr recovery income,
one entry per recovery, never allocated to the installments (`recovery_post`, with an
idempotency key: the same key and request again return the first recovery).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.db import transaction
from django.utils.translation import gettext as _

from loanhub import clock
from loanhub.errors import Conflict, Forbidden, Invalid, KeyReused, NotFound
from loanhub.permissions import may
from loanhub.reasons import coded
from loanhub.transitions import json_safe, record_event, run_transition
from servicing import ledger, quiet, subledger
from servicing import schedule_changes as sc
from servicing.calendar import open_business_date
from servicing.choices import (
    Account,
    ChangeStatus,
    Classification,
    EntryKind,
    LoanStatus,
    ScheduleChangeKind,
)
from servicing.models import Loan, Recovery, ScheduleChange
from servicing.repayments import amount_check, loan_refresh

__all__ = ("recovery_post", "write_off_approve", "write_off_lines", "write_off_reject", "write_off_request")

ZERO = Decimal("0.00")


def may_request(actor) -> bool:
    return may(actor, "servicing.add_schedulechange")


def may_decide(actor) -> bool:
    return may(actor, "servicing.change_schedulechange")


def may_recover(actor) -> bool:
    return may(actor, "servicing.add_repayment")


def _visible(actor, loan: Loan, allowed: bool, message: str) -> None:
    if not allowed:
        owner = getattr(loan.customer, "user_id", None) == getattr(actor, "pk", -1)
        if not owner and not may(actor, "servicing.view_loan"):
            raise NotFound(_("No such loan."))
        raise Forbidden(message)


def _check_writable(loan: Loan) -> None:
    if loan.status != LoanStatus.ACTIVE:
        raise Conflict(
            _("Loan %(loan)s is %(status)s: it cannot be written off.")
            % {"loan": loan, "status": loan.get_status_display()},
            state=loan.status,
        )
    if loan.classification != Classification.LOSS:
        raise Conflict(
            _("Only a loan classified as loss is written off (this one is %(class)s).")
            % {"class": loan.get_classification_display()},
            state=loan.classification,
        )
    if loan.credit_balance > 0:
        raise Conflict(_("The loan holds credit: return or apply it first."), state=loan.status)


def write_off_lines(loan: Loan) -> list[tuple[str, Decimal, Decimal]]:
    """The entry that closes the loan's accounts: each balance reversed, the difference (the
    carrying amount the reserve does not cover) to provision expense."""
    lines = []
    net = ZERO
    for code, balance in sorted(subledger.balances(loan).items()):
        if balance > 0:
            lines.append((code, ZERO, balance))
        elif balance < 0:
            lines.append((code, -balance, ZERO))
        net += balance
    if net > 0:
        lines.append((Account.PROVISION_EXPENSE, net, ZERO))
    elif net < 0:
        lines.append((Account.PROVISION_EXPENSE, ZERO, -net))
    return lines


def _figures(loan: Loan) -> dict:
    b = subledger.balances(loan)
    return {
        "principal": b[Account.LOANS_RECEIVABLE],
        "interest": b[Account.INTEREST_RECEIVABLE],
        "penalty": b[Account.PENALTY_RECEIVABLE],
        "fees": b[Account.FEES_RECEIVABLE],
        "in_suspense": -(b[Account.INTEREST_IN_SUSPENSE] + b[Account.PENALTY_IN_SUSPENSE]),
        "reserve": -b[Account.LOAN_LOSS_RESERVE],
        "carrying_amount": sum(b.values(), ZERO),
    }


def write_off_request(*, loan: Loan | int, reason: str, actor) -> ScheduleChange:
    """An officer asks to write a loss-classified loan off (pending until a second officer)."""
    reason = (reason or "").strip()
    with transaction.atomic():
        try:
            row = quiet.lock_loan(loan)
        except Loan.DoesNotExist:
            raise NotFound(_("No such loan.")) from None
        _visible(actor, row, may_request(actor), _("You may not write loans off."))
        if not reason:
            raise Invalid({"reason": [_("Say why the loan is written off.")]})
        _check_writable(row)
        if row.schedule_changes.filter(status=ChangeStatus.PENDING).exists():
            raise Conflict(_("A change of this loan is already waiting for approval."), state="pending")
        figures = _figures(row)
        change = ScheduleChange.objects.create(
            loan=row,
            kind=ScheduleChangeKind.WRITE_OFF,
            quote=json_safe({"as_of": row.position_date, **figures}),
            amount=max(
                figures["principal"] + figures["interest"] + figures["penalty"] + figures["fees"], ZERO
            ),
            base_version=row.schedule_version,
            reason=reason[:2000],
            requested_by=actor,
            requested_at=clock.now(),
        )
        record_event(
            change,
            actor=actor,
            reason=reason,
            payload={"schedule_change": change.pk, "kind": "write_off", "requested": True, **figures},
        )
    return change


def _texts() -> sc.DecisionTexts:
    return sc.DecisionTexts(
        missing=_("No such write-off."),
        refused=_("You may not decide write-offs."),
        already=_("This write-off is already %(status)s."),
        own=_("Someone other than the requester must decide a write-off."),
    )


def _locked(change_id: int, loan_id: int | None) -> tuple[Loan, ScheduleChange]:
    return sc.lock_pending(change_id, loan_id, kind=ScheduleChangeKind.WRITE_OFF, texts=_texts())


def _check_decider(actor, change: ScheduleChange) -> None:
    sc.check_decider(actor, change, allowed=may_decide(actor), texts=_texts())


def write_off_approve(*, change_id: int, actor, loan_id: int | None = None) -> ScheduleChange:
    """A second officer approves: the loan's accounts are closed against the reserve and the
    loan moves to written_off (Conflict when it is no longer a loss-classified active loan)."""
    with transaction.atomic():
        loan, change = _locked(change_id, loan_id)
        _check_decider(actor, change)
        _check_writable(loan)
        loan = loan_refresh(loan, actor=actor, locked=True, memo=f"Before the write-off of {loan.number}")
        _check_writable(loan)  # a payment valued today may have changed it
        figures = _figures(loan)
        entry = ledger.post(
            kind=EntryKind.WRITE_OFF,
            lines=write_off_lines(loan),
            memo=f"Write-off {change.pk} of {loan.number}",
            idempotency_key=f"write-off:{change.pk}",
            loan=loan,
            actor=actor,
        )
        loan.written_off_on = open_business_date()
        run_transition(
            loan,
            "write_off",
            actor=actor,
            reason=change.reason or _("Written off."),
            payload={"schedule_change": change.pk, "entry": entry.pk, **figures},
            fields=("written_off_on",),
            locked=True,
        )

        def before(locked: ScheduleChange):
            locked.decided_by = actor
            locked.decided_at = clock.now()
            return {"schedule_change": locked.pk, "entry": entry.pk}

        change = run_transition(
            change,
            "approve",
            actor=actor,
            reason=coded("svc.write_off_approved"),
            before=before,
            fields=("decided_by", "decided_at"),
            locked=True,
        )
    return change


def write_off_reject(
    *, change_id: int, actor, reason: str = "", loan_id: int | None = None
) -> ScheduleChange:
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
            reason=(reason or "").strip() or _("Write-off rejected."),
            before=before,
            fields=("decided_by", "decided_at"),
            locked=True,
        )


def recovery_post(
    *,
    loan: Loan | int,
    amount: Decimal,
    actor,
    value_date: dt.date | None = None,
    idempotency_key: str,
    request_hash: str = "",
) -> Recovery:
    """Book money received for a written-off loan as recovery income. The same key and request
    again return the first recovery; the same key with another request is a Conflict."""
    with transaction.atomic():
        try:
            row = quiet.lock_loan(loan)
        except Loan.DoesNotExist:
            raise NotFound(_("No such loan.")) from None
        _visible(actor, row, may_recover(actor), _("You may not record recoveries."))
        if not idempotency_key:
            raise Invalid(
                {"Idempotency-Key": [_("Send an Idempotency-Key header (at most 255 characters).")]}
            )
        earlier = Recovery.objects.filter(loan=row, idempotency_key=idempotency_key).first()
        if earlier is not None:
            if earlier.request_hash != request_hash:
                raise KeyReused(_("This Idempotency-Key was used for another recovery."))
            return earlier
        amount = amount_check(amount)
        if row.status != LoanStatus.WRITTEN_OFF:
            raise Conflict(
                _("Loan %(loan)s is %(status)s: only a written-off loan takes recoveries.")
                % {"loan": row, "status": row.get_status_display()},
                state=row.status,
            )
        today = open_business_date()
        value_date = value_date or today
        if value_date > today:
            raise Invalid(
                {
                    "value_date": [
                        _("A recovery cannot be valued in the future (today is %(today)s).")
                        % {"today": today}
                    ]
                }
            )
        if row.written_off_on and value_date < row.written_off_on:
            raise Invalid(
                {
                    "value_date": [
                        _("A recovery is valued on or after the write-off on %(date)s.")
                        % {"date": row.written_off_on}
                    ]
                }
            )
        recovery = Recovery.objects.create(
            loan=row,
            amount=amount,
            value_date=value_date,
            idempotency_key=idempotency_key,
            request_hash=request_hash,
            posted_by=actor if getattr(actor, "is_authenticated", False) else None,
            posted_at=clock.now(),
        )
        recovery.entry = ledger.post(
            kind=EntryKind.RECOVERY,
            lines=[(Account.REPAYMENT_CLEARING, amount, ZERO), (Account.RECOVERY_INCOME, ZERO, amount)],
            memo=f"Recovery {recovery.pk} of written-off {row.number}",
            idempotency_key=f"recovery:{recovery.pk}",
            loan=row,
            actor=actor,
        )
        recovery.save(update_fields=["entry"])
        record_event(
            row,
            actor=actor,
            reason=coded("svc.recovery_received"),
            payload={"recovery": recovery.pk, "amount": amount, "value_date": value_date},
        )
    return recovery
