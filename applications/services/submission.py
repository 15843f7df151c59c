"""Submission: draft → submitted → scoring, with the product's limits, eligibility rules and
exposure cap, the credit-check consent and the risk scoring request."""

from __future__ import annotations

import datetime as dt
import logging
from decimal import Decimal

from django.conf import settings
from django.db import transaction
from django.db.models import Sum
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from applications import features as f
from applications import hooks
from applications import permissions as perms
from applications.models import (
    LoanApplication,
    State,
)
from applications.services.base import (
    REQUESTER_PREFIX,
    ApplicationPermissionError,
    ApplicationValidationError,
    _lock,
    _move,
    _require_state,
)
from applications.services.drafts import _limit_errors
from customers import selectors as customer_selectors
from customers.models import age_on
from loanhub import clock
from products.quotes import Profile, product_recommend

logger = logging.getLogger(__name__)


EXPOSURE_STATES = (
    State.SUBMITTED,
    State.SCORING,
    State.SCORED,
    State.APPROVED,
    State.REFERRED,
    State.OFFER_ACCEPTED,
    State.DISBURSED,
)


def _exposure_errors(application: LoanApplication) -> dict[str, list[str]]:
    """The product's maximum total exposure per customer: this amount plus the customer's other
    open or disbursed applications of the same product (disbursed ones at their full principal:
    repayments are not tracked yet, so this errs on the safe side)."""
    version = application.product_version
    limit = version.max_exposure_per_customer
    if limit is None:
        return {}
    others = LoanApplication.objects.filter(
        customer_id=application.customer_id,
        product_version__product_id=version.product_id,
        state__in=EXPOSURE_STATES,
    ).exclude(pk=application.pk).aggregate(total=Sum(Coalesce("offer_amount", "amount")))["total"] or Decimal(
        "0"
    )
    if others + application.amount > limit:
        room = max(limit - others, Decimal("0"))
        return {
            "amount": [
                _(
                    "above the product's maximum exposure per customer of %(limit)s: you already have "
                    "%(others)s under this product, so at most %(room)s more can be applied for"
                )
                % {"limit": limit, "others": others, "room": room}
            ]
        }
    return {}


def _eligibility_errors(application: LoanApplication, customer, *, on_date: dt.date) -> dict[str, list[str]]:
    """The product's eligibility rules (products.quotes.product_recommend) as field errors, each
    with the rule's reason."""
    version = application.product_version
    errors: dict[str, list[str]] = {}
    profile = Profile(
        amount=application.amount,
        term=application.term,
        monthly_income=customer.monthly_income,
        monthly_debt=customer.monthly_debt or Decimal("0"),
        employment_type=customer.employment_type,
        customer_type=customer.customer_type,
        age=age_on(customer.date_of_birth, on_date),
        region=customer.region or None,
        segments=tuple(application.segments),
        channel=application.channel,
    )
    (recommendation,) = product_recommend(profile=profile, versions=[version], on_date=on_date)
    for exclusion in recommendation.exclusions:
        errors.setdefault(exclusion["rule"], []).append(str(exclusion["message"]))
    return errors


def _start_scoring(application: LoanApplication, *, actor, device_id: str = "") -> None:
    """Create the risk scoring request of a submitted (locked) application and move it to scoring."""
    from risk import services as risk_services
    from risk.features import FeatureValidationError
    from servicing import selectors as servicing_selectors

    customer = application.customer
    on_date = timezone.localdate(application.submitted_at or clock.now())
    record = f.application_features(application, customer, on_date=on_date)
    try:
        # risk prices the application's own method, frequency, channel and segments (the inputs
        # of its offer's quote) and snapshots the terms with the request.
        request = risk_services.scoring_request_create(
            requester_ref=f"{REQUESTER_PREFIX}{application.pk}",
            product_version=application.product_version,
            features=record,
            customer=customer,
            method=application.method,
            frequency=application.frequency,
            channel=application.channel,
            segments=tuple(application.segments),
            grace=application.grace,
            on_date=on_date,
            device_id=device_id,
            language=get_language() or settings.LANGUAGE_CODE,
            actor=actor if getattr(actor, "is_authenticated", False) else None,
            # A returning customer's own repayment history with us (servicing's facts).
            internal_history=servicing_selectors.customer_history_facts(
                customer_id=customer.pk, as_of=on_date
            ),
        )
    except FeatureValidationError as exc:
        raise ApplicationValidationError(
            {f.FEATURE_FIELD.get(k, k): [str(m) for m in v] for k, v in exc.errors.items()}
        ) from None
    application.scoring_request = request
    _move(
        application,
        "start_scoring",
        actor=actor,
        reason="scoring requested",
        payload={"scoring_request": request.pk},
        fields=("scoring_request",),
    )


def application_segments(customer) -> frozenset[str]:
    """The catalogue segments of the applicant when they submit (servicing's
    `customer_segments_now`, the same a quote for them uses). Recorded on the application; its
    offer applies the promotions and fee waivers of these segments."""
    from servicing.selectors import customer_segments_now

    return customer_segments_now(customer)


def _kyc_errors(customer) -> dict[str, list[str]]:
    """An identity card on file and a phone number proven by a one-time code (customers.phone),
    whoever submits: the officer then verifies the identity against that card."""
    errors = {}
    if customer_selectors.identity_document_latest(customer=customer) is None:
        errors["document"] = [_("upload your identity card before submitting the application")]
    if not customer_selectors.phone_is_verified(customer=customer):
        errors["phone"] = [_("verify your phone number with the code we send by SMS before submitting")]
    return errors


def application_submit(
    *,
    application: LoanApplication,
    actor,
    credit_check_consent: bool = False,
    device_id: str = "",
    reason: str = "",
) -> LoanApplication:
    """draft → submitted → scoring. Checks the product version's limits and eligibility rules,
    the customer profile, the identity card on file, the verified phone and the credit-check consent
    (given now with `credit_check_consent`, or earlier through customers), then creates the risk
    scoring request (scored after commit).
    Field errors are raised together and nothing is saved."""
    if not (perms.is_owner(actor, application) or perms.may_decide(actor)):
        raise ApplicationPermissionError(_("only the customer who applied may submit the application"))
    with transaction.atomic():
        locked = _lock(application)
        _require_state(locked, "submit", "submit")
        customer = locked.customer
        errors = f.missing_facts(locked, customer)
        errors.update(_kyc_errors(customer))
        # Consent is the customer's own: an officer submitting for them relies on one given before.
        credit_check_consent = credit_check_consent and perms.is_owner(actor, locked)
        if not credit_check_consent and not customer_selectors.customer_has_credit_check_consent(
            customer=customer
        ):
            errors["credit_check_consent"] = [_("the customer's consent to a credit check is required")]
        if errors:
            raise ApplicationValidationError(errors)
        on_date = clock.today()
        locked.segments = sorted(application_segments(customer))
        errors = _limit_errors(locked, segments=locked.segments)
        if not errors:
            errors = _eligibility_errors(locked, customer, on_date=on_date)
        if not errors:
            # Serialise submissions of one customer, so two at once cannot both fit the cap.
            type(customer).objects.select_for_update().filter(pk=customer.pk).first()
            errors = _exposure_errors(locked)
        if errors:
            raise ApplicationValidationError(errors)
        consent_payload = {}
        if credit_check_consent:
            from customers import services as customer_services

            consent = customer_services.consent_record(customer=customer)
            consent_payload = {"consent": consent.pk, "consent_version": consent.version}
        now = clock.now()
        locked.submitted_at = now
        locked.credit_check_consent_at = now
        # The partner channel the applicant came through (marketing's landings), as it was now.
        locked.partner_code = hooks.partner_for(application=locked)[:32]
        _move(
            locked,
            "submit",
            actor=actor,
            reason=reason or "submitted",
            payload=consent_payload,
            fields=("submitted_at", "credit_check_consent_at", "segments", "partner_code"),
        )
        _start_scoring(locked, actor=actor, device_id=device_id)
        hooks.submitted(application=locked)
    return locked


def application_start_scoring(*, application_id: int, actor=None) -> LoanApplication:
    """submitted → scoring for an application left in submitted (idempotent: any other state is
    returned unchanged)."""
    with transaction.atomic():
        locked = _lock(application_id)
        if locked.state != State.SUBMITTED:
            return locked
        _start_scoring(locked, actor=actor)
    return locked
