"""Admin for marketing managers: segments and campaigns (launched through the service), and the
read-only records (recipients, touches, attributions, runs). Auditors read."""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _

from loanhub.admin_readonly import ReadOnlyAdminMixin, ReadOnlyTabularInline
from loanhub.errors import DomainError
from marketing import rules, services
from marketing.models import (
    MESSAGE_CHANNELS,
    Attribution,
    Campaign,
    CampaignEvent,
    Experiment,
    Segment,
    SegmentRun,
    Touch,
)


class SegmentForm(forms.ModelForm):
    class Meta:
        model = Segment
        fields = ("name", "rules")

    def clean_rules(self):
        value = self.cleaned_data["rules"]
        errors = rules.rules_errors(value)
        if errors:
            raise forms.ValidationError([f"{key}: {' '.join(messages)}" for key, messages in errors.items()])
        return value


class CampaignForm(forms.ModelForm):
    class Meta:
        model = Campaign
        fields = (
            "name",
            "segment",
            "channels",
            "subject_zh",
            "subject_en",
            "template_zh",
            "template_en",
            "promotion",
            "landing_path",
            "cost",
        )

    def clean(self):
        cleaned = super().clean()
        errors: dict = {}
        for field in ("template_zh", "template_en"):
            if field in cleaned:
                services.check_template(cleaned[field], field, errors)
        for field, messages_ in errors.items():
            self.add_error(field, messages_)
        return cleaned

    def clean_channels(self):
        value = self.cleaned_data["channels"]
        if not isinstance(value, list) or not value or not set(value) <= set(MESSAGE_CHANNELS):
            raise forms.ValidationError(_("Choose one or more of: email, sms, portal."))
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
    list_display = ("name", "preset", "created_at")
    readonly_fields = ("preset", "created_by", "preview")
    fields = ("name", "rules", "preset", "created_by", "preview")

    @admin.display(description=_("members now"))
    def preview(self, obj):
        return len(rules.evaluate(obj.rules)) if obj and obj.pk else "—"

    def save_model(self, request, obj, form, change):
        if not change:
            obj.created_by = request.user
        super().save_model(request, obj, form, change)


class CampaignEventInline(ReadOnlyTabularInline):
    model = CampaignEvent
    fields = ("created_at", "actor", "from_state", "to_state", "reason", "payload")
    readonly_fields = fields


class ExperimentInline(admin.StackedInline):
    model = Experiment
    form = ExperimentForm
    extra = 0
    can_delete = False


@admin.register(Campaign)
class CampaignAdmin(admin.ModelAdmin):
    form = CampaignForm
    list_display = ("name", "segment", "state", "launched_at", "cost")
    list_filter = ("state",)
    readonly_fields = ("state", "segment_run", "launched_at", "skipped", "created_by")
    raw_id_fields = ("promotion",)
    inlines = (ExperimentInline, CampaignEventInline)
    actions = ("launch",)

    def get_readonly_fields(self, request, obj=None):
        if obj is not None and obj.state != "draft":
            return [f.name for f in self.model._meta.concrete_fields]
        return self.readonly_fields

    def save_model(self, request, obj, form, change):
        if not change:
            obj.created_by = request.user
        super().save_model(request, obj, form, change)

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
    list_display = ("occurred_at", "kind", "channel", "campaign", "customer", "utm_source", "partner_code")
    list_filter = ("kind", "channel")


@admin.register(Attribution)
class AttributionAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("application", "customer", "first_touch", "last_touch", "partner_code", "created_at")
