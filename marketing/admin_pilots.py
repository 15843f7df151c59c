"""Admin of product promotions piloted on their own (marketing.pilots): drafted here, started and
ended by actions through the services, with the pilot-and-control funnel page."""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET

from loanhub.admin_labels import PayloadColumn
from loanhub.admin_readonly import ReadOnlyAdminMixin, ReadOnlyTabularInline
from loanhub.admin_reasons import EventReasonColumn, EventStateColumns
from loanhub.errors import DomainError
from marketing import pilots, selectors
from marketing.admin import MaskedCustomerMixin, pilot_table_rows
from marketing.models import PilotMember, PromotionPilot, PromotionPilotEvent

# --- promotions piloted on their own (marketing.pilots) ---------------------------------------------


class PromotionPilotForm(forms.ModelForm):
    class Meta:
        model = PromotionPilot
        fields = ("name", "product_code", "promotion_code", "segment", "regions", "channels", "share")

    def clean_regions(self):
        return self.cleaned_data.get("regions") or []

    def clean_channels(self):
        return self.cleaned_data.get("channels") or []

    def clean(self):
        cleaned = super().clean()
        try:
            pilots.promotion_pilot_errors(
                product_code=cleaned.get("product_code") or "",
                promotion_code=cleaned.get("promotion_code") or "",
                regions=cleaned.get("regions"),
                channels=cleaned.get("channels"),
                share=cleaned.get("share"),
            )
        except DomainError as exc:
            for field, messages_ in (exc.errors or {}).items():
                self.add_error(field if field in self.fields else None, messages_)
        return cleaned


class PromotionPilotEventInline(PayloadColumn, EventStateColumns, EventReasonColumn, ReadOnlyTabularInline):
    model = PromotionPilotEvent
    state_models = ("marketing.PromotionPilot",)
    fields = ("created_at", "actor", "from_label", "to_label", "reason_text", "payload_text")
    readonly_fields = fields


@admin.register(PromotionPilot)
class PromotionPilotAdmin(admin.ModelAdmin):
    """A product promotion piloted on its own: drafted here, started and ended through
    marketing.pilots (actions), its pilot-and-control funnel at <id>/funnel/."""

    form = PromotionPilotForm
    list_display = ("name", "product_code", "promotion_code", "segment", "state", "started_at", "ended_at")
    list_filter = ("state", "product_code")
    readonly_fields = ("state", "segment_run", "started_at", "ended_at", "created_by")
    inlines = (PromotionPilotEventInline,)
    actions = ("start", "end")
    change_form_template = "admin/marketing/promotionpilot_change_form.html"

    def has_delete_permission(self, request, obj=None):
        return False

    def get_readonly_fields(self, request, obj=None):
        if obj is not None and obj.state != "draft":
            return [f.name for f in self.model._meta.concrete_fields]
        return self.readonly_fields

    def save_model(self, request, obj, form, change):
        if not change:
            obj.created_by = request.user
        obj.product_code = obj.product_code.strip().upper()
        super().save_model(request, obj, form, change)

    def get_urls(self):
        funnel = self.admin_site.admin_view(require_GET(self.funnel_view))
        return [path("<int:pk>/funnel/", funnel, name="marketing_promotionpilot_funnel"), *super().get_urls()]

    def funnel_view(self, request, pk: int):
        """The pilot group's funnel beside the control's."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        pilot = get_object_or_404(PromotionPilot, pk=pk)
        comparison = selectors.promotion_pilot_comparison(pilot=pilot)
        context = {
            **self.admin_site.each_context(request),
            "title": _("Funnel of %(name)s") % {"name": pilot.name},
            "pilot": pilot,
            "opts": self.model._meta,
            "comparison": comparison,
            "pilot_rows": pilot_table_rows(comparison),
        }
        return TemplateResponse(request, "admin/marketing/promotionpilot_funnel.html", context)

    def _act(self, request, queryset, service, done):
        for pilot in queryset:
            try:
                service(pilot=pilot, actor=request.user)
            except DomainError as exc:
                self.message_user(request, f"{pilot}: {exc}", level=messages.ERROR)
            else:
                self.message_user(request, done % {"name": pilot})

    @admin.action(description=_("Start the selected draft pilots"), permissions=["change"])
    def start(self, request, queryset):
        self._act(request, queryset, pilots.promotion_pilot_start, _("%(name)s started."))

    @admin.action(description=_("End the selected running pilots"), permissions=["change"])
    def end(self, request, queryset):
        """Ending rolls the promotion out to every eligible customer: a confirmation page first,
        whose checkbox must be ticked; without it nothing is ended."""
        form = EndPilotsForm(request.POST if "confirm_end" in request.POST else None)
        if form.is_bound and form.is_valid():
            self._act(request, queryset, pilots.promotion_pilot_end, _("%(name)s ended."))
            return None
        context = {
            **self.admin_site.each_context(request),
            "title": _("End pilots"),
            "opts": self.model._meta,
            "pilots": list(queryset),
            "form": form,
            "warning": ROLL_OUT_WARNING,
            "action_checkbox_name": ACTION_CHECKBOX_NAME,
        }
        return TemplateResponse(request, "admin/marketing/promotionpilot_end.html", context)


ROLL_OUT_WARNING = _(
    "Ending rolls the promotion out to every eligible customer: it is no longer limited to the "
    "pilot group, and the control is priced with it too."
)


class EndPilotsForm(forms.Form):
    """The confirmation that ending a pilot rolls its promotion out to everyone."""

    confirm_end = forms.CharField(widget=forms.HiddenInput, initial="1")
    rollout = forms.BooleanField(
        label=_("I understand: ending rolls the promotion out to every eligible customer"),
        required=True,
        error_messages={"required": _("Tick the box to confirm the roll-out, or cancel.")},
    )


@admin.register(PilotMember)
class PilotMemberAdmin(MaskedCustomerMixin, ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("pilot", "masked_customer", "group", "assigned_at")
    list_filter = ("group", "pilot")
    exclude = ("customer",)
    readonly_fields = ("masked_customer",)
    list_select_related = ("pilot", "customer")
