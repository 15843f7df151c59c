"""Points redeemed at offer acceptance: the one quote prices the offer again with the discount,
the accepted offer (rate, APR, schedule) is what the loan pins, and a refused redemption changes
nothing."""

from __future__ import annotations

from decimal import Decimal

import pytest
from rest_framework.test import APIClient

from applications import services
from applications.models import LoanApplication, State
from applications.services.offers import offer_build
from loanhub import clock
from marketing.rewards import services as rewards
from marketing.rewards.models import EntryKind, PointsEntry
from products.quotes import product_quote
from servicing.selectors import loan_for_origin
from tests.applications.conftest import STRONG, make_customer, product, users  # noqa: F401

CONSENTS = {"disclosure": True, "credit_contract": True}
GRADE = "B"


def _grant(customer, points: int) -> None:
    """Points earned earlier (a referral reward), written as the services write them."""
    account = rewards.account_for(customer_id=customer.pk)
    PointsEntry.objects.create(
        account=account,
        kind=EntryKind.EARN_REFERRAL,
        points=points,
        effective_on=clock.today(),
        expires_on=clock.today().replace(year=clock.today().year + 1),
        key=f"test:{customer.pk}:{points}",
    )


@pytest.fixture
def approved(db, product):  # noqa: F811
    customer = make_customer("redeemer")
    application = LoanApplication.objects.create(
        customer=customer,
        product_version=product,
        amount=Decimal("50000.00"),
        term=24,
        method="annuity",
        frequency="monthly",
        channel="web",
        state=State.SCORING,
        submitted_at=clock.now(),
        **STRONG,
    )
    offer = offer_build(application, amount=application.amount, term=24, grade=GRADE)
    LoanApplication.objects.filter(pk=application.pk).update(
        state=State.APPROVED,
        offer=offer,
        offer_amount=application.amount,
        offer_term=24,
        offer_rate=Decimal(offer["annual_rate"]),
        offer_apr=Decimal(offer["apr"]),
        risk_grade=GRADE,
    )
    application.refresh_from_db()
    return application


@pytest.fixture
def rule(settings):
    settings.LOANHUB_POINTS_PER_BP = 10
    settings.LOANHUB_POINTS_MAX_DISCOUNT_BPS = 50


def test_redeemed_points_lower_the_rate_and_apr_of_the_offer_the_loan_pins(approved, users, rule):  # noqa: F811
    customer = approved.customer
    _grant(customer, 300)
    shown = approved.offer
    accepted = services.application_accept_offer(
        application=approved,
        actor=customer.user,
        consents=CONSENTS,
        offer_digest=shown["digest"],
        redeem_points=250,
    )
    offer = accepted.offer
    # 250 points at 10 points per basis point: 25 bp off the rate the customer was shown.
    assert Decimal(offer["annual_rate"]) == Decimal(shown["annual_rate"]) - Decimal("0.0025")
    assert (offer["points_redeemed"], offer["points_discount_bps"]) == (250, 25)
    assert Decimal(offer["apr"]) < Decimal(shown["apr"])
    assert accepted.offer_apr == Decimal(offer["apr"])
    assert offer["schedule_start"] == shown["schedule_start"]
    # It is the one quote with the discount, to the cent.
    quote = product_quote(
        version=approved.product_version,
        amount=approved.amount,
        term=24,
        method="annuity",
        frequency="monthly",
        risk_grade=GRADE,
        channel="web",
        start_date=clock.today(),
        priced_on=clock.today(),
        pinned=True,
        points_discount_bps=25,
    )
    assert Decimal(offer["apr"]) == quote.apr
    assert Decimal(offer["total_cost"]) == quote.total_cost
    # The disclosure stores what was accepted; the ledger the redemption.
    assert accepted.disclosure["offer"] == offer
    redemption = PointsEntry.objects.get(kind=EntryKind.REDEEM)
    assert (redemption.points, redemption.application_id) == (-250, approved.pk)
    assert rewards.book_for(redemption.account).total == 50
    # The loan pins the discounted schedule.
    disbursed = services.application_disburse(application=accepted, actor=users["officer"])
    loan = loan_for_origin(str(disbursed))
    assert loan.annual_rate == Decimal(offer["annual_rate"])
    assert [str(i.payment) for i in loan.installments.order_by("number")] == [
        str(Decimal(str(row["payment"]))) for row in offer["schedule"]
    ]


@pytest.mark.parametrize(
    ("points", "message"),
    [
        (400, "you have 300 points to spend"),
        (255, "must be a multiple of 10 points"),
        (510, "at most 500 points"),
    ],
)
def test_a_refused_redemption_changes_nothing(approved, rule, points, message):
    customer = approved.customer
    _grant(customer, 300)
    before = LoanApplication.objects.values().get(pk=approved.pk)
    client = APIClient()
    client.force_authenticate(customer.user)
    response = client.post(
        f"/api/v1/applications/{approved.pk}/accept-offer/",
        {"consents": CONSENTS, "redeem_points": points},
        format="json",
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert response.status_code == 400, response.json()
    assert message in response.json()["errors"]["redeem_points"][0]
    assert LoanApplication.objects.values().get(pk=approved.pk) == before
    assert PointsEntry.objects.filter(kind=EntryKind.REDEEM).count() == 0


def test_the_api_accepts_with_points_and_without(approved, rule):
    customer = approved.customer
    _grant(customer, 100)
    client = APIClient()
    client.force_authenticate(customer.user)
    response = client.post(
        f"/api/v1/applications/{approved.pk}/accept-offer/",
        {"consents": CONSENTS, "redeem_points": 100},
        format="json",
    )
    assert response.status_code == 200, response.json()
    approved.refresh_from_db()
    assert approved.state == State.OFFER_ACCEPTED
    assert approved.offer["points_discount_bps"] == 10
    assert client.get("/api/v1/rewards/me/").json()["balance"] == 0


def test_an_offer_accepted_without_points_keeps_its_shape(approved):
    shown = approved.offer
    accepted = services.application_accept_offer(
        application=approved, actor=approved.customer.user, consents=CONSENTS
    )
    assert accepted.offer == shown
    assert "points_redeemed" not in accepted.offer
    assert not PointsEntry.objects.exists()


def test_the_offer_page_takes_points_and_shows_a_refusal_without_changing_anything(
    settings, approved, rule, client
):
    settings.LANGUAGE_CODE = "zh-hans"  # the marketing tests default to English
    customer = approved.customer
    _grant(customer, 100)
    client.force_login(customer.user)
    form = {"digest": approved.offer["digest"], "disclosure": "on", "credit_contract": "on"}
    refused = client.post(f"/applications/{approved.pk}/offer/", {**form, "redeem_points": "200"})
    assert refused.status_code == 200
    assert "您可用的积分为 100" in refused.content.decode()  # the portal speaks zh-hans by default
    approved.refresh_from_db()
    assert approved.state == State.APPROVED
    assert not PointsEntry.objects.filter(kind=EntryKind.REDEEM).exists()
    accepted = client.post(f"/applications/{approved.pk}/offer/", {**form, "redeem_points": "100"})
    assert accepted.status_code == 302
    approved.refresh_from_db()
    assert approved.state == State.OFFER_ACCEPTED
    assert approved.offer["points_discount_bps"] == 10
