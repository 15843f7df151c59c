"""Customer pages: sign-up, log-in/out, the profile form with documents."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model

from customers.models import Consent, Customer, Document
from loanhub import roles
from tests.customers.factories import GB_EXAMPLE_RIC, PDF_BYTES, CustomerFactory, profile_data, upload

pytestmark = [pytest.mark.django_db]
PASSWORD = "a-Long-unusual-passphrase-42"


@pytest.fixture
def client(client):
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client


def _form(**overrides) -> dict:
    data = {k: v for k, v in profile_data(**overrides).items() if v is not None}
    if data.get("credit_check_consent") is True:
        data["credit_check_consent"] = "on"
    elif "credit_check_consent" in data:
        del data["credit_check_consent"]
    return data


def test_signup_creates_a_customer_logs_in_and_goes_to_the_profile(client):
    page = client.get("/customers/signup/")
    assert page.status_code == 200
    assert 'name="password_again"' in page.content.decode()
    response = client.post(
        "/customers/signup/",
        {"username": "zhao", "email": "zhao@example.com", "password": PASSWORD, "password_again": PASSWORD},
    )
    assert response.status_code == 302
    assert response["Location"] == "/customers/me/"
    user = get_user_model().objects.get(username="zhao")
    assert list(user.groups.values_list("name", flat=True)) == [roles.CUSTOMER]
    assert not user.is_staff
    assert client.get("/customers/me/").context["user"] == user


def test_signup_shows_errors_next_to_fields_and_keeps_typed_values(client, users):
    response = client.post(
        "/customers/signup/",
        {"username": "cust", "email": "new@example.com", "password": PASSWORD, "password_again": "different"},
    )
    assert response.status_code == 200
    form = response.context["form"]
    assert form.errors["password_again"] == ["The two passwords differ."]
    response = client.post(
        "/customers/signup/",
        {"username": "cust", "email": "new@example.com", "password": PASSWORD, "password_again": PASSWORD},
    )
    assert response.context["form"].errors["username"] == ["This user name is taken."]
    assert 'value="new@example.com"' in response.content.decode()
    assert get_user_model().objects.filter(email="new@example.com").count() == 0


def test_login_url_is_the_customer_login_and_staff_land_in_the_console(client, users):
    assert settings.LOGIN_URL == "/customers/login/"
    assert client.get("/customers/me/")["Location"] == "/customers/login/?next=/customers/me/"
    assert client.get("/customers/login/").status_code == 200
    response = client.post("/customers/login/", {"username": "cust", "password": "correct-horse-battery-9"})
    assert response["Location"] == "/customers/me/"
    client.post("/customers/logout/")
    response = client.post(
        "/customers/login/", {"username": "officer", "password": "correct-horse-battery-9"}
    )
    assert response["Location"] == "/admin/"
    assert client.get("/admin/login/").status_code in (200, 302)  # the admin keeps its own login


def _auth_rate(settings, rate: str) -> None:
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {**settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"], "auth": rate},
    }


def test_page_log_ins_share_the_apis_per_address_limit(client, users, settings):
    _auth_rate(settings, "3/min")
    wrong = {"username": "cust", "password": "not-the-password"}
    assert [client.post("/customers/login/", wrong).status_code for _ in range(2)] == [200, 200]
    assert client.post("/api/v1/auth/token/", wrong).status_code == 400  # the third of three
    refused = client.post("/customers/login/", {"username": "cust", "password": "correct-horse-battery-9"})
    assert refused.status_code == 429
    assert "Too many attempts from this address" in refused.content.decode()
    assert "_auth_user_id" not in client.session  # even the right password is not tried


def test_the_admin_log_in_is_limited_per_address_too(client, users, settings):
    _auth_rate(settings, "2/min")
    wrong = {"username": "officer", "password": "not-the-password", "next": "/admin/"}
    assert [client.post("/admin/login/", wrong).status_code for _ in range(2)] == [200, 200]
    right = {**wrong, "password": "correct-horse-battery-9"}
    refused = client.post("/admin/login/", right)
    assert refused.status_code == 429
    assert "Too many attempts from this address" in refused.content.decode()
    assert "_auth_user_id" not in client.session


def test_page_sign_ups_are_limited_per_address_and_keep_what_was_typed(client, settings):
    _auth_rate(settings, "1/min")
    first = client.post("/customers/signup/", {"username": "first", "password": "x"})
    assert first.status_code == 200  # refused by validation, but counted
    data = {
        "username": "second",
        "email": "second@example.com",
        "password": PASSWORD,
        "password_again": PASSWORD,
    }
    response = client.post("/customers/signup/", data)
    assert response.status_code == 429
    assert 'value="second"' in response.content.decode()
    assert not get_user_model().objects.filter(username="second").exists()


def test_logout_is_a_post(client, users):
    client.force_login(users["customer"])
    assert client.get("/customers/logout/").status_code == 405
    response = client.post("/customers/logout/")
    assert response.status_code == 302
    assert response["Location"] == "/"
    assert client.get("/customers/me/").status_code == 302


def test_a_new_customer_sees_an_empty_form_with_the_consent_wording(client, users):
    client.force_login(users["customer"])
    response = client.get("/customers/me/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "I authorise LoanHub to query my credit report" in html
    assert 'name="credit_check_consent"' in html
    assert 'value="cust@example.com"' in html  # the e-mail they signed up with
    assert "Save your profile first" in html


def test_profile_errors_are_shown_next_to_fields_with_the_typed_values_kept(client, users):
    client.force_login(users["customer"])
    response = client.post(
        "/customers/me/", _form(id_number="110105194912310021", legal_name="王五", region="")
    )
    assert response.status_code == 400
    form = response.context["form"]
    assert set(form.errors) == {"id_number", "region"}
    html = response.content.decode()
    assert 'value="110105194912310021"' in html  # what they typed, to correct it
    assert 'value="王五"' in html
    assert html.count('class="field has-error"') == 2
    assert not Customer.objects.exists()


def test_an_absurd_income_is_a_field_error_not_a_server_error(client, users):
    client.force_login(users["customer"])
    response = client.post("/customers/me/", _form(monthly_income="1e30"))
    assert response.status_code == 400
    assert list(response.context["form"].errors) == ["monthly_income"]
    assert not Customer.objects.exists()


def test_saving_the_profile_then_seeing_it_masked_and_prefilled(client, users):
    client.force_login(users["customer"])
    response = client.post("/customers/me/", _form())
    assert response.status_code == 302
    customer = Customer.objects.get(user=users["customer"])
    assert Consent.objects.filter(customer=customer).count() == 1
    html = client.get("/customers/me/").content.decode()
    assert GB_EXAMPLE_RIC not in html
    assert "13812345678" not in html
    assert 'value="1101**********002X"' in html
    assert 'value="138****5678"' in html
    assert 'value="15000.00"' in html
    assert "Unverified" in html
    # submitting the prefilled form unchanged keeps everything
    assert (
        client.post("/customers/me/", _form(id_number="1101**********002X", phone="138****5678")).status_code
        == 302
    )
    customer.refresh_from_db()
    assert (customer.id_number, customer.phone) == (GB_EXAMPLE_RIC, "13812345678")


def test_documents_are_uploaded_and_listed_on_the_profile_page(client):
    customer = CustomerFactory()
    client.force_login(customer.user)
    response = client.post(
        "/customers/me/documents/", {"kind": "income_proof", "file": upload("pay.pdf", PDF_BYTES)}
    )
    assert response.status_code == 302
    document = Document.objects.get(customer=customer)
    html = client.get("/customers/me/").content.decode()
    assert f'href="/customers/documents/{document.pk}/"' in html
    bad = client.post(
        "/customers/me/documents/", {"kind": "income_proof", "file": upload("pay.pdf", b"hello")}
    )
    assert bad.status_code == 400
    assert bad.context["upload_form"].errors["file"] == ["Upload a PDF, JPEG or PNG file."]
    assert Document.objects.count() == 1


def test_uploading_without_a_profile_redirects_with_a_message(client, users):
    client.force_login(users["customer"])
    response = client.post(
        "/customers/me/documents/", {"kind": "id_card", "file": upload("a.pdf", PDF_BYTES)}
    )
    assert response.status_code == 302
    assert not Document.objects.exists()


def test_saving_the_profile_continues_to_a_safe_next_page_only(client, db):
    from loanhub import roles
    from tests.products.factories import UserFactory

    user = UserFactory(username="nextuser", role=roles.CUSTOMER, is_staff=False)
    client.force_login(user)
    form = client.get("/customers/me/", {"next": "/apply/?product=CASH"}).content.decode()
    assert 'name="next" value="/apply/?product=CASH"' in form
    evil = client.get("/customers/me/", {"next": "https://evil.example/"}).content.decode()
    assert 'name="next" value="https://evil.example/"' not in evil


def test_a_staff_account_may_not_save_a_customer_profile_in_the_portal(client, users):
    client.force_login(users["officer"])
    response = client.post("/customers/me/", _form())
    assert response.status_code == 403
    assert not Customer.objects.exists()


def test_a_document_is_downloaded_by_get_only(client, users):
    customer = CustomerFactory(user=users["customer"])
    client.force_login(users["customer"])
    client.post("/customers/me/documents/", {"kind": "income_proof", "file": upload("pay.pdf", PDF_BYTES)})
    document = Document.objects.get(customer=customer)
    url = f"/customers/documents/{document.pk}/"
    assert client.post(url).status_code == 405
    response = client.get(url)
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PDF_BYTES
