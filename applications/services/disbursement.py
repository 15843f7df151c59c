"""Disbursement: offer_accepted → disbursed, opening the loan in servicing in the same
transaction."""

from __future__ import annotations

import datetime as dt
import logging
from decimal import Decimal

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from applications import hooks
from applications.models import (
    LoanApplication,
)
from applications.services.base import (
    ApplicationStateError,
    ApplicationValidationError,
    _lock,
    _move,
    _require_officer,
    _require_state,
)
from applications.services.offers import engine_terms
from loanhub import clock
from products.choices import RepaymentMethod

logger = logging.getLogger(__name__)


AMOUNT_FIELDS = ("payment", "principal", "interest", "fees")


def _require_accepted_amounts(application: LoanApplication, loan, disbursed_on: dt.date) -> None:
    """The loan's schedule runs from the disbursement day, so its due dates follow that day; its
    amounts must be the accepted offer's to the cent. Under an actual-day count a later
    disbursement changes the interest: refused (409, nothing is written) — the offer is renewed."""
    accepted = [tuple(Decimal(str(row[k])) for k in AMOUNT_FIELDS) for row in application.offer["schedule"]]
    pinned = [tuple(getattr(row, k) for k in AMOUNT_FIELDS) for row in loan.installments.order_by("number")]
    if pinned != accepted:
        raise ApplicationStateError(
            _(
                "cannot disburse on %(date)s: the schedule's amounts would differ from the accepted "
                "offer (it starts on %(start)s); the offer must be renewed"
            )
            % {"date": disbursed_on, "start": application.offer.get("schedule_start")},
            state=application.state,
        )


def _offer_benchmark_rate(application: LoanApplication) -> Decimal | None:
    """The LPR fixing a floating-rate offer was priced on (the loan keeps rate − fixing as its
    spread); None for a fixed rate."""
    value = (application.offer or {}).get("benchmark_rate")
    return Decimal(str(value)) if value not in (None, "") else None


def _open_credit_line(
    locked: LoanApplication, terms: dict, *, actor, opened_on: dt.date, reason: str
) -> LoanApplication:
    """A revolving product's application opens a credit line (随借随还) with the approved amount
    as its limit and the offer's rate, instead of a loan (called under the application's lock)."""
    from servicing import lines as servicing_lines

    try:
        line = servicing_lines.credit_line_open(
            origin_ref=str(locked),
            number=f"C{locked.pk:08d}",
            customer_id=locked.customer_id,
            product_version=locked.product_version,
            credit_limit=terms["principal"],
            annual_rate=terms["annual_rate"],
            opened_on=opened_on,
            actor=actor,
            risk_grade=locked.risk_grade,
        )
    except servicing_lines.CreditLineAlreadyOpen:
        raise ApplicationStateError(
            _("cannot disburse: application %(application)s already has a credit line")
            % {"application": locked},
            state=locked.state,
        ) from None
    locked.disbursed_at = clock.now()
    _move(
        locked,
        "disburse",
        actor=actor,
        reason=reason or "credit line opened",
        payload={"credit_line": line.pk, "credit_line_number": line.number, "opened_on": opened_on},
        fields=("disbursed_at",),
    )
    return locked


def application_disburse(
    *, application: LoanApplication, actor, disbursed_on: dt.date | None = None, reason: str = ""
) -> LoanApplication:
    """offer_accepted → disbursed by a Loan Officer; opens the loan in servicing with the accepted
    offer's terms in the same transaction (nothing is written when servicing refuses)."""
    from servicing import collateral as servicing_collateral
    from servicing import services as servicing_services

    _require_officer(actor, application, "disburse")
    disbursed_on = disbursed_on or clock.today()
    with transaction.atomic():
        locked = _lock(application)
        _require_state(locked, "disburse", "disburse")
        accepted_on = timezone.localdate(locked.offer_accepted_at) if locked.offer_accepted_at else None
        if disbursed_on > clock.today() or (accepted_on and disbursed_on < accepted_on):
            # The customer accepted a schedule from a known start: no back- or post-dating.
            raise ApplicationValidationError(
                {
                    "disbursed_on": [
                        _("must be between the acceptance date %(date)s and today") % {"date": accepted_on}
                    ]
                }
            )
        terms = engine_terms(locked)
        if terms["method"] == RepaymentMethod.REVOLVING:
            return _open_credit_line(locked, terms, actor=actor, opened_on=disbursed_on, reason=reason)
        try:
            loan = servicing_services.loan_open(
                origin_ref=str(locked),
                number=f"L{locked.pk:08d}",
                customer_id=locked.customer_id,
                product_version=locked.product_version,
                terms=terms,
                disbursed_on=disbursed_on,
                actor=actor,
                risk_grade=locked.risk_grade,
                pd=locked.decision.pd if locked.decision_id else None,
                benchmark_rate=_offer_benchmark_rate(locked),
            )
        except servicing_services.LoanAlreadyOpen:
            raise ApplicationStateError(
                _("cannot disburse: application %(application)s already has a loan")
                % {"application": locked},
                state=locked.state,
            ) from None
        except servicing_services.LoanTermsInvalid as exc:
            raise ApplicationStateError(
                _("cannot disburse: servicing refused the accepted terms (%(reason)s)") % {"reason": exc},
                state=locked.state,
            ) from None
        _require_accepted_amounts(locked, loan, disbursed_on)
        # The pledged collateral secures the loan from now on (it lowers the loan's LGD).
        servicing_collateral.loan_collateral_record(
            loan=loan,
            items=[
                {
                    "origin_ref": f"{locked}:C{item.pk}",
                    "collateral_type": item.collateral_type,
                    "value": item.value,
                    "valuation_date": item.valuation_date,
                    "description": item.description,
                }
                for item in locked.collateral.all()
            ],
        )
        locked.disbursed_at = clock.now()
        _move(
            locked,
            "disburse",
            actor=actor,
            reason=reason or "disbursed",
            payload={"loan": loan.pk, "loan_number": loan.number, "disbursed_on": disbursed_on},
            fields=("disbursed_at",),
        )
        hooks.application_disbursed(application=locked)
    return locked
