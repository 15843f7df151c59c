"""Drafts: a customer (or an officer at a branch) creates and changes an application before
submitting it; the product version offered now is pinned and its limits checked."""

from __future__ import annotations

import logging
from decimal import Decimal, InvalidOperation

from django.db import transaction
from django.utils.translation import gettext as _

from applications import features as f
from applications import permissions as perms
from applications.models import (
    LoanApplication,
    State,
)
from applications.services.base import (
    ApplicationPermissionError,
    ApplicationValidationError,
    _event,
    _lock,
    state_conflict,
)
from customers import selectors as customer_selectors
from loanhub.money import is_cents
from loanhub.text import text_error
from products.choices import Channel, GraceType
from products.models import Product, ProductVersion
from products.quotes import ProductQuoteError, grace_type_for, product_quote
from products.selectors import ProductNotOffered, product_get_offered

logger = logging.getLogger(__name__)


def _offered_version(code: str) -> ProductVersion:
    try:
        return product_get_offered(code=code)
    except Product.DoesNotExist:
        raise ApplicationValidationError(
            {"product": [_("unknown product %(code)s") % {"code": code}]}
        ) from None
    except ProductNotOffered as exc:
        raise ApplicationValidationError(exc.errors) from None  # "product X is retired and is not offered"


def _limit_errors(application: LoanApplication, *, segments=()) -> dict[str, list[str]]:
    """The product's own checks of what is asked (amount, term, method, frequency, channel,
    grace), through the one quote (products.quotes.product_quote), as field errors."""
    try:
        product_quote(
            version=application.product_version,
            amount=application.amount,
            term=application.term,
            method=application.method,
            frequency=application.frequency,
            channel=application.channel,
            grace=application.grace,
            segments=segments,
        )
    except ProductQuoteError as exc:
        return {GRACE_FIELDS.get(k, k): [str(m) for m in v] for k, v in exc.errors.items()}
    return {}


# The quote speaks of `grace` ({"periods", "type"}); an application asks for it in two fields.
GRACE_FIELDS = {"grace": "grace_periods"}

DRAFT_FIELDS = (
    "amount",
    "term",
    "method",
    "frequency",
    "grace_periods",
    "grace_type",
    "purpose",
    "channel",
    "campaign",
    "utm",
    "referral_code",
    *f.APPLICANT_STATED,
)


# Where the customer came from (landing links, partners' API calls): short one-line text.
TEXT_LIMITS = {"campaign": 100, "referral_code": 64}
UTM_KEYS = ("utm_source", "utm_medium", "utm_campaign", "utm_term", "utm_content")
UTM_VALUE_MAX_LENGTH = 200


def _utm_errors(utm) -> list[str]:
    if not isinstance(utm, dict):
        return [_("must be an object of UTM parameters")]
    if any(key not in UTM_KEYS for key in utm):
        return [_("only these UTM parameters are kept: %(allowed)s") % {"allowed": ", ".join(UTM_KEYS)}]
    for key, value in utm.items():
        if not isinstance(value, str):
            return [_("%(key)s must be text") % {"key": key}]
        message = text_error(value, max_length=UTM_VALUE_MAX_LENGTH)
        if message:
            return [f"{key}: {message}"]
    return []


def _one_of(choices) -> str:
    return _("must be one of %(allowed)s") % {"allowed": ", ".join(choices)}


def _clean_draft(data: dict, errors: dict[str, list[str]]) -> dict:
    clean = {k: v for k, v in data.items() if k in DRAFT_FIELDS}
    if "amount" in clean:
        try:
            clean["amount"] = Decimal(str(clean["amount"]))
        except (InvalidOperation, ValueError):
            errors["amount"] = [_("must be a number")]
        else:
            if not is_cents(clean["amount"]):
                errors["amount"] = [_("must be an amount with at most two decimals")]
    if "term" in clean:
        try:
            clean["term"] = int(clean["term"])
        except (TypeError, ValueError):
            errors["term"] = [_("must be a whole number of months")]
    if "grace_periods" in clean:
        try:
            clean["grace_periods"] = int(clean["grace_periods"] or 0)
            if clean["grace_periods"] < 0:
                raise ValueError
        except (TypeError, ValueError):
            errors["grace_periods"] = [_("must be a whole number of installments, 0 for none")]
    if clean.get("grace_type") not in (None, "") and clean["grace_type"] not in GraceType.values:
        errors["grace_type"] = [_one_of(GraceType.values)]
    if "channel" in clean and clean["channel"] not in Channel.values:
        errors["channel"] = [_one_of(Channel.values)]
    for name, choices in f.STATED_CHOICES.items():
        value = clean.get(name)
        if value not in (None, "") and value not in choices:
            errors[name] = [_one_of(choices)]
    for name, max_length in TEXT_LIMITS.items():
        if clean.get(name) is not None:
            clean[name] = str(clean[name]).strip()
            message = text_error(clean[name], max_length=max_length)
            if message:
                errors[name] = [message]
    if clean.get("utm") is not None and (utm_errors := _utm_errors(clean["utm"])):
        errors["utm"] = utm_errors
    return clean


def _validate_limits(application: LoanApplication) -> None:
    if application.grace_periods and not application.grace_type:
        # Stored, so the offer is quoted with the type the quote API would have used.
        application.grace_type = grace_type_for(application.product_version)
    errors = _limit_errors(application)
    if errors:
        raise ApplicationValidationError(errors)


def application_create(*, actor, product: str, customer=None, **data) -> LoanApplication:
    """A draft for the actor's own customer profile (officers may name `customer` at a branch),
    pinned to the version of `product` offered now. Raises ApplicationValidationError with
    field errors (unknown product, amount or term outside the version's limits, …). The draft
    returned carries its one event, `creation_event`."""
    if customer is None:
        customer = customer_selectors.customer_for_user(actor)
        if customer is None:
            raise ApplicationValidationError(
                {"customer": [_("create your customer profile before applying")]}
            )
    elif customer.user_id != getattr(actor, "pk", None) and not perms.may_decide(actor):
        raise ApplicationPermissionError(_("only a Loan Officer may apply on behalf of a customer"))
    errors: dict[str, list[str]] = {}
    clean = _clean_draft(data, errors)
    for name in ("amount", "term"):
        if name not in clean and name not in errors:
            errors[name] = [_("this field is required")]
    version = None
    try:
        version = _offered_version(product)
    except ApplicationValidationError as exc:
        errors.update(exc.errors)
    if errors:
        raise ApplicationValidationError(errors)
    clean.setdefault("method", version.default_method)
    clean.setdefault("frequency", version.default_frequency)
    clean = {k: v for k, v in clean.items() if v is not None}
    with transaction.atomic():
        application = LoanApplication(customer=customer, product_version=version, **clean)
        _validate_limits(application)
        application.save()
        event = _event(
            application, actor=actor, from_state="", reason="created", payload={"product": str(version)}
        )
    # The new draft's whole timeline, for whoever answers with it at once (the API): nothing to read.
    application.creation_event = event
    return application


def draft_check_editor(actor, application: LoanApplication) -> None:
    """The owner, or an officer for the customer, may change a draft (ApplicationPermissionError
    otherwise): checked before the request body, so anyone else is refused whatever they send."""
    if not (perms.is_owner(actor, application) or perms.may_decide(actor)):
        raise ApplicationPermissionError(_("only the customer who applied may change the draft"))


def application_update(*, application: LoanApplication, actor, data: dict) -> LoanApplication:
    """Change a draft (owner, or an officer for the customer). `product` re-pins the version
    offered now. The whole change is refused when any field is wrong."""
    draft_check_editor(actor, application)
    errors: dict[str, list[str]] = {}
    clean = _clean_draft(data, errors)
    version = None
    if data.get("product"):
        try:
            version = _offered_version(data["product"])
        except ApplicationValidationError as exc:
            errors.update(exc.errors)
    if errors:
        raise ApplicationValidationError(errors)
    with transaction.atomic():
        locked = _lock(application)
        if locked.state != State.DRAFT:
            raise state_conflict(locked, "change")
        if version is not None:
            locked.product_version = version
        for name, value in clean.items():
            setattr(locked, name, value if value is not None else "")
        _validate_limits(locked)
        locked.save()
    return locked
