"""The one mapping from an application and its customer to risk's feature record.

`risk.mapping.FEATURES` is the schema; this module fills every non-bureau feature of it from
what LoanHub knows: the loan asked for (amount, term), the applicant-stated facts kept on the
application (balances, housing, property, guarantor, purpose) and the customer profile (age from
the date of birth, employment, income, existing debts, KYC state). The bureau features are looked
up by risk's worker. Products' eligibility uses a few of the same facts, mapped here as well, so
the two vocabularies (customers' and products'/risk's) are translated in one place.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.utils.translation import gettext as _

from customers.models import age_on
from products.choices import PURPOSES
from risk.mapping import BUREAU_FEATURES, FEATURES

# Customer fields answered on the application itself (not in the customer profile).
APPLICANT_STATED = ("checking_balance_band", "savings_band", "housing", "property_type", "guarantor")
# Allowed values of every applicant-stated field: the bands from risk's schema, the purpose in the
# lender's words (the kind of loan; risk.mapping translates it for the scorecard).
STATED_CHOICES: dict[str, tuple[str, ...]] = {
    **{name: FEATURES[name].choices for name in APPLICANT_STATED},
    "purpose": tuple(PURPOSES),
}


# Which application or customer field to blame for a feature risk refuses.
FEATURE_FIELD = {
    "age": "date_of_birth",
    "employment_years": "years_employed",
    "existing_monthly_debt": "monthly_debt",
    "identity_status": "kyc_status",
}


def missing_facts(application, customer) -> dict[str, list[str]]:
    """Field errors for everything the feature record needs but nobody has stated yet."""
    errors: dict[str, list[str]] = {}
    for name, choices in STATED_CHOICES.items():
        if getattr(application, name) not in choices:
            errors[name] = [_("required at submission: one of %(allowed)s") % {"allowed": ", ".join(choices)}]
    if customer.date_of_birth is None:
        errors["date_of_birth"] = [_("the customer profile needs a date of birth")]
    if customer.monthly_income is None:
        errors["monthly_income"] = [_("the customer profile needs a monthly income")]
    return errors


def application_features(application, customer, *, on_date: dt.date) -> dict:
    """The risk feature record of an application (every feature but the bureau's), as JSON."""
    record = {
        "age": age_on(customer.date_of_birth, on_date),
        "employment_type": customer.employment_type,  # in the lender's words: risk.mapping translates
        "employment_years": str(Decimal(customer.years_employed or 0)),
        "monthly_income": str(customer.monthly_income),
        "existing_monthly_debt": str(customer.monthly_debt or Decimal("0")),
        "checking_balance_band": application.checking_balance_band,
        "savings_band": application.savings_band,
        "housing": application.housing,
        "property_type": application.property_type,
        "guarantor": application.guarantor,
        "purpose": application.purpose,
        "amount": str(application.amount),
        "term": int(application.term),
        "identity_status": customer.kyc_status,  # risk.mapping translates it
    }
    if set(record) != set(FEATURES) - set(BUREAU_FEATURES):
        raise RuntimeError("risk's feature schema changed: update applications.features")
    return record
