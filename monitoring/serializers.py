"""Input and output serializers of the monitoring API (amounts as strings, ratios to 4 places)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from loanhub.bounds import MAX_OFFSET
from loanhub.money import MONEY_DIGITS, money_serializer_field

# Sums over the whole book may outgrow one loan's column.
WIDE_MONEY = MONEY_DIGITS + 4


def _ratio(help_text: str) -> serializers.DecimalField:
    return serializers.DecimalField(max_digits=12, decimal_places=4, allow_null=True, help_text=help_text)


def _share() -> serializers.DecimalField:
    return serializers.DecimalField(max_digits=6, decimal_places=4, help_text="a fraction: 0.2500 = 25 %")


class PortfolioInputSerializer(serializers.Serializer):
    as_of = serializers.DateField(
        required=False, help_text="YYYY-MM-DD, a closed business date (default the last one monitored)"
    )


class PortfolioClassificationSerializer(serializers.Serializer):
    """Principal outstanding per five-tier class (贷款五级分类)."""

    # `pass` is a Python keyword: the field is set in the class namespace by name.
    locals()["pass"] = money_serializer_field(max_digits=WIDE_MONEY)
    special_mention = money_serializer_field(max_digits=WIDE_MONEY)
    substandard = money_serializer_field(max_digits=WIDE_MONEY)
    doubtful = money_serializer_field(max_digits=WIDE_MONEY)
    loss = money_serializer_field(max_digits=WIDE_MONEY)


class PortfolioSerializer(serializers.Serializer):
    as_of = serializers.DateField()
    loans = serializers.IntegerField(help_text="loans on the book at the end of the date")
    balance = money_serializer_field(max_digits=WIDE_MONEY, help_text="principal outstanding")
    buckets = serializers.DictField(
        child=money_serializer_field(max_digits=WIDE_MONEY),
        help_text="principal outstanding per delinquency bucket (every configured bucket)",
    )
    classification = PortfolioClassificationSerializer()
    reserve = money_serializer_field(max_digits=WIDE_MONEY, help_text="loan-loss provisions")
    provision_coverage_ratio = _ratio("拨备覆盖率: reserve ÷ non-performing (substandard, doubtful, loss)")
    loan_provision_ratio = _ratio("贷款拨备率: reserve ÷ principal outstanding")


class RollRatesInputSerializer(serializers.Serializer):
    month = serializers.CharField(
        required=False, max_length=7, help_text="YYYY-MM (default the last month with figures)"
    )

    def validate_month(self, value: str) -> dt.date:
        try:
            if len(value) != 7:
                raise ValueError(value)
            return dt.date.fromisoformat(f"{value}-01")
        except ValueError:
            raise serializers.ValidationError("Enter a month as YYYY-MM.") from None


class RollRatesSerializer(serializers.Serializer):
    month = serializers.SerializerMethodField()
    from_buckets = serializers.DictField(
        child=serializers.DictField(child=_share()),
        help_text=(
            "for each bucket at the end of the previous month, the share of its loans (by count) in "
            "each bucket at the end of the month; `closed`: loans that left the book paid off, "
            "`written_off`: loans written off by the month end"
        ),
    )

    def get_month(self, obj) -> str:
        return obj["month"].strftime("%Y-%m")


class MonthField(serializers.Field):
    """A month as YYYY-MM (its first day inside)."""

    def to_representation(self, value: dt.date) -> str:
        return value.strftime("%Y-%m")

    def to_internal_value(self, data) -> dt.date:
        try:
            if not isinstance(data, str) or len(data) != 7:
                raise ValueError(data)
            return dt.date.fromisoformat(f"{data}-01")
        except ValueError:
            raise serializers.ValidationError("Enter a month as YYYY-MM.") from None


extend_schema_field({"type": "string", "pattern": "^[0-9]{4}-[0-9]{2}$", "example": "2026-11"})(MonthField)


class MonthInputSerializer(serializers.Serializer):
    month = MonthField(required=False, help_text="YYYY-MM (default the last month with figures)")


class CureCellSerializer(serializers.Serializer):
    loans = serializers.IntegerField(help_text="loans in the bucket at the previous month end")
    balance = money_serializer_field(
        max_digits=WIDE_MONEY, help_text="their principal outstanding at the previous month end"
    )
    cured_loans = serializers.IntegerField(help_text="of them, current or paid off at the month end")
    cured_balance = money_serializer_field(max_digits=WIDE_MONEY)
    paid_off_loans = serializers.IntegerField(help_text="of the cured, those that left the book paid off")
    written_off_loans = serializers.IntegerField(help_text="written off by the month end (not cured)")
    loans_share = _ratio("cure rate by count: cured_loans ÷ loans")
    balance_share = _ratio("cure rate by balance: cured_balance ÷ balance")


class CureRatesSerializer(serializers.Serializer):
    month = MonthField()
    from_buckets = serializers.DictField(
        child=CureCellSerializer(),
        help_text=(
            "per delinquency bucket past due at the end of the previous month, and `delinquent` for all "
            "of them together"
        ),
    )


class MigrationCellSerializer(serializers.Serializer):
    loans = serializers.IntegerField()
    balance = money_serializer_field(
        max_digits=WIDE_MONEY, help_text="principal outstanding at the previous month end"
    )
    loans_share = _ratio("share of the from-class's loans")
    balance_share = _ratio("share of the from-class's principal")


class ClassificationMigrationSerializer(serializers.Serializer):
    month = MonthField()
    from_classes = serializers.DictField(
        child=serializers.DictField(child=MigrationCellSerializer()),
        help_text=(
            "for each five-tier class at the end of the previous month (pass, special_mention, "
            "substandard, doubtful, loss), its loans by class at the end of the month; `closed`: left "
            "the book paid off, `written_off`: written off by the month end"
        ),
    )


class DecisionsInputSerializer(serializers.Serializer):
    since = MonthField(required=False, help_text="YYYY-MM, the first month (default every month counted)")
    product = serializers.CharField(required=False, max_length=32, help_text="a product code (default all)")


class DecisionMonthSerializer(serializers.Serializer):
    month = MonthField()
    decisions = serializers.IntegerField()
    approved = serializers.IntegerField()
    referred = serializers.IntegerField(help_text="referred to manual review by the engine")
    declined = serializers.IntegerField()
    approval_rate = _ratio("approved ÷ decisions")
    referral_rate = _ratio("referred ÷ decisions")
    decline_rate = _ratio("declined ÷ decisions")
    grades = serializers.DictField(child=serializers.IntegerField(), help_text="decisions per risk grade")
    grade_shares = serializers.DictField(child=_ratio("share"), help_text="the score distribution by grade")
    mean_score = serializers.DecimalField(max_digits=8, decimal_places=1, allow_null=True)


class DecisionsSerializer(serializers.Serializer):
    product = serializers.CharField(help_text="the product code asked for, empty for all")
    months = DecisionMonthSerializer(many=True)


class _ScoreBandSerializer(serializers.Serializer):
    band = serializers.CharField(help_text='the band\'s label: "< 420", "420–439", …, "≥ 620"')
    low = serializers.IntegerField(allow_null=True, help_text="the lowest score in it; null when open below")
    high = serializers.IntegerField(
        allow_null=True, help_text="the highest score in it; null when open above"
    )
    decisions = serializers.IntegerField()
    share = _ratio("of the month's decisions")


class _ScoreMonthSerializer(serializers.Serializer):
    month = MonthField()
    decisions = serializers.IntegerField()
    bands = _ScoreBandSerializer(many=True, help_text="every band, lowest scores first; empty ones at 0")


class ScoreDistributionSerializer(serializers.Serializer):
    product = serializers.CharField(help_text="the product code asked for, empty for all")
    band_width = serializers.IntegerField(help_text="points per band (open bands aside)")
    months = _ScoreMonthSerializer(many=True)


class VintagePointSerializer(serializers.Serializer):
    months_on_book = serializers.IntegerField()
    dpd30_share = _share()


class VintageSerializer(serializers.Serializer):
    month = serializers.SerializerMethodField()
    points = VintagePointSerializer(many=True)

    def get_month(self, obj) -> str:
        return obj["month"].strftime("%Y-%m")


class VintagesSerializer(serializers.Serializer):
    vintages = VintageSerializer(
        many=True,
        help_text=(
            "per origination month, the cumulative share of its loans (by count) that had been 30 or "
            "more days past due by each month on book"
        ),
    )


class PsiInputSerializer(serializers.Serializer):
    as_of = serializers.DateField(required=False, help_text="YYYY-MM-DD (default the last date monitored)")
    model = serializers.IntegerField(
        required=False, min_value=1, help_text="score model version (default the champion's, else the first)"
    )


class PsiBinSerializer(serializers.Serializer):
    bin = serializers.CharField()
    expected_share = _share()
    actual_share = _share()


class PsiScoreSerializer(serializers.Serializer):
    psi = serializers.DecimalField(max_digits=9, decimal_places=4)
    light = serializers.ChoiceField(choices=["green", "amber", "red"], help_text="0.10 / 0.25 thresholds")
    bins = PsiBinSerializer(many=True)


class PsiSerializer(serializers.Serializer):
    as_of = serializers.DateField()
    model_version = serializers.IntegerField()
    window_start = serializers.DateField(help_text="first day of the decisions compared")
    decisions = serializers.IntegerField()
    score = PsiScoreSerializer(help_text="the score in the development sample's deciles")
    features = serializers.DictField(child=serializers.DecimalField(max_digits=9, decimal_places=4))
    feature_lights = serializers.DictField(child=serializers.CharField())


class CalibrationGradeSerializer(serializers.Serializer):
    grade = serializers.CharField()
    model_version = serializers.IntegerField()
    predicted_pd = serializers.DecimalField(max_digits=7, decimal_places=6)
    loans = serializers.IntegerField()
    bads = serializers.IntegerField(help_text="30+ days past due within the outcome window")
    bad_rate = _ratio("realised bad rate")
    ci_low = _ratio("95 % Wilson interval, low")
    ci_high = _ratio("95 % Wilson interval, high")
    light = serializers.CharField()


class CalibrationSerializer(serializers.Serializer):
    as_of = serializers.DateField(allow_null=True)
    grades = CalibrationGradeSerializer(many=True)


class ConcentrationRowSerializer(serializers.Serializer):
    limit_id = serializers.IntegerField()
    dimension = serializers.CharField()
    key = serializers.CharField(
        help_text="the slice; for a single-borrower limit the largest borrower's id, for a customer-group "
        "limit without a code the largest group's code"
    )
    basis = serializers.CharField()
    severity = serializers.CharField()
    threshold = serializers.DecimalField(max_digits=20, decimal_places=4)
    exposure = money_serializer_field(max_digits=WIDE_MONEY)
    book = money_serializer_field(max_digits=WIDE_MONEY)
    value = serializers.DecimalField(max_digits=20, decimal_places=4, help_text="share or amount")
    breached = serializers.BooleanField()


class ConcentrationSerializer(serializers.Serializer):
    as_of = serializers.DateField(allow_null=True)
    limits = ConcentrationRowSerializer(many=True)


class EarlyWarningInputSerializer(serializers.Serializer):
    status = serializers.ChoiceField(
        choices=("open", "acknowledged", "contacted", "actioned", "closed"), required=False
    )
    limit = serializers.IntegerField(min_value=1, max_value=500, required=False, default=100)
    offset = serializers.IntegerField(min_value=0, max_value=MAX_OFFSET, required=False, default=0)


class WarningReasonSerializer(serializers.Serializer):
    signal = serializers.CharField()
    label = serializers.CharField(help_text="the signal's name in the request's language")
    weight = serializers.DecimalField(max_digits=6, decimal_places=2)
    detail = serializers.CharField()


class EarlyWarningSerializer(serializers.Serializer):
    """One warning of the officers' queue (the contract's `loan`, `score`, `reasons`, `status`)."""

    id = serializers.IntegerField()
    loan = serializers.IntegerField(
        source="loan_id", allow_null=True, help_text="the loan's id (/api/v1/loans/{id}/); null for a line"
    )
    credit_line = serializers.IntegerField(
        source="credit_line_id",
        allow_null=True,
        help_text="the credit line's id, for a customer who holds only a line; else null",
    )
    loan_number = serializers.CharField(help_text="the loan's or the credit line's number")
    score = serializers.DecimalField(max_digits=8, decimal_places=2)
    reasons = serializers.SerializerMethodField()
    status = serializers.CharField()
    outcome = serializers.CharField()
    raised_on = serializers.DateField()
    last_seen_on = serializers.DateField()
    closed_on = serializers.DateField(allow_null=True)

    @extend_schema_field(WarningReasonSerializer(many=True))
    def get_reasons(self, warning) -> list[dict]:
        # Plain dicts shaped as WarningReasonSerializer gives them (a nested serializer per row
        # costs a page of 500 warnings a few hundred milliseconds).
        from monitoring.models import Signal

        labels = dict(Signal.choices)
        return [
            {
                "signal": r["signal"],
                "label": str(labels.get(r["signal"], r["signal"])),
                "weight": f"{Decimal(r['weight']):.2f}",
                "detail": r["detail"],
            }
            for r in warning.reasons
        ]


class EarlyWarningTransitionInputSerializer(serializers.Serializer):
    action = serializers.ChoiceField(choices=("acknowledge", "contact", "action", "close"))
    reason = serializers.CharField(required=False, allow_blank=True, max_length=2000, default="")
    outcome = serializers.ChoiceField(
        choices=("cured", "restructured", "collections", "false_alarm", "other"),
        required=False,
        allow_blank=True,
        default="",
        help_text="required to close",
    )


class WarningPerformanceInputSerializer(serializers.Serializer):
    as_of = serializers.DateField(required=False, help_text="YYYY-MM-DD (default the last date monitored)")


class WarningPerformanceSerializer(serializers.Serializer):
    """How well the warnings foretold 30+ days past due within `horizon_days` (None: nothing to
    divide by yet)."""

    as_of = serializers.DateField()
    horizon_days = serializers.IntegerField()
    warnings_evaluated = serializers.IntegerField(help_text="warnings raised at least horizon_days ago")
    true_positives = serializers.IntegerField(help_text="of them, loans 30+ days past due within the horizon")
    precision = _ratio("true_positives ÷ warnings_evaluated")
    delinquencies = serializers.IntegerField(help_text="loans first 30+ days past due since warnings began")
    delinquencies_warned = serializers.IntegerField(help_text="of them, warned in the horizon before")
    recall = _ratio("delinquencies_warned ÷ delinquencies")
