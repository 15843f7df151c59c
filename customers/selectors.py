"""Reads of the customers app. Other apps read customers through these functions.

Object-level rules live here: a customer sees only their own profile and documents; staff with
`customers.view_customer` see every customer (masked); an identity card image, which shows the
identity number unmasked, is given to staff only if they may also reveal personal data.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db.models import QuerySet
from django.utils.translation import gettext as _

from customers import consents as wording
from customers.errors import CustomerNotFound
from customers.models import (
    MARKETING_CONSENTS,
    Consent,
    ConsentKind,
    Customer,
    CustomerGroup,
    CustomerType,
    Document,
    DocumentKind,
    EmploymentType,
    IncomeVerification,
)
from customers.phone import phone_is_verified as phone_is_verified  # the current number proven by a code
from customers.services import can_reveal, can_view_customers
from loanhub import clock
from loanhub.permissions import AUDIT_READ, is_user, may_any
from loanhub.queries import CompiledRead

# A business younger than this (years in business) makes its owner an entrepreneur (创业者).
ENTREPRENEUR_YEARS = 3
# Graduates (高校毕业生): students, anyone still to graduate, and those who graduated this year or
# in the last two (on the date).
GRADUATE_YEARS = 2


def customer_for_user(user) -> Customer | None:
    """The profile of `user`, or None (anonymous users and users without a profile)."""
    if not getattr(user, "is_authenticated", False):
        return None
    found = _FOR_USER.objects(user.pk)
    return found[0] if found else None


# Read by every draft and signed-in quote: compiled once (loanhub.queries).
_FOR_USER = CompiledRead(lambda user_id: Customer.objects.filter(user_id=user_id).order_by("pk")[:1])


def customer_id_number(*, customer_id: int) -> str:
    """The customer's identity number, unmasked, for a system that must present it (risk's worker
    asking the credit bureau); callers use it at once and never store it."""
    return Customer.objects.values_list("id_number", flat=True).get(pk=customer_id)


def customer_get_for_actor(*, customer_id: int, actor) -> Customer:
    """The customer, if `actor` is that customer or staff who may view customers.

    Raises CustomerNotFound (404) otherwise, the same as for an id that does not exist, so the
    answer never reveals that the id exists.
    """
    queryset = Customer.objects.select_related("user")
    if not getattr(actor, "is_authenticated", False):
        queryset = queryset.none()
    elif not can_view_customers(actor):
        queryset = queryset.filter(user=actor)
    customer = queryset.filter(pk=customer_id).first()
    if customer is None:
        raise CustomerNotFound(_("No such customer."))
    return customer


def document_list(*, customer: Customer) -> QuerySet[Document]:
    return Document.objects.filter(customer=customer).order_by("-uploaded_at", "-id")


def identity_document_latest(*, customer: Customer) -> Document | None:
    """The customer's latest identity-card upload, or None: what KYC is verified against."""
    return document_list(customer=customer).filter(kind=DocumentKind.ID_CARD).first()


def document_get_for_actor(*, document_id: int, actor) -> Document:
    """The document, if `actor` owns it or is staff allowed to see it; else Document.DoesNotExist."""
    if not getattr(actor, "is_authenticated", False):
        raise Document.DoesNotExist
    document = Document.objects.select_related("customer").get(pk=document_id)
    if is_user(actor, document.customer.user_id):
        return document
    # Documents are for the people who decide on them (officers) and for audit, not for every
    # role that may list customers (marketing, product and risk staff see profiles, not papers).
    may_read_documents = may_any(actor, "customers.change_customer", AUDIT_READ)
    if (
        can_view_customers(actor)
        and may_read_documents
        and (document.kind != DocumentKind.ID_CARD or can_reveal(actor))
    ):
        return document
    raise Document.DoesNotExist


def consent_current(*, customer: Customer, kind: str = ConsentKind.CREDIT_CHECK) -> Consent | None:
    """The consent given to the current wording and not withdrawn, or None."""
    current = wording.WORDINGS[kind]
    return (
        Consent.objects.filter(
            customer=customer, kind=kind, version=current.version, withdrawn_at__isnull=True
        )
        .order_by("-given_at", "-id")
        .first()
    )


def marketing_consent_get(*, customer: Customer) -> dict[str, bool]:
    """The marketing consents in force (given to the current wording, not withdrawn), by name."""
    return {
        name: consent_current(customer=customer, kind=kind) is not None
        for name, kind in MARKETING_CONSENTS.items()
    }


def customers_with_marketing_consent(*, customer_ids, channel: str) -> set[int]:
    """Which of these customers gave the marketing consent for `channel` now (one query)."""
    kind = MARKETING_CONSENTS[channel]
    current = wording.WORDINGS[kind]
    return set(
        Consent.objects.filter(
            customer_id__in=list(customer_ids), kind=kind, version=current.version, withdrawn_at__isnull=True
        ).values_list("customer_id", flat=True)
    )


def customer_has_credit_check_consent(*, customer: Customer) -> bool:
    """Whether a credit check may be run now (the applications and risk apps ask this)."""
    return consent_current(customer=customer, kind=ConsentKind.CREDIT_CHECK) is not None


def customer_segments(customer: Customer, *, on_date: dt.date | None = None) -> frozenset[str]:
    """The catalogue's target segments (products.choices.Segment) a customer's profile puts them in.

    Promotions and fee waivers name segments; an offer applies those of the applicant's segments
    (the same rules give the same segments to a quote for that customer). Behaviour-based
    segments (a new customer: no loan yet) are added by the caller that knows the behaviour.
    """
    from products.choices import Segment

    segments: set[str] = set()
    if customer.employment_type == EmploymentType.SALARIED:
        segments.add(Segment.SALARIED)
    if customer.employment_type == EmploymentType.STUDENT or (
        customer.graduation_year is not None
        and (on_date or clock.today()).year - customer.graduation_year <= GRADUATE_YEARS
    ):
        segments.add(Segment.GRADUATE)
    if customer.payroll_customer:
        segments.add(Segment.PAYROLL)
    if customer.customer_type == CustomerType.SMALL_BUSINESS:
        segments.add(Segment.SME)
    if customer.customer_type == CustomerType.SOLE_PROPRIETOR:
        segments.add(Segment.MERCHANT)
    if (
        customer.employment_type in (EmploymentType.SELF_EMPLOYED, EmploymentType.BUSINESS_OWNER)
        and (customer.years_employed or 0) < ENTREPRENEUR_YEARS
    ):
        segments.add(Segment.ENTREPRENEUR)
    if (
        customer.monthly_income is not None
        and customer.monthly_income >= settings.LOANHUB_HIGH_NET_WORTH_INCOME
    ):
        segments.add(Segment.HIGH_NET_WORTH)
    return frozenset(segments)


def customer_language(*, customer: Customer) -> str:
    """The language to write to the customer in: the one of their latest consent ("en" or
    "zh-hans"; Chinese by default)."""
    language = (
        customer.consents.order_by("-given_at", "-id").values_list("language", flat=True).first()
        or settings.LANGUAGE_CODE
    )
    return "en" if language.startswith("en") else "zh-hans"


def customer_rescore_facts(*, customer_ids) -> dict[int, dict]:
    """What a periodic rescore needs of each customer now (monitoring.rescore): the identity number
    (only to ask the bureau; never stored or logged), date of birth, employment and income."""
    rows = Customer.objects.filter(pk__in=list(customer_ids)).values(
        "pk", "id_number", "date_of_birth", "employment_type", "years_employed", "monthly_income"
    )
    return {row.pop("pk"): row for row in rows}


def customer_id_numbers(*, customer_ids) -> dict[int, str]:
    """Identity numbers of the customers, for a bureau query only (never stored or logged)."""
    return dict(Customer.objects.filter(pk__in=list(customer_ids)).values_list("pk", "id_number"))


def income_verifications_latest(*, customer_ids, since: dt.date, until: dt.date) -> dict[int, tuple]:
    """Each customer's latest income re-verification after `since` and on or before `until`:
    customer id → (verified on, monthly income, source)."""
    rows = (
        IncomeVerification.objects.filter(
            customer_id__in=customer_ids, verified_on__gt=since, verified_on__lte=until
        )
        .order_by("customer_id", "verified_on", "id")
        .values_list("customer_id", "verified_on", "monthly_income", "source")
    )
    return {customer_id: (on, amount, source) for customer_id, on, amount, source in rows}


def customer_group_exists(*, code: str) -> bool:
    """Whether a customer group (集团客户/关联客户) has this code (concentration limits name it)."""
    return CustomerGroup.objects.filter(code=code).exists()
