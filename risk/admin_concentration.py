"""Admin of concentration limits (集中度限额): a risk analyst drafts a limit and submits it,
another analyst activates it (maker-checker, through `risk.concentration`); a limit is never
edited in place: a new one replaces it when activated. Auditors see them read-only."""

from __future__ import annotations

from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _

from loanhub.errors import DomainError
from risk import concentration
from risk.models import APPROVE_LIMIT, CHANGE_LIMIT, ConcentrationLimit


@admin.register(ConcentrationLimit)
class ConcentrationLimitAdmin(admin.ModelAdmin):
    list_display = (
        "dimension",
        "key",
        "basis",
        "threshold",
        "severity",
        "status",
        "created_by",
        "approved_by",
    )
    list_filter = ("status", "dimension", "severity")
    fields = ("dimension", "key", "basis", "threshold", "severity")
    actions = ("submit_limits", "activate_limits", "retire_limits")

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def has_add_permission(self, request):
        return request.user.has_perm(CHANGE_LIMIT)

    def save_model(self, request, obj, form, change):
        try:
            created = concentration.limit_create(
                actor=request.user,
                dimension=obj.dimension,
                key=obj.key,
                basis=obj.basis,
                threshold=obj.threshold,
                severity=obj.severity,
            )
        except DomainError as error:
            self.message_user(request, str(error), messages.ERROR)
            return
        obj.pk = created.pk

    def _each(self, request, queryset, act, done: str) -> None:
        count = 0
        for limit in queryset:
            try:
                act(limit)
            except DomainError as error:
                self.message_user(request, f"{limit}: {error}", messages.ERROR)
            else:
                count += 1
        if count:
            self.message_user(request, done % {"n": count}, messages.SUCCESS)

    @admin.action(description=_("Submit for activation"), permissions=("limit",))
    def submit_limits(self, request, queryset):
        self._each(
            request,
            queryset,
            lambda limit: concentration.limit_submit(limit=limit, actor=request.user),
            _("%(n)s limit(s) submitted."),
        )

    @admin.action(description=_("Activate (another analyst than the maker)"), permissions=("approve",))
    def activate_limits(self, request, queryset):
        self._each(
            request,
            queryset,
            lambda limit: concentration.limit_activate(limit=limit, actor=request.user),
            _("%(n)s limit(s) activated."),
        )

    @admin.action(description=_("Retire"), permissions=("limit",))
    def retire_limits(self, request, queryset):
        self._each(
            request,
            queryset,
            lambda limit: concentration.limit_retire(
                limit=limit, actor=request.user, reason="retired in admin"
            ),
            _("%(n)s limit(s) retired."),
        )

    def has_approve_permission(self, request):
        return request.user.has_perm(APPROVE_LIMIT)

    def has_limit_permission(self, request):
        return request.user.has_perm(CHANGE_LIMIT)
