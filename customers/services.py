"""Writes of the customers app: registration, profiles, KYC, consents, documents, reveals.

Rules enforced here, whatever the caller (API, page, admin):
- a customer writes only their own profile and documents; identity data that a Loan Officer
  verified can no longer be changed by the customer, and correcting it after a rejection sends
  the profile back to `unverified`;
- KYC moves unverified → verified / rejected only by a user with `customers.change_customer`
  (Loan Officers), never on their own profile, with a reason; the row is locked, so two officers
  acting at once give one transition and one refusal;
- every KYC transition (through `loanhub.transitions.run_transition`), every reveal of personal
  data and every staff download of a document writes a `CustomerEvent` with the actor, in the
  same transaction;
- a profile never tells its user that an identity number or credit code belongs to another
  customer: every refusal of a well-formed number is the one `NUMBER_REFUSED` answer, and claims
  of other customers' numbers are audited on them and limited per account and day;
- identity and phone numbers are never logged (log lines name the customer as `C0000042`).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.validators import EmailValidator
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _

from customers import consents as wording
from customers import validators
from customers.errors import CustomerError as CustomerError
from customers.errors import CustomerNotFound as CustomerNotFound
from customers.errors import (
    CustomerPermissionError,
    CustomerTransitionError,
    CustomerValidationError,
)
from customers.fields import GRADUATION_YEARS_AHEAD as GRADUATION_YEARS_AHEAD
from customers.fields import MAX_YEARS as MAX_YEARS
from customers.fields import parse_choice, parse_graduation_year, parse_money, parse_text, parse_years
from customers.masking import mask_id_number, mask_phone
from customers.models import (
    BUSINESS_TYPES,
    NEEDS_EMPLOYER,
    NEEDS_INDUSTRY,
    Consent,
    ConsentKind,
    Customer,
    CustomerEvent,
    CustomerType,
    Document,
    DocumentKind,
    EmploymentType,
    EventKind,
    IncomeSource,
    KycStatus,
)
from loanhub import clock, roles
from loanhub.money import ZERO, quantize_money
from loanhub.permissions import REVEAL_PII, is_staff_account, is_user, may
from loanhub.transitions import run_transition

logger = logging.getLogger(__name__)

REVEALABLE_FIELDS = ("id_number", "phone")
# Fields a verified identity rests on: the customer may not change them once verified.
IDENTITY_FIELDS = ("customer_type", "legal_name", "id_number", "uscc")
# Claims of identity numbers (or credit codes) that belong to another customer, per account in a
# rolling day. Each is audited on the customer whose number it is; past the limit the account may
# not try further numbers. Every refusal of a well-formed number, for whatever reason, is the same
# answer (NUMBER_REFUSED): the page and the API never say that a number is registered, so a
# signed-in user cannot walk through identity numbers to learn who is a customer.
IDENTITY_CLAIM_LIMIT = 3
IDENTITY_CLAIM_WINDOW = timedelta(hours=24)
NUMBER_REFUSED = {
    "id_number": gettext_lazy(
        "This identity number cannot be used for your profile. If it is yours, contact us."
    ),
    "uscc": gettext_lazy("This credit code cannot be used for your profile. If it is yours, contact us."),
}


# --- who may do what ---------------------------------------------------------------------------
def can_review_kyc(user) -> bool:
    """Loan Officers: they verify or reject identities (never their own, see `_kyc_decide`)."""
    return may(user, "customers.change_customer")


def can_view_customers(user) -> bool:
    """Staff who may see every customer (masked): officers, approvers, analysts, auditors…"""
    return may(user, "customers.view_customer")


def can_reveal(user) -> bool:
    return may(user, REVEAL_PII)


def _name(user) -> str:
    return user.get_username() if getattr(user, "is_authenticated", False) else "anonymous"


def _note(customer: Customer, *, kind: str, actor, field: str = "", reason: str = "", payload=None):
    """An audit row on the customer that does not change its KYC state."""
    return CustomerEvent.objects.create(
        customer=customer,
        kind=kind,
        actor=actor if getattr(actor, "is_authenticated", False) else None,
        from_state=customer.kyc_status,
        to_state=customer.kyc_status,
        field=field,
        reason=reason,
        payload=payload or {},
    )


# --- registration ------------------------------------------------------------------------------
def customer_user_register(*, username: str, password: str, email: str):
    """Create a user in the Customer role (not staff). Passwords pass Django's validators."""
    user_model = get_user_model()
    username = (username or "").strip()
    email = (email or "").strip()
    errors: dict[str, list[str]] = {}
    if not username:
        errors["username"] = [_("Choose a user name.")]
    else:
        try:
            user_model.username_validator(username)
        except ValidationError as exc:
            errors["username"] = list(exc.messages)
        if len(username) > 150:
            errors.setdefault("username", []).append(_("At most 150 characters."))
        if "username" not in errors and user_model.objects.filter(username__iexact=username).exists():
            errors["username"] = [_("This user name is taken.")]
    if not email:
        errors["email"] = [_("Enter your e-mail address.")]
    else:
        try:
            EmailValidator()(email)
        except ValidationError as exc:
            errors["email"] = list(exc.messages)
    try:
        validate_password(password or "", user=user_model(username=username, email=email))
    except ValidationError as exc:
        errors["password"] = list(exc.messages)
    if errors:
        raise CustomerValidationError(errors)
    try:
        with transaction.atomic():
            user = user_model.objects.create_user(username=username, email=email, password=password)
            group, _created = Group.objects.get_or_create(name=roles.CUSTOMER)
            user.groups.add(group)
    except IntegrityError:  # the same name registered at the same moment
        raise CustomerValidationError({"username": [_("This user name is taken.")]}) from None
    logger.info("customer user registered user_id=%s", user.pk)
    return user


# --- profile -----------------------------------------------------------------------------------
def _keeps(value: Any, current: str, masked: str) -> bool:
    """An update that leaves the value out, blank, or as its masked form keeps the stored value."""
    text = "" if value is None else str(value).strip()
    return bool(current) and (not text or text == masked)


def _clean_profile(data: Mapping, existing: Customer | None, user) -> dict[str, Any]:
    errors: dict[str, list[str]] = {}
    out: dict[str, Any] = {}
    out["customer_type"] = parse_choice(data, "customer_type", CustomerType, errors)
    out["legal_name"] = parse_text(data, "legal_name", 200, errors, required=True)
    is_business = out["customer_type"] in BUSINESS_TYPES

    if existing and _keeps(data.get("id_number"), existing.id_number, mask_id_number(existing.id_number)):
        out["id_number"], out["date_of_birth"] = existing.id_number, existing.date_of_birth
    else:
        try:
            out["id_number"], out["date_of_birth"] = validators.validate_id_number(
                data.get("id_number") or ""
            )
        except validators.IdentifierError as exc:
            errors["id_number"] = [str(exc)]

    if existing and _keeps(data.get("phone"), existing.phone, mask_phone(existing.phone)):
        out["phone"] = existing.phone
    else:
        try:
            out["phone"] = validators.validate_phone(data.get("phone") or "")
        except validators.IdentifierError as exc:
            errors["phone"] = [str(exc)]

    raw_uscc = str(data.get("uscc") or "").strip()
    if is_business:
        try:
            out["uscc"] = validators.validate_uscc(raw_uscc)
        except validators.IdentifierError as exc:
            errors["uscc"] = [str(exc)]
    elif raw_uscc:
        errors["uscc"] = [_("Only sole proprietors and small businesses have a unified social credit code.")]
    else:
        out["uscc"] = ""

    email = parse_text(data, "email", 254, errors, required=False) or (user.email or "")
    if email and "email" not in errors:
        try:
            EmailValidator()(email)
        except ValidationError as exc:
            errors["email"] = list(exc.messages)
    out["email"] = email
    out["region"] = parse_text(data, "region", 64, errors, required=True)
    out["employment_type"] = parse_choice(data, "employment_type", EmploymentType, errors)
    out["employer"] = parse_text(
        data, "employer", 200, errors, required=out["employment_type"] in NEEDS_EMPLOYER
    )
    out["industry"] = parse_text(
        data, "industry", 100, errors, required=is_business or out["employment_type"] in NEEDS_INDUSTRY
    )
    out["years_employed"] = parse_years(data, errors)
    out["graduation_year"] = parse_graduation_year(data, errors)
    out["monthly_income"] = parse_money(data, "monthly_income", errors, required=True)
    out["monthly_debt"] = parse_money(data, "monthly_debt", errors, required=False) or quantize_money(ZERO)
    revenue = parse_money(data, "annual_revenue", errors, required=is_business)
    if not is_business and revenue is not None:
        errors["annual_revenue"] = [_("Only sole proprietors and small businesses report an annual revenue.")]
    out["annual_revenue"] = revenue if is_business else None

    if not errors:
        errors.update(_verified_identity_errors(existing, out))
    if not errors:
        _check_identity_claim(out, existing, user, errors)
    if errors:
        raise CustomerValidationError(errors)
    return out


def _verified_identity_errors(customer: Customer | None, cleaned: Mapping[str, Any]) -> dict[str, list[str]]:
    """A verified identity is not changed by its customer: one error per identity field changed.

    Checked before any number is looked up, so a verified customer learns nothing about numbers
    either (the answer is this one whether or not the new number is registered).
    """
    if customer is None or customer.kyc_status != KycStatus.VERIFIED:
        return {}
    return {
        f: [_("Your identity was verified; contact us to change it.")]
        for f in IDENTITY_FIELDS
        if getattr(customer, f) != cleaned[f]
    }


def _refused_number(field: str) -> dict[str, list[str]]:
    """The one answer to a well-formed number that cannot be used (never says why)."""
    return {field: [str(NUMBER_REFUSED[field])]}


def _check_identity_claim(out: dict[str, Any], existing: Customer | None, user, errors: dict) -> None:
    """Refuse an identity number or credit code registered to another customer, audited and limited
    (see IDENTITY_CLAIM_LIMIT), with the same answer as a number refused by the limit.

    The limit counts distinct customers claimed, so retrying the same number (someone who really
    holds another account) does not use it up; past it, a number not yet claimed is refused
    whether or not it is registered, with the same queries and no audit row, so neither the answer
    nor the work done tells the two apart. The account's row is locked while counting, so
    parallel submissions cannot all pass the count.
    """
    field = "uscc" if out["uscc"] else "id_number"
    if existing and (existing.id_number, existing.uscc) == (out["id_number"], out["uscc"]):
        return  # the customer's own numbers
    # One look-up whatever the answer: the pair (a person's profile), or the credit code alone
    # (a business is one customer, whoever represents it).
    taken = Q(id_number=out["id_number"], uscc=out["uscc"])
    if out["uscc"]:
        taken |= Q(uscc=out["uscc"])
    with transaction.atomic():
        get_user_model().objects.select_for_update().filter(pk=user.pk).first()
        owner = Customer.objects.exclude(user=user).filter(taken).order_by("pk").first()
        since = clock.now() - IDENTITY_CLAIM_WINDOW
        claimed = set(
            CustomerEvent.objects.filter(kind=EventKind.CLAIM, actor=user, created_at__gte=since).values_list(
                "customer_id", flat=True
            )
        )
        if (owner is None or owner.pk not in claimed) and len(claimed) >= IDENTITY_CLAIM_LIMIT:
            errors.update(_refused_number(field))
            return
        if owner is None:
            return
        _note(owner, kind=EventKind.CLAIM, actor=user, field=field, reason="claimed by another account")
    logger.warning("identity number of customer %s claimed by user %s", owner.pk, user.pk)
    errors.update(_refused_number(field))


AUDITED_FIELDS = ("legal_name", "id_number", "uscc", "phone", "email")


def _masked(field: str, value) -> str:
    if field == "id_number":
        return mask_id_number(value)
    if field == "phone":
        return mask_phone(value)
    return str(value or "")


def profile_check_owner(user) -> None:
    """Only signed-in customers keep a profile; staff accounts are refused (403), before the body."""
    if not getattr(user, "is_authenticated", False) or is_staff_account(user):
        raise CustomerPermissionError(_("Only customers have a customer profile."))


def customer_upsert_for_user(*, user, data: Mapping[str, Any]) -> Customer:
    """Create or update the profile of `user` (the customer themself) from the submitted data.

    `id_number` and `phone` may be left out, blank or as their masked form on an update to keep
    the stored values. `credit_check_consent` (when present) gives or withdraws the consent.
    """
    profile_check_owner(user)
    existing = Customer.objects.filter(user=user).first()
    cleaned = _clean_profile(data, existing, user)
    with transaction.atomic():
        if existing is None:
            customer = Customer(user=user)
            changed_identity = False
        else:
            customer = Customer.objects.select_for_update().get(pk=existing.pk)
            changed_identity = any(getattr(customer, f) != cleaned[f] for f in IDENTITY_FIELDS)
            # Checked again under the lock: an officer may have verified it meanwhile.
            verified_errors = _verified_identity_errors(customer, cleaned)
            if verified_errors:
                raise CustomerValidationError(verified_errors)
        # Identity and contact changes are audited (masked): a changed phone is the classic first
        # step of an account takeover, and history does not keep these fields.
        audited = []
        if existing is not None:
            for field in AUDITED_FIELDS:
                if field in cleaned and getattr(customer, field) != cleaned[field]:
                    audited.append(
                        (field, _masked(field, getattr(customer, field)), _masked(field, cleaned[field]))
                    )
        income_changed = existing is not None and customer.monthly_income != cleaned.get(
            "monthly_income", customer.monthly_income
        )
        for field, value in cleaned.items():
            setattr(customer, field, value)
        try:
            with transaction.atomic():
                customer.save()
        except IntegrityError:  # registered by someone else at the same moment: the same answer
            raise CustomerValidationError(
                _refused_number("uscc" if cleaned["uscc"] else "id_number")
            ) from None
        for field, before, after in audited:
            _note(
                customer,
                kind=EventKind.CHANGE,
                actor=user,
                field=field,
                payload={"from": before, "to": after},
            )
        if income_changed:  # the customer's own update of their income is a re-verification
            from customers.income import income_verified

            income_verified(customer, customer.monthly_income, source=IncomeSource.CUSTOMER, actor=user)
        if changed_identity and customer.identity_needs_correction:
            run_transition(
                customer,
                "resubmit",
                actor=user,
                reason="identity data corrected by the customer",
                locked=True,
            )
        if "credit_check_consent" in data:
            if _truthy(data["credit_check_consent"]):
                consent_record(customer=customer, kind=ConsentKind.CREDIT_CHECK)
            else:
                consent_withdraw(customer=customer, kind=ConsentKind.CREDIT_CHECK)
    logger.info("customer profile saved customer=%s created=%s", customer, existing is None)
    return customer


def _truthy(value: Any) -> bool:
    if isinstance(value, str):
        return value.strip().lower() in ("1", "true", "on", "yes")
    return bool(value)


def customer_set_payroll(*, customer: Customer, payroll: bool, actor) -> Customer:
    """Mark a customer as one whose salary the lender pays (or no longer), by a Loan Officer
    (`customers.change_customer`); recorded as a change event. Payroll customers are a segment:
    fee waivers and promotions may name them."""
    if not may(actor, "customers.change_customer"):
        raise CustomerPermissionError(_("You may not change customers."))
    with transaction.atomic():
        locked = Customer.objects.select_for_update().get(pk=customer.pk)
        if locked.payroll_customer != payroll:
            _note(
                locked,
                kind=EventKind.CHANGE,
                actor=actor,
                field="payroll_customer",
                payload={"from": locked.payroll_customer, "to": payroll},
            )
            locked.payroll_customer = payroll
            locked.save(update_fields=["payroll_customer", "updated_at"])
    return locked


# --- KYC ---------------------------------------------------------------------------------------
def _already_decided(locked: Customer, name: str) -> CustomerTransitionError:
    return CustomerTransitionError(
        _("The identity is already %(state)s.") % {"state": locked.get_kyc_status_display()},
        state=locked.kyc_status,
    )


def _kyc_decide(*, customer: Customer, actor, reason: str, name: str) -> Customer:
    if not can_review_kyc(actor):
        raise CustomerPermissionError(
            {"actor": [_("%(user)s may not verify customer identities.") % {"user": _name(actor)}]}
        )
    if is_user(actor, customer.user_id):
        raise CustomerPermissionError({"actor": [_("Nobody may verify their own identity.")]})
    reason = (reason or "").strip()
    if not reason:
        raise CustomerValidationError({"reason": [_("Give a reason.")]})

    def needs_card(locked: Customer) -> None:
        # Under the lock and after the state check: a customer already decided is a 409 (not
        # "no card"), however stale the caller's copy.
        if name == "verify" and not identity_document_exists(locked):
            raise CustomerValidationError({"document": [NO_IDENTITY_DOCUMENT]})

    # The row is locked and re-read: two officers acting at once give one transition, one 409.
    return run_transition(
        customer.pk,
        name,
        actor=actor,
        reason=reason,
        model=Customer,
        conflict=_already_decided,
        before=needs_card,
    )


# An identity is verified against a document: without an identity card on file there is nothing
# to verify it with (a rejection needs none: "no readable card" is a reason to reject).
NO_IDENTITY_DOCUMENT = gettext_lazy(
    "The customer has not uploaded an identity card yet: an identity is verified against the card."
)


def identity_document_exists(customer: Customer) -> bool:
    return Document.objects.filter(customer=customer, kind=DocumentKind.ID_CARD).exists()


def customer_verify_identity(*, customer: Customer, actor, reason: str) -> Customer:
    """unverified → verified, by a Loan Officer, with a reason, when the customer has uploaded an
    identity card (CustomerValidationError on `document` otherwise). Returns the updated customer."""
    return _kyc_decide(customer=customer, actor=actor, reason=reason, name="verify")


def customer_reject_identity(*, customer: Customer, actor, reason: str) -> Customer:
    """unverified → rejected, by a Loan Officer, with a reason. Returns the updated customer."""
    return _kyc_decide(customer=customer, actor=actor, reason=reason, name="reject")


# --- consents ----------------------------------------------------------------------------------
def consent_record(*, customer: Customer, kind: str = ConsentKind.CREDIT_CHECK) -> Consent:
    """Record that the customer gives the consent, with the current wording in their language.

    Giving again a consent already given to the current wording changes nothing.
    """
    current = wording.WORDINGS.get(kind)
    if current is None:
        raise CustomerValidationError({"kind": [_("Unknown consent.")]})
    with transaction.atomic():
        Customer.objects.select_for_update().filter(pk=customer.pk).first()
        existing = Consent.objects.filter(
            customer=customer, kind=kind, version=current.version, withdrawn_at__isnull=True
        ).first()
        if existing is not None:
            return existing
        consent = Consent.objects.create(
            customer=customer,
            kind=kind,
            wording=str(current.text),
            version=current.version,
            language=get_language() or settings.LANGUAGE_CODE,
            given_at=clock.now(),
        )
    logger.info("consent given customer=%s kind=%s version=%s", customer, kind, current.version)
    return consent


def consent_withdraw(*, customer: Customer, kind: str = ConsentKind.CREDIT_CHECK) -> int:
    """Withdraw the consent (for future use); returns how many given consents were withdrawn."""
    count = Consent.objects.filter(customer=customer, kind=kind, withdrawn_at__isnull=True).update(
        withdrawn_at=clock.now()
    )
    if count:
        logger.info("consent withdrawn customer=%s kind=%s", customer, kind)
    return count


# --- documents: customers.documents (re-exported here, the app's service API) ---------------------
from customers.documents import document_upload, upload_max_bytes  # noqa: E402,F401


def search_match_record(*, customer: Customer, field: str, actor) -> None:
    """Audit a staff search that matched a customer by a full identity or phone number."""
    _note(
        customer,
        kind=EventKind.REVEAL,
        actor=actor,
        field=field,
        reason="matched by an exact search",
        payload={"search": True},
    )


def customer_identifier_search(*, term: str, actor) -> tuple[str, list[Customer]]:
    """Staff search by a full identifier: (kind, the customers it matches, at most 5). Identity and
    mobile numbers need the reveal permission (a match confirms the number) and each match is
    audited like a reveal; a credit code (a company's public identifier) needs view access only.
    Never logged: callers send the term in a POST body, so it stays out of URLs and access logs."""
    compact = validators.normalise_id_number(term)
    phone = validators.normalise_phone(term)
    if re.fullmatch(r"\d{17}[\dX]", compact):
        kind, lookup = "id_number", {"id_number": compact}
    elif re.fullmatch(r"1\d{10}", phone):
        kind, lookup = "phone", {"phone": phone}
    elif re.fullmatch(r"[0-9A-Z]{18}", compact):
        kind, lookup = "uscc", {"uscc": compact}
    else:
        raise CustomerValidationError(
            {"identifier": [_("Enter a full identity number, unified social credit code or mobile number.")]}
        )
    if not (can_view_customers(actor) and (kind == "uscc" or can_reveal(actor))):
        raise CustomerPermissionError(_("You may not search customers by this identifier."))
    found = list(Customer.objects.filter(**lookup).order_by("pk")[:5])
    if kind != "uscc":
        for customer in found:
            search_match_record(customer=customer, field=kind, actor=actor)
    return kind, found


def document_access_record(*, document: Document, actor) -> None:
    """Audit a staff member's download of a customer's document (owners are not audited)."""
    if is_user(actor, document.customer.user_id):
        return
    _note(
        document.customer,
        kind=EventKind.DOCUMENT_VIEW,
        actor=actor,
        field=document.kind,
        payload={"document": document.pk},
    )


# --- personal data -----------------------------------------------------------------------------
def pii_reveal(*, customer: Customer, field: str, actor) -> str:
    """The raw value of a masked field, for a user with `loanhub.reveal_pii`; audited."""
    if field not in REVEALABLE_FIELDS:
        raise CustomerValidationError(
            {"field": [_("Only %(f)s can be revealed.") % {"f": ", ".join(REVEALABLE_FIELDS)}]}
        )
    if not can_reveal(actor):
        raise CustomerPermissionError(
            {"actor": [_("%(user)s may not reveal personal data.") % {"user": _name(actor)}]}
        )
    _note(customer, kind=EventKind.REVEAL, actor=actor, field=field)
    logger.info("pii revealed customer=%s field=%s actor=%s", customer, field, _name(actor))
    return getattr(customer, field)
