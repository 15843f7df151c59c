"""The model of a campaign's offer request (imported by marketing.models; see
marketing.offer_requests for the workflow)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from products.choices import PromotionKind


class OfferRequestState(models.TextChoices):
    REQUESTED = "requested", _("requested")
    IN_CATALOGUE = "in_catalogue", _("taken into a product version")
    DECLINED = "declined", _("declined")


class OfferRequest(models.Model):
    """A marketing manager's draft of a campaign's offer: a promotion for the campaign's audience
    only (`invited:<code>`), waiting for a product manager to take it into a new version of the
    product — which then goes live only through the product's review and approval."""

    campaign = models.ForeignKey(
        "marketing.Campaign",
        on_delete=models.PROTECT,
        related_name="offer_requests",
        verbose_name=_("campaign"),
    )
    product_code = models.CharField(_("product"), max_length=32)
    code = models.SlugField(_("promotion code"), max_length=32)
    name_zh = models.CharField(_("name (Chinese)"), max_length=80)
    name_en = models.CharField(_("name (English)"), max_length=80)
    kind = models.CharField(_("kind"), max_length=20, choices=PromotionKind.choices)
    discount_bps = models.PositiveIntegerField(_("discount (basis points)"), default=0)
    interest_free_periods = models.PositiveIntegerField(_("interest-free installments"), default=0)
    starts_on = models.DateField(_("starts"))
    ends_on = models.DateField(_("ends"))
    state = models.CharField(
        _("state"), max_length=16, choices=OfferRequestState.choices, default=OfferRequestState.REQUESTED
    )
    # The product version it was drafted into (by reference: the catalogue keeps the version).
    version_id = models.BigIntegerField(_("product version"), null=True, blank=True)
    response = models.TextField(_("product manager's note"), blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("requested by")
    )
    handled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("handled by"),
    )
    requested_at = models.DateTimeField(_("requested"), auto_now_add=True)
    handled_at = models.DateTimeField(_("handled"), null=True, blank=True)

    class Meta:
        app_label = "marketing"
        ordering = ("-id",)
        verbose_name = _("offer request")
        verbose_name_plural = _("offer requests")
        constraints = [
            models.UniqueConstraint(
                fields=("campaign",),
                condition=models.Q(state="requested"),
                name="offer_request_one_open_per_campaign",
            )
        ]

    def __str__(self) -> str:
        return f"{self.code} ({self.product_code})"
