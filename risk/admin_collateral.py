"""Collateral haircuts in the admin console: Risk Analysts edit the haircut and the revaluation
age of each type (every edit is kept in the history); officers and auditors read them."""

from __future__ import annotations

from django.contrib import admin

from loanhub.admin_history import ReadOnlyHistoryAdmin
from risk.collateral import CollateralHaircut


@admin.register(CollateralHaircut)
class CollateralHaircutAdmin(ReadOnlyHistoryAdmin):
    list_display = ("collateral_type", "haircut", "revalue_after_months", "updated_at", "updated_by")
    fields = ("collateral_type", "haircut", "revalue_after_months")

    def get_readonly_fields(self, request, obj=None):
        return ("collateral_type",) if obj else ()

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        obj.updated_by = request.user
        super().save_model(request, obj, form, change)
