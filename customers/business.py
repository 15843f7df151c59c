"""Business customers' data: the business profile of a small business or sole proprietor.

Writes (`business_profile_put`) and reads (`business_profile_get`, `business_facts`) of
`customers.models.BusinessProfile`. Only the owner writes their profile; staff who may view
customers read it (the business rating and the officer's assessment page). `business_facts` is the
plain dict other apps (risk) take, so they never import the model.
"""

from __future__ import annotations

from decimal import Decimal

from django.db import transaction
from django.utils.translation import gettext as _

from customers.errors import CustomerNotFound
from customers.models import BUSINESS_TYPES, BusinessProfile, Customer, EventKind
from customers.services import _note, can_view_customers
from loanhub.errors import Conflict, Invalid
from loanhub.money import quantize_money

BUSINESS_FIELDS = (
    "annual_revenue",
    "annual_revenue_previous",
    "net_profit",
    "net_profit_previous",
    "total_assets",
    "total_liabilities",
    "years_trading",
    "industry",
    "tax_rating",
    "employees",
)
MONEY_FIELDS = BUSINESS_FIELDS[:6]


def _require_business(customer: Customer) -> None:
    if customer.customer_type not in BUSINESS_TYPES:
        raise Conflict(
            _("Only small businesses and sole proprietors have business data (you are %(type)s).")
            % {"type": customer.get_customer_type_display()},
            state=customer.customer_type,
        )


def business_profile_get(*, customer: Customer, actor) -> BusinessProfile | None:
    """The customer's business profile for its owner or staff who may view customers; another
    customer learns nothing (404)."""
    if customer.user_id != getattr(actor, "pk", None) and not can_view_customers(actor):
        raise CustomerNotFound(_("No such customer profile (or not yours)."))
    return BusinessProfile.objects.filter(customer=customer).first()


def business_profile_put(*, customer: Customer, actor, data: dict) -> tuple[BusinessProfile, bool]:
    """Create or replace the business profile of `customer` by its owner; returns (profile,
    created). `data` holds every field of BUSINESS_FIELDS, already typed (the API serializer or
    the portal form); the cross-field rules are checked here: 400 naming the field, nothing saved."""
    if customer.user_id != getattr(actor, "pk", None):
        raise CustomerNotFound(_("No such customer profile (or not yours)."))
    _require_business(customer)
    missing = {name: [_("This field is required.")] for name in BUSINESS_FIELDS if data.get(name) is None}
    if missing:
        raise Invalid(missing)
    values = {name: data[name] for name in BUSINESS_FIELDS}
    for name in MONEY_FIELDS:
        values[name] = quantize_money(values[name])
    errors: dict[str, list[str]] = {}
    for name in ("net_profit", "net_profit_previous"):
        revenue = values["annual_revenue" if name == "net_profit" else "annual_revenue_previous"]
        if values[name] > revenue:
            errors[name] = [_("The net profit cannot exceed the revenue of the same year.")]
    if values["total_assets"] == 0 and values["total_liabilities"] > 0:
        errors["total_assets"] = [_("Total assets cannot be zero while there are liabilities.")]
    if errors:
        raise Invalid(errors)
    with transaction.atomic():
        Customer.objects.select_for_update().filter(pk=customer.pk).first()
        profile, created = BusinessProfile.objects.update_or_create(customer=customer, defaults=values)
        _note(
            customer,
            kind=EventKind.CHANGE,
            actor=actor,
            field="business_profile",
            payload={"business_profile": profile.pk, "created": created},
        )
    return profile, created


def business_facts(*, customer_id: int) -> dict | None:
    """The business profile as plain values for the rating (None without one)."""
    row = BusinessProfile.objects.filter(customer_id=customer_id).values(*BUSINESS_FIELDS).first()
    if row is None:
        return None
    return {k: (Decimal(v) if isinstance(v, Decimal) else v) for k, v in row.items()}
