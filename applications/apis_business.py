"""The business rating of an application: the qualitative assessment form and answers, and grade
overrides (a second person decides). The rules are `applications.services.business`'."""

from __future__ import annotations

from django.utils.translation import get_language
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from applications import permissions as perms
from applications import selectors, services
from applications.services.base import ApplicationPermissionError
from loanhub.api_schema import FIELD_ERRORS, detail_response
from products.choices import RISK_GRADES
from risk.business import services as rating_services

ERRORS = {
    400: FIELD_ERRORS,
    403: detail_response("Only a Loan Officer (a Senior Approver for an override's decision)."),
    404: detail_response("No such application, or not the caller's."),
    409: detail_response("The application is not awaiting an assessment, or has no business data."),
}

INDICATOR = inline_serializer(
    name="BusinessRatingIndicatorOut",
    fields={
        "code": serializers.CharField(),
        "kind": serializers.ChoiceField(choices=["quantitative", "qualitative"]),
        "label": serializers.CharField(),
        "value": serializers.CharField(allow_null=True, help_text="The ratio, fact or chosen answer."),
        "value_label": serializers.CharField(allow_null=True),
        "points": serializers.IntegerField(help_text="0 to 100."),
        "weight": serializers.CharField(),
    },
)
RATING_FIELDS = {
    "quantitative_score": serializers.DecimalField(max_digits=5, decimal_places=2),
    "qualitative_score": serializers.DecimalField(max_digits=5, decimal_places=2),
    "grade": serializers.ChoiceField(choices=RISK_GRADES, help_text="The grade in force (prices the offer)."),
    "pd": serializers.DecimalField(max_digits=7, decimal_places=6),
    "rubric_version": serializers.IntegerField(),
}
# Staff also see how the rating was reached; the customer sees the summary above.
RATING_STAFF_FIELDS = {
    "score": serializers.DecimalField(max_digits=5, decimal_places=2, required=False),
    "model_grade": serializers.ChoiceField(choices=RISK_GRADES, required=False),
    "personal_grade": serializers.CharField(
        allow_null=True, required=False, help_text="Sole proprietors: the owner's personal grade."
    ),
    "override": serializers.JSONField(required=False, help_text="{status, grade, reason}"),
    "indicators": INDICATOR.__class__(many=True, required=False),
    "assessed_at": serializers.DateTimeField(required=False),
}
RATING = inline_serializer(
    name="BusinessRatingOut",
    fields={**RATING_FIELDS, **RATING_STAFF_FIELDS},
    allow_null=True,
)
FORM = inline_serializer(
    name="QualitativeAssessmentFormOut",
    fields={
        "rubric_version": serializers.IntegerField(),
        "indicators": inline_serializer(
            name="QualitativeIndicatorOut",
            many=True,
            fields={
                "code": serializers.CharField(),
                "label": serializers.CharField(),
                "choices": inline_serializer(
                    name="QualitativeChoiceOut",
                    many=True,
                    fields={"code": serializers.CharField(), "label": serializers.CharField()},
                ),
            },
        ),
    },
)


def rating_summary(application, *, staff: bool) -> dict | None:
    """`rating` of the application's API answer: None unless a business customer's was rated."""
    rating = services.rating_for(application)
    if rating is None:
        return None
    payload = rating_services.rating_payload(rating, language=get_language() or "zh-hans")
    if staff:
        return payload
    return {k: payload[k] for k in RATING_FIELDS}


def assessment_form(*, language: str) -> dict:
    rubric = rating_services.rubric_published()
    key = "label_zh" if language.startswith("zh") else "label_en"
    return {
        "rubric_version": rubric.version,
        "indicators": [
            {
                "code": spec["code"],
                "label": spec[key],
                "choices": [{"code": c["code"], "label": c[key]} for c in spec["choices"]],
            }
            for spec in rubric.definition["qualitative"]
        ],
    }


def _officer_application(request, pk: int, *, senior: bool = False):
    application = selectors.application_get_for(user=request.user, application_id=pk)
    if not perms.may_decide(request.user) or (senior and not perms.may_senior_approve(request.user)):
        raise ApplicationPermissionError(
            _("only a Senior Approver may decide on a grade override")
            if senior
            else _("only a Loan Officer may assess a business")
        )
    return application


class AssessmentInputSerializer(serializers.Serializer):
    answers = serializers.DictField(
        child=serializers.CharField(max_length=40), help_text='{"indicator_code": "choice_code", …}'
    )


class OverrideInputSerializer(serializers.Serializer):
    grade = serializers.ChoiceField(choices=RISK_GRADES)
    reason = serializers.CharField(max_length=2000)


class OverrideDecisionInputSerializer(serializers.Serializer):
    decision = serializers.ChoiceField(choices=["approve", "reject"])
    reason = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")


def _rating_answer(application) -> Response:
    return Response(rating_summary(application, staff=True))


class ApplicationQualitativeAssessmentApi(APIView):
    @extend_schema(
        operation_id="applications_qualitative_assessment_form",
        summary="The qualitative assessment form of the published rubric (Loan Officer)",
        responses={200: FORM, **{k: v for k, v in ERRORS.items() if k != 400}},
    )
    def get(self, request, pk: int):
        _officer_application(request, pk)
        return Response(assessment_form(language=get_language() or "zh-hans"))

    @extend_schema(
        operation_id="applications_qualitative_assessment",
        summary="Assess the business: the answers are scored and the rating prices the offer (Loan Officer)",
        request=AssessmentInputSerializer,
        responses={200: RATING, **ERRORS},
    )
    def post(self, request, pk: int):
        application = _officer_application(request, pk)
        serializer = AssessmentInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.application_assess_business(
            application=application, actor=request.user, answers=serializer.validated_data["answers"]
        )
        return _rating_answer(application)


class ApplicationGradeOverrideApi(APIView):
    @extend_schema(
        operation_id="applications_grade_override",
        summary="Ask for another grade, with a reason (Loan Officer; a second person decides)",
        request=OverrideInputSerializer,
        responses={200: RATING, **ERRORS},
    )
    def post(self, request, pk: int):
        application = _officer_application(request, pk)
        serializer = OverrideInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.application_request_grade_override(
            application=application, actor=request.user, **serializer.validated_data
        )
        return _rating_answer(application)


class ApplicationGradeOverrideDecideApi(APIView):
    @extend_schema(
        operation_id="applications_grade_override_decide",
        summary="Approve or reject a pending grade override (a Senior Approver, not who asked)",
        request=OverrideDecisionInputSerializer,
        responses={200: RATING, **ERRORS},
    )
    def post(self, request, pk: int):
        application = _officer_application(request, pk, senior=True)
        serializer = OverrideDecisionInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        services.application_decide_grade_override(
            application=application,
            actor=request.user,
            approve=data["decision"] == "approve",
            reason=data["reason"],
        )
        return _rating_answer(application)
