"""Prepayment of a live loan (提前还款): a partial prepayment that reduces the installment or
shortens the term, or a full payoff that closes the loan.

`prepayment_quote` is what the customer sees; `prepayment_post` recomputes the same quote under
the loan's lock, stores it as shown, replaces the installments not yet due (see
`servicing.schedule_changes`) and posts the cash as a repayment valued on the open business date.
The cash is the quote's `total` to the cent: whatever is due on the date (arrears with their
penalty, less credit held), the principal prepaid, the interest accrued to the date and the fee.
The ledger entries come from the replay through `servicing.subledger` (the one posting function).

`amount` is the principal to prepay; an amount at or above the outstanding principal (so any
amount at or above the payoff total) pays the loan off instead: the payoff total is posted, not
more, and the loan closes.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from dateutil.relativedelta import relativedelta
from django.db import transaction
from django.utils.translation import gettext as _

from loanhub import clock
from loanhub.errors import Conflict, Invalid, KeyReused, NotFound
from loanhub.money import quantize_money
from loanhub.reasons import coded
from loanhub.transitions import json_safe, record_event
from products import engine, engine_adapter
from servicing import quiet
from servicing import schedule_changes as sc
from servicing.calendar import open_business_date
from servicing.choices import (
    ChangeStatus,
    EntryKind,
    LoanStatus,
    PrepaymentFeeKind,
    PrepaymentModes,
    RepaymentChannel,
    ScheduleChangeKind,
)
from servicing.models import Loan, Repayment, ScheduleChange
from servicing.repayments import amount_check, loan_refresh, repayment_check_actor

__all__ = ("PrepaymentTerms", "prepayment_post", "prepayment_quote", "terms_from_product")

ZERO = Decimal("0.00")
MODES = (PrepaymentModes.REDUCE_INSTALLMENT, PrepaymentModes.SHORTEN_TERM)


@dataclass(frozen=True)
class PrepaymentTerms:
    """A loan's prepayment rules, pinned at disbursement (`Loan.prepayment_terms`)."""

    fee_kind: str = PrepaymentFeeKind.NONE
    fee_amount: Decimal = ZERO  # flat fee
    fee_rate: Decimal = ZERO  # percent kinds: a fraction of the principal prepaid
    free_allowance: Decimal = ZERO  # share of the principal prepaid free of fee each contract year
    lock_in_months: int = 0  # percent_lock_in: the fee applies within this many months
    minimum: Decimal = ZERO  # smallest partial prepayment (a payoff may be smaller)
    modes: str = PrepaymentModes.BOTH
    allowed_after: int = 0  # installments that must have fallen due first

    @classmethod
    def of(cls, loan: Loan) -> PrepaymentTerms:
        t = loan.prepayment_terms or {}
        return cls(
            fee_kind=t.get("fee_kind", PrepaymentFeeKind.NONE),
            fee_amount=Decimal(str(t.get("fee_amount", "0"))),
            fee_rate=Decimal(str(t.get("fee_rate", "0"))),
            free_allowance=Decimal(str(t.get("free_allowance", "0"))),
            lock_in_months=int(t.get("lock_in_months", 0)),
            minimum=Decimal(str(t.get("minimum", "0"))),
            modes=t.get("modes", PrepaymentModes.BOTH),
            allowed_after=int(t.get("allowed_after", 0)),
        )

    @property
    def default_mode(self) -> str:
        return PrepaymentModes.REDUCE_INSTALLMENT if self.modes == PrepaymentModes.BOTH else self.modes


def _fields(terms: PrepaymentTerms) -> dict:
    return {f: getattr(terms, f) for f in PrepaymentTerms.__dataclass_fields__}


def terms_from_product(version) -> dict:
    """The prepayment terms a loan pins from its product version. The catalogue has a fee rate
    (percent of the principal prepaid), a free allowance and "allowed after N installments";
    the other terms keep their defaults until the catalogue carries them."""
    rate = version.prepayment_fee_rate or ZERO
    terms = PrepaymentTerms(
        fee_kind=PrepaymentFeeKind.PERCENT if rate > 0 else PrepaymentFeeKind.NONE,
        fee_rate=rate,
        free_allowance=version.prepayment_free_allowance or ZERO,
        allowed_after=version.prepayment_allowed_after or 0,
    )
    return json_safe(_fields(terms))


def _check_mode(terms: PrepaymentTerms, mode: str | None) -> str:
    if not mode:
        return terms.default_mode
    if mode not in MODES:
        raise Invalid({"mode": [_("Choose reduce_installment or shorten_term.")]})
    if terms.modes != PrepaymentModes.BOTH and mode != terms.modes:
        raise Invalid({"mode": [_("This loan's prepayments %(mode)s only.") % {"mode": terms.modes}]})
    return mode


def _free_allowance(loan: Loan, terms: PrepaymentTerms, on: dt.date) -> Decimal:
    """What may still be prepaid free of fee in the contract year of `on`."""
    if terms.free_allowance <= 0:
        return ZERO
    years = relativedelta(on, loan.start_date).years
    year_start = loan.start_date + relativedelta(years=years)
    used = sum(
        (
            Decimal(str(c.params["principal"]))
            for c in loan.schedule_changes.filter(
                status=ChangeStatus.APPROVED, kind=ScheduleChangeKind.PREPAYMENT
            )
            if dt.date.fromisoformat(c.params["value_date"]) >= year_start
        ),
        ZERO,
    )
    return max(quantize_money(loan.principal * terms.free_allowance) - used, ZERO)


def _fee_terms(loan: Loan, terms: PrepaymentTerms, on: dt.date) -> tuple[Decimal, Decimal]:
    """(fee_rate, free_allowance) for the engine; a flat fee is added apart."""
    if terms.fee_kind == PrepaymentFeeKind.PERCENT:
        return terms.fee_rate, _free_allowance(loan, terms, on)
    if terms.fee_kind == PrepaymentFeeKind.PERCENT_LOCK_IN:
        if on < loan.start_date + relativedelta(months=terms.lock_in_months):
            return terms.fee_rate, _free_allowance(loan, terms, on)
    return ZERO, ZERO


def _engine_call(fn, **kwargs):
    try:
        return fn(**kwargs)
    except engine.EngineValidationError as exc:
        errors = engine_adapter.localized(exc.errors)
        renamed = {"payoff_date": "value_date", "prepayment_date": "value_date"}
        raise Invalid({renamed.get(k, k): v for k, v in errors.items()}) from None


def _due_count(loan: Loan, on: dt.date) -> int:
    """Installments of the contract due on or before `on` (a prepayment's own row not counted)."""
    rows = loan.installments.filter(due_date__lte=on).count()
    own = loan.schedule_changes.filter(
        status=ChangeStatus.APPROVED, kind=ScheduleChangeKind.PREPAYMENT
    ).count()
    return rows - own


def _quote(loan: Loan, *, amount: Decimal, mode: str | None, value_date: dt.date | None) -> tuple[dict, dict]:
    """(the quote as shown, what applying it needs: the new rows and the engine's params)."""
    if loan.status != LoanStatus.ACTIVE:
        raise Conflict(
            _("Loan %(loan)s is %(status)s: it cannot be prepaid.")
            % {"loan": loan, "status": loan.get_status_display()},
            state=loan.status,
        )
    terms = PrepaymentTerms.of(loan)
    amount = amount_check(amount)
    mode = _check_mode(terms, mode)
    today = open_business_date()
    on = value_date or today
    if on < today:
        raise Invalid(
            {"value_date": [_("A prepayment is valued today (%(today)s) or later.") % {"today": today}]}
        )
    if on > today + relativedelta(years=50):
        raise Invalid({"value_date": [_("A prepayment is quoted at most 50 years ahead.")]})
    if terms.allowed_after and _due_count(loan, on) < terms.allowed_after:
        raise Invalid(
            {
                "value_date": [
                    _("This loan may be prepaid once %(n)s installments have fallen due.")
                    % {"n": terms.allowed_after}
                ]
            }
        )
    schedule = sc.engine_schedule(loan)
    fee_rate, allowance = _fee_terms(loan, terms, on)
    flat = terms.fee_amount if terms.fee_kind == PrepaymentFeeKind.FLAT else ZERO
    payoff = _engine_call(
        engine.payoff_quote, schedule=schedule, payoff_date=on, fee_rate=fee_rate, free_allowance=allowance
    )
    paid = payoff.installments_paid
    tail = schedule.rows[paid:]
    sc.check_tail(sc.stored_rows(loan), tail, after=on)
    first = sc.next_number(loan, after=on)
    closes = amount >= payoff.principal
    if closes:
        kind = ScheduleChangeKind.PAYOFF
        principal, interest, fee = payoff.principal, payoff.interest, payoff.fee + flat
        remaining: list[sc.Row] = []
        interest_saved = sum((r.interest for r in tail), ZERO) - interest
        params = {"value_date": on, "principal": principal}
    else:
        if amount < terms.minimum:
            raise Invalid(
                {"amount": [_("A prepayment is at least %(min)s.") % {"min": quantize_money(terms.minimum)}]}
            )
        done = _engine_call(
            engine.prepay,
            schedule=schedule,
            prepayment_date=on,
            amount=amount,
            mode=mode,
            fee_rate=fee_rate,
            free_allowance=allowance,
        )
        kind = ScheduleChangeKind.PREPAYMENT
        principal, interest, fee = done.prepaid_principal, done.interest, done.fee + flat
        remaining = sc.engine_rows(done.remaining.rows, first + 1)
        interest_saved = done.interest_saved
        params = {"value_date": on, "principal": principal, "mode": mode}
    balance = (schedule.rows[paid - 1].balance if paid else schedule.terms.principal) - principal
    own_row = sc.Row(
        number=first,
        due_date=on,
        payment=principal + interest + fee,
        principal=principal,
        interest=interest,
        fees=fee,
        balance=balance,
    )
    rows = [own_row, *remaining]
    position = sc.replay_with(loan, sc.new_schedule(loan, after=on, rows=rows), as_of=on)
    total = position.due_today()
    quote = {
        "kind": kind,
        "value_date": on,
        "mode": None if closes else mode,
        "amount": amount,
        "principal": principal,
        "interest": interest,
        "fee": fee,
        "other_due": total - own_row.payment,
        "total": total,
        "interest_saved": interest_saved,
        "closes_loan": closes,
        "new_schedule": sc.plain_rows(remaining),
        "schedule_version": loan.schedule_version,
    }
    return quote, {"params": params, "rows": rows, "kind": kind}


def prepayment_quote(
    *, loan: Loan, amount: Decimal, mode: str | None = None, value_date: dt.date | None = None
) -> dict:
    """What prepaying `amount` of principal on `value_date` (default the open business date)
    costs and changes; nothing is written. Invalid (by field) for a bad amount, mode or date;
    Conflict for a loan that is not active."""
    return _quote(loan, amount=amount, mode=mode, value_date=value_date)[0]


def prepayment_post(
    *,
    loan: Loan | int,
    amount: Decimal,
    actor,
    mode: str | None = None,
    value_date: dt.date | None = None,
    idempotency_key: str = "",
    request_hash: str = "",
    channel: str = RepaymentChannel.API,
) -> ScheduleChange:
    """Prepay (or pay off) the loan on the open business date as quoted: store the quote, replace
    the installments not yet due, post the cash and close a paid-off loan.

    The owner or a user with `servicing.add_repayment`. With an `idempotency_key` used before on
    the loan: the same request returns the first change, another request is a Conflict.
    """
    with transaction.atomic():
        try:
            row = quiet.lock_loan(loan)
        except Loan.DoesNotExist:
            raise NotFound(_("No such loan.")) from None
        repayment_check_actor(actor, row)
        if idempotency_key:
            earlier = ScheduleChange.objects.filter(loan=row, idempotency_key=idempotency_key).first()
            if earlier is not None:
                if earlier.request_hash != request_hash:
                    raise KeyReused(_("This Idempotency-Key was used for another prepayment request."))
                return earlier
        today = open_business_date()
        on = value_date or today
        if on != today:
            raise Invalid(
                {
                    "value_date": [
                        _("A prepayment is posted on its value date: today, %(today)s.") % {"today": today}
                    ]
                }
            )
        quote, plan = _quote(row, amount=amount, mode=mode, value_date=on)
        replaced = sc.replace_after(row, after=on, rows=plan["rows"])
        row.schedule_version += 1
        last = max(r.due_date for r in sc.stored_rows(row))
        row.maturity_date = last
        row.save(update_fields=["schedule_version", "maturity_date"])
        now = clock.now()
        repayment = None
        if quote["total"] > 0:
            repayment = Repayment.objects.create(
                loan=row,
                amount=quote["total"],
                value_date=on,
                reference="prepayment",
                channel=channel,
                posted_by=actor if getattr(actor, "is_authenticated", False) else None,
                posted_at=now,
            )
        change = ScheduleChange.objects.create(
            loan=row,
            kind=plan["kind"],
            status=ChangeStatus.APPROVED,
            params=json_safe(plan["params"]),
            quote=json_safe(quote),
            replaced_rows=json_safe(replaced),
            amount=quote["total"],
            base_version=quote["schedule_version"],
            repayment=repayment,
            idempotency_key=idempotency_key,
            request_hash=request_hash,
            requested_by=actor if getattr(actor, "is_authenticated", False) else None,
            requested_at=now,
            decided_by=actor if getattr(actor, "is_authenticated", False) else None,
            decided_at=now,
        )
        refreshed = loan_refresh(
            row,
            kind=EntryKind.REPAYMENT,
            memo=f"Prepayment {change.pk} of {row.number}",
            actor=actor,
            locked=True,
        )
        position = refreshed.installments.filter(due_date__lte=on).exclude(status="paid")
        if position.exists():  # the quote is the posting: anything left due is a bug
            raise sc.ScheduleMismatch(f"prepayment {change.pk} left installments of {row} unpaid")
        record_event(
            refreshed,
            actor=actor,
            reason=coded("svc.paid_off_early") if quote["closes_loan"] else coded("svc.partial_prepayment"),
            payload={"schedule_change": change.pk, "repayment": getattr(repayment, "pk", None), **quote},
        )
    return change
