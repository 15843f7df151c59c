"""Input and output serializers of the public calculator API.

Input serializers check each field's type and range (dates within a window around today, annual
rates at most the legal cap: `loanhub.bounds`); rules that involve several fields (a
first due date before the start, more grace than installments, fees that eat the proceeds)
belong to the engine, whose field-keyed errors the API returns in the same shape.
"""

from __future__ import annotations

from decimal import Decimal

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from loanhub import clock
from loanhub.bounds import LATER_DATE, LONGEST_LOAN_YEARS, START_DATE, DateWindowValidator, RateCapValidator
from loanhub.money import (
    apr_serializer_field,
    money_serializer_field,
    rate_serializer_field,
)
from products.choices import SCHEDULE_METHODS
from products.engine import DayCount, FeeKind, Frequency, GraceKind, PrepaymentMode, TransactionKind

# Computed amounts can be far larger than any input (800 % a year on 43 billion for 150 months
# is 4.3 trillion of interest); 30 digits hold whatever the engine computes (a payment is at most
# 10**20, see products.engine.schedule.LARGEST_PAYMENT, and a schedule at most 1,200 of them).
AMOUNT_DIGITS = 30
MAX_PRINCIPAL = Decimal("100000000000")  # 1e11
# A dated cash-flow stream may be a past loan's (Regulation Z's examples are from 1978).
CASH_FLOW_DATE = DateWindowValidator(before=LONGEST_LOAN_YEARS, after=LONGEST_LOAN_YEARS)


def _annual_rate(**kwargs) -> serializers.DecimalField:
    """An annual rate from 0 to the legal cap (LOANHUB_APR_CAP, read on each request)."""
    return rate_serializer_field(min_value=Decimal("0"), validators=[RateCapValidator()], **kwargs)


def _values(enum) -> list[str]:
    return [member.value for member in enum]


class FeeSerializer(serializers.Serializer):
    type = serializers.ChoiceField(choices=_values(FeeKind))
    amount = money_serializer_field(required=False, min_value=Decimal("0"))
    rate = rate_serializer_field(required=False, min_value=Decimal("0"), max_value=Decimal("1"))

    def validate(self, attrs):
        needs = "rate" if attrs["type"].endswith("_percent") else "amount"
        if attrs.get(needs) is None:
            raise serializers.ValidationError({needs: [_("This field is required for this fee type.")]})
        return attrs


class GraceSerializer(serializers.Serializer):
    periods = serializers.IntegerField(min_value=0, max_value=1200, default=0)
    type = serializers.ChoiceField(choices=_values(GraceKind), default="interest_only")


class LoanTermsSerializer(serializers.Serializer):
    principal = money_serializer_field(min_value=Decimal("0.01"), max_value=MAX_PRINCIPAL)
    annual_rate = _annual_rate()
    term = serializers.IntegerField(min_value=1, max_value=1200)
    frequency = serializers.ChoiceField(choices=_values(Frequency), default="monthly")
    method = serializers.ChoiceField(choices=SCHEDULE_METHODS, default="annuity")
    start_date = serializers.DateField(default=clock.today, validators=[START_DATE])
    first_due_date = serializers.DateField(
        required=False, allow_null=True, default=None, validators=[LATER_DATE]
    )
    day_count = serializers.ChoiceField(choices=_values(DayCount), default="30/360")
    fees = FeeSerializer(many=True, required=False, default=list, max_length=20)
    grace = GraceSerializer(required=False, allow_null=True, default=None)
    interest_free_periods = serializers.IntegerField(min_value=0, max_value=1200, default=0)


class InstallmentSerializer(serializers.Serializer):
    number = serializers.IntegerField()
    due_date = serializers.DateField()
    payment = money_serializer_field(max_digits=AMOUNT_DIGITS)
    principal = money_serializer_field(max_digits=AMOUNT_DIGITS)
    interest = money_serializer_field(max_digits=AMOUNT_DIGITS)
    fees = money_serializer_field(max_digits=AMOUNT_DIGITS)
    balance = money_serializer_field(max_digits=AMOUNT_DIGITS)


class ScheduleSummarySerializer(serializers.Serializer):
    total_principal = money_serializer_field(max_digits=AMOUNT_DIGITS)
    total_interest = money_serializer_field(max_digits=AMOUNT_DIGITS)
    total_fees = money_serializer_field(max_digits=AMOUNT_DIGITS)
    total_payable = money_serializer_field(max_digits=AMOUNT_DIGITS)
    net_proceeds = money_serializer_field(max_digits=AMOUNT_DIGITS)
    apr = apr_serializer_field()
    effective_annual_rate = apr_serializer_field()


class ScheduleResponseSerializer(serializers.Serializer):
    installments = InstallmentSerializer(many=True)
    summary = ScheduleSummarySerializer()


class DatedAmountSerializer(serializers.Serializer):
    date = serializers.DateField(validators=[CASH_FLOW_DATE])
    amount = money_serializer_field(min_value=Decimal("0.01"), max_value=MAX_PRINCIPAL)


class AprRequestSerializer(serializers.Serializer):
    frequency = serializers.ChoiceField(
        choices=_values(Frequency), required=False, allow_null=True, default=None
    )
    advances = DatedAmountSerializer(many=True, allow_empty=False, max_length=1200)
    payments = DatedAmountSerializer(many=True, allow_empty=False, max_length=5000)


class AprResponseSerializer(serializers.Serializer):
    apr = apr_serializer_field()
    effective_annual_rate = apr_serializer_field()
    unit_period = serializers.CharField()
    unit_periods_per_year = apr_serializer_field()


class PrepaymentRequestSerializer(LoanTermsSerializer):
    prepayment_date = serializers.DateField(validators=[LATER_DATE])
    amount = money_serializer_field(
        required=False, allow_null=True, default=None, min_value=Decimal("0.01"), max_value=MAX_PRINCIPAL
    )
    mode = serializers.ChoiceField(choices=_values(PrepaymentMode), default="reduce_installment")
    fee_rate = rate_serializer_field(min_value=Decimal("0"), max_value=Decimal("1"), default=Decimal("0"))
    free_allowance = money_serializer_field(
        min_value=Decimal("0"), max_value=MAX_PRINCIPAL, default=Decimal("0")
    )


class PayoffSerializer(serializers.Serializer):
    payoff_date = serializers.DateField()
    installments_paid = serializers.IntegerField()
    principal = money_serializer_field(max_digits=AMOUNT_DIGITS)
    interest = money_serializer_field(max_digits=AMOUNT_DIGITS)
    fee = money_serializer_field(max_digits=AMOUNT_DIGITS)
    total = money_serializer_field(max_digits=AMOUNT_DIGITS)


class PrepaymentSerializer(serializers.Serializer):
    mode = serializers.CharField()
    installments_paid = serializers.IntegerField()
    prepaid_principal = money_serializer_field(max_digits=AMOUNT_DIGITS)
    interest = money_serializer_field(max_digits=AMOUNT_DIGITS)
    fee = money_serializer_field(max_digits=AMOUNT_DIGITS)
    total_paid = money_serializer_field(max_digits=AMOUNT_DIGITS)
    interest_saved = money_serializer_field(max_digits=AMOUNT_DIGITS)
    remaining = ScheduleResponseSerializer()


class PrepaymentResponseSerializer(serializers.Serializer):
    payoff = PayoffSerializer()
    prepayment = PrepaymentSerializer(allow_null=True)


class LineTransactionSerializer(serializers.Serializer):
    date = serializers.DateField(validators=[START_DATE])
    kind = serializers.ChoiceField(choices=_values(TransactionKind))
    amount = money_serializer_field(min_value=Decimal("0.01"), max_value=MAX_PRINCIPAL)


class RevolvingRequestSerializer(serializers.Serializer):
    credit_limit = money_serializer_field(min_value=Decimal("0.01"), max_value=MAX_PRINCIPAL)
    annual_rate = _annual_rate()
    day_count = serializers.ChoiceField(choices=_values(DayCount), default="ACT/365")
    statement_day = serializers.IntegerField(min_value=1, max_value=31, default=1)
    opened_on = serializers.DateField(validators=[START_DATE])
    as_of = serializers.DateField(validators=[START_DATE])
    transactions = LineTransactionSerializer(many=True, max_length=5000)
    minimum_principal_rate = rate_serializer_field(
        min_value=Decimal("0"), max_value=Decimal("1"), default=Decimal("0")
    )


class StatementSerializer(serializers.Serializer):
    period_start = serializers.DateField()
    statement_date = serializers.DateField()
    opening_balance = money_serializer_field(max_digits=AMOUNT_DIGITS)
    draws = money_serializer_field(max_digits=AMOUNT_DIGITS)
    repayments = money_serializer_field(max_digits=AMOUNT_DIGITS)
    interest = money_serializer_field(max_digits=AMOUNT_DIGITS)
    closing_balance = money_serializer_field(max_digits=AMOUNT_DIGITS)
    principal_balance = money_serializer_field(max_digits=AMOUNT_DIGITS)
    interest_due = money_serializer_field(max_digits=AMOUNT_DIGITS)
    minimum_due = money_serializer_field(max_digits=AMOUNT_DIGITS)


class AllocationSerializer(serializers.Serializer):
    on = serializers.DateField()
    amount = money_serializer_field(max_digits=AMOUNT_DIGITS)
    interest = money_serializer_field(max_digits=AMOUNT_DIGITS)
    principal = money_serializer_field(max_digits=AMOUNT_DIGITS)


class RevolvingResponseSerializer(serializers.Serializer):
    as_of = serializers.DateField()
    statements = StatementSerializer(many=True)
    allocations = AllocationSerializer(many=True)
    principal = money_serializer_field(max_digits=AMOUNT_DIGITS)
    interest_due = money_serializer_field(max_digits=AMOUNT_DIGITS)
    accrued_interest = money_serializer_field(max_digits=AMOUNT_DIGITS)
    available = money_serializer_field(max_digits=AMOUNT_DIGITS)
    payoff_amount = money_serializer_field(max_digits=AMOUNT_DIGITS)
