"""The customer's rewards page: balance, points expiring soon, history, referral code and link."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from customers import selectors as customer_selectors
from customers.forms import apply_errors
from loanhub.errors import DomainError
from marketing.rewards import selectors, services
from marketing.rewards.apis import referral_link
from marketing.rewards.forms import ReferralForm


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def rewards_page(request):
    """GET: the page (a `?code=` from a referral link fills the form); POST: enter a code."""
    customer = customer_selectors.customer_for_user(request.user)
    if customer is None:
        messages.error(request, _("Save your profile first."))
        return redirect("customers:profile")
    status = 200
    if request.method == "POST":
        form = ReferralForm(request.POST)
        if form.is_valid():
            try:
                services.referral_claim(actor=request.user, code=form.cleaned_data["code"])
            except DomainError as exc:
                apply_errors(form, exc)
            else:
                messages.success(request, _("Thank you: your referral code is recorded."))
                return redirect("rewards:page")
        status = 400
    else:
        form = ReferralForm(initial={"code": request.GET.get("code", "")[:12]})
    summary = selectors.rewards_summary(customer=customer)
    context = {
        **summary,
        "referral_link": referral_link(request, summary["referral_code"]),
        "form": form,
        "may_enter_code": not summary["referred_by_code"],
    }
    return render(request, "rewards/rewards.html", context, status=status)
