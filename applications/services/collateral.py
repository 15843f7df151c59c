"""Collateral and guarantors on an application: the loan-to-value check and the guarantor's.

Loan-to-value (LTV) = the amount (the offer's once there is one, else the amount asked for) /
the total market value of the application's collateral, to four places. Above the product
version's `max_ltv`, the product's `ltv_excess` says what happens: `refuse` answers a field
error on `value` and records nothing; `refer` records the collateral and sends the application
to an officer with the reason "ltv" (now, when it waits for an officer's decision, or when risk's
decision arrives: see `ltv_refer_reason`). Haircuts do not enter the LTV (they lower the LGD,
`servicing.collateral`).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from applications import permissions as perms
from applications.collateral_models import ApplicationCollateral, ApplicationGuarantor
from applications.models import LoanApplication, State
from applications.services.base import (
    ApplicationPermissionError,
    ApplicationValidationError,
    _event,
    _lock,
    _move,
    state_conflict,
)
from customers.models import Customer, KycStatus
from loanhub import clock
from loanhub.money import quantize_money, quantize_places
from products.choices import LtvExcess
from risk.collateral import CollateralType

# Collateral and guarantors are added before the credit decision is final.
COLLATERAL_STATES = (State.DRAFT, State.SUBMITTED, State.SCORING, State.SCORED, State.REFERRED)
LTV_REASON = "ltv"
DESCRIPTION_MAX_LENGTH = 200


def _loan_amount(application: LoanApplication) -> Decimal:
    return application.offer_amount or application.amount


def application_ltv(*, application: LoanApplication, extra_value: Decimal = Decimal(0)) -> Decimal | None:
    """The application's LTV (with `extra_value` of collateral not yet recorded); None without
    collateral."""
    values = list(application.collateral.values_list("value", flat=True))
    total = sum(values, Decimal(0)) + extra_value
    if total <= 0:
        return None
    return quantize_places(_loan_amount(application) / total, 4)


def ltv_refer_reason(application: LoanApplication) -> str | None:
    """Why risk's approval must go to an officer for the collateral (None: it need not): a
    product with a maximum LTV and an application without enough collateral."""
    limit = application.product_version.max_ltv
    if limit is None:
        return None
    ltv = application_ltv(application=application)
    if ltv is None:
        return f"{LTV_REASON}: no collateral recorded; the product's maximum LTV is {limit:.4f}"
    if ltv > limit:
        return f"{LTV_REASON}: {ltv:.4f} is above the product's maximum {limit:.4f}"
    return None


def collateral_check_actor(actor, application: LoanApplication) -> None:
    if not (perms.is_owner(actor, application) or perms.may_decide(actor)):
        raise ApplicationPermissionError(_("only the applicant or a Loan Officer may add collateral"))


def _require_collateral_state(application: LoanApplication) -> None:
    if application.state not in COLLATERAL_STATES:
        raise state_conflict(application, "change")


def application_collateral_add(
    *,
    application: LoanApplication,
    actor,
    collateral_type: str,
    value: Decimal,
    valuation_date: dt.date,
    description: str = "",
) -> tuple[ApplicationCollateral, Decimal]:
    """Record one item of collateral; returns it and the application's LTV with it."""
    collateral_check_actor(actor, application)
    errors: dict[str, list[str]] = {}
    if collateral_type not in CollateralType.values:
        errors["type"] = [_("not a collateral type")]
    value = quantize_money(value)
    if value <= 0:
        errors["value"] = [_("must be more than 0")]
    if valuation_date > clock.today():
        errors["valuation_date"] = [_("cannot be in the future")]
    if len(description) > DESCRIPTION_MAX_LENGTH:
        errors["description"] = [_("at most %(n)d characters") % {"n": DESCRIPTION_MAX_LENGTH}]
    if errors:
        raise ApplicationValidationError(errors)
    with transaction.atomic():
        locked = _lock(application)
        _require_collateral_state(locked)
        ltv = application_ltv(application=locked, extra_value=value)
        limit = locked.product_version.max_ltv
        above = limit is not None and ltv > limit
        if above and locked.product_version.ltv_excess == LtvExcess.REFUSE:
            raise ApplicationValidationError(
                {
                    "value": [
                        _("the loan-to-value %(ltv)s would be above the product's maximum %(max)s")
                        % {"ltv": f"{ltv:.4f}", "max": f"{limit:.4f}"}
                    ]
                }
            )
        item = ApplicationCollateral.objects.create(
            application=locked,
            collateral_type=collateral_type,
            value=value,
            valuation_date=valuation_date,
            description=description,
            created_by=actor,
        )
        payload = {"collateral": item.pk, "type": collateral_type, "value": str(value), "ltv": str(ltv)}
        reason = f"{LTV_REASON}: {ltv:.4f} is above the product's maximum {limit:.4f}" if above else ""
        if above and locked.state == State.SCORED:
            _move(locked, "refer", actor=None, reason=reason, payload=payload)
        else:
            _event(
                locked,
                actor=actor,
                from_state=locked.state,
                reason=reason or "collateral recorded",
                payload=payload,
            )
    return item, ltv


def guarantor_check(*, application: LoanApplication, customer: Customer) -> None:
    """A guarantor is another customer, KYC-verified, named once."""
    if customer.pk == application.customer_id:
        raise ApplicationValidationError({"customer": [_("the applicant cannot guarantee their own loan")]})
    if customer.kyc_status != KycStatus.VERIFIED:
        raise ApplicationValidationError({"customer": [_("a guarantor must be KYC-verified")]})
    if ApplicationGuarantor.objects.filter(application=application, customer=customer).exists():
        raise ApplicationValidationError({"customer": [_("already a guarantor of this application")]})


def guarantor_check_actor(actor, application: LoanApplication) -> None:
    if not perms.may_decide(actor) or perms.is_owner(actor, application):
        raise ApplicationPermissionError(_("only a Loan Officer may add a guarantor"))


def application_guarantor_add(
    *, application: LoanApplication, actor, customer_id: int
) -> ApplicationGuarantor:
    """A Loan Officer names a customer as guarantor of an open application."""
    guarantor_check_actor(actor, application)
    customer = Customer.objects.filter(pk=customer_id).first()
    if customer is None:
        raise ApplicationValidationError({"customer": [_("no such customer")]})
    with transaction.atomic():
        locked = _lock(application)
        _require_collateral_state(locked)
        guarantor_check(application=locked, customer=customer)
        try:
            with transaction.atomic():
                guarantor = ApplicationGuarantor.objects.create(
                    application=locked, customer=customer, added_by=actor
                )
        except IntegrityError:
            raise ApplicationValidationError(
                {"customer": [_("already a guarantor of this application")]}
            ) from None
        _event(
            locked,
            actor=actor,
            from_state=locked.state,
            reason="guarantor added",
            payload={"guarantor": customer.pk},
        )
    return guarantor
