"""POST /api/v1/applications/{id}/request-review/: the customer asks a person to review an
automated decline (PIPL arts. 24 and 55). The rules are `applications.services.reviews`'."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from applications import selectors, services
from applications.apis import ERRORS, IDEMPOTENCY_PARAMETER, _respond
from applications.services.reviews import TEXT_MAX_LENGTH
from loanhub.idempotency import idempotent


class RequestReviewInputSerializer(serializers.Serializer):
    reason = serializers.CharField(
        max_length=TEXT_MAX_LENGTH, help_text="Why the customer asks for a person to look again."
    )


REVIEW = inline_serializer(
    name="ReviewRequestOut",
    fields={
        "id": serializers.IntegerField(),
        "application": serializers.IntegerField(),
        "state": serializers.CharField(help_text="The application's state now."),
        "decision": serializers.IntegerField(),
        "reviewed_state": serializers.CharField(),
        "reason": serializers.CharField(),
        "requested_at": serializers.DateTimeField(),
        "status": serializers.ChoiceField(choices=["pending", "upheld", "overturned"]),
        "status_label": serializers.CharField(),
        "explanation": serializers.CharField(),
        "decided_at": serializers.DateTimeField(allow_null=True),
        "decided_by": serializers.CharField(allow_null=True),
    },
)


class ApplicationRequestReviewApi(APIView):
    @extend_schema(
        operation_id="applications_request_review",
        summary="Ask for a human review of an automated decline (the customer; once per decision)",
        parameters=[IDEMPOTENCY_PARAMETER],
        request=RequestReviewInputSerializer,
        responses={201: REVIEW, **ERRORS},
    )
    def post(self, request, pk: int):
        def handler() -> Response:
            application = selectors.application_get_for(user=request.user, application_id=pk)
            services.review_check_requester(application=application, actor=request.user)
            serializer = RequestReviewInputSerializer(data=request.data)
            serializer.is_valid(raise_exception=True)
            services.application_request_review(
                application=application, actor=request.user, reason=serializer.validated_data["reason"]
            )
            application = selectors.application_get_for(user=request.user, application_id=pk)
            summary = selectors.application_review_summary(application=application, staff=False)
            body = {"application": application.pk, "state": application.state, **summary}
            return _respond(body, status.HTTP_201_CREATED)

        return idempotent(request, handler)
