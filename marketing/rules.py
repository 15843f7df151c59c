"""Segment rules: a small JSON vocabulary over customer attributes and behaviour.

    {"customer_types": ["individual"], "employment_types": ["salaried"], "regions": ["上海"],
     "industries": ["retail"], "income_min": "5000", "income_max": "20000", "age_min": 22,
     "age_max": 35, "tags": ["payroll", "graduate"], "has_loan": true, "applied_within_days": 90}

Every key is optional and they all must hold (AND); list values match any of their items (OR).
`tags` are the catalogue's target segments a profile puts a customer in (customers.selectors.
customer_segments, plus "new_customer" for one with no disbursed loan); `has_loan` asks for a
disbursed loan; `applied_within_days` for an application submitted in the last N days.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation

from dateutil.relativedelta import relativedelta
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from customers.models import Customer, CustomerType, EmploymentType
from loanhub import clock
from products.choices import Segment as Tag

LIST_KEYS = {
    "customer_types": set(CustomerType.values),
    "employment_types": set(EmploymentType.values),
    "regions": None,
    "industries": None,
    "tags": set(Tag.values),
}
MONEY_KEYS = ("income_min", "income_max")
INT_KEYS = ("age_min", "age_max", "applied_within_days")
BOOL_KEYS = ("has_loan",)

# The brief's segments, shipped as presets (created by marketing's data migration). The stored
# name is the English one; a preset still under its shipped name is shown translated
# (`preset_name`), one a manager renamed is shown as typed.
PRESETS: dict[str, tuple[str, dict]] = {
    "sme": (gettext_noop("Small and micro enterprises"), {"customer_types": [CustomerType.SMALL_BUSINESS]}),
    "sole_proprietors": (
        gettext_noop("Sole proprietors"),
        {"customer_types": [CustomerType.SOLE_PROPRIETOR]},
    ),
    "salaried": (gettext_noop("Salaried workers"), {"employment_types": [EmploymentType.SALARIED]}),
    # Investors: business owners and the self-employed with a high monthly income.
    "investors": (
        gettext_noop("Investors"),
        {
            "employment_types": [EmploymentType.BUSINESS_OWNER, EmploymentType.SELF_EMPLOYED],
            "income_min": "30000",
        },
    ),
    "young_professionals": (
        gettext_noop("Young professionals"),
        {"employment_types": [EmploymentType.SALARIED], "age_min": 22, "age_max": 35},
    ),
    "high_net_worth": (gettext_noop("High-net-worth customers"), {"tags": [Tag.HIGH_NET_WORTH]}),
}


def preset_name(preset: str, name: str) -> str:
    """A segment's name in the active language: a preset under its shipped (English) name is
    translated; any other name is shown as stored."""
    shipped = PRESETS.get(preset)
    if shipped is not None and shipped[0] == name:
        return _(name)
    return name


def rules_errors(rules) -> dict[str, list[str]]:
    """Field errors of a rules object (empty when valid)."""
    if not isinstance(rules, dict):
        return {"rules": [_("Rules must be an object.")]}
    errors: dict[str, list[str]] = {}
    known = set(LIST_KEYS) | set(MONEY_KEYS) | set(INT_KEYS) | set(BOOL_KEYS)
    for key, value in rules.items():
        if key not in known:
            errors[key] = [_("Unknown rule.")]
        elif key in LIST_KEYS:
            allowed = LIST_KEYS[key]
            if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
                errors[key] = [_("A list of texts.")]
            elif allowed is not None and not set(value) <= allowed:
                errors[key] = [
                    _("Unknown value: %(values)s.") % {"values": ", ".join(sorted(set(value) - allowed))}
                ]
        elif key in MONEY_KEYS:
            try:
                if Decimal(str(value)) < 0:
                    errors[key] = [_("Must not be negative.")]
            except InvalidOperation:
                errors[key] = [_("A number.")]
        elif key in INT_KEYS:
            if isinstance(value, bool) or not isinstance(value, int) or value < 0:
                errors[key] = [_("A whole number, not negative.")]
        elif key in BOOL_KEYS and not isinstance(value, bool):
            errors[key] = [_("true or false.")]
    return errors


def _behaviour(customer_ids: list[int], since: dt.datetime | None) -> tuple[set[int], set[int]]:
    """(customers with a disbursed loan, customers who applied since `since`)."""
    from applications.selectors import application_funnel_facts

    facts = application_funnel_facts(customer_ids=customer_ids)
    with_loan = {row["customer_id"] for row in facts if row["disbursed_at"] is not None}
    applied = {
        row["customer_id"]
        for row in facts
        if since is not None and row["submitted_at"] is not None and row["submitted_at"] >= since
    }
    return with_loan, applied


def evaluate(rules: dict, *, on_date: dt.date | None = None) -> list[int]:
    """The ids of the customers the rules select now, ascending."""
    from customers.selectors import customer_segments

    on_date = on_date or clock.today()
    queryset = Customer.objects.all()
    if rules.get("customer_types"):
        queryset = queryset.filter(customer_type__in=rules["customer_types"])
    if rules.get("employment_types"):
        queryset = queryset.filter(employment_type__in=rules["employment_types"])
    if rules.get("regions"):
        queryset = queryset.filter(region__in=rules["regions"])
    if rules.get("industries"):
        queryset = queryset.filter(industry__in=rules["industries"])
    if rules.get("income_min") is not None:
        queryset = queryset.filter(monthly_income__gte=Decimal(str(rules["income_min"])))
    if rules.get("income_max") is not None:
        queryset = queryset.filter(monthly_income__lte=Decimal(str(rules["income_max"])))
    # Age a on `on_date`: born after (on_date - (a+1) years) and on or before (on_date - a years).
    if rules.get("age_min") is not None:
        queryset = queryset.filter(date_of_birth__lte=on_date - relativedelta(years=rules["age_min"]))
    if rules.get("age_max") is not None:
        queryset = queryset.filter(date_of_birth__gt=on_date - relativedelta(years=rules["age_max"] + 1))
    needs_behaviour = "has_loan" in rules or "applied_within_days" in rules or "tags" in rules
    if not needs_behaviour:
        return list(queryset.order_by("id").values_list("id", flat=True))
    customers = list(queryset.order_by("id"))
    ids = [c.pk for c in customers]
    days = rules.get("applied_within_days")
    since = clock.now() - dt.timedelta(days=days) if days is not None else None
    with_loan, applied = _behaviour(ids, since)
    selected = []
    for customer in customers:
        if "has_loan" in rules and (customer.pk in with_loan) != rules["has_loan"]:
            continue
        if days is not None and customer.pk not in applied:
            continue
        if rules.get("tags"):
            tags = set(customer_segments(customer, on_date=on_date))
            if customer.pk not in with_loan:
                tags.add(Tag.NEW_CUSTOMER)
            if not tags & set(rules["tags"]):
                continue
        selected.append(customer.pk)
    return selected
