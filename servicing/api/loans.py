"""Loans API: a customer's own loans (all loans for staff who may view them), one loan with its
schedule and position, and the payoff amount on a date. Loans are opened by `applications`
through `servicing.services`; their position (days past due, class, what is owed) is kept by
repayments and close of business and read here from the loan's columns.
"""

from __future__ import annotations

import datetime as dt

from dateutil.relativedelta import relativedelta
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.pagination import LimitOffsetPagination
from rest_framework.response import Response
from rest_framework.views import APIView

from loanhub.api_schema import FIELD_ERRORS, detail_response
from loanhub.errors import Invalid, NotFound
from loanhub.throttling import UserRateThrottle
from servicing import repayments, selectors
from servicing.api.serializers import (
    LoanDetailSerializer,
    LoanListItemSerializer,
    LoanPageSerializer,
    LoanPayoffInputSerializer,
    LoanPayoffSerializer,
)
from servicing.calendar import open_business_date
from servicing.models import Loan

NOT_VISIBLE = detail_response("No such loan, or not one the caller may see.")
# A payoff is quoted at most this far ahead (the replay's dates must stay representable).
PAYOFF_HORIZON = relativedelta(years=100)


def loan_for(request, loan_id: int) -> Loan:
    """The loan with its schedule when the caller may see it, else the API's 404."""
    try:
        return selectors.loan_get_for_actor(loan_id=loan_id, actor=request.user)
    except Loan.DoesNotExist:
        raise NotFound(_("No such loan.")) from None


class LoanPagination(LimitOffsetPagination):
    default_limit = 20
    max_limit = 100


class LoanApi(APIView):
    """Authenticated callers only (the default permission); visibility is the selector's."""

    throttle_classes = (UserRateThrottle,)


class LoanListApi(LoanApi):
    @extend_schema(
        tags=["loans"],
        summary="Your loans (every loan for staff who may view loans), newest first",
        operation_id="loans_list",
        parameters=[
            OpenApiParameter("limit", int, description="page size, at most 100 (default 20)"),
            OpenApiParameter("offset", int, description="rows to skip"),
        ],
        responses={200: LoanPageSerializer},
    )
    def get(self, request):
        paginator = LoanPagination()
        page = paginator.paginate_queryset(selectors.loans_for_actor(request.user), request, view=self)
        return paginator.get_paginated_response(LoanListItemSerializer(page, many=True).data)


class LoanDetailApi(LoanApi):
    @extend_schema(
        tags=["loans"],
        summary="One loan: schedule with what was paid, position (days past due, class, what is owed)",
        operation_id="loans_retrieve",
        responses={200: LoanDetailSerializer, 404: NOT_VISIBLE},
    )
    def get(self, request, loan_id: int):
        return Response(LoanDetailSerializer(loan_for(request, loan_id)).data)


class LoanPayoffApi(LoanApi):
    @extend_schema(
        tags=["loans"],
        summary="What pays the loan off on a date: principal, interest accrued to it, penalty, fees",
        operation_id="loans_payoff",
        parameters=[
            OpenApiParameter(
                "date",
                OpenApiTypes.DATE,
                description="YYYY-MM-DD, servicing's today or later (default servicing's today)",
            )
        ],
        responses={200: LoanPayoffSerializer, 400: FIELD_ERRORS, 404: NOT_VISIBLE},
    )
    def get(self, request, loan_id: int):
        loan = loan_for(request, loan_id)
        params = LoanPayoffInputSerializer(data=request.query_params)
        params.is_valid(raise_exception=True)
        on: dt.date | None = params.validated_data.get("date")
        if on is not None and on > open_business_date() + PAYOFF_HORIZON:
            raise Invalid({"date": [_("A payoff is quoted at most 100 years ahead.")]})
        return Response(LoanPayoffSerializer(repayments.payoff_quote(loan, on=on)).data)
