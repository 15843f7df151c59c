"""Collateral and guarantors on an application: the LTV limit (refuse or refer), the API, the
guarantor's checks, the copy to the loan at disbursement and the per-loan LGD."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from rest_framework.test import APIClient

from applications import services
from applications.models import ApplicationCollateral, ApplicationGuarantor, LoanApplication, State
from loanhub import clock
from products.models import ProductVersion
from servicing import collateral as loan_collateral
from servicing.models import Loan, LoanCollateral
from tests.applications.conftest import draft, in_state, make_customer

URL = "/api/v1/applications/"


def client_for(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def _limit(product, max_ltv: str | None, excess: str = "refuse") -> None:
    ProductVersion.objects.filter(pk=product.pk).update(
        max_ltv=None if max_ltv is None else Decimal(max_ltv), ltv_excess=excess
    )


def _body(value: str, kind: str = "real_estate", **extra) -> dict:
    return {
        "type": kind,
        "value": value,
        "valuation_date": (clock.today() - dt.timedelta(days=10)).isoformat(),
        "description": "flat, 3rd floor",
        **extra,
    }


def test_owner_pledges_collateral_and_gets_the_ltv(customer, product):
    # Given a draft of 50,000 under a product without an LTV limit
    application = draft(customer, product)
    # When the applicant pledges a flat worth 100,000
    response = client_for(customer.user).post(
        f"{URL}{application.pk}/collateral/", _body("100000"), format="json"
    )
    # Then 201 with LTV 50,000 / 100,000 and the value after the 30 % real-estate haircut
    assert response.status_code == 201, response.json()
    body = response.json()
    assert (body["ltv"], body["secured_value"], body["max_ltv"], body["ltv_above_max"]) == (
        "0.5000",
        "70000.00",
        None,
        False,
    )
    assert (body["type"], body["value"], body["state"]) == ("real_estate", "100000.00", "draft")
    # A second item lowers the LTV: 50,000 / 125,000
    response = client_for(customer.user).post(
        f"{URL}{application.pk}/collateral/", _body("25000", "vehicle"), format="json"
    )
    assert (response.json()["ltv"], response.json()["secured_value"]) == ("0.4000", "15000.00")


def test_above_the_maximum_ltv_is_refused_naming_value_and_nothing_changes(customer, product):
    _limit(product, "0.60")
    application = draft(customer, product)
    client = client_for(customer.user)
    events = application.events.count()
    # 50,000 / 80,000 = 0.625 > 0.60
    response = client.post(f"{URL}{application.pk}/collateral/", _body("80000"), format="json")
    assert response.status_code == 400
    assert "0.6250" in response.json()["errors"]["value"][0]
    assert not ApplicationCollateral.objects.exists()
    assert application.events.count() == events
    # 50,000 / 83,334 = 0.59999… ≤ 0.60: accepted
    response = client.post(f"{URL}{application.pk}/collateral/", _body("83334"), format="json")
    assert (response.status_code, response.json()["ltv"], response.json()["max_ltv"]) == (
        201,
        "0.6000",
        "0.6000",
    )


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"type": "gold"}, "type"),
        ({"value": "0"}, "value"),
        ({"valuation_date": "tomorrow"}, "valuation_date"),
    ],
)
def test_bad_collateral_is_a_field_error(customer, product, body, field):
    application = draft(customer, product)
    data = {**_body("100000"), **body}
    if field == "valuation_date":
        data["valuation_date"] = (clock.today() + dt.timedelta(days=1)).isoformat()
    response = client_for(customer.user).post(f"{URL}{application.pk}/collateral/", data, format="json")
    assert response.status_code == 400
    assert field in response.json()["errors"]
    assert not ApplicationCollateral.objects.exists()


def test_above_the_maximum_ltv_refers_when_the_product_says_so(customer, product, users):
    # Given a scored application under a product that refers LTV excesses
    _limit(product, "0.60", "refer")
    application = in_state(State.SCORED, customer, product)
    # When an officer records collateral that leaves the LTV at 1.0
    response = client_for(users["officer"]).post(
        f"{URL}{application.pk}/collateral/", _body("50000"), format="json"
    )
    # Then it is recorded, and the application goes to an officer with the reason ltv
    assert response.status_code == 201
    assert (response.json()["state"], response.json()["ltv_above_max"]) == ("referred", True)
    event = application.events.order_by("-id").first()
    assert (event.to_state, event.reason.split(":")[0]) == ("referred", "ltv")
    assert ApplicationCollateral.objects.filter(application=application).count() == 1


def test_collateral_only_on_open_undecided_applications(customer, other_customer, product, users):
    declined = in_state(State.DECLINED, customer, product)
    assert (
        client_for(customer.user)
        .post(f"{URL}{declined.pk}/collateral/", _body("1000"), format="json")
        .status_code
        == 409
    )
    # another customer does not see it; a risk analyst may not pledge
    mine = draft(customer, product)
    assert (
        client_for(other_customer.user)
        .post(f"{URL}{mine.pk}/collateral/", _body("1000"), format="json")
        .status_code
        == 404
    )
    assert (
        client_for(users["analyst"])
        .post(f"{URL}{mine.pk}/collateral/", _body("1000"), format="json")
        .status_code
        == 403
    )
    assert not ApplicationCollateral.objects.exists()


def test_risk_approval_is_referred_without_enough_collateral(risk_ready, customer, product, submit):
    # Given a product with a maximum LTV and an application with no collateral
    _limit(product, "0.80")
    application = submit(draft(customer, product))
    # Then risk's approval is turned into a referral with the reason ltv
    assert application.state == State.REFERRED
    assert application.events.order_by("-id").first().reason.startswith("ltv: no collateral")


def test_risk_approves_when_the_collateral_covers_the_ltv(risk_ready, customer, product, submit):
    _limit(product, "0.80")
    application = draft(customer, product)
    services.application_collateral_add(
        application=application,
        actor=customer.user,
        collateral_type="deposit",
        value=Decimal("100000"),
        valuation_date=clock.today(),
    )
    assert submit(application).state == State.APPROVED


def test_guarantor_is_a_verified_customer_named_by_an_officer(customer, product, users):
    application = in_state(State.REFERRED, customer, product)
    verified = make_customer("guarantor1")
    unverified = make_customer("guarantor2", kyc="unverified")
    officer = client_for(users["officer"])
    url = f"{URL}{application.pk}/guarantors/"
    response = officer.post(url, {"customer": verified.pk}, format="json")
    assert response.status_code == 201
    assert (response.json()["customer"], response.json()["kyc_status"]) == (verified.pk, "verified")
    # refused: not verified, the applicant, twice, an unknown customer; the owner may not name one
    for body, code in (
        ({"customer": unverified.pk}, 400),
        ({"customer": customer.pk}, 400),
        ({"customer": verified.pk}, 400),
        ({"customer": 999999}, 400),
    ):
        response = officer.post(url, body, format="json")
        assert (response.status_code, list(response.json()["errors"])) == (code, ["customer"]), body
    assert client_for(customer.user).post(url, {"customer": verified.pk}, format="json").status_code == 403
    assert list(ApplicationGuarantor.objects.values_list("customer_id", flat=True)) == [verified.pk]
    refused = officer.post(url, {"customer": unverified.pk}, format="json", HTTP_ACCEPT_LANGUAGE="en")
    assert refused.json()["errors"]["customer"] == ["a guarantor must be KYC-verified"]


def test_collateral_follows_the_loan_and_lowers_its_lgd(client, risk_ready, customer, product, users, submit):
    # Given an approved application of 50,000 secured by a flat worth 40,000 (secured 28,000)
    application = draft(customer, product)
    services.application_collateral_add(
        application=application,
        actor=customer.user,
        collateral_type="real_estate",
        value=Decimal("40000"),
        valuation_date=clock.today(),
        description="flat",
    )
    application = submit(application)
    assert application.state == State.APPROVED
    services.application_accept_offer(
        application=application,
        actor=customer.user,
        consents={"disclosure": True, "credit_contract": True},
        offer_digest=application.offer["digest"],
    )
    services.application_disburse(
        application=LoanApplication.objects.get(pk=application.pk), actor=users["officer"]
    )
    # Then the loan holds the collateral, and its LGD is max(0.10, 1 − 28,000 / 50,000) × 0.45
    loan = Loan.objects.get(origin_ref=str(application))
    item = LoanCollateral.objects.get(loan=loan)
    assert (item.collateral_type, item.value, item.description) == (
        "real_estate",
        Decimal("40000.00"),
        "flat",
    )
    assert loan_collateral.loan_secured_amount(loan_id=loan.pk) == Decimal("28000.00")
    assert loan_collateral.loan_lgd(loan_id=loan.pk, ead=Decimal("50000")) == Decimal("0.198")
    # The IFRS 9 view of the loan (admin) shows the secured amount and the LGD after collateral
    client.force_login(users["officer"])
    page = client.get(f"/admin/servicing/loan/{loan.pk}/change/").content.decode()
    assert "28000.00" in page
    assert "0.19800000" in page


def test_revaluation_flags_old_valuations_once(risk_ready, customer, product, users, submit):
    application = draft(customer, product)
    for months_old, kind in ((13, "real_estate"), (11, "vehicle")):
        services.application_collateral_add(
            application=application,
            actor=customer.user,
            collateral_type=kind,
            value=Decimal("60000"),
            valuation_date=clock.today() - dt.timedelta(days=31 * months_old),
        )
    application = submit(application)
    services.application_accept_offer(
        application=application,
        actor=customer.user,
        consents={"disclosure": True, "credit_contract": True},
        offer_digest=application.offer["digest"],
    )
    services.application_disburse(
        application=LoanApplication.objects.get(pk=application.pk), actor=users["officer"]
    )
    from servicing.tasks import collateral_revaluation

    # real estate older than 12 months is flagged; the 11-month-old vehicle is not; a rerun changes nothing
    assert collateral_revaluation.run() == 1
    assert collateral_revaluation.run() == 0
    flagged = LoanCollateral.objects.get(revaluation_due=True)
    assert (flagged.collateral_type, flagged.revaluation_flagged_on) == ("real_estate", clock.today())
    loan_collateral.loan_collateral_revalue(
        item=flagged, value=Decimal("65000"), valuation_date=clock.today()
    )
    assert not LoanCollateral.objects.filter(revaluation_due=True).exists()


def test_officer_names_a_guarantor_in_the_admin(client, customer, product, users):
    application = in_state(State.REFERRED, customer, product)
    unverified = make_customer("guarantor3", kyc="unverified")
    verified = make_customer("guarantor4")
    client.force_login(users["officer"])
    url = "/admin/applications/applicationguarantor/add/"
    assert client.get(url).status_code == 200
    response = client.post(url, {"application": application.pk, "customer": unverified.pk})
    assert response.status_code == 200
    assert "担保人必须已通过身份核验（KYC）" in response.content.decode()  # the admin speaks zh-hans
    assert not ApplicationGuarantor.objects.exists()
    response = client.post(url, {"application": application.pk, "customer": verified.pk})
    assert response.status_code == 302
    guarantor = ApplicationGuarantor.objects.get()
    assert (guarantor.customer, guarantor.added_by) == (verified, users["officer"])
    assert application.events.filter(reason="guarantor added").count() == 1
    page = client.get(f"/admin/applications/loanapplication/{application.pk}/change/")
    assert page.status_code == 200
    # an analyst may look but not name one
    client.force_login(users["analyst"])
    assert client.get(url).status_code == 403
