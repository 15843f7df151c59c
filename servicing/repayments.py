"""Writes of servicing after disbursement: repayments, their reversal, and bringing a loan's
position and sub-ledger up to date (`loan_refresh`), which close of business also uses for the
loans it cannot close set-based.

Every write locks the loan row, replays the loan from its schedule and standing payments
(`servicing.position.replay`) as of the open business date, stores the result on the loan and
its installments, books the difference through the sub-ledger, and moves the loan's state
(closed when everything is paid, reopened when a reversal un-pays it) through `run_transition`.
A backdated payment or a reversal is therefore the same as if the payments had always been as
they are now, to the cent, penalty interest included.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.db import transaction
from django.utils.translation import gettext as _

from loanhub import clock
from loanhub.errors import Conflict, Forbidden, Invalid, NotFound
from loanhub.money import is_cents, quantize_money
from loanhub.permissions import may
from loanhub.reasons import coded
from loanhub.transitions import record_event, run_transition
from servicing import collateral, hooks, notices, quiet, rules, subledger
from servicing.calendar import last_closed_date, open_business_date
from servicing.choices import (
    ChangeStatus,
    EntryKind,
    InstallmentStatus,
    LoanStatus,
    RepaymentChannel,
    ScheduleChangeKind,
)
from servicing.models import Loan, LoanSnapshot, Repayment
from servicing.position import InstallmentState, Payment, Position, ScheduledRow, Terms, replay

__all__ = (
    "installment_status",
    "loan_position",
    "loan_refresh",
    "payoff_quote",
    "repayment_post",
    "repayment_reverse",
)

ZERO = Decimal("0.00")


def _terms(loan: Loan) -> Terms:
    changes = penalty_changes(loan)
    return Terms(
        start_date=loan.start_date,
        principal=loan.principal,
        penalty_rate=changes[0][2] if changes else loan.penalty_rate,
        compound=loan.compound_penalty,
        grace_days=loan.overdue_grace_days,
        order=loan.allocation_order,
        penalty_changes=tuple((start, rate) for start, rate, _old in changes),
    )


def penalty_changes(loan: Loan) -> list[tuple[dt.date, Decimal, Decimal]]:
    """(from, new penalty rate, the rate before) of every applied change that moved the loan's
    penalty rate with its contract rate (`servicing.rules.penalty_rate_after`), in order."""
    if loan.pk is None or loan.schedule_version == 0:
        return []
    rows = (
        loan.schedule_changes.filter(status=ChangeStatus.APPROVED, params__has_key="penalty_rate")
        .order_by("decided_at", "pk")
        .values_list("params", flat=True)
    )
    return [
        (
            dt.date.fromisoformat(str(p["penalty_from"])),
            Decimal(str(p["penalty_rate"])),
            Decimal(str(p["old_penalty_rate"])),
        )
        for p in rows
    ]


def _schedule(loan: Loan) -> list[ScheduledRow]:
    return [
        ScheduledRow(
            number=i.number, due_date=i.due_date, principal=i.principal, interest=i.interest, fees=i.fees
        )
        for i in loan.installments.order_by("number")
    ]


def _standing(loan: Loan, *, extra: Repayment | None = None, without: int | None = None) -> list[Payment]:
    rows = list(
        loan.repayments.filter(status="posted").exclude(pk=without).values_list("pk", "value_date", "amount")
    )
    if extra is not None:
        rows.append((extra.pk, extra.value_date, extra.amount))
    return [Payment(id=pk, value_date=value_date, amount=amount) for pk, value_date, amount in rows]


def loan_position(
    loan: Loan, *, as_of: dt.date | None = None, payments: list[Payment] | None = None
) -> Position:
    """The loan replayed as of a date (default the open business date) with its standing payments."""
    return replay(
        schedule=_schedule(loan),
        payments=_standing(loan) if payments is None else payments,
        terms=_terms(loan),
        as_of=as_of or open_business_date(),
    )


def class_floor(position: Position) -> str:
    """The best class the rules allow for the loan's position."""
    return rules.classification_floor(position.days_past_due, overdue=bool(position.overdue_rows()))


def _classify(loan: Loan, position: Position) -> tuple[str, int]:
    """The rules' floor, the officer's class if worse, and, where the product says so, the
    borrower's worst other active loan (`borrower_classes`)."""
    dpd = position.days_past_due
    klass = rules.worst(
        class_floor(position),
        loan.classification_override,
        rules.observation_floor(loan.observation_until, position.as_of),
    )
    if loan.worst_loan_classification:
        klass = rules.worst(klass, *borrower_classes(loan).values())
    return klass, dpd


def borrower_classes(loan: Loan) -> dict[int, str]:
    """The class of each of the borrower's other active loans as the last closed business date
    left it (its snapshot of that date; a loan without one, opened since, as stored).

    Not the stored class: during a close the chunks of a date run in parallel, and a loan's
    stored class is of the date before or after the close depending on whether its chunk is
    done yet. The last closed date's snapshots are the same whichever chunk runs first, so the
    borrower's worst loan pulls the others one day later, always (a loan opened since the last
    close has no snapshot: its stored class, pass until its first close)."""
    classes = dict(
        Loan.objects.filter(customer_id=loan.customer_id, status=LoanStatus.ACTIVE)
        .exclude(pk=loan.pk)
        .values_list("pk", "classification")
    )
    closed = last_closed_date()
    if classes and closed is not None:
        classes.update(
            LoanSnapshot.objects.filter(business_date=closed, loan_id__in=list(classes)).values_list(
                "loan_id", "classification"
            )
        )
    return classes


def totals_for(
    loan: Loan, position: Position, *, classification: str, non_accrual: bool, provision: bool = False
) -> dict[str, Decimal]:
    """The sub-ledger totals the position implies (see `servicing.subledger`)."""
    rows = position.installments
    due = [i for i in rows if i.due_date <= position.as_of]
    capitalised = sum((i.capitalised for i in due), ZERO)
    # A restructuring's settlement of the arrears is no cash (`servicing.restructuring`).
    settled = (
        set(loan.repayments.filter(channel=RepaymentChannel.RESTRUCTURE).values_list("pk", flat=True))
        if loan.observation_until is not None
        else set()
    )
    t = {
        "cash": sum((a.amount for k, a in position.allocations.items() if k not in settled), ZERO),
        "restructured": sum((a.amount for k, a in position.allocations.items() if k in settled), ZERO),
        "interest_earned": position.interest_accrued(),
        "penalty_earned": position.penalty_accrued,
        "fees_charged": sum((i.row.fees for i in due), ZERO),
        "capitalised": capitalised,
        "paid_principal": sum((i.paid_principal for i in rows), ZERO),
        "paid_interest": sum((i.paid_interest for i in rows), ZERO),
        "paid_penalty": sum((i.paid_penalty for i in rows), ZERO),
        "paid_fees": sum((i.paid_fees for i in rows), ZERO),
    }
    interest_receivable = t["interest_earned"] - capitalised - t["paid_interest"]
    penalty_receivable = t["penalty_earned"] - t["paid_penalty"]
    t["suspense_interest"] = max(interest_receivable, ZERO) if non_accrual else ZERO
    t["suspense_penalty"] = max(penalty_receivable, ZERO) if non_accrual else ZERO
    # Provisions are booked by close of business, as the day's change (`servicing.cob`).
    t["reserve"] = (
        rules.provision(classification, position.outstanding("principal")) if provision else loan.sl_reserve
    )
    return t


def installment_status(state: InstallmentState, as_of: dt.date) -> str:
    """An installment's status in a position: paid, overdue, due (today) or pending."""
    if state.total_outstanding <= 0 and state.due_date <= as_of:
        return InstallmentStatus.PAID
    if state.due_date < as_of:
        return InstallmentStatus.OVERDUE
    if state.due_date == as_of:
        return InstallmentStatus.DUE
    return InstallmentStatus.PENDING


def _store(loan: Loan, position: Position, *, closing: bool = False) -> None:
    """Write the position on the loan's columns and its installments (the caller saves the loan).
    Only close of business (`closing`, which brings the provision to the day too) may leave the
    loan quiet (`servicing.quiet`); any other write has the next close rewrite it."""
    loan.observation_until = rules.observation_end(
        loan.observation_until, position.as_of, position.days_past_due
    )
    klass, dpd = _classify(loan, position)
    loan.position_date = position.as_of
    loan.days_past_due = dpd
    loan.delinquency_bucket = rules.bucket_for(dpd)
    loan.classification = klass
    loan.ifrs9_stage = rules.ifrs9_stage(dpd, klass)
    loan.non_accrual = rules.non_accrual(dpd)
    loan.principal_outstanding = position.outstanding("principal")
    loan.interest_due = position.outstanding("interest")
    loan.penalty_due = position.outstanding("penalty")
    loan.fees_due = position.outstanding("fees")
    loan.credit_balance = position.credit
    upcoming = position.next_due()
    loan.next_due_date, loan.next_due_amount = upcoming if upcoming else (None, ZERO)
    loan.accrual_start, loan.accrual_end, loan.accrual_interest = position.accrual_period()
    ead = loan.principal_outstanding + loan.interest_due
    loan.ecl = rules.ecl(
        stage=loan.ifrs9_stage,
        pd=loan.pd,
        ead=ead,
        remaining_days=max((loan.maturity_date - position.as_of).days, 0),
        lgd=collateral.loan_lgd(loan_id=loan.pk, ead=max(ead, ZERO)),
    )
    stored = {i.number: i for i in loan.installments.all()}
    changed = []
    pending = False
    for state in position.installments:
        row = stored[state.number]
        status = installment_status(state, position.as_of)
        pending = (
            pending or bool(state.grace_basis) or status in (InstallmentStatus.DUE, InstallmentStatus.OVERDUE)
        )
        basis, since, daily = _penalty_anchor(loan, row, state, status, position.as_of)
        values = {
            "paid_principal": state.paid_principal,
            "paid_interest": state.paid_interest,
            "paid_fees": state.paid_fees,
            "paid_penalty": state.paid_penalty,
            "penalty_basis": basis,
            "penalty_from": since,
            "penalty_daily": daily,
            "grace_basis": state.grace_basis,
            "penalty_charged": state.penalty_charged,
            "status": status,
            "paid_on": state.settled_on,
        }
        if any(getattr(row, k) != v for k, v in values.items()):
            for k, v in values.items():
                setattr(row, k, v)
            changed.append(row)
    if changed:
        type(changed[0]).objects.bulk_update(changed, list(values))
    loan.quiet_until = (
        quiet.quiet_until_for(
            loan,
            as_of=position.as_of,
            dpd=dpd,
            classification=klass,
            stage=loan.ifrs9_stage,
            pending=pending,
        )
        if closing
        else None
    )


def _penalty_anchor(
    loan: Loan, row, state: InstallmentState, status: str, as_of: dt.date
) -> tuple[Decimal, dt.date | None, Decimal]:
    """How an installment's penalty basis is stored (`LoanInstallment.penalty_from`): an overdue
    installment whose penalty is charged keeps the anchor it has while the anchor still gives its
    basis and its daily amount (base × the loan's penalty rate, as close of business accrues it),
    else is anchored as of the position's date; any other installment stores its basis as is."""
    if not (state.penalty_charged and status == InstallmentStatus.OVERDUE):
        return state.penalty_basis, None, Decimal(0)
    daily = state.penalty_base(loan.compound_penalty) * loan.penalty_rate
    if (
        row.penalty_from is not None
        and row.penalty_from <= as_of
        and row.penalty_daily == daily
        and row.penalty_basis_on(as_of) == state.penalty_basis
    ):
        return row.penalty_basis, row.penalty_from, row.penalty_daily
    return state.penalty_basis, as_of, daily


def _store_allocations(loan: Loan, position: Position) -> None:
    for repayment in loan.repayments.filter(status="posted"):
        alloc = position.allocations.get(repayment.pk)
        if alloc is None:
            continue
        totals = alloc.totals()
        lines = [[n, c, str(a)] for n, c, a in alloc.lines]
        if repayment.allocation != totals or repayment.allocation_lines != lines:
            for k, v in totals.items():
                setattr(repayment, k, v)
            repayment.allocation_lines = lines
            repayment.save(update_fields=[*totals, "allocation_lines"])


def loan_refresh(
    loan: Loan,
    *,
    kind: str = EntryKind.ADJUSTMENT,
    memo: str = "",
    actor=None,
    locked=False,
    as_of: dt.date | None = None,
    provision: bool = False,
) -> Loan:
    """Replay the loan as of its position date or the open business date, whichever is later
    (or `as_of`), store it, book the difference, and close or reopen it. With `provision` (close
    of business) the reserve is brought to the day's provision too. Idempotent: a second call
    finds nothing to book.

    The later of the two dates: while close of business runs for the open date, loans it has
    closed already stand at the next day; a payment arriving then is valued on the open date
    and replayed into that next day's position (a backdated payment, by one day)."""
    with transaction.atomic():
        row = quiet.catch_up(loan) if locked else quiet.lock_loan(loan)
        if as_of is None:
            as_of = max(open_business_date(), row.position_date or row.start_date)
        position = loan_position(row, as_of=as_of)
        _store(row, position, closing=provision)
        totals = totals_for(
            row,
            position,
            classification=row.classification,
            non_accrual=row.non_accrual,
            provision=provision,
        )
        subledger.sync(row, totals, kind=kind, memo=memo or f"Recalculation of {row.number}", actor=actor)
        row.save()
        _store_allocations(row, position)
        if row.status == LoanStatus.ACTIVE and position.paid_off:
            # The day the last payment was valued (a backdated payment closes it on its date).
            row.closed_on = max((a.value_date for a in position.allocations.values()), default=position.as_of)
            run_transition(
                row,
                "close",
                actor=actor,
                reason=coded("svc.everything_paid"),
                fields=("closed_on",),
                locked=True,
            )
            hooks.loan_closed(loan=row)
        elif row.status == LoanStatus.CLOSED and not position.paid_off:
            row.closed_on = None
            run_transition(row, "reopen", actor=actor, reason=memo, fields=("closed_on",), locked=True)
    return row


def amount_check(amount) -> Decimal:
    """A cash amount (repayment, prepayment, credit-line draw or repayment): positive, in cents, at
    most rules.MAX_PAYMENT; field-level Invalid on `amount` otherwise."""
    if not isinstance(amount, Decimal) or not amount.is_finite():
        raise Invalid({"amount": [_("Enter an amount in yuan, e.g. 1200.00.")]})
    if amount <= 0:
        raise Invalid({"amount": [_("The amount must be more than zero.")]})
    if not is_cents(amount):
        raise Invalid({"amount": [_("The amount has more than two decimal places.")]})
    if amount > rules.MAX_PAYMENT:
        raise Invalid({"amount": [_("The amount is too large.")]})
    return quantize_money(amount)


def _check_value_date(loan: Loan, value_date: dt.date, today: dt.date) -> None:
    if value_date > today:
        raise Invalid(
            {
                "value_date": [
                    _("A payment cannot be valued in the future (today is %(today)s).") % {"today": today}
                ]
            }
        )
    if value_date < loan.start_date:
        raise Invalid(
            {
                "value_date": [
                    _("A payment cannot be valued before the disbursement on %(date)s.")
                    % {"date": loan.start_date}
                ]
            }
        )


def may_repay(actor, loan: Loan) -> bool:
    return may(actor, "servicing.add_repayment") or getattr(loan.customer, "user_id", None) == getattr(
        actor, "pk", -1
    )


def repayment_check_actor(actor, loan: Loan) -> None:
    """The loan's owner or a user with `servicing.add_repayment` may record a payment; anyone else
    gets NotFound (the loan is not theirs to see) or Forbidden. The API asks this before it reads
    the request body, so a caller without the right is refused whatever they send."""
    if actor is not None and not may_repay(actor, loan):
        if not may(actor, "servicing.view_loan"):
            raise NotFound(_("No such loan."))
        raise Forbidden(_("You may not record payments for this loan."))


def repayment_post(
    *,
    loan: Loan | int,
    amount: Decimal,
    actor,
    value_date: dt.date | None = None,
    reference: str = "",
    channel: str = RepaymentChannel.API,
    external_id: str = "",
) -> Repayment:
    """Receive a payment for a loan and allocate it by the loan's order (see `servicing.position`).

    The loan's owner or a user with `servicing.add_repayment`; anyone else gets NotFound (the
    loan is not theirs to see) or Forbidden. Invalid for a bad amount or value date; Conflict on a
    loan that is not active. With an `external_id` already posted, returns that repayment.
    """
    with transaction.atomic():
        try:
            row = quiet.lock_loan(loan)
        except Loan.DoesNotExist:
            raise NotFound(_("No such loan.")) from None
        repayment_check_actor(actor, row)  # the right before the amount
        amount = amount_check(amount)
        if external_id:
            earlier = Repayment.objects.filter(external_id=external_id).first()
            if earlier is not None:
                return earlier
        if row.status != LoanStatus.ACTIVE:
            raise Conflict(
                _("Loan %(loan)s is %(status)s: it takes no more payments.")
                % {"loan": row, "status": row.get_status_display()},
                state=row.status,
            )
        today = open_business_date()
        value_date = value_date or today
        _check_value_date(row, value_date, today)
        repayment = Repayment.objects.create(
            loan=row,
            amount=amount,
            value_date=value_date,
            reference=reference[:64],
            channel=channel,
            external_id=external_id,
            posted_by=actor if getattr(actor, "is_authenticated", False) else None,
            posted_at=clock.now(),
        )
        loan_refresh(
            row,
            kind=EntryKind.REPAYMENT,
            memo=f"Repayment {repayment} of {row.number}",
            actor=actor,
            locked=True,
        )
        repayment.refresh_from_db()
        record_event(
            row,
            actor=actor,
            reason=coded("svc.payment_received"),
            payload={
                "repayment": repayment.pk,
                "amount": amount,
                "value_date": value_date,
                "allocation": repayment.allocation,
            },
        )
        hooks.repayment_posted(repayment=repayment)
        notices.repayment_received(repayment, customer_id=row.customer_id, loan_number=row.number)
    return repayment


def repayment_reverse(*, repayment: Repayment | int, reason: str, actor) -> Repayment:
    """Reverse a posted repayment (a bounced debit): the loan is replayed without it, penalty
    interest included, and a closed loan reopens. Reversing twice is a Conflict."""
    if not (reason or "").strip():
        raise Invalid({"reason": [_("Say why the payment is reversed.")]})
    pk = repayment if isinstance(repayment, int) else repayment.pk
    with transaction.atomic():
        try:
            loan_id = Repayment.objects.values_list("loan_id", flat=True).get(pk=pk)
        except Repayment.DoesNotExist:
            raise NotFound(_("No such repayment.")) from None
        loan = quiet.lock_loan(loan_id)  # the loan first, as every servicing write does
        if loan.status == LoanStatus.WRITTEN_OFF:
            raise Conflict(
                _("Loan %(loan)s is written off: its payments stand as they were.") % {"loan": loan},
                state=loan.status,
            )

        def before(locked: Repayment):
            if locked.channel == RepaymentChannel.RESTRUCTURE:
                # The new principal holds these arrears: undoing it would owe them twice.
                raise Conflict(_("A restructuring's settlement is not reversed."), state=locked.status)
            locked.reversed_at = clock.now()
            locked.reversed_by = actor if getattr(actor, "is_authenticated", False) else None
            locked.reversal_reason = reason.strip()[:255]
            return {"amount": locked.amount, "value_date": locked.value_date}

        reversed_row = run_transition(
            pk,
            "reverse",
            model=Repayment,
            actor=actor,
            reason=reason,
            before=before,
            fields=("reversed_at", "reversed_by", "reversal_reason"),
        )
        loan_refresh(
            loan,
            kind=EntryKind.REVERSAL,
            memo=f"Reversal of {reversed_row}: {reason}"[:255],
            actor=actor,
            locked=True,
        )
        from servicing.collections import promises_undo_for_reversal

        promises_undo_for_reversal(repayment=reversed_row)
        hooks.repayment_reversed(repayment=reversed_row)
    return reversed_row


def payoff_quote(loan: Loan, *, on: dt.date | None = None) -> dict[str, Decimal]:
    """What pays the loan off on a date (default the open business date): principal, interest
    accrued to the date, penalty and fees due, less credit held."""
    today = open_business_date()
    on = on or today
    if on < loan.start_date:
        raise Invalid(
            {"date": [_("The date is before the disbursement on %(date)s.") % {"date": loan.start_date}]}
        )
    if on < today:
        raise Invalid({"date": [_("A payoff is quoted for today or a later date.")]})
    figures = loan_position(loan, as_of=on).payoff(deferred=deferred_interest(loan))
    return {"date": on, **figures}


def deferred_interest(loan: Loan) -> dict[dt.date, Decimal]:
    """A spread payment holiday's interest parts by due date (`products.engine.holiday`): a payoff
    owes those not yet due. Empty for a loan without a deferral."""
    from servicing import schedule_changes as sc  # it builds on this module

    if not loan.schedule_changes.filter(
        kind=ScheduleChangeKind.DEFERRAL, status=ChangeStatus.APPROVED
    ).exists():
        return {}
    return dict(sc.engine_schedule(loan).deferred_interest)
