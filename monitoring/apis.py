"""Monitoring API: the portfolio of a date, month-end roll rates, cure rates and five-tier class
migration, vintage curves, model monitoring (PSI, calibration, approval rates and score
distribution), concentration and early warnings.

Read from the aggregates close of business leaves behind (`monitoring.services`), never from the
loans. Staff who may view monitoring (`monitoring.view_portfolioday`: loan officers, senior
approvers, risk analysts, product managers, auditors); customers get 403, anonymous callers 401.
"""

from __future__ import annotations

from django.conf import settings
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from loanhub import clock
from loanhub.api_schema import FIELD_ERRORS, detail_response
from loanhub.errors import Forbidden, NotFound
from loanhub.permissions import may
from loanhub.throttling import UserRateThrottle
from monitoring import early_warning, score_bands, selectors
from monitoring.serializers import (
    CalibrationSerializer,
    ClassificationMigrationSerializer,
    ConcentrationSerializer,
    CureRatesSerializer,
    DecisionsInputSerializer,
    DecisionsSerializer,
    EarlyWarningInputSerializer,
    EarlyWarningSerializer,
    EarlyWarningTransitionInputSerializer,
    MonthInputSerializer,
    PortfolioInputSerializer,
    PortfolioSerializer,
    PsiInputSerializer,
    PsiSerializer,
    RollRatesInputSerializer,
    RollRatesSerializer,
    ScoreDistributionSerializer,
    VintagesSerializer,
    WarningPerformanceInputSerializer,
    WarningPerformanceSerializer,
)

VIEW = "monitoring.view_portfolioday"
FORBIDDEN = detail_response("Not allowed for the caller's role.")


class MonitoringApi(APIView):
    """Authenticated callers only (the default permission), then the monitoring permission."""

    throttle_classes = (UserRateThrottle,)

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        if not may(request.user, VIEW):
            raise Forbidden(_("You may not read the monitoring figures."))


# The figures of one period (a business date or a month), as each period endpoint serves them:
# validate the query with `input_serializer`, take the period it names in `period_field` or else
# `latest()` (the last period with figures), read `figures(period, params)`, 404 with `not_found`
# when there are none (nothing monitored yet, or not for that period), else answer them through
# `output_serializer`. Without a period field (`period_field = None`) it answers for `latest()`
# and 404s while nothing is monitored. A comment, not a docstring: the OpenAPI description stays
# MonitoringApi's; each subclass gives its schema with `extend_schema_view(get=...)`.
class PeriodFiguresApi(MonitoringApi):
    input_serializer: type[serializers.Serializer]
    output_serializer: type[serializers.Serializer]
    period_field: str | None = None
    not_found = ""

    def latest(self):
        raise NotImplementedError

    def figures(self, period, params: dict):
        raise NotImplementedError

    def get(self, request):
        params = self.input_serializer(data=request.query_params)
        params.is_valid(raise_exception=True)
        data = params.validated_data
        period = (data.get(self.period_field) if self.period_field else None) or self.latest()
        figures = self.figures(period, data) if period else None
        if figures is None:
            raise NotFound(str(self.not_found))
        return Response(self.output_serializer(figures).data)


@extend_schema_view(
    get=extend_schema(
        tags=["monitoring"],
        summary="The book at the end of a business date: balances by bucket and class, reserve, ratios",
        operation_id="monitoring_portfolio",
        parameters=[
            OpenApiParameter(
                "as_of", OpenApiTypes.DATE, description="YYYY-MM-DD (default the last date monitored)"
            )
        ],
        responses={
            200: PortfolioSerializer,
            400: FIELD_ERRORS,
            403: FORBIDDEN,
            404: detail_response("No figures for the date (not closed, or not monitored yet)."),
        },
    )
)
class PortfolioApi(PeriodFiguresApi):
    input_serializer, output_serializer = PortfolioInputSerializer, PortfolioSerializer
    period_field = "as_of"
    not_found = gettext_lazy("No monitoring figures for that date.")

    def latest(self):
        return selectors.latest_portfolio_date()

    def figures(self, period, params):
        return selectors.portfolio_on(period)


@extend_schema_view(
    get=extend_schema(
        tags=["monitoring"],
        summary="Roll rates of a month: bucket at the previous month end → bucket at this month end",
        operation_id="monitoring_roll_rates",
        parameters=[
            OpenApiParameter(
                "month", OpenApiTypes.STR, description="YYYY-MM (default the last month with figures)"
            )
        ],
        responses={
            200: RollRatesSerializer,
            400: FIELD_ERRORS,
            403: FORBIDDEN,
            404: detail_response("No roll rates for the month (its month ends are not both closed)."),
        },
    )
)
class RollRatesApi(PeriodFiguresApi):
    input_serializer, output_serializer = RollRatesInputSerializer, RollRatesSerializer
    period_field = "month"
    not_found = gettext_lazy("No roll rates for that month.")

    def latest(self):
        return selectors.latest_roll_month()

    def figures(self, period, params):
        return selectors.roll_rates(period)


MONTH = OpenApiParameter(
    "month", OpenApiTypes.STR, description="YYYY-MM (default the last month with figures)"
)


@extend_schema_view(
    get=extend_schema(
        tags=["monitoring"],
        summary="Cure rates of a month: delinquent loans current or paid off a month later",
        operation_id="monitoring_cure_rates",
        parameters=[MONTH],
        responses={
            200: CureRatesSerializer,
            400: FIELD_ERRORS,
            403: FORBIDDEN,
            404: detail_response("No roll rates for the month (its month ends are not both closed)."),
        },
    )
)
class CureRatesApi(PeriodFiguresApi):
    input_serializer, output_serializer = MonthInputSerializer, CureRatesSerializer
    period_field = "month"
    not_found = gettext_lazy("No roll rates for that month.")

    def latest(self):
        return selectors.latest_roll_month()

    def figures(self, period, params):
        return selectors.cure_rates(period)


@extend_schema_view(
    get=extend_schema(
        tags=["monitoring"],
        summary="Five-tier classification migration: class at the previous month end → class at this one",
        operation_id="monitoring_classification_migration",
        parameters=[MONTH],
        responses={
            200: ClassificationMigrationSerializer,
            400: FIELD_ERRORS,
            403: FORBIDDEN,
            404: detail_response("No migration for the month (its month ends are not both closed)."),
        },
    )
)
class ClassificationMigrationApi(PeriodFiguresApi):
    input_serializer, output_serializer = MonthInputSerializer, ClassificationMigrationSerializer
    period_field = "month"
    not_found = gettext_lazy("No classification migration for that month.")

    def latest(self):
        return selectors.latest_migration_month()

    def figures(self, period, params):
        return selectors.classification_migration(period)


class DecisionsApi(MonitoringApi):
    @extend_schema(
        tags=["monitoring"],
        summary="Approval rate and score distribution per decision month (of one product or all)",
        operation_id="monitoring_decisions",
        parameters=[DecisionsInputSerializer],
        responses={200: DecisionsSerializer, 400: FIELD_ERRORS, 403: FORBIDDEN},
    )
    def get(self, request):
        params = DecisionsInputSerializer(data=request.query_params)
        params.is_valid(raise_exception=True)
        product = params.validated_data.get("product", "")
        months = selectors.decision_series(since=params.validated_data.get("since"), product=product or None)
        return Response(DecisionsSerializer({"product": product, "months": months}).data)


class ScoreDistributionApi(MonitoringApi):
    @extend_schema(
        tags=["monitoring"],
        summary="Score distribution per decision month: decisions per score band (of one product or all)",
        operation_id="monitoring_score_distribution",
        parameters=[DecisionsInputSerializer],
        responses={200: ScoreDistributionSerializer, 400: FIELD_ERRORS, 403: FORBIDDEN},
    )
    def get(self, request):
        params = DecisionsInputSerializer(data=request.query_params)
        params.is_valid(raise_exception=True)
        product = params.validated_data.get("product", "")
        months = score_bands.score_distribution(
            since=params.validated_data.get("since"), product=product or None
        )
        return Response(
            ScoreDistributionSerializer(
                {"product": product, "band_width": settings.LOANHUB_SCORE_BAND_WIDTH, "months": months}
            ).data
        )


class VintagesApi(MonitoringApi):
    @extend_schema(
        tags=["monitoring"],
        summary="Vintage curves: cumulative 30+ days past due share by months on book",
        operation_id="monitoring_vintages",
        responses={200: VintagesSerializer, 403: FORBIDDEN},
    )
    def get(self, request):
        return Response(VintagesSerializer({"vintages": selectors.vintages()}).data)


@extend_schema_view(
    get=extend_schema(
        tags=["monitoring"],
        summary="PSI of a scorecard: its score and each feature against the development sample",
        operation_id="monitoring_psi",
        parameters=[
            OpenApiParameter(
                "as_of", OpenApiTypes.DATE, description="YYYY-MM-DD (default the last date monitored)"
            ),
            OpenApiParameter("model", OpenApiTypes.INT, description="model version (default the champion's)"),
        ],
        responses={
            200: PsiSerializer,
            400: FIELD_ERRORS,
            403: FORBIDDEN,
            404: detail_response("No stability figures for the date or model."),
        },
    )
)
class PsiApi(PeriodFiguresApi):
    input_serializer, output_serializer = PsiInputSerializer, PsiSerializer
    period_field = "as_of"
    not_found = gettext_lazy("No stability figures for that date or model.")

    def latest(self):
        return selectors.latest_stability_date()

    def figures(self, period, params):
        version = params.get("model") or selectors.default_version(selectors.stability_versions(period))
        return selectors.stability(as_of=period, version=version) if version else None


class CalibrationApi(MonitoringApi):
    @extend_schema(
        tags=["monitoring"],
        summary="Calibration by grade: realised bad rate, 95 % Wilson interval, predicted PD",
        operation_id="monitoring_calibration",
        responses={200: CalibrationSerializer, 403: FORBIDDEN},
    )
    def get(self, request):
        grades = selectors.calibration()
        return Response(
            CalibrationSerializer({"as_of": grades[0].as_of if grades else None, "grades": grades}).data
        )


class ConcentrationApi(MonitoringApi):
    @extend_schema(
        tags=["monitoring"],
        summary="Concentration limits: each active limit's exposure against the limit, breaches flagged",
        operation_id="monitoring_concentration",
        responses={200: ConcentrationSerializer, 403: FORBIDDEN},
    )
    def get(self, request):
        rows = selectors.concentration()
        return Response(
            ConcentrationSerializer({"as_of": rows[0].as_of if rows else None, "limits": rows}).data
        )


# --- Early warning -----------------------------------------------------------------------------
VIEW_WARNINGS = "monitoring.view_earlywarning"


class EarlyWarningApi(APIView):
    """Staff who may view the early warnings (officers, senior approvers, risk analysts,
    auditors); customers, product managers and marketing get 403, anonymous callers 401."""

    throttle_classes = (UserRateThrottle,)

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        if not may(request.user, VIEW_WARNINGS):
            raise Forbidden(_("You may not read the early warnings."))


class EarlyWarningListApi(EarlyWarningApi):
    @extend_schema(
        tags=["monitoring"],
        summary="The early-warning queue: loan, score, reasons, status; highest score first",
        operation_id="monitoring_early_warnings",
        parameters=[EarlyWarningInputSerializer],
        responses={200: EarlyWarningSerializer(many=True), 400: FIELD_ERRORS, 403: FORBIDDEN},
    )
    def get(self, request):
        params = EarlyWarningInputSerializer(data=request.query_params)
        params.is_valid(raise_exception=True)
        data = params.validated_data
        rows = early_warning.early_warnings_list(status=data.get("status"))
        page = rows[data["offset"] : data["offset"] + data["limit"]]
        return Response(EarlyWarningSerializer(page, many=True).data)


class EarlyWarningTransitionApi(EarlyWarningApi):
    @extend_schema(
        tags=["monitoring"],
        summary="Move a warning one step: acknowledge, contact, action, close (with an outcome)",
        operation_id="monitoring_early_warning_transition",
        request=EarlyWarningTransitionInputSerializer,
        responses={
            200: EarlyWarningSerializer,
            400: FIELD_ERRORS,
            403: FORBIDDEN,
            404: detail_response("No such early warning."),
            409: detail_response("The warning's status does not allow the step."),
        },
    )
    def post(self, request, pk: int):
        params = EarlyWarningTransitionInputSerializer(data=request.data)
        params.is_valid(raise_exception=True)
        warning = early_warning.early_warning_transition(
            warning_id=pk, actor=request.user, **params.validated_data
        )
        return Response(EarlyWarningSerializer(warning).data)


class EarlyWarningPerformanceApi(EarlyWarningApi):
    @extend_schema(
        tags=["monitoring"],
        summary="Precision and recall of the early warnings against 30+ days past due within 90 days",
        operation_id="monitoring_early_warning_performance",
        parameters=[WarningPerformanceInputSerializer],
        responses={200: WarningPerformanceSerializer, 400: FIELD_ERRORS, 403: FORBIDDEN},
    )
    def get(self, request):
        params = WarningPerformanceInputSerializer(data=request.query_params)
        params.is_valid(raise_exception=True)
        as_of = params.validated_data.get("as_of") or selectors.latest_portfolio_date() or clock.today()
        return Response(WarningPerformanceSerializer(early_warning.warning_performance(as_of=as_of)).data)
