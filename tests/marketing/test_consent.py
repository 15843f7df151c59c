"""Marketing consent: per channel and purpose, its history kept, the API and page, and the
one-click unsubscribe with a signed token."""

from __future__ import annotations

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from customers import marketing_consent, selectors
from customers.models import Consent, ConsentKind
from tests.customers.factories import CustomerFactory
from tests.marketing.conftest import consenting

pytestmark = pytest.mark.django_db
URL = "/api/v1/customers/me/marketing-consent/"
NONE = {"email": False, "sms": False, "portal": False, "personalised_recommendations": False}


def _api(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def test_nothing_is_consented_by_default_and_put_changes_only_the_named_flags():
    customer = CustomerFactory()
    client = _api(customer.user)
    assert client.get(URL).json() == NONE
    answer = client.put(URL, {"email": True, "sms": True}, format="json")
    assert answer.status_code == 200
    assert answer.json() == {**NONE, "email": True, "sms": True}
    assert client.put(URL, {"sms": False}, format="json").json() == {**NONE, "email": True}


def test_history_keeps_the_wording_and_the_withdrawal():
    customer = consenting("email")
    marketing_consent.marketing_consent_set(customer=customer, actor=customer.user, choices={"email": False})
    marketing_consent.marketing_consent_set(customer=customer, actor=customer.user, choices={"email": True})
    rows = list(Consent.objects.filter(customer=customer, kind=ConsentKind.MARKETING_EMAIL).order_by("id"))
    assert len(rows) == 2
    assert rows[0].withdrawn_at is not None
    assert rows[1].withdrawn_at is None
    assert "e-mail" in rows[1].wording
    assert "never affects" in rows[1].wording  # separate from the loan (PIPL art. 14)


def test_empty_or_bad_put_is_refused_and_changes_nothing():
    customer = CustomerFactory()
    client = _api(customer.user)
    assert client.put(URL, {}, format="json").status_code == 400
    assert client.put(URL, {"email": "perhaps"}, format="json").status_code == 400
    assert not Consent.objects.filter(customer=customer).exists()


def test_staff_have_no_marketing_consent(manager):
    assert _api(manager).get(URL).status_code == 404
    assert _api(manager).put(URL, {"email": True}, format="json").status_code == 404


def test_nobody_else_may_change_a_customers_consent(manager):
    customer = CustomerFactory()
    with pytest.raises(marketing_consent.CustomerPermissionError):
        marketing_consent.marketing_consent_set(customer=customer, actor=manager, choices={"email": True})
    assert selectors.marketing_consent_get(customer=customer) == NONE


def test_one_click_unsubscribe_withdraws_at_once_without_sign_in(client):
    customer = consenting("email", "sms")
    token = marketing_consent.marketing_unsubscribe_token(customer=customer, channel="email")
    page = client.get(reverse("customers:unsubscribe", args=[token]))
    assert page.status_code == 200
    assert selectors.marketing_consent_get(customer=customer) == {**NONE, "sms": True}


def test_a_forged_unsubscribe_token_is_refused_and_changes_nothing(client):
    customer = consenting("email")
    token = marketing_consent.marketing_unsubscribe_token(customer=customer, channel="email")
    assert client.get(reverse("customers:unsubscribe", args=[token[:-2] + "xx"])).status_code == 400
    assert client.post(reverse("customers:unsubscribe", args=["nonsense"])).status_code == 400
    assert selectors.marketing_consent_get(customer=customer)["email"] is True


def test_portal_page_shows_wording_and_saves_choices(client):
    customer = consenting("email")
    client.force_login(customer.user)
    page = client.get(reverse("customers:marketing-consent"))
    assert page.status_code == 200
    assert "by SMS" in page.text
    assert client.post(reverse("customers:marketing-consent"), {"sms": "on"}).status_code == 302
    assert selectors.marketing_consent_get(customer=customer) == {**NONE, "sms": True}
