"""Notifications API: the signed-in user's own messages (`GET /api/v1/notifications/me/`).

Every signed-in user reads only the messages sent to them (the query is filtered by the caller,
never by a parameter); anonymous callers get 401.
"""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from loanhub.api_schema import FIELD_ERRORS
from loanhub.bounds import MAX_OFFSET
from loanhub.throttling import UserRateThrottle
from notifications import selectors


class MyMessagesInputSerializer(serializers.Serializer):
    limit = serializers.IntegerField(min_value=1, max_value=200, required=False, default=50)
    offset = serializers.IntegerField(min_value=0, max_value=MAX_OFFSET, required=False, default=0)


class MyMessageSerializer(serializers.Serializer):
    """One message sent to the caller (the contract's `event`, `channel`, `sent_at`, `text`)."""

    id = serializers.IntegerField()
    event = serializers.SerializerMethodField(
        help_text="what the message is about (its dedupe key's first part)"
    )
    channel = serializers.CharField()
    sent_at = serializers.DateTimeField()
    subject = serializers.CharField()
    text = serializers.CharField(source="body")
    read_at = serializers.DateTimeField(allow_null=True)

    def get_event(self, message) -> str:
        return selectors.message_event(message)


class MyMessagesApi(APIView):
    throttle_classes = (UserRateThrottle,)

    @extend_schema(
        tags=["notifications"],
        summary="Your messages (every channel, once sent), newest first",
        operation_id="notifications_me",
        parameters=[MyMessagesInputSerializer],
        responses={200: MyMessageSerializer(many=True), 400: FIELD_ERRORS},
    )
    def get(self, request):
        params = MyMessagesInputSerializer(data=request.query_params)
        params.is_valid(raise_exception=True)
        offset, limit = params.validated_data["offset"], params.validated_data["limit"]
        rows = selectors.messages_sent_to(user=request.user)[offset : offset + limit]
        return Response(MyMessageSerializer(rows, many=True).data)
