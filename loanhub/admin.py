"""Admin of the kernel: user accounts with their security events, and the recorded unlock."""

from __future__ import annotations

from django.contrib import admin, messages
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin
from django.utils.translation import gettext_lazy as _

from loanhub import (
    admin_beat,  # noqa: F401  (django-celery-beat's pages, re-registered)
    lockout,
)
from loanhub.admin_auth import TranslatedAuthChoices
from loanhub.errors import Forbidden
from loanhub.models import AccountEvent
from loanhub.permissions import may

User = get_user_model()


class AccountEventInline(admin.TabularInline):
    model = AccountEvent
    fk_name = "user"
    fields = ("created_at", "kind", "actor", "detail")
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.action(description=_("Unlock log-in (after too many wrong passwords)"))
def unlock_accounts(modeladmin, request, queryset):
    try:
        for user in queryset:
            lockout.account_unlock(user=user, actor=request.user, reason="unlocked in the admin")
    except Forbidden as exc:
        modeladmin.message_user(request, str(exc), messages.ERROR)
        return
    modeladmin.message_user(request, _("Unlocked %(count)s account(s).") % {"count": queryset.count()})


admin.site.unregister(User)


@admin.register(User)
class LoanHubUserAdmin(TranslatedAuthChoices, UserAdmin):
    """Django's user admin, with the account's security events and the recorded unlock; roles and
    permissions named in the page's language."""

    inlines = (AccountEventInline,)
    actions = (unlock_accounts,)

    def get_actions(self, request):
        actions = super().get_actions(request)
        if not may(request.user, lockout.UNLOCK_PERMISSION):
            actions.pop("unlock_accounts", None)
        return actions
