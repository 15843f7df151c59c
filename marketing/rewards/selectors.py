"""Reads of rewards: a customer's balance, points expiring soon, history and referral code."""

from __future__ import annotations

from django.conf import settings

from loanhub import clock
from marketing.rewards import services
from marketing.rewards.models import EntryKind, PointsEntry, Referral

HISTORY_LIMIT = 100


def rewards_summary(*, customer) -> dict:
    """What the customer sees of their points: the balance today (expired points left out even
    before the expiry job wrote them), what may be spent, lots expiring within
    LOANHUB_POINTS_EXPIRING_SOON_DAYS, the latest entries, the referral code and the
    redemption rule. Opens the account (and its referral code) on first use."""
    account = services.account_for(customer_id=customer.pk)
    today = clock.today()
    book = services.book_for(account)
    expiring = book.expiring(today, within_days=settings.LOANHUB_POINTS_EXPIRING_SOON_DAYS)
    history = list(PointsEntry.objects.filter(account=account).order_by("-id")[:HISTORY_LIMIT])
    referrals = Referral.objects.filter(referrer=customer)
    rewarded = PointsEntry.objects.filter(referral__in=referrals, kind=EntryKind.EARN_REFERRAL).count()
    return {
        "balance": book.balance(today),
        "available": book.available(today),
        "expiring": [{"points": lot.remaining, "expires_on": lot.expires_on} for lot in expiring],
        "history": [
            {
                "id": e.pk,
                "date": e.effective_on,
                "kind": e.kind,
                "kind_display": e.get_kind_display(),
                "points": e.points,
                "expires_on": e.expires_on,
            }
            for e in history
        ],
        "referral_code": account.referral_code,
        "referrals": referrals.count(),
        "referrals_rewarded": rewarded,
        "referred_by_code": Referral.objects.filter(referee=customer).exists(),
        "redemption": services.redemption_rule(),
    }
