"""The submission service asks for an identity card on file and a phone proven by a one-time code,
whoever submits (the customer, the API, an officer at a branch, the wizard): field-level 400s that
say what to do, and nothing changes."""

from __future__ import annotations

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from applications import services
from applications.models import State
from risk.models import ScoringRequest
from tests.applications.conftest import GOOD_ID, draft, make_customer
from tests.customers.factories import add_id_card, add_verified_phone

pytestmark = pytest.mark.django_db
NO_CARD = "upload your identity card before submitting the application"
NO_PHONE = "verify your phone number with the code we send by SMS before submitting"


def _refused_and_unchanged(application):
    application.refresh_from_db()
    assert application.state == State.DRAFT
    assert application.submitted_at is None
    assert not ScoringRequest.objects.exists()
    assert not application.events.filter(to_state=State.SUBMITTED).exists()


def test_the_service_asks_for_the_card_and_the_phone_together(product, users):
    customer = make_customer("nokyc", id_number=GOOD_ID, id_card=False, phone_verified=False)
    application = draft(customer, product)
    with pytest.raises(services.ApplicationValidationError) as refused:
        services.application_submit(application=application, actor=customer.user, credit_check_consent=True)
    assert refused.value.errors == {"document": [NO_CARD], "phone": [NO_PHONE]}
    _refused_and_unchanged(application)
    # An officer submitting at the branch is held to the same rule.
    with pytest.raises(services.ApplicationValidationError) as refused:
        services.application_submit(application=application, actor=users["officer"])
    assert set(refused.value.errors) >= {"document", "phone"}
    _refused_and_unchanged(application)


def test_with_both_on_file_the_submission_goes_on(product, risk_ready, submit):
    customer = make_customer("kyc", id_number=GOOD_ID, id_card=False, phone_verified=False)
    add_id_card(customer)
    add_verified_phone(customer)
    assert submit(draft(customer, product)).state == State.APPROVED


@pytest.mark.parametrize(
    ("card", "phone", "errors"),
    [(False, True, {"document": [NO_CARD]}), (True, False, {"phone": [NO_PHONE]})],
)
def test_an_api_submission_without_one_is_a_field_level_400(product, card, phone, errors):
    customer = make_customer("api", id_number=GOOD_ID, id_card=card, phone_verified=phone)
    application = draft(customer, product)
    client = APIClient(HTTP_ACCEPT_LANGUAGE="en")
    client.force_authenticate(customer.user)
    response = client.post(
        f"/api/v1/applications/{application.pk}/submit/", {"credit_check_consent": True}, format="json"
    )
    assert response.status_code == 400
    assert response.json()["errors"] == errors
    _refused_and_unchanged(application)


def test_the_wizard_sends_an_unverified_phone_to_the_code_page_and_back(client, product):
    customer = make_customer("wiz", id_number=GOOD_ID, phone_verified=False)
    application = draft(customer, product)
    client.force_login(customer.user)
    review = reverse("applications:wizard", args=[application.pk, "review"])
    page = client.get(review).content.decode()
    phone_page = reverse("customers:phone") + "?next=" + review.replace("/", "%2F")
    assert phone_page in page
    response = client.post(review, {"credit_check_consent": "on"})
    assert response.status_code == 302
    assert response["Location"] == phone_page
    _refused_and_unchanged(application)
