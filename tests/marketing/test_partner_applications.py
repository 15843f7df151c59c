"""A partner channel's applications arrive with the partner's code: a visitor lands from the
partner's link, signs in, applies; the submitted application carries the partner (snapshotted),
shown by the application API and on the officer console's page."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from rest_framework.test import APIClient

from applications import hooks
from applications import services as application_services
from applications.models import LoanApplication
from loanhub import clock, roles
from marketing import services
from marketing.models import Attribution, Touch
from products import choices as pc
from tests.applications.conftest import GOOD_ID, draft, make_customer
from tests.customers.factories import UserFactory
from tests.products.factories import version_in

pytestmark = pytest.mark.django_db
PASSWORD = "correct-horse-battery-9"


@pytest.fixture
def product(db):
    return version_in(
        pc.ProductStatus.ACTIVE,
        product__code="CASH",
        channels=["web"],
        repayment_methods=["annuity"],
        frequencies=["monthly"],
        available_from=clock.today() - dt.timedelta(days=30),
        max_dti=Decimal("0.5"),
    )


def _submit(application):
    return application_services.application_submit(
        application=application, actor=application.customer.user, credit_check_consent=True
    )


def test_the_resolver_is_registered_by_marketing():
    assert hooks._partner_resolver == [services.application_partner]


def test_partner_landing_then_sign_in_then_apply_carries_the_partner(client, product):
    customer = make_customer("partnered", id_number=GOOD_ID, region="杭州")
    customer.user.set_password(PASSWORD)
    customer.user.save(update_fields=["password"])
    # The partner's landing page, visited signed out: a partner touch for the browser's visitor id.
    response = client.get("/marketing/l/acme/", {"partner": "ACME-7", "utm_source": "acme"})
    assert response.status_code == 302
    touch = Touch.objects.get(partner_code="ACME-7")
    assert touch.customer_id is None
    # Signing in on that browser merges the visit into the customer.
    signed_in = client.post("/customers/login/", {"username": "partnered", "password": PASSWORD})
    assert signed_in.status_code == 302, signed_in.context["form"].errors
    touch.refresh_from_db()
    assert touch.customer_id == customer.pk

    application = draft(customer, product)
    assert application.partner_code == ""  # a draft has no snapshot yet
    _submit(application)

    application = LoanApplication.objects.get(pk=application.pk)
    assert application.partner_code == "ACME-7"
    assert Attribution.objects.get(application=application).partner_code == "ACME-7"

    # The application API shows it to the customer and to staff.
    own = client.get(f"/api/v1/applications/{application.pk}/")
    assert own.status_code == 200
    assert own.json()["partner_code"] == "ACME-7"
    officer = UserFactory(username="lo", role=roles.LOAN_OFFICER)
    staff = APIClient()
    staff.force_authenticate(officer)
    assert staff.get(f"/api/v1/applications/{application.pk}/").json()["partner_code"] == "ACME-7"
    listed = staff.get("/api/v1/applications/").json()
    rows = listed["results"] if isinstance(listed, dict) else listed
    assert [row["partner_code"] for row in rows if row["id"] == application.pk] == ["ACME-7"]

    # And the officer console's page of the application.
    client.force_login(officer)
    page = client.get(f"/admin/applications/loanapplication/{application.pk}/change/")
    assert page.status_code == 200
    assert "ACME-7" in page.content.decode()


def test_the_partner_is_the_one_in_force_at_submission(product):
    """The latest partner landing in the attribution window wins; one outside it or after the
    submission changes nothing, and an application without a partner landing has none."""
    customer = make_customer("two", id_number=GOOD_ID, region="杭州")
    now = clock.now()
    for code, days_ago in (("OLD", 45), ("FIRST", 10), ("LATEST", 2)):
        Touch.objects.create(
            customer=customer,
            kind="landing",
            channel="partner",
            partner_code=code,
            occurred_at=now - dt.timedelta(days=days_ago),
        )
    Touch.objects.create(customer=customer, kind="landing", channel="web", occurred_at=now)
    application = draft(customer, product)
    _submit(application)
    application.refresh_from_db()
    assert application.partner_code == "LATEST"

    Touch.objects.create(
        customer=customer, kind="landing", channel="partner", partner_code="AFTER", occurred_at=clock.now()
    )
    application.refresh_from_db()
    assert application.partner_code == "LATEST"  # a snapshot, not a live read

    plain = make_customer("plain", region="杭州")
    Touch.objects.create(customer=plain, kind="landing", channel="web", occurred_at=now)
    other = draft(plain, product)
    _submit(other)
    other.refresh_from_db()
    assert other.partner_code == ""
