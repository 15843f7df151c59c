"""Admin for marketing managers: segments and campaigns (launched through the service), and the
read-only records (recipients, touches, attributions, runs). Auditors read. Campaigns' offer
requests: `admin_offer_requests`; promotions piloted on their own: `admin_pilots`."""

from __future__ import annotations

from decimal import Decimal

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.template.response import TemplateResponse
from django.urls import path
from django.utils.html import format_html
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from django.views.decorators.http import require_GET

from customers.masking import mask_counterparty
from loanhub.admin_labels import (
    LabelledFieldsMixin,
    PayloadColumn,
    labelled_codes,
    labelled_pairs,
    ref_text,
)
from loanhub.admin_language import in_english
from loanhub.admin_readonly import ReadOnlyAdminMixin, ReadOnlyTabularInline
from loanhub.admin_reasons import EventReasonColumn, EventStateColumns
from loanhub.errors import DomainError
from loanhub.formatting import percent_text
from marketing import charts, experiment_plan, rules, scheduling, selectors, services
from marketing.campaign_forms import CampaignForm
from marketing.models import (
    Attribution,
    Campaign,
    CampaignEvent,
    ContactEntry,
    Experiment,
    FollowUp,
    FollowUpEvent,
    FollowUpOutcome,
    MarketingChannel,
    NpsSurvey,
    Segment,
    SegmentRun,
    Suggestion,
    SuggestionEvent,
    SurveyMoment,
    Touch,
)


class SegmentForm(forms.ModelForm):
    class Meta:
        model = Segment
        fields = ("name", "rules")
        # The keys are the rules' vocabulary (code, the same in every language), shown as code.
        help_texts = {
            "rules": format_lazy(
                "{} <code>{}</code>. {} <code>{}</code>.",
                _("A JSON object; every key must hold. On the profile:"),
                "customer_types, employment_types, regions, industries, income_min, income_max, "
                "age_min, age_max, tags",
                _("On behaviour:"),
                "has_loan, applied_within_days, products, months_on_book_min, months_on_book_max, "
                "on_time_ratio_min, channels, rfm {recency_min, frequency_min, monetary_min: 1-5}, "
                "tags loyal, repeat_borrower, lapsed, new_customer",
            )
        }

    def clean_rules(self):
        value = self.cleaned_data["rules"]
        errors = rules.rules_errors(value)
        if errors:
            raise forms.ValidationError([f"{key}: {' '.join(messages)}" for key, messages in errors.items()])
        return value


class ExperimentForm(forms.ModelForm):
    class Meta:
        model = Experiment
        fields = ("name", "arms")

    def clean_arms(self):
        value = self.cleaned_data["arms"]
        errors = services.arms_errors(value)
        if errors:
            raise forms.ValidationError(errors)
        return value


@admin.register(Segment)
class SegmentAdmin(admin.ModelAdmin):
    form = SegmentForm
    list_display = ("shown_name", "preset_code", "created_at")
    readonly_fields = ("preset_code", "created_by", "preview")
    fields = ("name", "rules", "preset_code", "created_by", "preview")

    @admin.display(description=_("name"), ordering="name")
    def shown_name(self, obj):
        return str(obj)  # a preset's shipped name in the page's language

    @admin.display(description=_("preset"), ordering="preset")
    def preset_code(self, obj):
        return format_html("<code>{}</code>", obj.preset) if obj and obj.preset else "-"

    @admin.display(description=_("members now"))
    def preview(self, obj):
        return len(rules.evaluate(obj.rules)) if obj and obj.pk else "—"

    def save_model(self, request, obj, form, change):
        if not change:
            obj.created_by = request.user
        super().save_model(request, obj, form, change)


class CampaignEventInline(PayloadColumn, EventStateColumns, EventReasonColumn, ReadOnlyTabularInline):
    model = CampaignEvent
    state_models = ("marketing.Campaign",)
    fields = ("created_at", "actor", "from_label", "to_label", "reason_text", "payload_text")
    readonly_fields = fields


class ExperimentInline(admin.StackedInline):
    model = Experiment
    form = ExperimentForm
    extra = 0
    can_delete = False


FUNNEL_LABELS = (
    ("reached", pgettext_lazy("funnel stage", "reached")),
    ("visited", pgettext_lazy("funnel stage", "visited")),
    ("quoted", pgettext_lazy("funnel stage", "quoted")),
    ("applied", pgettext_lazy("funnel stage", "applied")),
    ("approved", pgettext_lazy("funnel stage", "approved")),
    ("disbursed", pgettext_lazy("funnel stage", "disbursed")),
    ("on_time_3m", pgettext_lazy("funnel stage", "on time after 3 months")),
)


def pilot_table_rows(comparison: dict) -> list[dict]:
    """The rows of the pilot-and-control table (a campaign's pilot or a promotion's)."""
    labels = dict(FUNNEL_LABELS)
    return [
        {"label": labels[p["stage"]], "stage": p["stage"], "pilot": p, "control": c}
        for p, c in zip(comparison["pilot"], comparison["control"], strict=True)
    ]


@admin.register(Campaign)
class CampaignAdmin(admin.ModelAdmin):
    form = CampaignForm
    list_display = ("name", "segment", "state", "send_at", "launched_at", "cost")
    list_filter = ("state",)
    readonly_fields = (
        "state",
        "segment_run",
        "launched_at",
        "skipped",
        "created_by",
        "scheduled_by",
        "wave_of",
    )
    raw_id_fields = ("promotion",)
    inlines = (ExperimentInline, CampaignEventInline)
    actions = ("launch",)

    change_form_template = "admin/marketing/campaign_change_form.html"

    def get_urls(self):
        funnel = self.admin_site.admin_view(require_GET(self.funnel_view))
        results = self.admin_site.admin_view(require_GET(self.experiment_view))
        return [
            path("<int:pk>/funnel/", funnel, name="marketing_campaign_funnel"),
            path("<int:pk>/experiment/", results, name="marketing_campaign_experiment"),
            *super().get_urls(),
        ]

    def _campaign(self, request, pk: int) -> Campaign:
        if not self.has_view_permission(request):
            raise PermissionDenied
        campaign = Campaign.objects.filter(pk=pk).select_related("segment").first()
        if campaign is None:
            raise Http404(pk)
        return campaign

    def funnel_view(self, request, pk: int):
        """reached → … → on time after 3 months, with the conversion of each stage and the cost."""
        campaign = self._campaign(request, pk)
        funnel = selectors.campaign_funnel(campaign=campaign)
        labels = dict(FUNNEL_LABELS)
        stages = [{**stage, "label": labels[stage["stage"]]} for stage in funnel["stages"]]
        pilot_rows = None if funnel["pilot"] is None else pilot_table_rows(funnel["pilot"])
        context = {
            "pilot_rows": pilot_rows,
            **self.admin_site.each_context(request),
            "title": _("Funnel of %(name)s") % {"name": campaign.name},
            "campaign": campaign,
            "opts": self.model._meta,
            "funnel": funnel,
            "stages": stages,
        }
        return TemplateResponse(request, "admin/marketing/campaign_funnel.html", context)

    def experiment_view(self, request, pk: int):
        """The experiment's arms, the SRM check and each arm against the control."""
        campaign = self._campaign(request, pk)
        experiment = Experiment.objects.filter(campaign=campaign).first()
        if experiment is None:
            raise Http404(pk)
        context = {
            **self.admin_site.each_context(request),
            "title": _("Experiment results of %(name)s") % {"name": campaign.name},
            "campaign": campaign,
            "opts": self.model._meta,
            "results": selectors.experiment_results(experiment=experiment),
        }
        return TemplateResponse(request, "admin/marketing/campaign_experiment.html", context)

    # A launched campaign is read-only: its stored codes and counts shown as labels, its English
    # texts marked as English.
    LAUNCHED_DISPLAY = {
        "channels": "channels_labels",
        "pilot_channels": "pilot_channels_labels",
        "skipped": "skipped_labels",
        "subject_en": "subject_english",
        "template_en": "template_english",
    }

    def get_readonly_fields(self, request, obj=None):
        if obj is not None and obj.state != "draft":
            return [self.LAUNCHED_DISPLAY.get(f.name, f.name) for f in self.model._meta.concrete_fields]
        return self.readonly_fields

    def get_fields(self, request, obj=None):
        if obj is not None and obj.state != "draft":
            return self.get_readonly_fields(request, obj)
        return super().get_fields(request, obj)

    @admin.display(description=Campaign._meta.get_field("channels").verbose_name)
    def channels_labels(self, obj):
        return labelled_codes(obj.channels, dict(MarketingChannel.choices))

    @admin.display(description=Campaign._meta.get_field("pilot_channels").verbose_name)
    def pilot_channels_labels(self, obj):
        return labelled_codes(obj.pilot_channels, dict(MarketingChannel.choices))

    @admin.display(description=Campaign._meta.get_field("skipped").verbose_name)
    def skipped_labels(self, obj):
        return labelled_pairs(obj.skipped or {})

    @admin.display(description=Campaign._meta.get_field("subject_en").verbose_name)
    def subject_english(self, obj):
        return in_english(obj.subject_en)

    @admin.display(description=Campaign._meta.get_field("template_en").verbose_name)
    def template_english(self, obj):
        return in_english(obj.template_en)

    def save_model(self, request, obj, form, change):
        """The campaign's fields through the form; its schedule through the scheduling service
        (which records who scheduled it: the scheduler launches as them)."""
        if not change:
            obj.created_by = request.user
        asked = None
        if set(scheduling.SCHEDULE_FIELDS) & set(form.changed_data):
            asked = {field: getattr(obj, field) for field in scheduling.SCHEDULE_FIELDS}
            stored = Campaign.objects.filter(pk=obj.pk).values(*scheduling.SCHEDULE_FIELDS).first() or {}
            for field in scheduling.SCHEDULE_FIELDS:
                setattr(obj, field, stored.get(field))
        super().save_model(request, obj, form, change)
        if asked is not None:
            try:
                scheduled = scheduling.campaign_schedule(campaign=obj, actor=request.user, **asked)
            except DomainError as exc:
                self.message_user(request, f"{obj}: {exc}", level=messages.ERROR)
            else:
                for field in (*scheduling.SCHEDULE_FIELDS, "scheduled_by"):
                    setattr(obj, field, getattr(scheduled, field))

    def change_view(self, request, object_id, form_url="", extra_context=None):
        """A draft with an experiment shows its power plan (marketing.experiment_plan)."""
        campaign = self.get_object(request, object_id)
        plan = None
        if campaign is not None and campaign.state == "draft" and request.method == "GET":
            plan = experiment_plan.campaign_power_plan(campaign, request.GET)
        if plan is not None:
            plan["texts"] = {
                key: percent_text(Decimal(str(plan[key])))
                for key in ("baseline", "mde", "smallest_effect")
                if plan[key] is not None
            }
        extra = {**(extra_context or {}), "power_plan": plan}
        return super().change_view(request, object_id, form_url, extra_context=extra)

    @admin.action(description=_("Launch the selected draft campaigns"), permissions=["change"])
    def launch(self, request, queryset):
        for campaign in queryset:
            try:
                services.campaign_launch(campaign=campaign, actor=request.user)
            except DomainError as exc:
                self.message_user(request, f"{campaign}: {exc}", level=messages.ERROR)
            else:
                self.message_user(request, _("%(name)s launched.") % {"name": campaign})


@admin.register(SegmentRun)
class SegmentRunAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("segment", "run_at", "member_count")
    exclude = ("member_ids",)


@admin.register(Touch)
class TouchAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = (
        "occurred_at",
        "kind",
        "channel",
        "campaign",
        "customer",
        "utm_source_code",
        "partner_code",
    )
    list_filter = ("kind", "channel")
    fields = (
        "occurred_at",
        "kind",
        "channel",
        "campaign",
        "customer",
        "visitor_code",
        "utm_source_code",
        "utm_medium_code",
        "utm_campaign_code",
        "partner_code",
    )

    @admin.display(description=_("visitor id"))
    def visitor_code(self, obj):
        return format_html("<code>{}</code>", obj.visitor_id) if obj.visitor_id else "-"

    # The link's UTM parameters as they came (identifiers, not words).
    @admin.display(description=_("UTM source"))
    def utm_source_code(self, obj):
        return format_html("<code>{}</code>", obj.utm_source) if obj.utm_source else "-"

    @admin.display(description=_("UTM medium"))
    def utm_medium_code(self, obj):
        return format_html("<code>{}</code>", obj.utm_medium) if obj.utm_medium else "-"

    @admin.display(description=_("UTM campaign"))
    def utm_campaign_code(self, obj):
        return format_html("<code>{}</code>", obj.utm_campaign) if obj.utm_campaign else "-"


@admin.register(Attribution)
class AttributionAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("application", "customer", "first_touch", "last_touch", "partner_code", "created_at")


# --- CRM (changed only through marketing.crm: the API; the console reads) --------------------------


class MaskedCustomerMixin:
    @admin.display(description=_("customer"))
    def masked_customer(self, obj):
        return mask_counterparty(obj.customer.legal_name)


class FollowUpEventInline(PayloadColumn, EventStateColumns, EventReasonColumn, ReadOnlyTabularInline):
    model = FollowUpEvent
    state_models = ("marketing.FollowUp",)
    payload_value_labels = dict(FollowUpOutcome.choices)
    fields = ("created_at", "actor", "from_label", "to_label", "reason_text", "payload_text")
    readonly_fields = fields


@admin.register(FollowUp)
class FollowUpAdmin(MaskedCustomerMixin, ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("id", "kind", "masked_customer", "assigned_to", "due_on", "state", "outcome")
    list_filter = ("state", "kind")
    exclude = ("customer",)
    readonly_fields = ("masked_customer",)
    inlines = (FollowUpEventInline,)
    list_select_related = ("customer", "assigned_to")


@admin.register(ContactEntry)
class ContactEntryAdmin(MaskedCustomerMixin, ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("occurred_at", "masked_customer", "channel", "direction", "staff")
    list_filter = ("channel", "direction")
    exclude = ("customer",)
    readonly_fields = ("masked_customer",)
    list_select_related = ("customer", "staff")


class SuggestionEventInline(EventStateColumns, EventReasonColumn, ReadOnlyTabularInline):
    model = SuggestionEvent
    state_models = ("marketing.Suggestion",)
    fields = ("created_at", "actor", "from_label", "to_label", "reason_text")
    readonly_fields = fields


@admin.register(Suggestion)
class SuggestionAdmin(MaskedCustomerMixin, ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("id", "created_at", "product_code", "state", "text")
    list_filter = ("state", "product_code")
    exclude = ("customer",)
    readonly_fields = ("masked_customer",)
    inlines = (SuggestionEventInline,)


@admin.register(NpsSurvey)
class NpsSurveyAdmin(LabelledFieldsMixin, MaskedCustomerMixin, ReadOnlyAdminMixin, admin.ModelAdmin):
    """The surveys, and the NPS page (trend and per product, inline SVG) at report/."""

    field_display = {"subject_ref": ref_text}

    list_display = ("sent_at", "moment", "product_code", "score", "answered_at")
    list_filter = ("moment", "product_code")
    exclude = ("customer",)
    readonly_fields = ("masked_customer",)
    change_list_template = "admin/marketing/npssurvey_change_list.html"

    def get_urls(self):
        report = self.admin_site.admin_view(require_GET(self.report_view))
        return [path("report/", report, name="marketing_npssurvey_report"), *super().get_urls()]

    def report_view(self, request):
        if not self.has_view_permission(request):
            raise PermissionDenied
        moment = request.GET.get("moment")
        moment = moment if moment in SurveyMoment.values else None
        report = selectors.nps_report(moment=moment)
        comments = (
            NpsSurvey.objects.filter(answered_at__isnull=False)
            .exclude(comment="")
            .order_by("-answered_at")
            .only("product_code", "score", "comment")[:20]
        )
        context = {
            **self.admin_site.each_context(request),
            "title": _("Net Promoter Score"),
            "report": report,
            "trend_chart": charts.trend_chart(report["by_month"]),
            "product_chart": charts.product_chart(report["by_product"]),
            "comments": comments,
        }
        return TemplateResponse(request, "admin/marketing/nps_report.html", context)


# The offer requests' and the promotion pilots' admins (registered on import).
from marketing import admin_offer_requests, admin_pilots  # noqa: E402, F401, I001
