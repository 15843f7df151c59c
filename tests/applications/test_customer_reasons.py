"""Customers are told customer-safe reasons (risk.reasons); staff see the rule codes.

A fraud rule's code or wording on the customer's page or API would tell anyone whether a phone
number is used by another customer: here a real scoring fires SHARED_PHONE and VELOCITY_PHONE.
"""

from __future__ import annotations

import pytest
from django.utils import translation
from rest_framework.test import APIClient

from risk.reasons import FRAUD_CODES, VERIFY
from risk.rules import DEFAULT_RULES
from tests.applications.conftest import draft, make_customer

pytestmark = pytest.mark.django_db
URL = "/api/v1/applications/"
PHONE = "13912345678"
FRAUD_WORDING = [
    text
    for rule in DEFAULT_RULES
    if rule["code"] in FRAUD_CODES
    for text in (rule["reason_zh"], rule["reason_en"])
]


@pytest.fixture
def flagged(risk_ready, product, submit):
    """The second identity applying with one phone: SHARED_PHONE; a third application on the phone
    within 24 h: VELOCITY_PHONE. Both flags refer the application to an officer."""
    first = make_customer("first", phone=PHONE)
    submit(draft(first, product))
    submit(draft(first, product))
    second = make_customer("second", phone=PHONE)
    application = submit(draft(second, product))
    codes = {r["code"] for r in application.decision.reasons}
    assert {"SHARED_PHONE", "VELOCITY_PHONE"} <= codes
    return application


def _api(user, language: str) -> APIClient:
    client = APIClient(HTTP_ACCEPT_LANGUAGE=language)
    client.force_authenticate(user)
    return client


def _leaks(text: str) -> list[str]:
    return [needle for needle in (*FRAUD_CODES, *FRAUD_WORDING) if needle in text]


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_the_customer_page_and_api_show_no_fraud_code_or_wording(client, flagged, language):
    client.force_login(flagged.customer.user)
    with translation.override(language):
        html = client.get(f"/applications/{flagged.pk}/", HTTP_ACCEPT_LANGUAGE=language).content.decode()
    response = _api(flagged.customer.user, language).get(f"{URL}{flagged.pk}/")
    assert response.status_code == 200
    raw = response.content.decode("unicode_escape") + response.content.decode()
    assert _leaks(html) == []
    assert _leaks(raw) == []

    reasons = response.json()["decision"]["reasons"]
    verify = VERIFY.shown(language)
    assert verify in reasons
    assert [r["code"] for r in reasons].count("VERIFY_INFORMATION") == 1  # two flags, one reason
    assert all(set(r) == {"code", "text", "action"} for r in reasons)
    assert verify["text"] in html
    assert verify["action"] in html


def test_staff_still_see_every_rule_code_in_the_api_and_the_console(client, flagged, users):
    body = _api(users["officer"], "en").get(f"{URL}{flagged.pk}/").json()
    codes = {r["code"] for r in body["decision"]["reasons"]}
    assert {"SHARED_PHONE", "VELOCITY_PHONE"} <= codes
    shared = next(r for r in body["decision"]["reasons"] if r["code"] == "SHARED_PHONE")
    assert shared["text"] == "One phone number is used by several identities."
    assert shared["detail"]

    client.force_login(users["officer"])
    html = client.get(f"/admin/applications/loanapplication/{flagged.pk}/change/").content.decode()
    assert "SHARED_PHONE" in html
    assert "VELOCITY_PHONE" in html


def test_a_console_rule_of_a_fraud_kind_reads_as_the_verification_reason(risk_ready, product, submit):
    """A Risk Analyst's own fraud rule has no row in the mapping: its code and wording stay
    internal all the same."""
    from risk.models import RiskRule
    from risk.selectors import decision_customer_reasons

    RiskRule.objects.filter(code="SHARED_PHONE").update(code="PHONE_RING_7D", reason_en="Phone ring")
    first = make_customer("first", phone=PHONE)
    submit(draft(first, product))
    second = make_customer("second", phone=PHONE)
    application = submit(draft(second, product))
    assert "PHONE_RING_7D" in {r["code"] for r in application.decision.reasons}
    shown = decision_customer_reasons(application.decision, language="en")
    assert VERIFY.shown("en") in shown
    assert not any("PHONE_RING" in r["code"] or "ring" in r["text"] for r in shown)
