"""Rewards models: the points account, its append-only ledger, and referrals."""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from servicing.models.ledger import ImmutableModel


class RewardsAccount(models.Model):
    """A customer's reward-points account (积分账户): the row every points write locks, and the
    customer's referral code (推荐码). Created on first use."""

    customer = models.OneToOneField(
        "customers.Customer",
        on_delete=models.PROTECT,
        related_name="rewards_account",
        verbose_name=_("customer"),
    )
    referral_code = models.CharField(_("referral code"), max_length=12, unique=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        verbose_name = _("rewards account")
        verbose_name_plural = _("rewards accounts")

    def __str__(self) -> str:
        return f"P{self.pk:08d}" if self.pk else "P-new"


class EntryKind(models.TextChoices):
    EARN_ON_TIME = "earn_on_time", _("Installment repaid on time")
    EARN_REFERRAL = "earn_referral", _("Referral reached disbursement")
    EARN_CAMPAIGN = "earn_campaign", _("Applied after a campaign")
    REDEEM = "redeem", _("Redeemed for a rate discount")
    REVERSE = "reverse", _("Reversed with its payment")
    EXPIRE = "expire", _("Expired")
    REFUND = "refund", _("Refunded: the offer was not paid out")


EARN_KINDS = (EntryKind.EARN_ON_TIME, EntryKind.EARN_REFERRAL, EntryKind.EARN_CAMPAIGN)


class PointsEntry(ImmutableModel):
    """One line of a customer's points ledger (积分流水), written once and never changed.

    Earnings are lots with an expiry date; redemptions, reversals and expiries are negative; a
    refund gives a redemption's points back to the lots they came from (`lot` names the
    redemption; see marketing.rewards.points for the rule).
    The balance is the sum of the points. `key` is unique, so the same business event (a payment
    hook delivered twice, a double click) never books points twice.
    """

    account = models.ForeignKey(
        RewardsAccount, on_delete=models.PROTECT, related_name="entries", verbose_name=_("points account")
    )
    kind = models.CharField(_("kind"), max_length=16, choices=EntryKind.choices)
    points = models.IntegerField(_("points"))
    effective_on = models.DateField(_("date"))
    expires_on = models.DateField(_("expires on"), null=True, blank=True)
    lot = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("earning it takes back"),
    )
    loan_id = models.BigIntegerField(_("loan"), null=True, blank=True)
    installment = models.PositiveSmallIntegerField(_("installment"), null=True, blank=True)
    application_id = models.BigIntegerField(_("application"), null=True, blank=True)
    referral = models.ForeignKey(
        "rewards.Referral",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="entries",
        verbose_name=_("referral"),
    )
    key = models.CharField(_("idempotency key"), max_length=96, unique=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        verbose_name = _("points entry")
        verbose_name_plural = _("points entries")
        ordering = ("-id",)
        indexes = [models.Index(fields=["account", "id"], name="points_account_id")]
        constraints = [
            models.CheckConstraint(
                condition=(Q(kind__in=EARN_KINDS) & Q(points__gt=0) & Q(expires_on__isnull=False))
                | (Q(kind=EntryKind.REFUND) & Q(points__gt=0) & Q(lot__isnull=False))
                | (~Q(kind__in=(*EARN_KINDS, EntryKind.REFUND)) & Q(points__lt=0)),
                name="points_entry_sign_by_kind",
            ),
            models.CheckConstraint(
                condition=~Q(kind__in=(EntryKind.REVERSE, EntryKind.EXPIRE)) | Q(lot__isnull=False),
                name="points_entry_reversal_names_lot",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.points:+d}"


class Referral(models.Model):
    """A customer (the referee, 被推荐人) who signed up with another customer's referral code.

    One referrer per referee; the referrer earns points once, on the referee's first
    disbursement (a PointsEntry naming this referral)."""

    referrer = models.ForeignKey(
        "customers.Customer", on_delete=models.PROTECT, related_name="+", verbose_name=_("referrer")
    )
    referee = models.OneToOneField(
        "customers.Customer", on_delete=models.PROTECT, related_name="referral", verbose_name=_("referee")
    )
    code = models.CharField(_("referral code"), max_length=12)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        verbose_name = _("referral")
        verbose_name_plural = _("referrals")
        constraints = [
            models.CheckConstraint(condition=~Q(referrer=models.F("referee")), name="referral_not_self"),
        ]

    def __str__(self) -> str:
        return f"F{self.pk:08d}" if self.pk else "F-new"
