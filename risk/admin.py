"""Admin for Risk Analysts: model registry with report and promotion, rule editor with validation,
decision browser with the full explanation. Auditors (view permission only) see it read-only."""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect
from django.urls import path, reverse
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _

from loanhub.admin_history import ReadOnlyHistoryAdmin
from loanhub.admin_labels import LabelledFieldsMixin, code, json_code, money, rate_percent
from loanhub.admin_pagination import KeysetPaginationMixin
from loanhub.errors import DomainError
from loanhub.permissions import may
from risk import (
    admin_assessment,  # noqa: F401  (registers the impact assessments)
    admin_collateral,  # noqa: F401  (registers the collateral haircuts)
    admin_concentration,  # noqa: F401  (registers the concentration limits)
    services,
)
from risk import admin_labels as labels
from risk import choices as c
from risk.admin_report import report_html
from risk.models import (
    CHANGE_SCOREMODEL,
    PROMOTE_SCOREMODEL,
    RETRY_SCORINGREQUEST,
    BlocklistEntry,
    CreditFile,
    Decision,
    ImpactAssessment,
    RiskRule,
    ScoreModel,
    ScoringRequest,
)
from risk.report import model_report
from risk.rules import validate_rule
from risk.scorecard.model import ArtifactError


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class DatasetFilter(admin.SimpleListFilter):
    """Score models by the data set they were trained on, by its name."""

    title = ScoreModel._meta.get_field("dataset").verbose_name
    parameter_name = "dataset"

    def lookups(self, request, model_admin):
        stored = ScoreModel.objects.order_by().values_list("dataset", flat=True).distinct()
        return [(name, labels.DATASETS.get(name, name)) for name in sorted(stored)]

    def queryset(self, request, queryset):
        return queryset.filter(dataset=self.value()) if self.value() else queryset


@admin.register(ScoreModel)
class ScoreModelAdmin(LabelledFieldsMixin, ReadOnlyAdmin):
    list_display = (
        "version",
        "status",
        "shadow",
        "dataset_code",
        "binner_code",
        "cv_auc",
        "holdout_auc",
        "trained_by",
        "promoted_by",
        "trained_at",
    )
    list_filter = ("status", "shadow", DatasetFilter)
    exclude = ("artifact", "report")
    field_display = {
        "features": labels.feature_list_html,
        "dataset": labels.dataset_html,
        "binner": "code",
        "artifact_sha256": "code",
        "training_data_sha256": "code",
    }
    readonly_fields = ("actions_block", "assessment_block", "report_block")

    class Media:
        css = {"all": ["css/admin.css"]}  # classes instead of style="" (CSP: no inline style)

    @admin.display(description=ScoreModel._meta.get_field("dataset").verbose_name, ordering="dataset")
    def dataset_code(self, obj):
        return labels.dataset_html(obj.dataset)

    @admin.display(description=ScoreModel._meta.get_field("binner").verbose_name, ordering="binner")
    def binner_code(self, obj):
        return code(obj.binner)

    @admin.display(description=_("CV AUC"))
    def cv_auc(self, obj):
        return obj.report.get("cv", {}).get("auc")

    @admin.display(description=_("hold-out AUC"))
    def holdout_auc(self, obj):
        return obj.report.get("holdout", {}).get("auc")

    @admin.display(description=_("impact assessment"))
    def assessment_block(self, obj):
        assessment = ImpactAssessment.objects.filter(model=obj).first()
        if assessment is None:
            url = reverse("admin:risk_impactassessment_add") + f"?model={obj.pk}"
            return format_html(
                '<a href="{}">{}</a>', url, _("None yet: write one (required before promotion)")
            )
        url = reverse("admin:risk_impactassessment_change", args=[assessment.pk])
        status = _("signed off") if assessment.signed_off else _("waiting for sign-off")
        return format_html('<a href="{}">{}</a> ({})', url, assessment, status)

    @admin.display(description=_("validation report"))
    def report_block(self, obj):
        return report_html(model_report(obj))

    @admin.display(description=_("actions"))
    def actions_block(self, obj):
        request = getattr(self, "_request", None)
        if obj.pk is None or request is None:
            return "-"
        buttons = []
        if obj.status == c.ModelStatus.CANDIDATE:
            if may(request.user, PROMOTE_SCOREMODEL):
                buttons.append(("promote", _("Promote to champion")))
            if may(request.user, CHANGE_SCOREMODEL):
                buttons.append(
                    (
                        "shadow-off" if obj.shadow else "shadow-on",
                        _("Stop shadow scoring") if obj.shadow else _("Shadow-score as challenger"),
                    )
                )
        if obj.status != c.ModelStatus.RETIRED and may(request.user, CHANGE_SCOREMODEL):
            buttons.append(("retire", _("Retire")))
        if not buttons:
            return "-"
        return format_html_join(
            " ",
            '<form method="post" action="{}" class="inline-action-form">'
            '<input type="hidden" name="csrfmiddlewaretoken" value="{}">'
            '<button type="submit">{}</button></form>',
            (
                (reverse("admin:risk_scoremodel_act", args=[obj.pk, action]), self._csrf, label)
                for action, label in buttons
            ),
        )

    def change_view(self, request, object_id, form_url="", extra_context=None):
        from django.middleware.csrf import get_token

        self._request, self._csrf = request, get_token(request)
        return super().change_view(request, object_id, form_url, extra_context)

    def get_urls(self):
        urls = [
            path(
                "<int:pk>/act/<str:action>/", self.admin_site.admin_view(self.act), name="risk_scoremodel_act"
            )
        ]
        return urls + super().get_urls()

    # Each action and the permission it needs (the service checks it again, with its own rules).
    ACTIONS = {
        "promote": PROMOTE_SCOREMODEL,
        "retire": CHANGE_SCOREMODEL,
        "shadow-on": CHANGE_SCOREMODEL,
        "shadow-off": CHANGE_SCOREMODEL,
    }

    def act(self, request, pk: int, action: str):
        model = get_object_or_404(ScoreModel, pk=pk)
        permission = self.ACTIONS.get(action)
        if request.method != "POST" or permission is None or not may(request.user, permission):
            raise PermissionDenied
        try:
            if action == "promote":
                services.model_promote(model=model, actor=request.user)
            elif action == "retire":
                services.model_retire(model=model, actor=request.user, reason="retired in the admin")
            else:
                services.model_set_shadow(model=model, actor=request.user, shadow=action == "shadow-on")
            messages.success(request, _("Done."))
        except (DomainError, ArtifactError) as exc:
            messages.error(request, str(exc))
        return redirect("admin:risk_scoremodel_change", pk)


class RiskRuleForm(forms.ModelForm):
    class Meta:
        model = RiskRule
        fields = (
            "code",
            "product_code",
            "kind",
            "outcome",
            "reason_zh",
            "reason_en",
            "feature",
            "operator",
            "threshold",
            "threshold_high",
            "values",
            "product_attribute",
            "identifier",
            "window_hours",
            "active",
        )

    def clean(self):
        data = super().clean()
        rule = RiskRule(**{k: v for k, v in data.items() if k in self.Meta.fields})
        rule.values = data.get("values") or []
        for field, message in validate_rule(rule.spec()).items():
            self.add_error(field if field in self.fields else None, message)
        return data


@admin.register(RiskRule)
class RiskRuleAdmin(ReadOnlyHistoryAdmin):
    form = RiskRuleForm
    list_display = (
        "rule_code",
        "reason",
        "product_code",
        "kind",
        "outcome",
        "feature_label",
        "operator",
        "threshold",
        "attribute_label",
        "window_hours",
        "active",
    )
    list_filter = ("active", "outcome", "kind", "product_code")
    search_fields = ("code", "reason_zh", "reason_en")

    @admin.display(description=RiskRule._meta.get_field("code").verbose_name, ordering="code")
    def rule_code(self, obj):
        return code(obj.code)

    @admin.display(description=_("reason"))
    def reason(self, obj):
        return obj.reason_zh if labels._chinese() else obj.reason_en

    @admin.display(description=RiskRule._meta.get_field("feature").verbose_name, ordering="feature")
    def feature_label(self, obj):
        return labels.feature_labels().get(obj.feature) or code(obj.feature)

    @admin.display(
        description=RiskRule._meta.get_field("product_attribute").verbose_name, ordering="product_attribute"
    )
    def attribute_label(self, obj):
        if not obj.product_attribute:
            return "-"
        from products.models import ProductVersion

        try:
            return ProductVersion._meta.get_field(obj.product_attribute).verbose_name
        except Exception:  # noqa: BLE001  (a name that is no field: shown as the code it is)
            return code(obj.product_attribute)

    def save_model(self, request, obj, form, change):
        services.rule_save(rule=obj, actor=request.user)


@admin.register(Decision)
class DecisionAdmin(LabelledFieldsMixin, KeysetPaginationMixin, ReadOnlyAdmin):
    ordering = ("-id",)  # the key the changelist pages by (one decision per scoring)
    list_display = (
        "id",
        "created_at",
        "outcome",
        "grade",
        "score",
        "limit_amount",
        "offer_rate_percent",
        "model",
    )
    list_filter = ("outcome", "grade", "model")
    date_hierarchy = "created_at"
    readonly_fields = ("explanation",)
    field_display = {
        "model_sha256": "code",
        "features": labels.features_html,
        "points": labels.features_html,
        "rules_fired": labels.codes_html,
        "reasons": labels.reasons_html,
        "language": labels.language_name,
        "limit_basis": "json",
        "offer": "json",
        "product_terms": "json",
        "approved_limit": "money",
        "offer_rate": "percent",
        "offer_apr": "percent",
    }

    @admin.display(
        description=Decision._meta.get_field("approved_limit").verbose_name, ordering="approved_limit"
    )
    def limit_amount(self, obj):
        return money(obj.approved_limit)

    @admin.display(description=Decision._meta.get_field("offer_rate").verbose_name, ordering="offer_rate")
    def offer_rate_percent(self, obj):
        return rate_percent(obj.offer_rate)

    @admin.display(description=_("explanation"))
    def explanation(self, obj):
        reasons = format_html_join(
            "",
            "<li>{} {} {}</li>",
            (
                (code(r["code"]), r["zh"], format_html('/ <span lang="en">{}</span>', r["en"]))
                for r in obj.reasons
            ),
        )
        feature_labels = labels.feature_labels()
        points = format_html_join(
            "", "<li>{}: {}</li>", ((feature_labels.get(k, k), v) for k, v in sorted(obj.points.items()))
        )
        return format_html(
            "<p>{} · {} · {} {} · {} {}</p><h4>{}</h4><ul>{}</ul><h4>{}</h4><ul>{}</ul>"
            "<h4>{}</h4>{}<h4>{}</h4>{}",
            obj.get_outcome_display(),
            obj.grade,
            _("score"),
            obj.score,
            _("PD"),
            obj.pd,
            _("reasons"),
            reasons,
            _("points per feature"),
            points,
            _("limit basis"),
            json_code(obj.limit_basis),
            _("offer terms"),
            json_code(obj.offer),
        )


@admin.register(ScoringRequest)
class ScoringRequestAdmin(LabelledFieldsMixin, KeysetPaginationMixin, ReadOnlyAdmin):
    ordering = ("-id",)  # the key the changelist pages by (one request per submission)
    list_display = ("id", "requester", "product_ref", "state", "attempts", "created_at", "scored_at")
    field_display = {
        "requester_ref": labels.ref_html,
        "features": labels.features_html,
        "product_terms": "json",
        "internal_history": "json",
        "language": labels.language_name,
    }

    @admin.display(description=ScoringRequest._meta.get_field("requester_ref").verbose_name)
    def requester(self, obj):
        return labels.ref_html(obj.requester_ref)

    list_filter = ("state",)
    search_fields = ("requester_ref",)
    exclude = ("id_number_hash", "phone_hash", "device_hash")
    actions = ("retry_failed",)

    @admin.action(description=_("Retry the selected failed requests"), permissions=["retry"])
    def retry_failed(self, request, queryset):
        done = 0
        for scoring_request in queryset.filter(state=c.RequestState.FAILED):
            services.scoring_request_retry(
                request=scoring_request, actor=request.user, reason="retried in the admin"
            )
            done += 1
        messages.info(request, _("%(count)d request(s) queued again.") % {"count": done})

    def has_retry_permission(self, request):
        return may(request.user, RETRY_SCORINGREQUEST)


@admin.register(BlocklistEntry)
class BlocklistEntryAdmin(admin.ModelAdmin):
    list_display = ("identifier", "value_code", "reason", "active", "created_at")
    list_filter = ("identifier", "active")
    exclude = ("value_hash",)  # read-only: shown as `value_code`
    readonly_fields = ("value_code", "created_by")

    @admin.display(description=BlocklistEntry._meta.get_field("value_hash").verbose_name)
    def value_code(self, obj):
        return code(obj.value_hash)


@admin.register(CreditFile)
class CreditFileAdmin(admin.ModelAdmin):
    list_display = (
        "__str__",
        "history_label",
        "existing_credits",
        "plans_label",
        "monthly_debt",
        "note",
    )
    exclude = ("id_number_hash",)  # read-only: shown as `identity_code`
    readonly_fields = ("identity_code",)

    @admin.display(description=CreditFile._meta.get_field("credit_history").verbose_name)
    def history_label(self, obj):
        return labels.CREDIT_HISTORY.get(obj.credit_history) or code(obj.credit_history)

    @admin.display(description=CreditFile._meta.get_field("other_installment_plans").verbose_name)
    def plans_label(self, obj):
        return labels.OTHER_PLANS.get(obj.other_installment_plans) or code(obj.other_installment_plans)

    @admin.display(description=CreditFile._meta.get_field("id_number_hash").verbose_name)
    def identity_code(self, obj):
        return code(obj.id_number_hash)


from risk.business import admin as business_admin  # noqa: E402, F401  (rubrics and ratings)
