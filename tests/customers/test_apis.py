"""Customers API: register and token, the caller's profile, KYC decisions, and a role matrix."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from rest_framework.test import APIClient

from customers.models import Customer, CustomerEvent, KycStatus
from loanhub import roles
from tests.customers.factories import GB_EXAMPLE_RIC, CustomerFactory, add_id_card, profile_data

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]
ME = "/api/v1/customers/me/"
PASSWORD = "a-Long-unusual-passphrase-42"


def _verify_url(pk, action="verify"):
    return f"/api/v1/customers/{pk}/{action}-identity/"


# --- register and token ------------------------------------------------------------------------
def test_register_then_token_then_profile_round_trip(api):
    response = api.post(
        "/api/v1/auth/register/", {"username": "wang", "password": PASSWORD, "email": "wang@example.com"}
    )
    assert response.status_code == 201
    user = get_user_model().objects.get(username="wang")
    assert response.json() == {"id": user.pk, "username": "wang", "email": "wang@example.com"}
    assert list(user.groups.values_list("name", flat=True)) == [roles.CUSTOMER]
    assert not user.is_staff
    assert not user.is_superuser
    assert user.check_password(PASSWORD)

    token = api.post("/api/v1/auth/token/", {"username": "wang", "password": PASSWORD})
    assert token.status_code == 200
    client = APIClient(HTTP_ACCEPT_LANGUAGE="en")
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.json()['token']}")

    assert client.get(ME).status_code == 404
    created = client.put(ME, profile_data(), format="json")
    assert created.status_code == 201
    body = client.get(ME).json()
    customer = Customer.objects.get(user=user)
    assert body == {
        "id": customer.pk,
        "customer_type": "individual",
        "legal_name": "张三",
        "id_number": "1101**********002X",
        "uscc": "",
        "phone": "138****5678",
        "email": "zhangsan@example.com",
        "region": "北京",
        "employment_type": "salaried",
        "employer": "北京示例科技有限公司",
        "industry": "",
        "years_employed": 5,
        "graduation_year": None,
        "payroll_customer": False,
        "monthly_income": "15000.00",
        "monthly_debt": "2000.00",
        "annual_revenue": None,
        "credit_check_consent": True,
        "kyc_status": "unverified",
        "phone_verified": False,
        "created_at": body["created_at"],
        "updated_at": body["updated_at"],
    }
    assert GB_EXAMPLE_RIC not in created.content.decode()

    # PUT back what GET returned: the masked numbers keep the stored ones
    again = client.put(ME, {**body, "monthly_income": "16000.5", "payroll_customer": True}, format="json")
    assert again.status_code == 200
    assert again.json()["payroll_customer"] is False  # the lender's mark, never the customer's
    customer.refresh_from_db()
    assert (customer.id_number, customer.phone, str(customer.monthly_income)) == (
        GB_EXAMPLE_RIC,
        "13812345678",
        "16000.50",
    )


def test_register_refuses_a_taken_name_a_weak_password_and_a_bad_email(api, users):
    response = api.post(
        "/api/v1/auth/register/", {"username": "CUST", "password": PASSWORD, "email": "a@b.cn"}
    )
    assert response.status_code == 400
    assert response.json() == {
        "detail": "username: This user name is taken.",
        "code": "invalid",
        "errors": {"username": ["This user name is taken."]},
        "state": None,
    }

    response = api.post(
        "/api/v1/auth/register/", {"username": "li", "password": "12345678", "email": "li@b.cn"}
    )
    assert response.status_code == 400
    assert set(response.json()["errors"]) == {"password"}
    assert "This password is too common." in response.json()["errors"]["password"]

    response = api.post("/api/v1/auth/register/", {"username": "li", "password": PASSWORD, "email": "nope"})
    assert response.status_code == 400
    assert set(response.json()["errors"]) == {"email"}
    assert not get_user_model().objects.filter(username="li").exists()


def test_token_refuses_an_overlong_user_name_before_trying_it(api, users):
    """Found by the fuzz test on PostgreSQL: a 300-character name reached authentication and
    django-axes's 255-character attempt log, a 500. It is a field error and nothing is logged."""
    from axes.models import AccessAttempt

    response = api.post("/api/v1/auth/token/", {"username": "x" * 300, "password": "y"})
    assert response.status_code == 400
    assert list(response.json()["errors"]) == ["username"]
    assert not AccessAttempt.objects.exists()


def test_token_refuses_a_wrong_password(api, users):
    response = api.post("/api/v1/auth/token/", {"username": "cust", "password": "wrong"})
    assert response.status_code == 400
    assert response.json() == {
        "detail": "Unable to log in with provided credentials.",
        "code": "invalid",
        "errors": {"non_field_errors": ["Unable to log in with provided credentials."]},
        "state": None,
    }


def test_register_and_token_are_throttled_per_address(api, settings):
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {**settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"], "auth": "2/min"},
    }
    statuses = [
        api.post("/api/v1/auth/token/", {"username": "x", "password": "y"}).status_code for _ in range(3)
    ]
    assert statuses == [400, 400, 429]


# --- profile -----------------------------------------------------------------------------------
def test_put_returns_field_errors_and_saves_nothing(api, users):
    api.force_authenticate(users["customer"])
    response = api.put(ME, profile_data(id_number="110105194912310021", phone="12345"), format="json")
    assert response.status_code == 400
    assert (response.json()["code"], set(response.json()["errors"])) == ("invalid", {"id_number", "phone"})
    assert not Customer.objects.exists()


def test_put_validates_types_before_the_service(api, users):
    api.force_authenticate(users["customer"])
    response = api.put(ME, profile_data(customer_type="alien", monthly_income="lots"), format="json")
    assert response.status_code == 400
    assert set(response.json()["errors"]) == {"customer_type", "monthly_income"}


# --- KYC ---------------------------------------------------------------------------------------
def test_officer_verifies_then_a_second_decision_is_409_with_the_state(api, users, customer):
    add_id_card(customer)
    api.force_authenticate(users["officer"])
    response = api.post(_verify_url(customer.pk), {"reason": "ID card checked in branch"})
    assert response.status_code == 200
    assert response.json()["kyc_status"] == "verified"
    assert response.json()["id_number"].count("*") == 10

    again = api.post(_verify_url(customer.pk, "reject"), {"reason": "changed my mind"})
    assert again.status_code == 409
    assert again.json() == {
        "detail": "The identity is already Verified.",
        "code": "conflict",
        "errors": {},
        "state": "verified",
    }
    customer.refresh_from_db()
    assert customer.kyc_status == KycStatus.VERIFIED
    assert CustomerEvent.objects.count() == 1


def test_verifying_without_an_identity_card_is_400_on_document(api, users, customer):
    api.force_authenticate(users["officer"])
    response = api.post(_verify_url(customer.pk), {"reason": "looks fine"})
    assert response.status_code == 400
    assert list(response.json()["errors"]) == ["document"]
    customer.refresh_from_db()
    assert customer.kyc_status == KycStatus.UNVERIFIED
    assert not CustomerEvent.objects.exists()


@pytest.mark.parametrize("body", [{}, {"reason": ""}, {"reason": "   "}])
def test_a_missing_reason_is_400(api, users, customer, body):
    api.force_authenticate(users["officer"])
    response = api.post(_verify_url(customer.pk), body)
    assert response.status_code == 400
    assert set(response.json()["errors"]) == {"reason"}
    customer.refresh_from_db()
    assert customer.kyc_status == KycStatus.UNVERIFIED


def test_unknown_customer_is_404_and_a_customer_is_403_even_for_their_own(api, users):
    api.force_authenticate(users["officer"])
    missing = api.post(_verify_url(999999), {"reason": "x"})
    assert (missing.status_code, missing.json()) == (
        404,
        {"detail": "No such customer.", "code": "not_found", "errors": {}, "state": None},
    )
    own = CustomerFactory(user=users["customer"])
    api.force_authenticate(users["customer"])
    refused = api.post(_verify_url(own.pk), {"reason": "it is me"})
    assert (refused.status_code, refused.json()) == (
        403,
        {
            "detail": "Your role may not verify customer identities.",
            "code": "forbidden",
            "errors": {},
            "state": None,
        },
    )
    # The same answer for an id that does not exist: the role is checked before the look-up.
    assert api.post(_verify_url(999999), {"reason": "x"}).json() == refused.json()
    own.refresh_from_db()
    assert own.kyc_status == KycStatus.UNVERIFIED


# --- role × endpoint matrix --------------------------------------------------------------------
ROLES = ["anonymous", "customer", "officer", "senior", "analyst", "pm", "marketing", "auditor"]
# Anonymous callers get 403: the first authenticator (session) sends no WWW-Authenticate challenge.
MATRIX = {
    ("GET", "me"): {"anonymous": 401, "customer": 200, "default": 404},
    # An empty body is invalid for a customer; staff accounts keep no profile (403 before the body).
    ("PUT", "me"): {"anonymous": 401, "customer": 400, "default": 403},
    ("GET", "documents"): {"anonymous": 401, "customer": 200, "default": 404},
    ("POST", "documents"): {"anonymous": 401, "customer": 400, "default": 404},
    ("POST", "verify"): {"anonymous": 401, "officer": 200, "senior": 200, "default": 403},
    ("POST", "reject"): {"anonymous": 401, "officer": 200, "senior": 200, "default": 403},
}


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize(("method", "endpoint"), list(MATRIX))
def test_role_endpoint_status_matrix(api, users, role, method, endpoint):
    own = CustomerFactory(user=users["customer"])
    target = CustomerFactory(id_card=True)
    if role != "anonymous":
        api.force_authenticate(users[role])
    url = {
        "me": ME,
        "documents": f"{ME}documents/",
        "verify": _verify_url(target.pk),
        "reject": _verify_url(target.pk, "reject"),
    }[endpoint]
    body = {"reason": "matrix check"} if endpoint in ("verify", "reject") else {}
    call = getattr(api, method.lower())
    response = call(url, body, format="multipart" if endpoint == "documents" else "json")
    expected = MATRIX[(method, endpoint)].get(role, MATRIX[(method, endpoint)]["default"])
    assert response.status_code == expected, response.content
    target.refresh_from_db()
    own.refresh_from_db()
    assert own.kyc_status == KycStatus.UNVERIFIED
    if expected != 200 or endpoint not in ("verify", "reject"):
        assert target.kyc_status == KycStatus.UNVERIFIED


def test_an_officer_acting_on_their_own_profile_is_403_and_nothing_changes(api, users):
    own = CustomerFactory(user=users["officer"])
    api.force_authenticate(users["officer"])
    response = api.post(_verify_url(own.pk), {"reason": "it is me"})
    assert response.status_code == 403
    assert response.json()["errors"] == {"actor": ["Nobody may verify their own identity."]}
    own.refresh_from_db()
    assert own.kyc_status == KycStatus.UNVERIFIED
    assert not CustomerEvent.objects.exists()


@pytest.mark.parametrize("role", ["officer", "senior", "analyst", "pm", "marketing", "auditor"])
def test_a_staff_account_may_not_create_a_customer_profile_even_with_a_valid_body(api, users, role):
    api.force_authenticate(users[role])
    response = api.put(ME, profile_data(), format="json")
    assert (response.status_code, response.json()) == (
        403,
        {
            "detail": "Only customers have a customer profile.",
            "code": "forbidden",
            "errors": {},
            "state": None,
        },
    )
    assert not Customer.objects.exists()
    assert not CustomerEvent.objects.exists()


def test_no_profile_yet_is_a_404_in_the_one_error_body(api, users):
    api.force_authenticate(users["customer"])
    for url in (ME, f"{ME}documents/"):
        response = api.get(url)
        assert (response.status_code, response.json()) == (
            404,
            {"detail": "You have no customer profile yet.", "code": "not_found", "errors": {}, "state": None},
        )


def test_the_schema_documents_the_customer_endpoints(api):
    schema = api.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()
    paths = schema["paths"]
    assert {
        "/api/v1/auth/register/",
        "/api/v1/auth/token/",
        "/api/v1/customers/me/",
        "/api/v1/customers/me/documents/",
        "/api/v1/customers/{id}/verify-identity/",
        "/api/v1/customers/{id}/reject-identity/",
    } <= set(paths)
    assert set(paths["/api/v1/customers/{id}/verify-identity/"]["post"]["responses"]) == {
        "200",
        "400",
        "403",
        "404",
        "409",
        "415",
    }
