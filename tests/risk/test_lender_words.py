"""The lender's words reach the scorecard only through risk.mapping's one translation."""

from __future__ import annotations

from products.choices import PURPOSES, Category
from risk import mapping


def test_every_purpose_a_customer_can_state_has_a_scorecard_feature():
    assert set(mapping.PURPOSE_FEATURE) == set(PURPOSES)
    assert Category.PREMIUM not in PURPOSES  # a tier, not a purpose
    assert set(mapping.PURPOSE_FEATURE.values()) <= set(mapping.FEATURES["purpose"].choices)


def test_the_translation_keeps_everything_else_and_refuses_model_words():
    record = {"purpose": "consumer_auto", "housing": "own", "amount": "50000"}
    translated, errors = mapping.features_from_lender(record)
    assert (translated, errors) == ({"purpose": "car_new", "housing": "own", "amount": "50000"}, {})
    # The model's own vocabulary is not the customer's: an application cannot send it.
    _, errors = mapping.features_from_lender({"purpose": "car_used"})
    assert list(errors) == ["purpose"]
    assert "consumer_auto" in errors["purpose"][0]


def test_every_employment_type_of_the_profile_has_a_scorecard_feature():
    from customers.models import Customer

    profile_choices = {value for value, _ in Customer._meta.get_field("employment_type").choices}
    assert set(mapping.EMPLOYMENT_FEATURE) == profile_choices
    assert set(mapping.EMPLOYMENT_FEATURE.values()) <= set(mapping.FEATURES["employment_type"].choices)
    translated, errors = mapping.features_from_lender({"employment_type": "student"})
    assert (translated["employment_type"], errors) == ("other", {})
    # The scorecard's own words are not the profile's.
    _, errors = mapping.features_from_lender({"employment_type": "part_time"})
    assert list(errors) == ["employment_type"]


def test_every_kyc_status_has_an_identity_feature_the_rules_know():
    from customers.models import KycStatus

    assert set(mapping.IDENTITY_FEATURE) == set(KycStatus.values)
    assert set(mapping.IDENTITY_FEATURE.values()) <= set(mapping.FEATURES["identity_status"].choices)
    translated, _ = mapping.features_from_lender({"identity_status": "unverified"})
    assert translated["identity_status"] == "pending"
