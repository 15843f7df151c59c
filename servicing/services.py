"""Writes of servicing: opening (disbursing) a loan.

`loan_open` is the contract with `applications` (which sits above servicing: servicing knows an
application only as the loan's `origin_ref`): the applications service locks the application,
moves it to `disbursed` and calls `loan_open` inside the same `transaction.atomic()`. The loan's
schedule is the engine's output for exactly the terms it is given, stored row by row, and the
disbursement is booked through `servicing.ledger.post` in the same transaction.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from loanhub.errors import Conflict, Invalid
from loanhub.money import RATE_PLACES
from products import engine_adapter
from servicing import ledger, rules
from servicing.choices import Account, EntryKind
from servicing.models import Loan, LoanInstallment

__all__ = ("TERM_KEYS", "LoanAlreadyOpen", "LoanTermsInvalid", "loan_open")

# The keyword arguments of `products.engine_adapter.schedule` except start_date (the
# disbursement date); the last three may be left out and then take the engine's defaults.
REQUIRED_TERM_KEYS = frozenset(
    {"principal", "annual_rate", "term", "frequency", "method", "day_count", "fees"}
)
TERM_KEYS = REQUIRED_TERM_KEYS | {"grace", "interest_free_periods", "first_due_date"}
ZERO = Decimal("0.00")


class LoanAlreadyOpen(Conflict):
    """The origin already has a loan: a second disbursement is refused."""

    def __init__(self, origin_ref: str):
        super().__init__(_("%(origin)s already has a loan") % {"origin": origin_ref}, state="disbursed")
        self.origin_ref = origin_ref


class LoanTermsInvalid(Invalid):
    """The terms cannot be pinned: unknown or missing keys, or refused by the engine.

    `errors` is field-keyed like the engine's: {"annual_rate": ["…"]}.
    """


def _check_keys(terms: dict) -> None:
    errors: dict[str, list[str]] = {}
    for key in sorted(set(terms) - TERM_KEYS):
        errors[key] = [_("not a term of the schedule engine (start_date is the disbursement date)")]
    for key in sorted(REQUIRED_TERM_KEYS - set(terms)):
        errors[key] = [_("required")]
    rate = terms.get("annual_rate")
    if isinstance(rate, str):
        try:
            rate = Decimal(rate.strip())
        except ArithmeticError:
            rate = None  # the engine reports it
    if isinstance(rate, Decimal) and rate.is_finite() and rate.as_tuple().exponent < -RATE_PLACES:
        # The loan stores the rate in a DecimalField; a rate it would round could not be pinned.
        errors["annual_rate"] = [_("at most %(places)s decimal places") % {"places": RATE_PLACES}]
    if errors:
        raise LoanTermsInvalid(errors)


def _disbursement_lines(loan: Loan) -> list[tuple[str, Decimal, Decimal]]:
    """Dr loans receivable = principal; Cr clearing = net proceeds; Cr fee income = upfront fees."""
    lines = [(Account.LOANS_RECEIVABLE, loan.principal, ZERO)]
    lines.append((Account.DISBURSEMENT_CLEARING, ZERO, loan.net_proceeds))
    if loan.upfront_fees > 0:
        lines.append((Account.FEE_INCOME, ZERO, loan.upfront_fees))
    return lines


def loan_open(
    *,
    origin_ref: str,
    number: str,
    customer_id: int,
    product_version,
    terms: dict,
    disbursed_on: dt.date,
    actor,
    risk_grade: str = "",
    pd: Decimal | None = None,
    benchmark_rate: Decimal | None = None,
) -> Loan:
    """Open a loan: pinned schedule, rows and disbursement entry.

    `origin_ref` names where it comes from ("A00000042" for an application) and `number` is the
    loan's number. Call it inside the caller's `transaction.atomic()` with the origin's row locked
    (`select_for_update`). `terms` are the keyword arguments of `engine_adapter.schedule` without
    `start_date`; `disbursed_on` is the start date. Raises LoanAlreadyOpen when the origin already
    has a loan (nothing is written then) and LoanTermsInvalid for terms the engine refuses. The
    unique `Loan.origin_ref` makes a second loan impossible even when two callers race without
    the lock. A floating-rate version's loan keeps its benchmark, spread over `benchmark_rate`
    (the fixing the offer was priced on; default the one in force on `disbursed_on`) and reset
    rule (`servicing.rate_resets`).
    """
    from servicing.prepayments import terms_from_product
    from servicing.rate_resets import floating_terms

    _check_keys(terms)
    if Loan.objects.filter(origin_ref=origin_ref).exists():
        raise LoanAlreadyOpen(origin_ref)
    try:
        result = engine_adapter.schedule(**terms, start_date=disbursed_on)
    except engine_adapter.EngineValidationError as exc:
        raise LoanTermsInvalid(engine_adapter.localized(exc.errors)) from None
    rows, summary = result.installments, result.summary
    disbursed_by = actor if getattr(actor, "is_authenticated", False) else None

    with transaction.atomic():
        try:
            with transaction.atomic():  # a savepoint: the caller's transaction survives a lost race
                loan = Loan.objects.create(
                    number=number,
                    origin_ref=origin_ref,
                    customer_id=customer_id,
                    product_version=product_version,
                    currency=product_version.currency,
                    principal=summary["total_principal"],
                    annual_rate=terms["annual_rate"],
                    initial_rate=terms["annual_rate"],
                    **floating_terms(
                        product_version=product_version,
                        annual_rate=terms["annual_rate"],
                        start=disbursed_on,
                        benchmark_rate=benchmark_rate,
                    ),
                    term=terms["term"],
                    frequency=terms["frequency"],
                    method=terms["method"],
                    day_count=terms["day_count"],
                    fees=list(terms["fees"]),
                    grace=terms.get("grace"),
                    interest_free_periods=terms.get("interest_free_periods", 0),
                    start_date=disbursed_on,
                    first_due_date=rows[0]["due_date"],
                    maturity_date=rows[-1]["due_date"],
                    apr=summary["apr"],
                    effective_annual_rate=summary["effective_annual_rate"],
                    total_interest=summary["total_interest"],
                    total_fees=summary["total_fees"],
                    total_payable=summary["total_payable"],
                    net_proceeds=summary["net_proceeds"],
                    disbursed_by=disbursed_by,
                    risk_grade=risk_grade or "",
                    pd=pd if pd is not None else Decimal("0"),
                    penalty_rate=rules.penalty_rate(
                        annual_rate=Decimal(str(terms["annual_rate"])),
                        multiplier=product_version.penalty_rate_multiplier,
                    ),
                    compound_penalty=product_version.compound_penalty,
                    overdue_grace_days=product_version.overdue_grace_days,
                    allocation_order=product_version.allocation_order,
                    worst_loan_classification=product_version.worst_loan_classification,
                    prepayment_terms=terms_from_product(product_version),
                    principal_outstanding=summary["total_principal"],
                    position_date=disbursed_on,
                )
        except IntegrityError:
            if Loan.objects.filter(origin_ref=origin_ref).exists():
                raise LoanAlreadyOpen(origin_ref) from None
            raise
        LoanInstallment.objects.bulk_create(
            LoanInstallment(loan=loan, **{field: row[field] for field in engine_adapter.ROW_FIELDS})
            for row in rows
        )
        ledger.post(
            kind=EntryKind.DISBURSEMENT,
            lines=_disbursement_lines(loan),
            memo=f"Disbursement of {loan.number} for {origin_ref}",
            idempotency_key=f"loan:{loan.pk}:disbursement",
            loan=loan,
            actor=actor,
        )
        from servicing.repayments import loan_refresh

        # The position on the day it starts; close of business carries it forward from there.
        loan_refresh(loan, actor=actor, locked=True, as_of=disbursed_on)
    return loan
