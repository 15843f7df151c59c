"""Officer console: masked list and detail, exact search, filters, KYC buttons, audited reveal."""

from __future__ import annotations

import pytest
from django.urls import reverse

from customers import services
from customers.models import CustomerEvent, EventKind, KycStatus
from tests.customers.factories import (
    GB_EXAMPLE_RIC,
    PDF_BYTES,
    STDNUM_EXAMPLE_USCC,
    CustomerFactory,
    add_id_card,
    upload,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]
CHANGELIST = "/admin/customers/customer/"
SEARCH = "/admin/customers/customer/identifier-search/"


@pytest.fixture
def client(client):
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client


@pytest.fixture
def zhang(db):
    customer = CustomerFactory(
        legal_name="张三", id_number=GB_EXAMPLE_RIC, phone="13812345678", region="北京"
    )
    services.consent_record(customer=customer)
    add_id_card(customer)
    services.document_upload(
        customer=customer, kind="income_proof", file=upload("pay.pdf", PDF_BYTES), actor=customer.user
    )
    return customer


def _change_url(customer):
    return reverse("admin:customers_customer_change", args=[customer.pk])


@pytest.mark.parametrize("role", ["officer", "auditor", "analyst"])
def test_list_and_detail_show_masked_numbers_only(client, users, zhang, role):
    client.force_login(users[role])
    listing = client.get(CHANGELIST)
    detail = client.get(_change_url(zhang))
    assert listing.status_code == 200
    assert detail.status_code == 200
    for page in (listing, detail):
        html = page.content.decode()
        assert "1101**********002X" in html
        assert "138****5678" in html
        assert GB_EXAMPLE_RIC not in html
        assert "13812345678" not in html
        assert "19491231" not in html  # nor the date of birth
    html = detail.content.decode()
    assert 'name="id_number"' not in html
    assert 'name="phone"' not in html
    assert "pay.pdf" in html  # documents inline
    assert "I authorise LoanHub" in html  # consents inline


def test_reveal_buttons_only_for_users_who_may_reveal(client, users, zhang):
    reveal_url = reverse("admin:customers_customer_reveal", args=[zhang.pk, "id_number"])
    client.force_login(users["officer"])
    assert reveal_url in client.get(_change_url(zhang)).content.decode()
    client.force_login(users["auditor"])
    assert reveal_url not in client.get(_change_url(zhang)).content.decode()


@pytest.mark.parametrize(("field", "raw"), [("id_number", GB_EXAMPLE_RIC), ("phone", "13812345678")])
def test_a_reveal_shows_the_value_and_is_audited(client, users, zhang, field, raw):
    client.force_login(users["officer"])
    response = client.post(reverse("admin:customers_customer_reveal", args=[zhang.pk, field]))
    assert response.status_code == 200
    assert raw in response.content.decode()
    assert "no-store" in response["Cache-Control"]
    event = CustomerEvent.objects.get(kind=EventKind.REVEAL)
    assert (event.actor, event.field, event.customer) == (users["officer"], field, zhang)


def test_a_reveal_is_refused_without_the_permission_and_by_get(client, users, zhang):
    url = reverse("admin:customers_customer_reveal", args=[zhang.pk, "id_number"])
    client.force_login(users["auditor"])
    response = client.post(url)
    assert response.status_code == 403
    assert GB_EXAMPLE_RIC not in response.content.decode()
    client.force_login(users["officer"])
    assert client.get(url).status_code == 302  # a GET never reveals
    assert not CustomerEvent.objects.filter(kind=EventKind.REVEAL).exists()


def test_the_service_refuses_other_fields_and_roles(users, zhang):
    with pytest.raises(services.CustomerValidationError):
        services.pii_reveal(customer=zhang, field="monthly_income", actor=users["officer"])
    with pytest.raises(services.CustomerPermissionError):
        services.pii_reveal(customer=zhang, field="phone", actor=users["auditor"])
    assert not CustomerEvent.objects.exists()


@pytest.mark.parametrize(
    ("term", "found"),
    [
        (GB_EXAMPLE_RIC, True),
        ("11010519491231002x", True),
        ("110105", False),  # partial numbers never match: searching must not become guessing
        ("1101**********002X", False),
        ("13812345678", True),
        ("+86 138 1234 5678", True),
        ("1381234", False),
    ],
)
def test_identifier_search_by_post_matches_exact_numbers_only(client, users, zhang, term, found):
    CustomerFactory(legal_name="王五")
    client.force_login(users["officer"])
    response = client.post(SEARCH, {"identifier": term})
    if found:
        assert response.status_code == 200
        assert [row["customer"] for row in response.context["results"]] == [zhang]
    else:
        assert response.status_code == 400
        assert response.context["results"] is None
        assert response.context["form"].errors["identifier"] == [
            "Enter a full identity number, unified social credit code or mobile number."
        ]


def test_identifier_search_by_credit_code(client, users):
    company = CustomerFactory(customer_type="small_business", uscc=STDNUM_EXAMPLE_USCC, legal_name="ACME")
    client.force_login(users["auditor"])  # a company's public code needs no reveal permission
    response = client.post(SEARCH, {"identifier": STDNUM_EXAMPLE_USCC})
    assert [row["customer"] for row in response.context["results"]] == [company]
    assert not CustomerEvent.objects.exists()


def test_identifier_search_shows_masked_numbers_and_never_echoes_the_term(client, users, zhang):
    client.force_login(users["officer"])
    page = client.get(SEARCH)
    assert page.status_code == 200
    assert 'method="post"' in page.content.decode()
    response = client.post(SEARCH, {"identifier": "13812345678"})
    html = response.content.decode()
    assert "1101**********002X" in html
    assert "138****5678" in html
    assert "13812345678" not in html
    assert GB_EXAMPLE_RIC not in html
    assert "no-store" in response["Cache-Control"]


@pytest.mark.parametrize(
    ("term", "found"),
    [
        (GB_EXAMPLE_RIC, False),  # full numbers are searched by POST only
        ("13812345678", False),
        ("张", True),
        ("李", False),
    ],
)
def test_the_list_search_in_the_address_matches_names_not_numbers(client, users, zhang, term, found):
    CustomerFactory(legal_name="王五")
    client.force_login(users["officer"])
    response = client.get(CHANGELIST, {"q": term})
    assert response.status_code == 200
    assert list(response.context["cl"].result_list) == ([zhang] if found else [])
    assert not CustomerEvent.objects.filter(kind=EventKind.REVEAL).exists()


def test_a_number_in_the_list_search_points_to_the_identifier_search(client, users, zhang):
    client.force_login(users["officer"])
    html = client.get(CHANGELIST, {"q": "13812345678"}, follow=True).content.decode()
    assert "use the identifier search" in html
    assert reverse("admin:customers_customer_identifier_search") in html


@pytest.mark.parametrize("role_user", ["auditor", "marketing"])
def test_only_revealers_may_search_by_identity_or_phone(client, users, zhang, role_user):
    # Without the reveal permission a full-number match would itself reveal the number.
    client.force_login(users[role_user])
    for term in (GB_EXAMPLE_RIC, "13812345678"):
        response = client.post(SEARCH, {"identifier": term})
        assert response.status_code == 403
        assert "张三" not in response.content.decode()
    assert not CustomerEvent.objects.filter(kind=EventKind.REVEAL).exists()


def test_customers_cannot_use_the_identifier_search(client, zhang):
    client.force_login(zhang.user)
    response = client.post(SEARCH, {"identifier": GB_EXAMPLE_RIC})
    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]


def test_the_identifier_search_is_csrf_protected(users, zhang):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(users["officer"])
    assert client.post(SEARCH, {"identifier": GB_EXAMPLE_RIC}).status_code == 403
    assert not CustomerEvent.objects.filter(kind=EventKind.REVEAL).exists()


def test_history_pages_never_restore_a_past_version(client, users, zhang):
    zhang.legal_name = "张三丰"
    zhang.save()
    version = zhang.history.order_by("history_id").first()
    client.force_login(users["auditor"])
    url = f"{CHANGELIST}{zhang.pk}/history/{version.history_id}/"
    assert client.get(url).status_code == 200
    assert client.post(url, {}).status_code == 403
    zhang.refresh_from_db()
    assert zhang.legal_name == "张三丰"


def test_a_search_by_full_identity_number_is_audited_like_a_reveal(client, users, zhang):
    client.force_login(users["officer"])
    client.post(SEARCH, {"identifier": GB_EXAMPLE_RIC})
    event = CustomerEvent.objects.get(customer=zhang, kind=EventKind.REVEAL)
    assert (event.actor, event.field, event.payload) == (users["officer"], "id_number", {"search": True})


def test_search_by_customer_number(client, users, zhang):
    client.force_login(users["officer"])
    response = client.get(CHANGELIST, {"q": str(zhang)})
    assert list(response.context["cl"].result_list) == [zhang]


def test_filters_by_kyc_status_type_and_region(client, users, zhang):
    other = CustomerFactory(region="上海", id_card=True)
    services.customer_verify_identity(customer=other, actor=users["officer"], reason="ok")
    client.force_login(users["officer"])
    by_status = client.get(CHANGELIST, {"kyc_status__exact": "verified"}).context["cl"].result_list
    by_region = client.get(CHANGELIST, {"region": "北京"}).context["cl"].result_list
    by_type = client.get(CHANGELIST, {"customer_type__exact": "individual"}).context["cl"].result_list
    assert list(by_status) == [other]
    assert list(by_region) == [zhang]
    assert set(by_type) == {zhang, other}


def test_kyc_buttons_ask_for_a_reason_and_call_the_service(client, users, zhang):
    url = reverse("admin:customers_customer_kyc", args=[zhang.pk, "verify"])
    client.force_login(users["officer"])
    assert url in client.get(_change_url(zhang)).content.decode()
    form = client.get(url)
    assert form.status_code == 200
    assert 'name="reason"' in form.content.decode()

    refused = client.post(url, {"reason": "  "})
    assert refused.status_code == 400
    assert "Give a reason." in refused.content.decode()
    zhang.refresh_from_db()
    assert zhang.kyc_status == KycStatus.UNVERIFIED

    done = client.post(url, {"reason": "ID card checked in branch"})
    assert done.status_code == 302
    assert done["Location"] == _change_url(zhang)
    zhang.refresh_from_db()
    assert zhang.kyc_status == KycStatus.VERIFIED
    event = CustomerEvent.objects.get(kind=EventKind.KYC)
    assert (event.actor, event.reason) == (users["officer"], "ID card checked in branch")
    # decided: no more buttons; a stale second POST is refused with a message
    assert url not in client.get(_change_url(zhang)).content.decode()
    again = client.post(
        reverse("admin:customers_customer_kyc", args=[zhang.pk, "reject"]), {"reason": "x"}, follow=True
    )
    assert "The identity is already Verified." in [str(m) for m in again.context["messages"]]
    assert CustomerEvent.objects.filter(kind=EventKind.KYC).count() == 1


def test_auditors_see_no_kyc_buttons_and_cannot_decide(client, users, zhang):
    url = reverse("admin:customers_customer_kyc", args=[zhang.pk, "verify"])
    client.force_login(users["auditor"])
    assert url not in client.get(_change_url(zhang)).content.decode()
    response = client.post(url, {"reason": "trying"}, follow=True)
    assert any("may not verify" in str(m) for m in response.context["messages"])
    zhang.refresh_from_db()
    assert zhang.kyc_status == KycStatus.UNVERIFIED
    assert not CustomerEvent.objects.exists()


def test_the_console_is_view_only(client, users, zhang):
    client.force_login(users["officer"])
    assert client.get("/admin/customers/customer/add/").status_code == 403
    assert client.get(f"/admin/customers/customer/{zhang.pk}/delete/").status_code == 403
    response = client.post(_change_url(zhang), {"legal_name": "changed"})
    assert response.status_code == 403
    zhang.refresh_from_db()
    assert zhang.legal_name == "张三"


def test_the_event_log_lists_reveals_for_auditors(client, users, zhang):
    services.pii_reveal(customer=zhang, field="phone", actor=users["officer"])
    client.force_login(users["auditor"])
    response = client.get("/admin/customers/customerevent/")
    assert response.status_code == 200
    assert [e.field for e in response.context["cl"].result_list] == ["phone"]


def test_profile_history_is_kept_without_personal_identifiers(client, users, zhang):
    services.customer_upsert_for_user(
        user=zhang.user,
        data={
            "customer_type": "individual",
            "legal_name": "张三",
            "region": "上海",
            "employment_type": "salaried",
            "employer": "上海示例有限公司",
            "monthly_income": "20000.00",
        },
    )
    history = zhang.history.order_by("history_id")
    assert [h.region for h in history] == ["北京", "上海"]
    assert not hasattr(history.first(), "id_number")
    assert not hasattr(history.first(), "phone")
    client.force_login(users["auditor"])
    response = client.get(reverse("admin:customers_customer_history", args=[zhang.pk]))
    assert response.status_code == 200
    html = response.content.decode()
    assert GB_EXAMPLE_RIC not in html
    assert "13812345678" not in html


CHANGELIST = "/admin/customers/customer/"
SEARCH = "/admin/customers/customer/identifier-search/"


def test_an_officer_marks_payroll_customers_from_the_list(client, users):
    first, second = CustomerFactory(), CustomerFactory()
    client.force_login(users["officer"])
    response = client.post(
        CHANGELIST, {"action": "mark_payroll", "_selected_action": [first.pk, second.pk]}, follow=True
    )
    assert response.status_code == 200
    assert "2 marked as payroll customers." in response.content.decode()
    first.refresh_from_db()
    assert first.payroll_customer is True
    assert CustomerEvent.objects.filter(field="payroll_customer", actor=users["officer"]).count() == 2


def test_an_auditor_cannot_mark_payroll_customers(client, users):
    customer = CustomerFactory()
    client.force_login(users["auditor"])
    response = client.post(
        CHANGELIST, {"action": "mark_payroll", "_selected_action": [customer.pk]}, follow=True
    )
    customer.refresh_from_db()
    assert customer.payroll_customer is False
    assert "You may not change customers." in response.content.decode()


def test_an_officer_unlocks_a_customers_log_in_from_the_list(client, users):
    from loanhub.models import AccountEvent

    customer = CustomerFactory()
    client.force_login(users["officer"])
    client.post(CHANGELIST, {"action": "unlock_log_in", "_selected_action": [customer.pk]}, follow=True)
    event = AccountEvent.objects.get(user=customer.user)
    assert (event.kind, event.actor) == (AccountEvent.Kind.UNLOCKED, users["officer"])
