"""Before accepting, the offer page previews what reward points would do (points, discount, the
new rate and APR through the one quote), spending nothing; an accepted offer withdrawn before the
payout gives the redeemed points back to exactly the lots they came from, with their expiry.

Rule (settings): 10 points buy 1 basis point, at most 50 bp on one offer.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
import time_machine
from django.test import Client

from applications import services
from applications.models import LoanApplication, State
from applications.services.offers import offer_build
from loanhub import clock
from marketing.rewards import points as book_
from marketing.rewards import services as rewards
from marketing.rewards.models import EntryKind, PointsEntry
from tests.applications.conftest import product, users  # noqa: F401
from tests.marketing.test_rewards_offer import CONSENTS, approved, rule  # noqa: F401


def _lot(customer, points: int, *, expires_in_days: int) -> PointsEntry:
    account = rewards.account_for(customer_id=customer.pk)
    return PointsEntry.objects.create(
        account=account,
        kind=EntryKind.EARN_REFERRAL,
        points=points,
        effective_on=clock.today(),
        expires_on=clock.today() + dt.timedelta(days=expires_in_days),
        key=f"test:{customer.pk}:{points}:{expires_in_days}",
    )


def _page(application, **params) -> str:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(application.customer.user)
    response = client.get(f"/applications/{application.pk}/offer/", params)
    assert response.status_code == 200
    return response.content.decode()


def _remaining(customer) -> dict[int, int]:
    book = rewards.book_for(rewards.account_for(customer_id=customer.pk))
    return {lot_id: lot.remaining for lot_id, lot in book.lots.items()}


def _accept(application, points: int) -> LoanApplication:
    return services.application_accept_offer(
        application=application,
        actor=application.customer.user,
        consents=CONSENTS,
        offer_digest=application.offer["digest"],
        redeem_points=points,
    )


def test_the_offer_page_previews_the_points_through_the_one_quote_and_spends_nothing(approved, rule):  # noqa: F811
    customer = approved.customer
    _lot(customer, 300, expires_in_days=100)

    page = _page(approved)

    # The most that may be spent: 300 points = 30 bp. The figures are the offer priced again.
    assert "You have 300 points to spend" in page
    assert "Spending 300 points takes 30 basis points off the rate" in page
    preview = services.offer_points_preview(approved)
    expected = offer_build(
        approved,
        amount=approved.amount,
        term=24,
        grade="B",
        on_date=dt.date.fromisoformat(approved.offer["schedule_start"]),
        points_redeemed=300,
        points_discount_bps=30,
    )
    assert preview["after"]["apr"] == Decimal(str(expected["apr"]))
    assert preview["after"]["annual_rate"] == Decimal(str(approved.offer["annual_rate"])) - Decimal("0.003")
    assert PointsEntry.objects.filter(kind=EntryKind.REDEEM).count() == 0
    # What the preview said is what accepting with those points gives.
    accepted = _accept(approved, 300)
    assert accepted.offer_apr == preview["after"]["apr"]
    assert Decimal(str(accepted.offer["installment"])) == preview["after"]["installment"]


@pytest.mark.parametrize(
    ("asked", "message"),
    [
        ("255", "must be a multiple of 10 points"),
        ("400", "you have 300 points to spend"),
        ("600", "at most 500"),
    ],
)
def test_a_preview_of_points_that_cannot_be_spent_says_why(approved, rule, asked, message):  # noqa: F811
    _lot(approved.customer, 300, expires_in_days=100)

    page = _page(approved, preview_points=asked)

    assert message in page
    assert 'id="preview-apr"' not in page


def test_withdrawing_an_accepted_offer_gives_back_exactly_the_redeemed_lots(approved, rule):  # noqa: F811
    customer = approved.customer
    soon = _lot(customer, 100, expires_in_days=10)
    later = _lot(customer, 300, expires_in_days=200)
    accepted = _accept(approved, 250)  # first in, first out: 100 from `soon`, 150 from `later`
    assert _remaining(customer) == {soon.pk: 0, later.pk: 150}

    withdrawn = services.application_withdraw(
        application=accepted, actor=customer.user, reason="changed my mind"
    )

    assert withdrawn.state == State.WITHDRAWN
    refund = PointsEntry.objects.get(kind=EntryKind.REFUND)
    redemption = PointsEntry.objects.get(kind=EntryKind.REDEEM)
    assert (refund.points, refund.lot_id, refund.application_id) == (250, redemption.pk, approved.pk)
    assert _remaining(customer) == {soon.pk: 100, later.pk: 300}
    # A second delivery of the hook gives nothing more.
    assert rewards.points_refund_for_application(application=withdrawn) == refund
    assert PointsEntry.objects.filter(kind=EntryKind.REFUND).count() == 1
    # The returned points keep their lot's expiry: `soon` expires on its own day, 100 points.
    with time_machine.travel(dt.datetime.combine(soon.expires_on, dt.time(12)), tick=False):
        assert rewards.points_expire(customer_id=customer.pk) == 1
    expiry = PointsEntry.objects.get(kind=EntryKind.EXPIRE)
    assert (expiry.points, expiry.lot_id) == (-100, soon.pk)


def test_points_of_a_lot_expired_before_the_refund_stay_spent(approved, rule):  # noqa: F811
    customer = approved.customer
    soon = _lot(customer, 100, expires_in_days=10)
    later = _lot(customer, 300, expires_in_days=200)
    accepted = _accept(approved, 250)

    with time_machine.travel(dt.datetime.combine(soon.expires_on, dt.time(12)), tick=False):
        services.application_withdraw(application=accepted, actor=customer.user)

    refund = PointsEntry.objects.get(kind=EntryKind.REFUND)
    assert refund.points == 150  # `later`'s part; `soon` had expired: unspent, it would have too
    assert _remaining(customer) == {soon.pk: 0, later.pk: 300}


def test_withdrawing_an_accepted_offer_without_points_refunds_nothing(approved, rule):  # noqa: F811
    accepted = _accept(approved, 0)
    services.application_withdraw(application=accepted, actor=approved.customer.user)
    assert LoanApplication.objects.get(pk=approved.pk).state == State.WITHDRAWN
    assert not PointsEntry.objects.filter(kind=EntryKind.REFUND).exists()


def test_a_refund_settles_debt_first_like_an_earning():
    day = dt.date(2026, 3, 1)
    book = book_.Book.replay(
        [
            book_.Entry(1, book_.EARN, 100, day, expires_on=day + dt.timedelta(days=300)),
            book_.Entry(2, book_.REDEEM, -80, day),
            book_.Entry(3, book_.REVERSE, -100, day, lot=1),  # takes 20 left, 80 become debt
            book_.Entry(4, book_.REFUND, 80, day, lot=2),
        ]
    )
    assert (book.debt, book.lots[1].remaining, book.total) == (0, 0, 0)
    with pytest.raises(ValueError, match="exactly"):
        book_.Book.replay(
            [
                book_.Entry(1, book_.EARN, 100, day, expires_on=day + dt.timedelta(days=300)),
                book_.Entry(2, book_.REDEEM, -80, day),
                book_.Entry(3, book_.REFUND, 90, day, lot=2),
            ]
        )
