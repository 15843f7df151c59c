"""A campaign asks for its offer (营销活动申请优惠): the marketing manager drafts an `invited:<code>`
promotion from the campaign; it goes live only through the product's own maker-checker.

    campaign_offer_request (Marketing Manager)           → requested
    campaign_offer_request_take (Product Manager)        → in_catalogue: a new draft version of the
        product (products.services.product_new_version) with the promotion added, limited to the
        campaign's audience (`invited:<code>`); the campaign's offer is that promotion
    the product manager submits the version, a second reviewer approves it (four eyes and the
        compliance check, products.services) — only then is the promotion in any quote or offer
    campaign_offer_request_decline (Product Manager)     → declined, with a reason

Marketing never writes the catalogue itself: the take is a product manager's act through the
catalogue's services, so the same permission checks and history apply.
"""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils.translation import gettext as _

from loanhub import clock
from loanhub.errors import Conflict
from loanhub.permissions import may
from marketing.errors import MarketingForbidden, MarketingInvalid
from marketing.models import Campaign, CampaignState, OfferRequest, OfferRequestState
from products import choices as pc


def _errors(kind: str, discount_bps: int, interest_free_periods: int, starts_on, ends_on) -> dict:
    errors: dict[str, list[str]] = {}
    if kind not in pc.PromotionKind.values:
        errors["kind"] = [_("One of: %(kinds)s.") % {"kinds": ", ".join(pc.PromotionKind.values)}]
    elif kind == pc.PromotionKind.RATE_DISCOUNT and not 0 < discount_bps <= 1000:
        errors["discount_bps"] = [_("A discount from 1 to 1000 basis points.")]
    elif kind == pc.PromotionKind.INTEREST_FREE and not 0 < interest_free_periods <= 12:
        errors["interest_free_periods"] = [_("From 1 to 12 interest-free installments.")]
    if not isinstance(starts_on, dt.date) or not isinstance(ends_on, dt.date) or ends_on < starts_on:
        errors["ends_on"] = [_("The offer must end on or after the day it starts.")]
    return errors


def campaign_offer_request(
    *,
    campaign: Campaign,
    actor,
    product_code: str,
    kind: str,
    starts_on: dt.date,
    ends_on: dt.date,
    discount_bps: int = 0,
    interest_free_periods: int = 0,
    name_zh: str = "",
    name_en: str = "",
) -> OfferRequest:
    """The marketing manager drafts the campaign's offer for a product (a draft campaign without
    an offer, one open request at a time). Nothing reaches the catalogue yet."""
    from products.selectors import product_get_by_code

    if not may(actor, "marketing.change_campaign"):
        raise MarketingForbidden(_("Your role may not change campaigns."))
    errors = _errors(kind, discount_bps, interest_free_periods, starts_on, ends_on)
    product = product_get_by_code(code=(product_code or "").strip().upper())
    if product is None:
        errors["product"] = [_("No such product.")]
    if errors:
        raise MarketingInvalid(errors)
    with transaction.atomic():
        locked = Campaign.objects.select_for_update().get(pk=campaign.pk)
        if locked.state != CampaignState.DRAFT or locked.promotion_id is not None:
            raise Conflict(_("Only a draft campaign without an offer can request one."))
        if OfferRequest.objects.filter(campaign=locked, state=OfferRequestState.REQUESTED).exists():
            raise Conflict(_("This campaign already has an open offer request."))
        return OfferRequest.objects.create(
            campaign=locked,
            product_code=product.code,
            code=f"c{locked.pk}-offer",
            kind=kind,
            discount_bps=discount_bps if kind == pc.PromotionKind.RATE_DISCOUNT else 0,
            interest_free_periods=interest_free_periods if kind == pc.PromotionKind.INTEREST_FREE else 0,
            name_zh=name_zh or locked.name,
            name_en=name_en or locked.name,
            starts_on=starts_on,
            ends_on=ends_on,
            requested_by=actor,
        )


def _open(request: OfferRequest) -> OfferRequest:
    locked = OfferRequest.objects.select_for_update().select_related("campaign").get(pk=request.pk)
    if locked.state != OfferRequestState.REQUESTED:
        raise Conflict(_("This offer request was already handled."))
    return locked


def campaign_offer_request_take(*, request: OfferRequest, actor):
    """A product manager takes the request into a new draft version of the product (the live
    version's terms with the promotion added, for `invited:<code>` only) and the campaign's offer
    becomes that promotion. It is live only once the version is submitted and approved by a second
    reviewer (products.services); the catalogue's own permission checks refuse anyone else."""
    from products import services as product_services
    from products.selectors import product_get_by_code

    with transaction.atomic():
        locked = _open(request)
        product = product_get_by_code(code=locked.product_code)
        draft = product_services.product_new_version(product=product, actor=actor)
        promotions = [
            {name: getattr(p, name) for name in product_services.PROMOTION_FIELDS}
            for p in draft.promotions.all()
            if p.code != locked.code
        ]
        promotions.append(
            {
                "code": locked.code,
                "name_zh": locked.name_zh,
                "name_en": locked.name_en,
                "kind": locked.kind,
                "discount_bps": locked.discount_bps,
                "interest_free_periods": locked.interest_free_periods,
                "segments": [pc.invitation(locked.code)],
                "channels": [],
                "starts_on": locked.starts_on,
                "ends_on": locked.ends_on,
            }
        )
        product_services.product_version_update(version=draft, actor=actor, promotions=promotions)
        promotion = draft.promotions.get(code=locked.code)
        campaign = Campaign.objects.select_for_update().get(pk=locked.campaign_id)
        campaign.promotion = promotion
        campaign.save(update_fields=["promotion"])
        locked.state = OfferRequestState.IN_CATALOGUE
        locked.version_id = draft.pk
        locked.handled_by = actor
        locked.handled_at = clock.now()
        locked.save(update_fields=["state", "version_id", "handled_by", "handled_at"])
    return draft


def campaign_offer_request_decline(*, request: OfferRequest, actor, reason: str) -> OfferRequest:
    """A product manager turns the request down (a reason is required); the campaign is unchanged."""
    from products.services import can_manage

    if not can_manage(actor):
        raise MarketingForbidden(_("Only a product manager handles offer requests."))
    if not (reason or "").strip():
        raise MarketingInvalid({"reason": [_("Say why.")]})
    with transaction.atomic():
        locked = _open(request)
        locked.state = OfferRequestState.DECLINED
        locked.response = reason.strip()
        locked.handled_by = actor
        locked.handled_at = clock.now()
        locked.save(update_fields=["state", "response", "handled_by", "handled_at"])
    return locked


def offer_request_status(request: OfferRequest) -> str:
    """requested, declined, or — once in the catalogue — the drafted version's status (draft,
    in_review, active …): the offer is live only when that version is active."""
    if request.state != OfferRequestState.IN_CATALOGUE:
        return request.state
    from products.models import ProductVersion

    return ProductVersion.objects.filter(pk=request.version_id).values_list("status", flat=True).first() or ""
