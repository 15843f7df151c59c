"""The customer's phone verification page: send a one-time code by SMS, type it back.

/customers/me/phone/ (GET: the state; POST action=send or action=verify with `code`). A `next`
address (e.g. the application wizard's review step) is where the customer continues once verified.
The rules are in customers.phone.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from customers import phone, selectors
from customers.errors import CustomerValidationError
from customers.masking import mask_phone
from customers.views import _next_url


def phone_page_url(next_url: str = "") -> str:
    url = reverse("customers:phone")
    return f"{url}?{urlencode({'next': next_url})}" if next_url else url


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def phone_verify(request):
    customer = selectors.customer_for_user(request.user)
    if customer is None:
        messages.error(request, _("Save your profile before verifying your phone."))
        return redirect("customers:profile")
    next_url = _next_url(request) or ""
    errors: dict[str, list[str]] = {}
    sent = False
    if request.method == "POST":
        action = request.POST.get("action")
        try:
            if action == "send":
                phone.phone_code_send(customer=customer, actor=request.user, language=request.LANGUAGE_CODE)
                messages.success(
                    request, _("We sent a code to %(phone)s.") % {"phone": mask_phone(customer.phone)}
                )
                sent = True
            elif action == "verify":
                phone.phone_code_verify(
                    customer=customer, code=request.POST.get("code", ""), actor=request.user
                )
                messages.success(request, _("Your phone number is verified."))
                return redirect(next_url or "customers:profile")
            else:
                errors = {"action": [_("Choose to send a code or to verify one.")]}
        except CustomerValidationError as exc:
            errors = exc.errors
    context = {
        "customer": customer,
        "masked_phone": mask_phone(customer.phone),
        "verified": selectors.phone_is_verified(customer=customer),
        "errors": errors,
        "sent": sent or bool(errors.get("code")),
        "next": next_url,
        "ttl_minutes": int(phone.CODE_TTL.total_seconds() // 60),
    }
    return render(request, "customers/phone.html", context, status=400 if errors else 200)
