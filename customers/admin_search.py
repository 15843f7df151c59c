"""The officer's search by a full identity number, credit code or mobile number, by POST.

A search in the changelist's box is a GET: the term travels in the URL (`?q=`), and web server
access logs, proxies and browser history keep it. Full identifiers are therefore searched here, in
a CSRF-protected POST form whose body no access log records; the changelist's `?q=` matches names
and customer numbers only. The result page shows masked numbers and is never cached.
"""

from __future__ import annotations

from django import forms
from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_http_methods

from customers import services
from customers.masking import mask_id_number, mask_phone
from customers.models import Customer
from loanhub.errors import Forbidden, Invalid

TEMPLATE = "admin/customers/customer/identifier_search.html"


class IdentifierSearchForm(forms.Form):
    identifier = forms.CharField(
        label=_("Identity number, credit code or mobile number"),
        max_length=40,
        widget=forms.TextInput(attrs={"autocomplete": "off", "autofocus": True, "spellcheck": "false"}),
    )


def _row(customer: Customer) -> dict:
    applications = reverse("admin:applications_loanapplication_changelist")
    return {
        "customer": customer,
        "url": reverse("admin:customers_customer_change", args=[customer.pk]),
        "masked_id_number": mask_id_number(customer.id_number),
        "masked_phone": mask_phone(customer.phone),
        # By the customer's primary key: nothing personal in the link.
        "applications_url": f"{applications}?{urlencode({'customer__id__exact': customer.pk})}",
    }


@require_http_methods(["GET", "POST"])
def identifier_search_view(request, *, model_admin: admin.ModelAdmin):
    """GET: the empty form. POST: the customers matching the identifier exactly, or the form with
    its error. Reached through `admin_view` (staff, signed in, CSRF-checked, never cached)."""
    if not model_admin.has_view_permission(request):
        raise PermissionDenied
    form = IdentifierSearchForm(request.POST or None)
    results = None
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            _kind, found = services.customer_identifier_search(
                term=form.cleaned_data["identifier"], actor=request.user
            )
        except Forbidden:
            raise PermissionDenied from None
        except Invalid as exc:
            for message in exc.errors.get("identifier", [exc.detail]):
                form.add_error("identifier", message)
            status = 400
        else:
            results = [_row(customer) for customer in found]
            form = IdentifierSearchForm()  # the number is not echoed back into the page
    elif request.method == "POST":
        status = 400
    context = {
        **model_admin.admin_site.each_context(request),
        "opts": model_admin.opts,
        "title": _("Search by identifier"),
        "form": form,
        "results": results,
        "may_reveal": services.can_reveal(request.user),
    }
    return TemplateResponse(request, TEMPLATE, context, status=status)
