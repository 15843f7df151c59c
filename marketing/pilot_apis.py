"""API of promotion pilots (试点, marketing.pilots): list, draft, read, start and end them.

Marketing Managers only (`marketing.change_promotionpilot`): other staff and customers get 403,
anonymous callers 401. The workflow is marketing.pilots' (its services check the permission again).
"""

from __future__ import annotations

from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from loanhub.api_schema import FIELD_ERRORS, detail_response
from loanhub.errors import Forbidden
from loanhub.permissions import may
from marketing import pilots, selectors
from marketing.apis import FORBIDDEN, NOT_FOUND, object_or_not_found
from marketing.models import PromotionPilot, Segment
from products.choices import Channel

PERMISSION = "marketing.change_promotionpilot"
CONFLICT = detail_response("The pilot is not in a state that allows this, or its promotion runs another.")


class PilotInputSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=120)
    product = serializers.CharField(max_length=32, help_text="The product's code.")
    promotion = serializers.CharField(max_length=32, help_text="The code of one of the product's promotions.")
    segment = serializers.IntegerField(help_text="The segment of eligible customers.")
    regions = serializers.ListField(child=serializers.CharField(max_length=64), required=False)
    channels = serializers.ListField(
        child=serializers.ChoiceField(choices=Channel.choices),
        required=False,
        help_text="Sales channels: the pilot group is the members who came through one of them.",
    )
    share = serializers.IntegerField(min_value=1, max_value=100, required=False, allow_null=True)


class PilotOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    product = serializers.CharField(source="product_code")
    promotion = serializers.CharField(source="promotion_code")
    segment = serializers.IntegerField(source="segment_id")
    regions = serializers.ListField(child=serializers.CharField())
    channels = serializers.ListField(child=serializers.CharField())
    share = serializers.IntegerField(allow_null=True)
    state = serializers.CharField()
    randomised = serializers.BooleanField(help_text="Only a share split alone makes the control random.")
    started_at = serializers.DateTimeField(allow_null=True)
    ended_at = serializers.DateTimeField(allow_null=True)


class PilotDetailSerializer(PilotOutputSerializer):
    comparison = serializers.JSONField(
        allow_null=True, help_text="The pilot's funnel beside the control's (once started)."
    )


class PilotApi(APIView):
    """Authenticated callers (the default permission), then the Marketing Manager's pilots."""

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        if not may(request.user, PERMISSION):
            raise Forbidden(_("Your role may not pilot promotions."))


def _detail(pilot: PromotionPilot) -> dict:
    pilot.comparison = None if pilot.started_at is None else selectors.promotion_pilot_comparison(pilot=pilot)
    return PilotDetailSerializer(pilot).data


class PilotListApi(PilotApi):
    @extend_schema(
        tags=["marketing"],
        operation_id="marketing_pilots_list",
        responses={200: PilotOutputSerializer(many=True), 403: FORBIDDEN},
        summary="The promotion pilots, newest first (Marketing Manager)",
    )
    def get(self, request):
        return Response(PilotOutputSerializer(PromotionPilot.objects.order_by("-id"), many=True).data)

    @extend_schema(
        tags=["marketing"],
        operation_id="marketing_pilots_create",
        request=PilotInputSerializer,
        responses={201: PilotDetailSerializer, 400: FIELD_ERRORS, 403: FORBIDDEN, 404: NOT_FOUND},
        summary="Draft a pilot of a product's promotion, limited by region, sales channel or share",
    )
    def post(self, request):
        serializer = PilotInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        pilot = pilots.promotion_pilot_create(
            actor=request.user,
            name=data["name"],
            product_code=data["product"],
            promotion_code=data["promotion"],
            segment=object_or_not_found(Segment, data["segment"]),
            regions=data.get("regions"),
            channels=data.get("channels"),
            share=data.get("share"),
        )
        return Response(_detail(pilot), status=status.HTTP_201_CREATED)


class PilotDetailApi(PilotApi):
    @extend_schema(
        tags=["marketing"],
        operation_id="marketing_pilots_read",
        responses={200: PilotDetailSerializer, 403: FORBIDDEN, 404: NOT_FOUND},
        summary="A promotion pilot, with its funnel beside the control's once started",
    )
    def get(self, request, pk: int):
        return Response(_detail(object_or_not_found(PromotionPilot, pk)))


class PilotStartApi(PilotApi):
    @extend_schema(
        tags=["marketing"],
        operation_id="marketing_pilots_start",
        request=None,
        responses={200: PilotDetailSerializer, 403: FORBIDDEN, 404: NOT_FOUND, 409: CONFLICT},
        summary="Start the pilot: snapshot the segment and split it into the pilot group and the control",
    )
    def post(self, request, pk: int):
        pilot = object_or_not_found(PromotionPilot, pk)
        return Response(_detail(pilots.promotion_pilot_start(pilot=pilot, actor=request.user)))


class PilotEndApi(PilotApi):
    @extend_schema(
        tags=["marketing"],
        operation_id="marketing_pilots_end",
        request=None,
        responses={200: PilotDetailSerializer, 403: FORBIDDEN, 404: NOT_FOUND, 409: CONFLICT},
        summary="End the pilot: ending rolls the promotion out to every eligible customer",
        description=(
            "Ending rolls the promotion out to every eligible customer: it is no longer limited to the "
            "pilot group, and the control (and anyone else the promotion's own segments and dates "
            "admit) is priced with it from then on. It cannot be undone; to withdraw the promotion, a "
            "product manager removes it from the product in a new version."
        ),
    )
    def post(self, request, pk: int):
        pilot = object_or_not_found(PromotionPilot, pk)
        return Response(_detail(pilots.promotion_pilot_end(pilot=pilot, actor=request.user)))
