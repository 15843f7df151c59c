"""The public calculator API: schedule, revolving line, prepayment and APR of any cash flows.

Anonymous callers are welcome (a customer compares offers before signing up) and throttled per
IP. One API class per operation: it validates the request, calls `calculator.services`, and
returns the engine's figures; cross-field problems found by the engine come back as HTTP 400
with the same field-keyed shape as the serializer's own errors.
"""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from calculator import serializers as s
from calculator import services
from loanhub.api_schema import FIELD_ERRORS
from loanhub.throttling import ScopedRateThrottle


class CalculatorApi(APIView):
    """Shared plumbing: anonymous, throttled, 400 on engine errors."""

    permission_classes = (AllowAny,)
    authentication_classes = ()
    throttle_classes = (ScopedRateThrottle,)
    throttle_scope = "calculator"
    input_serializer: type[serializers.Serializer]
    output_serializer: type[serializers.Serializer]

    def post(self, request):
        # Malformed JSON (NaN and Infinity included) is refused by the parser with a 400;
        # a JSON value that is not an object is refused by the serializer.
        serializer = self.input_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        # Engine refusals are services.CalculationError, a 400 in the one error body.
        result = self.compute(serializer.validated_data)
        return Response(self.output_serializer(result).data)


@extend_schema(
    tags=["calculator"],
    request=s.LoanTermsSerializer,
    responses={200: s.ScheduleResponseSerializer, 400: FIELD_ERRORS},
    summary="Repayment schedule, total cost and APR of a loan",
)
class ScheduleCalculateApi(CalculatorApi):
    input_serializer = s.LoanTermsSerializer
    output_serializer = s.ScheduleResponseSerializer

    def compute(self, data: dict) -> dict:
        return services.schedule_result(data)


@extend_schema(
    tags=["calculator"],
    request=s.AprRequestSerializer,
    responses={200: s.AprResponseSerializer, 400: FIELD_ERRORS},
    summary="APR of a dated cash-flow stream (Regulation Z Appendix J actuarial method)",
)
class AprCalculateApi(CalculatorApi):
    input_serializer = s.AprRequestSerializer
    output_serializer = s.AprResponseSerializer

    def compute(self, data: dict) -> dict:
        return services.apr_result(data)


@extend_schema(
    tags=["calculator"],
    request=s.PrepaymentRequestSerializer,
    responses={200: s.PrepaymentResponseSerializer, 400: FIELD_ERRORS},
    summary="Payoff quote on a date and a partial prepayment (reduce installment or shorten term)",
)
class PrepaymentCalculateApi(CalculatorApi):
    input_serializer = s.PrepaymentRequestSerializer
    output_serializer = s.PrepaymentResponseSerializer

    def compute(self, data: dict) -> dict:
        return services.prepayment_result(data)


@extend_schema(
    tags=["calculator"],
    request=s.RevolvingRequestSerializer,
    responses={200: s.RevolvingResponseSerializer, 400: FIELD_ERRORS},
    summary="Revolving credit line (随借随还): daily interest, statements and payoff amount",
)
class RevolvingCalculateApi(CalculatorApi):
    input_serializer = s.RevolvingRequestSerializer
    output_serializer = s.RevolvingResponseSerializer

    def compute(self, data: dict) -> dict:
        return services.revolving_result(data)
