"""The console's early warnings (the officers' queue), signal weights, flagged segments and rescores."""

from __future__ import annotations

from django.contrib import admin, messages
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from loanhub.admin_pagination import KeysetPaginationMixin
from loanhub.admin_readonly import ReadOnlyAdminMixin
from loanhub.admin_reasons import EventReasonColumn, EventStateColumns
from loanhub.errors import DomainError
from monitoring import early_warning
from monitoring.models import (
    EarlyWarning,
    EarlyWarningEvent,
    FlaggedSegment,
    LoanRescore,
    SignalWeight,
)
from products.choices import RiskGrade


class EarlyWarningEventInline(EventStateColumns, EventReasonColumn, admin.TabularInline):
    model = EarlyWarningEvent
    state_models = ("monitoring.EarlyWarning",)
    extra = 0
    can_delete = False
    fields = ("created_at", "actor", "from_label", "to_label", "reason_text")
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


def _step(action: str, outcome: str = ""):
    def run(modeladmin, request, queryset):
        done = 0
        for warning_id in queryset.values_list("pk", flat=True):
            try:
                early_warning.early_warning_transition(
                    warning_id=warning_id, action=action, actor=request.user, outcome=outcome
                )
                done += 1
            except DomainError as exc:
                modeladmin.message_user(request, f"{warning_id}: {exc}", level=messages.WARNING)
        modeladmin.message_user(request, _("%(n)s warnings moved.") % {"n": done})

    run.__name__ = f"warning_{action}_{outcome}".rstrip("_")
    return run


@admin.register(EarlyWarning)
class EarlyWarningAdmin(admin.ModelAdmin):
    """The officers' early-warning queue: read here, moved only by the actions (the service runs
    the transition with its lock, permission check and event)."""

    list_display = ("loan_number", "score", "status", "raised_on", "last_seen_on", "signals", "outcome")
    list_filter = ("status", "outcome", "raised_on")
    search_fields = ("loan_number",)
    ordering = ("-score", "-raised_on")
    readonly_fields = (
        "loan_id",
        "credit_line_id",
        "loan_number",
        "score",
        "reasons",
        "status",
        "outcome",
        "raised_on",
        "last_seen_on",
        "closed_on",
        "status_changed_at",
    )
    fields = readonly_fields
    inlines = (EarlyWarningEventInline,)
    actions = [
        admin.action(description=_("Acknowledge"), permissions=("change",))(_step("acknowledge")),
        admin.action(description=_("Record contact"), permissions=("change",))(_step("contact")),
        admin.action(description=_("Record action"), permissions=("change",))(_step("action")),
        admin.action(description=_("Close: cured"), permissions=("change",))(_step("close", "cured")),
        admin.action(description=_("Close: restructured"), permissions=("change",))(
            _step("close", "restructured")
        ),
        admin.action(description=_("Close: handed to collections"), permissions=("change",))(
            _step("close", "collections")
        ),
        admin.action(description=_("Close: false alarm"), permissions=("change",))(
            _step("close", "false_alarm")
        ),
    ]

    @admin.display(description=_("signals"))
    def signals(self, obj: EarlyWarning) -> str:
        labels = dict(SignalWeight._meta.get_field("signal").choices)
        return ", ".join(str(labels.get(r["signal"], r["signal"])) for r in obj.reasons)

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        # Every field is read-only: nothing is saved by the form (steps go through the actions).
        return None


@admin.register(SignalWeight)
class SignalWeightAdmin(admin.ModelAdmin):
    """The weight of each early-warning signal: risk analysts edit it (history in the event log of
    the admin); the signals themselves are code, so rows are neither added nor deleted."""

    list_display = ("signal", "weight", "enabled", "note")
    list_editable = ("weight", "enabled")
    readonly_fields = ("signal",)

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(FlaggedSegment)
class FlaggedSegmentAdmin(admin.ModelAdmin):
    """Industries and regions risk analysts flag for early warning."""

    list_display = ("kind", "value", "active", "flagged_on", "note")
    list_filter = ("kind", "active")
    search_fields = ("value",)


class GradeNowFilter(admin.SimpleListFilter):
    """The grade now, offered from the catalogue's grades: a filter on the field itself would read
    the distinct grades of every rescore (one row per loan and rescore date: millions)."""

    title = gettext_lazy("grade now")
    parameter_name = "grade"

    def lookups(self, request, model_admin):
        return RiskGrade.choices

    def queryset(self, request, queryset):
        return queryset.filter(grade=self.value()) if self.value() else queryset


@admin.register(LoanRescore)
class LoanRescoreAdmin(ReadOnlyAdminMixin, KeysetPaginationMixin, admin.ModelAdmin):
    """The periodic rescores (early warning's score_drift): each loan's score at application and
    now, by the same model. Newest first by key, pages by key and no full count
    (`loanhub.admin_pagination`): a rescore writes a row for every loan on the book."""

    list_display = ("as_of", "loan_id", "model_version", "baseline_score", "baseline_grade", "score", "grade")
    list_filter = ("as_of", GradeNowFilter)
    ordering = ("-id",)
    sortable_by = ()  # any other order is a sort of every rescore
    search_fields = ("=loan_id",)
