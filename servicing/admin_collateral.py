"""Collateral of loans in the admin console: shown on the loan (with the secured amount and the
LGD it gives), and revalued by officers (a new value and date clear the revaluation flag)."""

from __future__ import annotations

from django import forms
from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from loanhub import clock
from loanhub.admin_readonly import ReadOnlyTabularInline
from risk.collateral import secured_value
from servicing import collateral
from servicing.models import LoanCollateral


class LoanCollateralInline(ReadOnlyTabularInline):
    model = LoanCollateral
    fields = ("collateral_type", "value", "valuation_date", "secured", "description", "revaluation_due")
    readonly_fields = fields
    show_change_link = True

    @admin.display(description=_("secured value"))
    def secured(self, obj):
        return secured_value(collateral_type=obj.collateral_type, value=obj.value)


class RevalueForm(forms.ModelForm):
    class Meta:
        model = LoanCollateral
        fields = ("value", "valuation_date")

    def clean_valuation_date(self):
        date = self.cleaned_data["valuation_date"]
        if date > clock.today():
            raise forms.ValidationError(_("cannot be in the future"))
        return date


@admin.register(LoanCollateral)
class LoanCollateralAdmin(admin.ModelAdmin):
    form = RevalueForm
    list_display = ("loan", "collateral_type", "value", "valuation_date", "revaluation_due")
    list_filter = ("revaluation_due", "collateral_type")
    list_select_related = ("loan",)
    search_fields = ("loan__number",)
    readonly_fields = ("loan", "collateral_type", "description", "origin_ref", "revaluation_flagged_on")
    fields = ("loan", "collateral_type", "description", "value", "valuation_date", "revaluation_flagged_on")

    def has_add_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        collateral.loan_collateral_revalue(
            item=obj, value=form.cleaned_data["value"], valuation_date=form.cleaned_data["valuation_date"]
        )


def loan_secured_amount(obj):
    return collateral.loan_secured_amount(loan_id=obj.pk)


def loan_lgd(obj):
    return collateral.loan_lgd(loan_id=obj.pk, ead=max(obj.principal_outstanding + obj.interest_due, 0))
