"""`GET /api/v1/monitoring/portfolio/mix/`: the portfolio dashboard's figures (balance and loans
over time, the mix by product, segment, channel, region and industry, disbursements and
repayments over time, the annualised yield; `monitoring.portfolio_selectors` defines it), with
the page's filters. Staff who may view monitoring; customers get 403, anonymous callers 401."""

from __future__ import annotations

from django.utils.translation import gettext_lazy
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import serializers

from loanhub.api_schema import FIELD_ERRORS, detail_response
from loanhub.money import money_serializer_field
from monitoring import portfolio_selectors as selectors
from monitoring.apis import FORBIDDEN, PeriodFiguresApi
from monitoring.serializers import WIDE_MONEY

_SHARE = {"max_digits": 6, "decimal_places": 4, "allow_null": True}


class PortfolioMixInputSerializer(serializers.Serializer):
    start = serializers.DateField(required=False, help_text="YYYY-MM-DD (default a year before `end`)")
    end = serializers.DateField(required=False, help_text="YYYY-MM-DD (default the last date monitored)")
    product = serializers.CharField(required=False, allow_blank=True, help_text="product code")
    customer_type = serializers.CharField(required=False, allow_blank=True, help_text="the segment")
    region = serializers.CharField(required=False, allow_blank=True)
    channel = serializers.CharField(required=False, allow_blank=True, help_text="web, app, branch …")


class _DaySerializer(serializers.Serializer):
    as_of = serializers.DateField()
    loans = serializers.IntegerField()
    balance = money_serializer_field(max_digits=WIDE_MONEY, help_text="principal outstanding")


class _PartSerializer(serializers.Serializer):
    key = serializers.CharField(help_text="the dimension's value; empty when not given")
    loans = serializers.IntegerField()
    balance = money_serializer_field(max_digits=WIDE_MONEY)
    share = serializers.DecimalField(help_text="of the filtered book's balance", **_SHARE)


class _MixSerializer(serializers.Serializer):
    product = _PartSerializer(many=True)
    customer_type = _PartSerializer(many=True)
    channel = _PartSerializer(many=True)
    region = _PartSerializer(many=True)
    industry = _PartSerializer(many=True)


class _PeriodSerializer(serializers.Serializer):
    period = serializers.DateField(help_text="the day, or the month's first day")
    disbursed_loans = serializers.IntegerField()
    disbursed = money_serializer_field(max_digits=WIDE_MONEY)
    upfront_fees = money_serializer_field(max_digits=WIDE_MONEY)
    repayments = serializers.IntegerField()
    principal = money_serializer_field(max_digits=WIDE_MONEY)
    interest = money_serializer_field(max_digits=WIDE_MONEY)
    penalty = money_serializer_field(max_digits=WIDE_MONEY)
    fees = money_serializer_field(max_digits=WIDE_MONEY)
    line_draws = serializers.IntegerField(help_text="credit line draws valued in the period")
    drawn = money_serializer_field(max_digits=WIDE_MONEY, help_text="drawn on credit lines")
    line_repayments = serializers.IntegerField(help_text="credit line repayments valued in the period")
    line_principal = money_serializer_field(max_digits=WIDE_MONEY)
    line_interest = money_serializer_field(max_digits=WIDE_MONEY)
    line_penalty = money_serializer_field(max_digits=WIDE_MONEY)


class _FlowsSerializer(serializers.Serializer):
    monthly = serializers.BooleanField(help_text="summed by month (ranges over 62 days) or by day")
    periods = _PeriodSerializer(many=True)


class _YieldSerializer(serializers.Serializer):
    first = serializers.DateField()
    last = serializers.DateField()
    days = serializers.IntegerField()
    average_balance = money_serializer_field(max_digits=WIDE_MONEY)
    earned = money_serializer_field(max_digits=WIDE_MONEY, help_text="interest, penalty and fees received")
    # Not a share: a yield may pass 1 on a tiny balance.
    value = serializers.DecimalField(
        source="yield", max_digits=12, decimal_places=4, allow_null=True, help_text="annualised, a fraction"
    )


class PortfolioMixSerializer(serializers.Serializer):
    start = serializers.DateField()
    end = serializers.DateField()
    as_of = serializers.DateField(allow_null=True, help_text="the last monitored date in the range")
    series = _DaySerializer(many=True)
    mix = _MixSerializer(allow_null=True)
    flows = _FlowsSerializer()
    # `yield` is a Python keyword: the field is set in the class namespace by name.
    locals()["yield"] = _YieldSerializer(allow_null=True)


@extend_schema_view(
    get=extend_schema(
        tags=["monitoring"],
        summary="The portfolio's mix, balance over time, flows and yield, with the dashboard's filters",
        operation_id="monitoring_portfolio_mix",
        parameters=[PortfolioMixInputSerializer],
        responses={
            200: PortfolioMixSerializer,
            400: FIELD_ERRORS,
            403: FORBIDDEN,
            404: detail_response("No monitoring figures yet."),
        },
    )
)
class PortfolioMixApi(PeriodFiguresApi):
    # The range asked for (`start`, `end`) around the last monitored date; 404 before any.

    input_serializer, output_serializer = PortfolioMixInputSerializer, PortfolioMixSerializer
    not_found = gettext_lazy("No monitoring figures for that date.")

    def latest(self):
        return selectors.portfolio_latest_date()

    def figures(self, period, params):
        start, end = selectors.portfolio_period(
            latest=period, start=params.get("start"), end=params.get("end")
        )
        figures = selectors.portfolio_view(start=start, end=end, filters=selectors.portfolio_filters(params))
        return {**figures, "mix": figures["mix"] or None}
