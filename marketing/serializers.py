"""Input and output shapes of the marketing API."""

from __future__ import annotations

from django.utils.translation import gettext as _
from rest_framework import serializers

from loanhub.money import money_serializer_field
from marketing.models import MESSAGE_CHANNELS


class SegmentInputSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=120)
    rules = serializers.JSONField()


class SegmentOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    preset = serializers.CharField()
    rules = serializers.JSONField()


class CountSerializer(serializers.Serializer):
    count = serializers.IntegerField()


class ArmInputSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=40)
    template_zh = serializers.CharField(required=False, allow_blank=True)
    template_en = serializers.CharField(required=False, allow_blank=True)
    holdout = serializers.BooleanField(required=False, default=False)


class CampaignInputSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=120)
    segment = serializers.IntegerField()
    channels = serializers.ListField(
        child=serializers.ChoiceField(choices=MESSAGE_CHANNELS), allow_empty=False
    )
    template_zh = serializers.CharField()
    template_en = serializers.CharField()
    subject_zh = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    subject_en = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    offer = serializers.IntegerField(required=False, allow_null=True, help_text="A product promotion id.")
    cost = money_serializer_field(required=False, allow_null=True)
    landing_path = serializers.CharField(max_length=200, required=False, default="/products/")
    experiment_arms = ArmInputSerializer(many=True, required=False)
    pilot_regions = serializers.ListField(
        child=serializers.CharField(max_length=64),
        required=False,
        help_text="A pilot (试点): reach only members in these regions; the others are its control.",
    )
    pilot_channels = serializers.ListField(
        child=serializers.CharField(max_length=12),
        required=False,
        help_text="A pilot: send only on these of the campaign's channels (email, sms, portal).",
    )
    pilot_share = serializers.IntegerField(
        min_value=1,
        max_value=100,
        required=False,
        allow_null=True,
        help_text="A pilot: reach this % of the eligible members (stable per customer); "
        "the rest is the control.",
    )
    reward_points = serializers.IntegerField(
        min_value=0,
        max_value=100_000,
        required=False,
        default=0,
        help_text="Reward points a messaged member earns once for applying after being reached.",
    )
    send_at = serializers.DateTimeField(
        required=False, allow_null=True, help_text="Launched then by the scheduler (in the future)."
    )
    repeat_every_days = serializers.IntegerField(
        min_value=1,
        max_value=365,
        required=False,
        allow_null=True,
        help_text="A recurring campaign's interval.",
    )
    repeat_until = serializers.DateField(
        required=False, allow_null=True, help_text="The last day a recurring campaign's wave may go out."
    )


class CampaignOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    segment = serializers.IntegerField(source="segment_id")
    channels = serializers.ListField(child=serializers.CharField())
    state = serializers.CharField()
    offer = serializers.IntegerField(source="promotion_id", allow_null=True)
    code = serializers.CharField()
    launched_at = serializers.DateTimeField(allow_null=True)
    skipped = serializers.JSONField()
    pilot_regions = serializers.ListField(child=serializers.CharField())
    pilot_channels = serializers.ListField(child=serializers.CharField())
    pilot_share = serializers.IntegerField(allow_null=True)
    reward_points = serializers.IntegerField()
    send_at = serializers.DateTimeField(allow_null=True)
    repeat_every_days = serializers.IntegerField(allow_null=True)
    repeat_until = serializers.DateField(allow_null=True)
    wave_of = serializers.IntegerField(source="wave_of_id", allow_null=True)


class RecipientSerializer(serializers.Serializer):
    customer = serializers.IntegerField()
    name = serializers.CharField(help_text="Masked.")
    arm = serializers.CharField()
    holdout = serializers.BooleanField()
    channels = serializers.ListField(child=serializers.CharField())
    reached_at = serializers.DateTimeField()


class ExperimentSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    campaign = serializers.IntegerField(source="campaign_id")
    arms = serializers.JSONField()


class ArmResultSerializer(serializers.Serializer):
    name = serializers.CharField()
    assigned = serializers.IntegerField()
    converted = serializers.IntegerField()
    rate = serializers.FloatField()


class ExperimentResultsSerializer(serializers.Serializer):
    experiment = serializers.IntegerField()
    metric = serializers.CharField()
    arms = ArmResultSerializer(many=True)
    srm_p_value = serializers.FloatField(allow_null=True)
    srm_flag = serializers.BooleanField()
    control = serializers.CharField()
    difference = serializers.FloatField(allow_null=True)
    ci_low = serializers.FloatField(allow_null=True)
    ci_high = serializers.FloatField(allow_null=True)
    p_value = serializers.FloatField(allow_null=True)
    comparisons = serializers.JSONField()


class FunnelSerializer(serializers.Serializer):
    campaign = serializers.IntegerField()
    stages = serializers.JSONField()
    cost = money_serializer_field(allow_null=True)
    cost_per_disbursed = money_serializer_field(allow_null=True)
    revenue = money_serializer_field(
        help_text="Interest, penalty interest and fees collected so far on the disbursed loans"
    )
    skipped = serializers.JSONField()
    pilot = serializers.JSONField(
        allow_null=True,
        help_text="A pilot's funnel beside its control's: {regions, channels, share, randomised, "
        "pilot: [stages], control: [stages]}; null for a campaign that is no pilot.",
    )


class FunnelRowSerializer(serializers.Serializer):
    key = serializers.CharField()
    label = serializers.CharField()
    stages = serializers.JSONField()


class AttributionRowSerializer(serializers.Serializer):
    key = serializers.CharField()
    applications = serializers.FloatField()


class ExperimentPlanInputSerializer(serializers.Serializer):
    """The power plan of an experiment before launch: the control's expected rate and the smallest
    absolute lift worth detecting (the minimum detectable effect)."""

    baseline = serializers.FloatField(
        min_value=0.0001, max_value=0.9999, help_text="Expected rate, e.g. 0.05"
    )
    mde = serializers.FloatField(
        min_value=0.0001, max_value=0.9999, help_text="Minimum detectable absolute lift, e.g. 0.01"
    )
    arms = serializers.IntegerField(min_value=2, max_value=10, default=2)
    alpha = serializers.FloatField(min_value=0.001, max_value=0.2, default=0.05)
    power = serializers.FloatField(min_value=0.5, max_value=0.99, default=0.8)

    def validate(self, attrs):
        if attrs["baseline"] + attrs["mde"] >= 1:
            raise serializers.ValidationError({"mde": [_("baseline + mde must stay below 1.")]})
        return attrs


class ExperimentPlanSerializer(serializers.Serializer):
    baseline = serializers.FloatField()
    mde = serializers.FloatField()
    arms = serializers.IntegerField()
    alpha = serializers.FloatField()
    power = serializers.FloatField()
    per_arm = serializers.IntegerField(help_text="Members each arm needs (two-sided test, equal arms)")
    total = serializers.IntegerField()
