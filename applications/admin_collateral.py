"""Collateral and guarantors in the admin console: shown on the application page, and a form
where a Loan Officer names a guarantor (the service's checks: another customer, KYC-verified,
an open application not yet decided)."""

from __future__ import annotations

from django import forms
from django.contrib import admin
from django.core.exceptions import PermissionDenied

from applications.collateral_models import ApplicationCollateral, ApplicationGuarantor
from applications.services import collateral as services
from loanhub.admin_readonly import ReadOnlyTabularInline
from loanhub.errors import DomainError, Invalid


class CollateralInline(ReadOnlyTabularInline):
    model = ApplicationCollateral
    fields = ("collateral_type", "value", "valuation_date", "description", "created_by", "created_at")
    readonly_fields = fields


class GuarantorInline(ReadOnlyTabularInline):
    model = ApplicationGuarantor
    fields = ("customer", "added_by", "added_at")
    readonly_fields = fields


class GuarantorForm(forms.ModelForm):
    class Meta:
        model = ApplicationGuarantor
        fields = ("application", "customer")

    def clean(self):
        data = super().clean()
        application, customer = data.get("application"), data.get("customer")
        if application is not None and customer is not None:
            if application.state not in services.COLLATERAL_STATES:
                raise forms.ValidationError(services.state_conflict(application, "change").detail)
            try:
                services.guarantor_check(application=application, customer=customer)
            except Invalid as exc:
                raise forms.ValidationError(exc.errors) from None
        return data


@admin.register(ApplicationGuarantor)
class ApplicationGuarantorAdmin(admin.ModelAdmin):
    form = GuarantorForm
    list_display = ("application", "customer", "added_by", "added_at")
    raw_id_fields = ("application", "customer")
    list_select_related = ("application", "customer", "added_by")

    def get_readonly_fields(self, request, obj=None):
        return ("application", "customer", "added_by", "added_at") if obj else ()

    def has_change_permission(self, request, obj=None):
        return False if obj else super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        try:
            created = services.application_guarantor_add(
                application=obj.application, actor=request.user, customer_id=obj.customer_id
            )
        except DomainError as exc:
            raise PermissionDenied(str(exc)) from exc
        obj.pk, obj.added_by, obj.added_at = created.pk, created.added_by, created.added_at
