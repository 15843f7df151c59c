"""Collections in the admin console: the queue of cases (filtered by bucket, status and "my
cases"), one case with its promises, contacts and history, the bucket queues' collectors and the
dunning schedule (data). Cases change only through `servicing.collections`: the page is
read-only but for the "assign to me" action; notes are masked unless the case is the viewer's,
the customer's phone always."""

from __future__ import annotations

from django.conf import settings
from django.contrib import admin, messages
from django.contrib.auth import get_user_model
from django.db.models import Q
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from customers.masking import mask_phone, mask_text
from loanhub.admin_readonly import ReadOnlyAdminMixin, ReadOnlyTabularInline
from loanhub.admin_reasons import EventReasonColumn, EventStateColumns
from loanhub.errors import DomainError
from servicing import collections
from servicing.models import (
    CollectionCase,
    CollectionCaseEvent,
    CollectionQueue,
    ContactAttempt,
    DunningStep,
    PromiseToPay,
)


class CaseBucketFilter(admin.SimpleListFilter):
    """The configured delinquency buckets (the queues)."""

    title = _("delinquency bucket")
    parameter_name = "bucket"

    def lookups(self, request, model_admin):
        return [(code, code) for code, first, _last in settings.LOANHUB_DELINQUENCY_BUCKETS if first > 0]

    def queryset(self, request, queryset):
        if self.value():
            return queryset.filter(bucket=self.value())
        return queryset


class MineFilter(admin.SimpleListFilter):
    title = _("collector")
    parameter_name = "mine"

    def lookups(self, request, model_admin):
        return [("1", _("My cases")), ("none", _("Unassigned"))]

    def queryset(self, request, queryset):
        if self.value() == "1":
            return queryset.filter(assigned_to=request.user)
        if self.value() == "none":
            return queryset.filter(assigned_to__isnull=True)
        return queryset


class PromiseInline(ReadOnlyTabularInline):
    model = PromiseToPay
    fields = ("made_on", "amount", "promised_date", "paid", "status", "resolved_on", "created_by")
    readonly_fields = fields


class ContactInline(ReadOnlyTabularInline):
    model = ContactAttempt
    fields = ("contacted_at", "channel", "outcome", "shown_note", "created_by")
    readonly_fields = fields

    @admin.display(description=_("note"))
    def shown_note(self, obj):
        request = getattr(self, "_request", None)
        owner = request is not None and collections.may_see_personal_data(request.user, obj.case)
        return obj.note if owner else mask_text(obj.note)

    def get_queryset(self, request):
        self._request = request
        return super().get_queryset(request).select_related("case")


class CaseEventInline(EventStateColumns, EventReasonColumn, ReadOnlyTabularInline):
    model = CollectionCaseEvent
    state_models = ("servicing.CollectionCase",)
    fields = ("created_at", "actor", "from_label", "to_label", "reason_text")
    readonly_fields = fields
    ordering = ("-id",)


@admin.register(CollectionCase)
class CollectionCaseAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = (
        "__str__",
        "loan",
        "credit_line",
        "bucket",
        "days_past_due",
        "amount_overdue",
        "status",
        "assigned_to",
        "opened_on",
    )
    list_filter = (CaseBucketFilter, "status", MineFilter)
    list_select_related = ("loan", "credit_line", "assigned_to")
    search_fields = ("loan__number", "credit_line__number")
    ordering = ("-days_past_due", "id")
    actions = ("assign_to_me",)
    fields = (
        "loan",
        "credit_line",
        "customer_phone",
        "status",
        "bucket",
        "days_past_due",
        "max_days_past_due",
        "amount_overdue",
        "write_off_proposed",
        "opened_on",
        "closed_on",
        "assigned_to",
        "assigned_at",
    )
    readonly_fields = fields
    inlines = (PromiseInline, ContactInline, CaseEventInline)

    @admin.display(description=_("customer's phone"))
    def customer_phone(self, obj):
        # Always masked here (the page is shared by every viewer); the collector reads it in the API.
        return mask_phone(obj.account.customer.phone)

    def get_actions(self, request):
        actions = super().get_actions(request)
        if not collections.may_work_cases(request.user):
            actions.pop("assign_to_me", None)
        return actions

    @admin.action(description=_("Assign the selected cases to me"))
    def assign_to_me(self, request, queryset):
        done = 0
        for case in queryset.filter(status__in=collections.ACTIVE_CASE_STATES):
            try:
                collections.case_assign(case=case, collector_id=request.user.pk, actor=request.user)
                done += 1
            except DomainError as error:
                self.message_user(request, f"{case}: {error}", messages.ERROR)
        self.message_user(request, _("%(n)s cases assigned to you.") % {"n": done}, messages.SUCCESS)


@admin.register(CollectionQueue)
class CollectionQueueAdmin(admin.ModelAdmin):
    list_display = ("bucket",)

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        if db_field.name == "collectors":
            # Only users who may work cases (their role's permission, or their own).
            app, codename = collections.WORK_CASES.split(".")
            grant = Q(
                groups__permissions__codename=codename, groups__permissions__content_type__app_label=app
            )
            grant |= Q(user_permissions__codename=codename, user_permissions__content_type__app_label=app)
            kwargs["queryset"] = get_user_model().objects.filter(grant, is_active=True).distinct()
        return super().formfield_for_manytomany(db_field, request, **kwargs)


@admin.register(DunningStep)
class DunningStepAdmin(admin.ModelAdmin):
    list_display = ("step_code", "offset_days", "bucket", "channel", "template_code", "active")
    list_editable = ("active",)
    ordering = ("offset_days",)

    @admin.display(description=_("code"), ordering="code")
    def step_code(self, obj):
        return format_html("<code>{}</code>", obj.code)

    @admin.display(description=_("message template"))
    def template_code(self, obj):
        return format_html("<code>{}</code>", obj.template_key)

    @admin.display(description=_("delinquency bucket"))
    def bucket(self, obj):
        from servicing.rules import bucket_for

        return _("before the due date") if obj.offset_days < 0 else bucket_for(obj.offset_days)

    def has_delete_permission(self, request, obj=None):
        return False
