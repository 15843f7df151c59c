"""Marketing API under /api/v1/marketing/: segments, campaigns, experiments, funnel, attribution.

Staff who may view marketing (`marketing.view_campaign`: marketing managers and auditors, and the
roles that view every business app) read; marketing managers write (the services check
`marketing.add_*` / `marketing.change_campaign`). Customers get 403, anonymous callers 401.
"""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status
from rest_framework.response import Response
from rest_framework.views import APIView

from loanhub.api_schema import FIELD_ERRORS, detail_response
from loanhub.errors import Forbidden
from loanhub.permissions import may
from marketing import attribution, rules, scheduling, selectors, services, stats
from marketing import serializers as s
from marketing.errors import MarketingInvalid, MarketingNotFound
from marketing.models import Campaign, Experiment, Segment

VIEW = "marketing.view_campaign"
FORBIDDEN = detail_response("Not allowed for the caller's role.")
NOT_FOUND = detail_response("No such object.")


class MarketingApi(APIView):
    """Authenticated callers only (the default permission), then the marketing view permission."""

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        if not may(request.user, VIEW):
            raise Forbidden(_("You may not use the marketing tools."))


def object_or_not_found(model, pk: int):
    """The marketing object `pk` of `model`, or MarketingNotFound (404)."""
    obj = model.objects.filter(pk=pk).first()
    if obj is None:
        raise MarketingNotFound(_("Not found."))
    return obj


class SegmentListApi(MarketingApi):
    @extend_schema(
        tags=["marketing"],
        operation_id="marketing_segments_list",
        responses={200: s.SegmentOutputSerializer(many=True), 403: FORBIDDEN},
        summary="The preset and saved segments",
    )
    def get(self, request):
        return Response(s.SegmentOutputSerializer(selectors.segment_list(), many=True).data)

    @extend_schema(
        tags=["marketing"],
        operation_id="marketing_segments_create",
        request=s.SegmentInputSerializer,
        responses={201: s.SegmentOutputSerializer, 400: FIELD_ERRORS, 403: FORBIDDEN},
        summary="Save a segment rule (Marketing Manager)",
    )
    def post(self, request):
        if not may(request.user, "marketing.add_segment"):
            raise Forbidden(_("Your role may not create segments."))
        serializer = s.SegmentInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        segment = services.segment_create(actor=request.user, **serializer.validated_data)
        return Response(s.SegmentOutputSerializer(segment).data, status=status.HTTP_201_CREATED)


class SegmentPreviewApi(MarketingApi):
    @extend_schema(
        tags=["marketing"],
        operation_id="marketing_segments_preview",
        responses={200: s.CountSerializer, 403: FORBIDDEN, 404: NOT_FOUND},
        summary="How many customers the segment selects now",
    )
    def get(self, request, pk: int):
        segment = object_or_not_found(Segment, pk)
        return Response({"count": len(rules.evaluate(segment.rules))})


class CampaignListApi(MarketingApi):
    @extend_schema(
        tags=["marketing"],
        operation_id="marketing_campaigns_list",
        responses={200: s.CampaignOutputSerializer(many=True), 403: FORBIDDEN},
        summary="Campaigns, newest first",
    )
    def get(self, request):
        return Response(s.CampaignOutputSerializer(selectors.campaign_list()[:200], many=True).data)

    @extend_schema(
        tags=["marketing"],
        operation_id="marketing_campaigns_create",
        request=s.CampaignInputSerializer,
        responses={201: s.CampaignOutputSerializer, 400: FIELD_ERRORS, 403: FORBIDDEN},
        summary="A draft campaign for a segment, with an optional offer and A/B arms (Marketing Manager)",
    )
    def post(self, request):
        if not may(request.user, "marketing.add_campaign"):
            raise Forbidden(_("Your role may not create campaigns."))
        serializer = s.CampaignInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        segment = Segment.objects.filter(pk=data.pop("segment")).first()
        if segment is None:
            raise MarketingInvalid({"segment": [_("No such segment.")]})
        promotion = None
        offer = data.pop("offer", None)
        if offer is not None:
            from products.selectors import promotion_get

            promotion = promotion_get(promotion_id=offer)
            if promotion is None:
                raise MarketingInvalid({"offer": [_("No such promotion.")]})
        arms = data.pop("experiment_arms", None)
        schedule = {name: data.pop(name, None) for name in ("send_at", "repeat_every_days", "repeat_until")}
        if errors := scheduling.schedule_errors(**schedule):
            raise MarketingInvalid(errors)
        with transaction.atomic():
            campaign = services.campaign_create(
                actor=request.user,
                segment=segment,
                promotion=promotion,
                experiment_arms=[dict(arm) for arm in arms] if arms else None,
                **data,
            )
            if schedule["send_at"] is not None:
                campaign = scheduling.campaign_schedule(campaign=campaign, actor=request.user, **schedule)
        return Response(s.CampaignOutputSerializer(campaign).data, status=status.HTTP_201_CREATED)


class CampaignLaunchApi(MarketingApi):
    @extend_schema(
        tags=["marketing"],
        operation_id="marketing_campaigns_launch",
        request=None,
        responses={
            200: s.CampaignOutputSerializer,
            403: FORBIDDEN,
            404: NOT_FOUND,
            409: detail_response("Only a draft campaign can be launched; `state` is its state."),
        },
        summary="Launch: snapshot the segment and send to its consenting members",
    )
    def post(self, request, pk: int):
        campaign = object_or_not_found(Campaign, pk)
        campaign = services.campaign_launch(campaign=campaign, actor=request.user)
        return Response(s.CampaignOutputSerializer(campaign).data)


class CampaignRecipientsApi(MarketingApi):
    @extend_schema(
        tags=["marketing"],
        operation_id="marketing_campaigns_recipients",
        responses={200: s.RecipientSerializer(many=True), 403: FORBIDDEN, 404: NOT_FOUND},
        summary="The customers the campaign reached (ids and masked names)",
    )
    def get(self, request, pk: int):
        campaign = object_or_not_found(Campaign, pk)
        return Response(s.RecipientSerializer(selectors.recipient_list(campaign=campaign), many=True).data)


class CampaignFunnelApi(MarketingApi):
    @extend_schema(
        tags=["marketing"],
        operation_id="marketing_campaigns_funnel",
        responses={200: s.FunnelSerializer, 403: FORBIDDEN, 404: NOT_FOUND},
        summary="reached → visited → quoted → applied → approved → disbursed → on time after 3 months, "
        "and the cost per disbursed loan",
    )
    def get(self, request, pk: int):
        campaign = object_or_not_found(Campaign, pk)
        return Response(s.FunnelSerializer(selectors.campaign_funnel(campaign=campaign)).data)


class ExperimentListApi(MarketingApi):
    @extend_schema(
        tags=["marketing"],
        operation_id="marketing_experiments_list",
        responses={200: s.ExperimentSerializer(many=True), 403: FORBIDDEN},
        summary="Experiments (A/B splits of campaigns)",
    )
    def get(self, request):
        return Response(s.ExperimentSerializer(Experiment.objects.order_by("-id")[:200], many=True).data)


class ExperimentResultsApi(MarketingApi):
    @extend_schema(
        tags=["marketing"],
        operation_id="marketing_experiments_results",
        responses={200: s.ExperimentResultsSerializer, 403: FORBIDDEN, 404: NOT_FOUND},
        summary="Arms, sample-ratio check, two-proportion test with its interval (Holm over arms)",
    )
    def get(self, request, pk: int):
        experiment = object_or_not_found(Experiment, pk)
        return Response(
            s.ExperimentResultsSerializer(selectors.experiment_results(experiment=experiment)).data
        )


class ExperimentPlanApi(MarketingApi):
    @extend_schema(
        tags=["marketing"],
        operation_id="marketing_experiments_plan",
        parameters=[s.ExperimentPlanInputSerializer],
        responses={200: s.ExperimentPlanSerializer, 400: FIELD_ERRORS, 403: FORBIDDEN},
        summary="Before launch: the members each arm needs to detect the minimum detectable effect",
    )
    def get(self, request):
        serializer = s.ExperimentPlanInputSerializer(data=request.query_params)
        serializer.is_valid(raise_exception=True)
        plan = serializer.validated_data
        per_arm = stats.sample_size_per_arm(
            plan["baseline"], plan["mde"], alpha=plan["alpha"], power=plan["power"]
        )
        return Response(
            s.ExperimentPlanSerializer({**plan, "per_arm": per_arm, "total": per_arm * plan["arms"]}).data
        )


class FunnelReportApi(MarketingApi):
    @extend_schema(
        tags=["marketing"],
        operation_id="marketing_funnel_report",
        parameters=[OpenApiParameter("by", OpenApiTypes.STR, enum=list(selectors.FUNNEL_GROUPINGS))],
        responses={200: s.FunnelRowSerializer(many=True), 400: FIELD_ERRORS, 403: FORBIDDEN},
        summary="The funnel over the launched campaigns by campaign, channel, segment or pilot vs control",
    )
    def get(self, request):
        by = request.query_params.get("by", "channel")
        if by not in selectors.FUNNEL_GROUPINGS:
            raise MarketingInvalid({"by": [_("campaign, channel, segment or pilot.")]})
        return Response(s.FunnelRowSerializer(selectors.funnel_report(by=by), many=True).data)


class AttributionApi(MarketingApi):
    @extend_schema(
        tags=["marketing"],
        operation_id="marketing_attribution",
        parameters=[
            OpenApiParameter("model", OpenApiTypes.STR, enum=list(attribution.MODELS)),
            OpenApiParameter("by", OpenApiTypes.STR, enum=["channel", "campaign"]),
        ],
        responses={200: s.AttributionRowSerializer(many=True), 400: FIELD_ERRORS, 403: FORBIDDEN},
        summary="Submitted applications credited by channel or campaign under an attribution model",
    )
    def get(self, request):
        model = request.query_params.get("model", "last_touch")
        by = request.query_params.get("by", "channel")
        errors = {}
        if model not in attribution.MODELS:
            errors["model"] = [_("One of: %(models)s.") % {"models": ", ".join(attribution.MODELS)}]
        if by not in ("channel", "campaign"):
            errors["by"] = [_("channel or campaign.")]
        if errors:
            raise MarketingInvalid(errors)
        rows = selectors.attribution_report(model=model, by=by)
        return Response(s.AttributionRowSerializer(rows, many=True).data)
