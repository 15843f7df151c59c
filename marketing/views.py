"""Marketing pages: the landing of campaign, partner and UTM links (public)."""

from __future__ import annotations

from django.shortcuts import redirect
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET

from customers.selectors import customer_for_user
from marketing import services

VISITOR_COOKIE_AGE = 365 * 24 * 60 * 60


@require_GET
def landing(request, code: str):
    """Log the touch (customer, or an anonymous visitor id kept in a cookie), then go on to the
    campaign's landing page (home for partner and UTM links)."""
    visitor_id = request.COOKIES.get(services.VISITOR_COOKIE) or services.new_visitor_id()
    customer = customer_for_user(request.user) if request.user.is_authenticated else None
    _touch, campaign = services.touch_record_landing(
        code=code, params=request.GET, customer=customer, visitor_id=visitor_id
    )
    target = campaign.landing_path if campaign is not None else "/"
    if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        target = "/"
    response = redirect(target)
    response.set_cookie(
        services.VISITOR_COOKIE, visitor_id, max_age=VISITOR_COOKIE_AGE, httponly=True, samesite="Lax"
    )
    return response
