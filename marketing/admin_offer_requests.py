"""Admin of campaigns' offer requests: marketing and product managers read them; product managers
take one into a draft product version or decline it (marketing.offer_requests, the same services
as the API)."""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _

from loanhub.admin_readonly import ReadOnlyAdminMixin
from loanhub.errors import DomainError
from marketing import offer_requests
from marketing.models import OfferRequest, OfferRequestState
from products.choices import ProductStatus, PromotionKind

# --- campaigns' offer requests (handled only through marketing.offer_requests) ---------------------


class OfferRequestDeclineForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason"),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=2000,
        help_text=_("The marketing manager sees it beside the request."),
    )


@admin.register(OfferRequest)
class OfferRequestAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """The offer requests of campaigns: marketing managers follow theirs, product managers take
    one into a new draft version of the product or decline it. Nothing is edited here: both
    actions go through the services the API uses, with their permission checks."""

    list_display = (
        "id",
        "code",
        "campaign",
        "product_code",
        "kind",
        "offer",
        "starts_on",
        "ends_on",
        "status",
    )
    list_filter = ("state", "kind", "product_code")
    list_select_related = ("campaign",)
    readonly_fields = ("status", "offer")
    fields = (
        "campaign",
        "product_code",
        "code",
        "name_zh",
        "name_en",
        "kind",
        "offer",
        "starts_on",
        "ends_on",
        "status",
        "version_id",
        "requested_by",
        "requested_at",
        "handled_by",
        "handled_at",
        "response",
    )
    change_form_template = "admin/marketing/offerrequest_change_form.html"

    @admin.display(description=_("offer"))
    def offer(self, obj):
        if obj.kind == PromotionKind.RATE_DISCOUNT:
            return _("%(bps)s basis points off the rate") % {"bps": obj.discount_bps}
        if obj.kind == PromotionKind.FEE_WAIVER:
            return _("every fee of the product waived")
        return _("first %(n)s installments interest-free") % {"n": obj.interest_free_periods}

    @admin.display(description=_("status"))
    def status(self, obj):
        status = offer_requests.offer_request_status(obj)
        if obj.state != OfferRequestState.IN_CATALOGUE:
            return obj.get_state_display()
        version = dict(ProductStatus.choices).get(status, status)
        return _("in a product version (%(status)s)") % {"status": version}

    @staticmethod
    def may_handle(request) -> bool:
        from products.services import can_manage

        return can_manage(request.user)

    def get_urls(self):
        take = self.admin_site.admin_view(self.take_view)
        decline = self.admin_site.admin_view(self.decline_view)
        return [
            path("<int:pk>/take/", take, name="marketing_offerrequest_take"),
            path("<int:pk>/decline/", decline, name="marketing_offerrequest_decline"),
            *super().get_urls(),
        ]

    def _handled(self, request, pk: int) -> OfferRequest:
        """The request a product manager is about to handle (403 for anyone else, 404 unknown)."""
        if not self.has_view_permission(request) or not self.may_handle(request):
            raise PermissionDenied
        return get_object_or_404(OfferRequest.objects.select_related("campaign"), pk=pk)

    def _done(self, request, offer_request: OfferRequest, text: str):
        self.message_user(request, text)
        return HttpResponseRedirect(reverse("admin:marketing_offerrequest_change", args=[offer_request.pk]))

    def _page(self, request, offer_request, title: str, form=None):
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "original": offer_request,
            "offer": self.offer(offer_request),
            "title": title,
            "form": form,
        }
        return TemplateResponse(request, "admin/marketing/offerrequest_handle.html", context)

    def take_view(self, request, pk: int):
        """GET: what taking it does; POST: a new draft version of the product with the offer."""
        offer_request = self._handled(request, pk)
        if request.method == "POST":
            try:
                draft = offer_requests.campaign_offer_request_take(request=offer_request, actor=request.user)
            except DomainError as exc:
                self.message_user(request, str(exc), messages.ERROR)
                return HttpResponseRedirect(
                    reverse("admin:marketing_offerrequest_change", args=[offer_request.pk])
                )
            return self._done(
                request,
                offer_request,
                _("Taken into the draft version %(version)s: submit it for review to make it live.")
                % {"version": draft},
            )
        return self._page(request, offer_request, _("Take the offer into a product version"))

    def decline_view(self, request, pk: int):
        """GET: the reason form; POST: declined with the reason (the campaign is unchanged)."""
        offer_request = self._handled(request, pk)
        form = OfferRequestDeclineForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            try:
                offer_requests.campaign_offer_request_decline(
                    request=offer_request, actor=request.user, reason=form.cleaned_data["reason"]
                )
            except DomainError as exc:
                self.message_user(request, str(exc), messages.ERROR)
            else:
                return self._done(request, offer_request, _("The offer request is declined."))
        return self._page(request, offer_request, _("Decline the offer request"), form)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        offer_request = self.get_object(request, object_id)
        extra_context = {
            **(extra_context or {}),
            "may_handle": bool(
                offer_request is not None
                and offer_request.state == OfferRequestState.REQUESTED
                and self.may_handle(request)
            ),
        }
        return super().change_view(request, object_id, form_url, extra_context)
