"""The application wizard: steps, drafts saved and resumed, nothing chosen for the customer, the
preview equal to the quote API, field errors that keep what was typed, the identity card."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from rest_framework.test import APIClient

from applications.models import LoanApplication, State
from customers.models import Consent, Document
from tests.applications.conftest import GOOD_ID, PNG_CARD, STRONG, about_data, make_customer, walk_wizard

pytestmark = pytest.mark.django_db


@pytest.fixture
def customer(db):
    """A verified customer (phone proven) with no identity card yet: the wizard asks for it."""
    return make_customer("alice", id_number=GOOD_ID, id_card=False)


LOAN = {
    "amount": "50000",
    "term": "24",
    "method": "annuity",
    "frequency": "monthly",
    "purpose": "consumer_auto",
}


def start_url(product) -> str:
    return reverse("applications:wizard-start") + f"?product={product.product.code}"


def step_url(application, step: str) -> str:
    return reverse("applications:wizard", args=[application.pk, step])


def selected(html: str, name: str) -> list[str]:
    """The selected options of the <select name=...> in the page."""
    select = re.search(rf'<select name="{name}"[^>]*>(.*?)</select>', html, re.S)
    assert select, name
    return re.findall(r'<option value="([^"]*)"[^>]*selected', select.group(1))


def test_the_old_address_continues_in_the_wizard_with_its_query(client, customer, product):
    client.force_login(customer.user)
    response = client.get("/apply/", {"product": "CASH", "amount": "42000", "ref": "FRIEND1"})
    assert response.status_code == 302
    assert response["Location"] == "/apply/new/?product=CASH&amount=42000&ref=FRIEND1"


def test_no_answer_is_chosen_for_the_customer(client, customer, product):
    client.force_login(customer.user)
    html = client.get(start_url(product)).content.decode()
    for name in ("method", "frequency", "purpose"):
        assert selected(html, name) == [""], name  # "— choose —"
        select = re.search(rf'<select name="{name}"[^>]*>\s*<option value=""[^>]*>([^<]*)</option>', html)
        assert select, name  # the first option is the empty "— choose —"
        assert select.group(1).startswith("—")
        assert re.search(rf'<select name="{name}"[^>]*required', html), name
    application = LoanApplication.objects.create(
        customer=customer,
        product_version=product,
        amount=Decimal("50000"),
        term=24,
        method="annuity",
        frequency="monthly",
        purpose="consumer_auto",
    )
    about = client.get(step_url(application, "about")).content.decode()
    for name in ("checking_balance_band", "savings_band", "housing", "property_type", "guarantor"):
        assert selected(about, name) == [""], name
    # A dropdown left on "— choose —" is refused, on its field
    response = client.post(start_url(product), {**LOAN, "method": "", "next": "1"})
    assert response.status_code == 400
    assert response.context["form"].errors["method"]
    assert LoanApplication.objects.count() == 1


def test_the_steps_save_a_draft_and_submit_through_the_submission_service(
    client, customer, product, risk_ready, django_capture_on_commit_callbacks
):
    client.force_login(customer.user)
    # Step 1: the loan creates the draft
    response = client.post(start_url(product), {**LOAN, "utm_source": "wechat", "next": "1"})
    application = LoanApplication.objects.get()
    assert response.status_code == 302
    assert response["Location"] == step_url(application, "about")
    assert (application.state, application.amount, application.term) == (State.DRAFT, Decimal("50000"), 24)
    assert application.utm == {"utm_source": "wechat"}
    # Step 2: about you is prefilled from the profile and saves the answers
    about_page = client.get(step_url(application, "about")).content.decode()
    assert f'value="{customer.legal_name}"' in about_page
    response = client.post(step_url(application, "about"), about_data(customer, monthly_income="31000.00"))
    assert response["Location"] == step_url(application, "documents")
    application.refresh_from_db()
    customer.refresh_from_db()
    assert application.housing == STRONG["housing"]
    assert customer.monthly_income == Decimal("31000.00")
    # Submitting before the identity card is uploaded sends the customer to the documents step
    refused = client.post(step_url(application, "review"), {"credit_check_consent": "on"})
    assert refused["Location"] == step_url(application, "documents")
    application.refresh_from_db()
    assert application.state == State.DRAFT
    # Step 3: the identity card (the stand-in PNG has no readable text: the customer goes on)
    card = SimpleUploadedFile("card.png", PNG_CARD, content_type="image/png")
    response = client.post(step_url(application, "documents"), {"file": card})
    assert response["Location"] == step_url(application, "review")
    assert Document.objects.get(customer=customer).kind == "id_card"
    # Step 4: review, consent once, submit
    review = client.get(step_url(application, "review"))
    assert 'name="credit_check_consent"' in review.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(step_url(application, "review"), {"credit_check_consent": "on"})
    assert response["Location"] == reverse("applications:detail", args=[application.pk])
    application.refresh_from_db()
    assert application.state == State.APPROVED
    assert application.events.filter(reason="submitted").count() == 1
    assert Consent.objects.filter(customer=customer, kind="credit_check").count() == 1
    # The draft is no longer a draft: the wizard does not open it again
    assert client.get(step_url(application, "loan")).status_code == 404


def test_a_draft_is_resumed_where_it_was_left(client, customer, product):
    client.force_login(customer.user)
    client.post(start_url(product), {**LOAN, "next": "1"})
    application = LoanApplication.objects.get()
    listing = client.get(reverse("applications:list")).content.decode()
    resume = reverse("applications:wizard-resume", args=[application.pk])
    assert resume in listing
    assert client.get(resume)["Location"] == step_url(application, "about")
    loan_page = client.get(step_url(application, "loan")).content.decode()
    assert 'name="amount" value="50000.00"' in loan_page
    assert selected(loan_page, "method") == ["annuity"]
    # Going back to a step and changing it updates the same draft
    changed = client.post(step_url(application, "loan"), {**LOAN, "amount": "60000", "next": "1"})
    assert changed["Location"] == step_url(application, "about")
    application.refresh_from_db()
    assert (LoanApplication.objects.count(), application.amount) == (1, Decimal("60000"))
    client.post(step_url(application, "about"), about_data(customer))
    assert client.get(resume)["Location"] == step_url(application, "documents")
    # A consent already given is not asked again
    from customers import services as customer_services

    customer_services.consent_record(customer=customer)
    Document.objects.create(
        customer=customer,
        kind="id_card",
        file="x/card.png",
        content_type="image/png",
        size=1,
        sha256="0" * 64,
    )
    assert client.get(resume)["Location"] == step_url(application, "review")
    review = client.get(step_url(application, "review")).content.decode()
    assert 'name="credit_check_consent"' not in review


def test_another_customers_draft_is_404_on_every_step(client, customer, other_customer, product):
    client.force_login(customer.user)
    client.post(start_url(product), {**LOAN, "next": "1"})
    application = LoanApplication.objects.get()
    client.force_login(other_customer.user)
    assert client.get(reverse("applications:wizard-resume", args=[application.pk])).status_code == 404
    for step in ("loan", "about", "documents", "review"):
        assert client.get(step_url(application, step)).status_code == 404
        assert client.post(step_url(application, step), {**LOAN, **STRONG}).status_code == 404
    application.refresh_from_db()
    assert (application.state, application.housing) == (State.DRAFT, "")


def test_the_preview_equals_the_quote_api_to_the_cent(client, customer, product):
    client.force_login(customer.user)
    asked = {"amount": "123456.78", "term": "37", "method": "equal_principal", "frequency": "monthly"}
    page = client.post(start_url(product), {**asked, "preview": "1"})
    assert page.status_code == 200
    assert not LoanApplication.objects.exists()  # Preview saves nothing
    html = page.content.decode()
    figures = dict(re.findall(r'data-(installment|apr|annual-rate|total-cost|total-payable)="([^"]*)"', html))
    api = APIClient()
    api.force_authenticate(customer.user)
    quote = api.post(
        f"/api/v1/products/{product.product.code}/quote/", {**asked, "channel": "web"}, format="json"
    ).json()
    assert figures == {
        "installment": quote["installments"][0]["payment"],
        "apr": quote["summary"]["apr"],
        "annual-rate": quote["annual_rate"],
        "total-cost": quote["summary"]["total_cost"],
        "total-payable": quote["summary"]["total_payable"],
    }
    # Preview judges only what the quote needs: the purpose is not asked yet
    assert "purpose" not in page.context["form"].errors


def test_field_errors_keep_what_the_customer_typed(client, customer, product):
    client.force_login(customer.user)
    response = client.post(start_url(product), {**LOAN, "amount": "9999999", "term": "13", "next": "1"})
    html = response.content.decode()
    assert response.status_code == 400
    assert 'value="9999999"' in html
    assert 'name="term" value="13"' in html
    assert selected(html, "method") == ["annuity"]
    assert response.context["form"].errors["amount"]
    assert not LoanApplication.objects.exists()
    client.post(start_url(product), {**LOAN, "next": "1"})
    application = LoanApplication.objects.get()
    response = client.post(
        step_url(application, "about"),
        about_data(customer, monthly_income="lots", housing="", employer="Acme 2"),
    )
    html = response.content.decode()
    assert response.status_code == 400
    assert 'value="lots"' in html
    assert 'value="Acme 2"' in html
    assert set(response.context["form"].errors) >= {"monthly_income", "housing"}
    assert selected(html, "savings_band") == [STRONG["savings_band"]]


def test_the_documents_step_shows_the_upload_error_on_the_field(client, customer, product):
    client.force_login(customer.user)
    client.post(start_url(product), {**LOAN, "next": "1"})
    application = LoanApplication.objects.get()
    fake = SimpleUploadedFile("card.png", b"<html>not an image</html>", content_type="image/png")
    response = client.post(step_url(application, "documents"), {"file": fake})
    assert response.status_code == 400
    assert response.context["form"].errors["file"]
    assert not Document.objects.exists()
    assert client.post(step_url(application, "documents"), {}).status_code == 400  # nothing on file


def test_walking_every_step_submits(
    client, customer, product, risk_ready, django_capture_on_commit_callbacks
):
    client.force_login(customer.user)
    with django_capture_on_commit_callbacks(execute=True):
        response = walk_wizard(client, customer, product)
    application = LoanApplication.objects.get()
    assert response["Location"] == reverse("applications:detail", args=[application.pk])
    assert application.state == State.APPROVED


def test_every_step_is_chinese_on_the_chinese_pages(client, customer, product):
    from tests.portal.test_english_on_chinese_pages import english_words

    customer.legal_name = "王芳"  # the fixture's name is Latin: data, not an untranslated string
    customer.save(update_fields=["legal_name"])
    client.force_login(customer.user)
    chinese = {"HTTP_ACCEPT_LANGUAGE": "zh-hans"}
    asked = {**LOAN, "preview": "1"}
    pages = [client.get(start_url(product), **chinese), client.post(start_url(product), asked, **chinese)]
    client.post(start_url(product), {**LOAN, "next": "1"})
    application = LoanApplication.objects.get()
    pages += [client.get(step_url(application, step), **chinese) for step in ("loan", "about", "documents")]
    pages.append(client.post(step_url(application, "about"), about_data(customer, housing=""), **chinese))
    client.post(step_url(application, "about"), about_data(customer))
    Document.objects.create(
        customer=customer,
        kind="id_card",
        file="x/card.png",
        content_type="image/png",
        size=1,
        sha256="0" * 64,
    )
    pages.append(client.get(step_url(application, "review"), **chinese))
    for page in pages:
        html = page.content.decode()
        assert 'lang="zh-hans"' in html
        # File formats keep their names (as CSV and Excel do in the portal's allow-list).
        assert english_words(html) - {"PDF", "JPEG", "PNG"} == set(), page.request["PATH_INFO"]
    assert "— 请选择 —" in pages[0].content.decode()


def test_what_an_installed_engine_reads_is_shown_to_compare(client, customer, product, monkeypatch):
    from customers import ocr
    from tests.customers.test_ocr import FakeEngine

    monkeypatch.setattr(ocr, "engine", lambda: FakeEngine("姓名 王芳\n公民身份号码 11010519491231002X"))
    client.force_login(customer.user)
    client.post(start_url(product), {**LOAN, "next": "1"})
    application = LoanApplication.objects.get()
    card = SimpleUploadedFile("card.png", PNG_CARD, content_type="image/png")
    response = client.post(step_url(application, "documents"), {"file": card}, HTTP_ACCEPT_LANGUAGE="en")
    html = response.content.decode()
    assert response.status_code == 200  # the customer compares before going on
    assert "王芳" in html
    assert "11010519491231002X" in html
    customer.refresh_from_db()
    assert customer.legal_name != "王芳"  # a suggestion only: nothing is stored from it
    assert Document.objects.filter(customer=customer, kind="id_card").count() == 1
    assert client.post(step_url(application, "documents"), {})["Location"] == step_url(application, "review")
