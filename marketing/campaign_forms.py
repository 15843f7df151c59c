"""The admin's campaign form (marketing.admin). Its fields are also what a recurring campaign's
next wave copies (marketing.scheduling.WAVE_FIELDS), so the two cannot drift apart."""

from __future__ import annotations

from django import forms
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from marketing import personalise, services
from marketing.models import MESSAGE_CHANNELS, Campaign


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
            "reward_points",
            "pilot_regions",
            "pilot_channels",
            "pilot_share",
            "send_at",
            "repeat_every_days",
            "repeat_until",
        )
        # The placeholders are code, the same in every language (marketing.personalise).
        help_texts = dict.fromkeys(
            ("template_zh", "template_en"),
            format_lazy(
                "{} <code>{}</code>",
                _("Filled for each recipient in their language:"),
                " ".join("{{ " + name + " }}" for name in personalise.PLACEHOLDERS),
            ),
        )

    def clean(self):
        cleaned = super().clean()
        errors: dict = {}
        from marketing import scheduling  # scheduling derives its wave fields from this form

        if set(scheduling.SCHEDULE_FIELDS) & set(self.changed_data):
            errors.update(
                scheduling.schedule_errors(
                    cleaned.get("send_at"), cleaned.get("repeat_every_days"), cleaned.get("repeat_until")
                )
            )
        for field in ("template_zh", "template_en"):
            if field in cleaned:
                services.check_template(cleaned[field], field, errors)
        for field in ("subject_zh", "subject_en"):
            services.check_template(cleaned.get(field), field, errors, required=False)
        services.pilot_errors(
            cleaned.get("pilot_regions"),
            cleaned.get("pilot_channels"),
            cleaned.get("pilot_share"),
            channels=cleaned.get("channels"),
            errors=errors,
        )
        for field, messages_ in errors.items():
            self.add_error(field, messages_)
        return cleaned

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "reward_points" in self.fields:
            self.fields["reward_points"].required = False

    def clean_reward_points(self):
        return self.cleaned_data.get("reward_points") or 0

    def clean_pilot_regions(self):
        return self.cleaned_data.get("pilot_regions") or []

    def clean_pilot_channels(self):
        return self.cleaned_data.get("pilot_channels") or []

    def clean_channels(self):
        value = self.cleaned_data["channels"]
        if not isinstance(value, list) or not value or not set(value) <= set(MESSAGE_CHANNELS):
            raise forms.ValidationError(_("Choose one or more of: email, sms, portal."))
        return value
