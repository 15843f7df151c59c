"""Read-only admin pages and inlines: shown to whoever holds the view permission, never added,
changed or deleted in the console (their rows change only through the apps' services)."""

from __future__ import annotations

from django.contrib import admin


class ReadOnlyAdminMixin:
    """Viewable by whoever holds the view permission; never added, changed or deleted here."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class ReadOnlyTabularInline(ReadOnlyAdminMixin, admin.TabularInline):
    extra = 0
    can_delete = False
    show_change_link = False
