"""Input and output serializers of the servicing API (one per body, so the schema describes each).

Money crosses the API as strings with two decimals (half-up), rates as fractions with six.
"""

from __future__ import annotations

from decimal import Decimal

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from loanhub.money import MONEY_DIGITS, apr_serializer_field, money_serializer_field, rate_serializer_field
from servicing import quiet
from servicing.models import Loan, Repayment

# Sums over many loans may need more digits than one money column holds.
WIDE_MONEY = MONEY_DIGITS + 4


# --- Loans ---------------------------------------------------------------------------------------
class LoanListItemSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    number = serializers.CharField(read_only=True)
    origin = serializers.CharField(
        source="origin_ref", read_only=True, help_text="e.g. the application A00000042"
    )
    product = serializers.CharField(source="product_version.product.code", read_only=True)
    product_version = serializers.IntegerField(source="product_version.version", read_only=True)
    status = serializers.CharField(read_only=True, help_text="active, closed or written_off")
    currency = serializers.CharField(read_only=True)
    principal = money_serializer_field(read_only=True)
    annual_rate = apr_serializer_field(read_only=True)
    apr = apr_serializer_field(read_only=True)
    term = serializers.IntegerField(read_only=True)
    frequency = serializers.CharField(read_only=True)
    method = serializers.CharField(read_only=True)
    start_date = serializers.DateField(read_only=True)
    maturity_date = serializers.DateField(read_only=True)
    total_payable = money_serializer_field(read_only=True)


class LoanPageSerializer(serializers.Serializer):
    count = serializers.IntegerField()
    next = serializers.URLField(allow_null=True)
    previous = serializers.URLField(allow_null=True)
    results = LoanListItemSerializer(many=True)


class LoanInstallmentSerializer(serializers.Serializer):
    number = serializers.IntegerField(read_only=True)
    due_date = serializers.DateField(read_only=True)
    payment = money_serializer_field(read_only=True)
    principal = money_serializer_field(read_only=True)
    interest = money_serializer_field(read_only=True)
    fees = money_serializer_field(read_only=True)
    balance = money_serializer_field(read_only=True)
    paid_principal = money_serializer_field(read_only=True)
    paid_interest = money_serializer_field(read_only=True)
    paid_fees = money_serializer_field(read_only=True)
    paid_penalty = money_serializer_field(read_only=True, help_text="penalty interest paid on it")
    status = serializers.CharField(read_only=True, help_text="pending (not yet due), due, overdue or paid")
    paid_on = serializers.DateField(read_only=True, allow_null=True, help_text="when it was settled")


class LoanFeeSerializer(serializers.Serializer):
    """A fee as it was accepted at disbursement (the catalogue's shape)."""

    type = serializers.CharField()
    amount = serializers.CharField(allow_null=True, help_text="fixed fees: money, two decimals")
    rate = serializers.CharField(allow_null=True, help_text="*_percent fees: fraction of the principal")


class LoanGraceSerializer(serializers.Serializer):
    periods = serializers.IntegerField()
    type = serializers.CharField()


class LoanSummarySerializer(serializers.Serializer):
    total_principal = money_serializer_field(read_only=True, source="principal")
    total_interest = money_serializer_field(read_only=True)
    total_fees = money_serializer_field(read_only=True)
    upfront_fees = money_serializer_field(read_only=True)
    total_payable = money_serializer_field(read_only=True)
    net_proceeds = money_serializer_field(read_only=True)
    apr = apr_serializer_field(read_only=True)
    effective_annual_rate = apr_serializer_field(read_only=True)


class LoanOutstandingSerializer(serializers.Serializer):
    """What the loan owes at its position date: all principal still to be repaid, and the
    interest, penalty interest and fees of the installments already due."""

    principal = money_serializer_field(read_only=True, source="principal_outstanding")
    interest = money_serializer_field(read_only=True, source="interest_due")
    penalty = money_serializer_field(read_only=True, source="penalty_due")
    fees = money_serializer_field(read_only=True, source="fees_due")
    total = serializers.SerializerMethodField(help_text="principal + interest + penalty + fees")

    @extend_schema_field(money_serializer_field(max_digits=WIDE_MONEY))
    def get_total(self, loan: Loan) -> str:
        total = loan.principal_outstanding + loan.interest_due + loan.penalty_due + loan.fees_due
        return money_serializer_field(max_digits=WIDE_MONEY).to_representation(total)


class NextDueSerializer(serializers.Serializer):
    date = serializers.DateField()
    amount = money_serializer_field(help_text="what is still to pay of that installment")


class LoanDetailSerializer(LoanListItemSerializer):
    day_count = serializers.CharField(read_only=True)
    interest_free_periods = serializers.IntegerField(read_only=True)
    first_due_date = serializers.DateField(read_only=True)
    disbursed_at = serializers.DateTimeField(read_only=True)
    fees = serializers.SerializerMethodField()
    grace = serializers.SerializerMethodField()
    summary = LoanSummarySerializer(source="*", read_only=True)
    position_date = serializers.SerializerMethodField(
        help_text="the business date the position figures are for"
    )
    days_past_due = serializers.IntegerField(read_only=True)
    delinquency_bucket = serializers.CharField(
        read_only=True, help_text="current, 1-30, 31-60, 61-90, 91-180 or 180+ (configurable)"
    )
    classification = serializers.CharField(
        read_only=True, help_text="pass, special_mention, substandard, doubtful or loss"
    )
    ifrs9_stage = serializers.IntegerField(read_only=True, help_text="1, 2 or 3")
    non_accrual = serializers.BooleanField(read_only=True)
    penalty_annual_rate = apr_serializer_field(
        read_only=True, source="penalty_rate", help_text="penalty interest (罚息) a year, a fraction"
    )
    outstanding = LoanOutstandingSerializer(source="*", read_only=True)
    credit_balance = money_serializer_field(
        read_only=True, help_text="money paid beyond what was due, held for the next installments"
    )
    next_due = serializers.SerializerMethodField()
    provision = money_serializer_field(
        read_only=True, source="sl_reserve", help_text="loan-loss provision booked for the loan"
    )
    observation_until = serializers.DateField(
        read_only=True,
        allow_null=True,
        help_text="a restructured loan is classified at least substandard through this date",
    )
    written_off_on = serializers.DateField(read_only=True, allow_null=True)
    # Floating terms (servicing.rate_resets): null for a fixed-rate loan.
    rate_type = serializers.CharField(read_only=True, help_text="fixed or floating")
    benchmark = serializers.SerializerMethodField(help_text="lpr_1y or lpr_5y; null for a fixed rate")
    spread = rate_serializer_field(
        read_only=True,
        source="rate_spread",
        allow_null=True,
        help_text="over the benchmark, a fraction, may be negative (0.0055 = LPR + 55 bp)",
    )
    reset_rule = serializers.SerializerMethodField(
        help_text="anniversary or january_1; null for a fixed rate"
    )
    next_reset_date = serializers.DateField(
        read_only=True, source="next_rate_reset", allow_null=True, help_text="the next LPR reset"
    )
    current_annual_rate = apr_serializer_field(
        read_only=True,
        source="annual_rate",
        help_text="the contract rate in force (after the latest LPR reset), a fraction",
    )
    initial_annual_rate = serializers.SerializerMethodField(help_text="the contract rate at disbursement")
    installments = LoanInstallmentSerializer(many=True, read_only=True)

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_benchmark(self, loan: Loan) -> str | None:
        return loan.benchmark or None

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_reset_rule(self, loan: Loan) -> str | None:
        return loan.rate_reset or None

    @extend_schema_field(apr_serializer_field())
    def get_initial_annual_rate(self, loan: Loan) -> str:
        rate = loan.initial_rate if loan.initial_rate is not None else loan.annual_rate
        return apr_serializer_field().to_representation(rate)

    @extend_schema_field(serializers.DateField(allow_null=True))
    def get_position_date(self, loan: Loan):
        # A quiet loan's row stands at an earlier date; only its accrual differs (servicing.quiet).
        return quiet.standing_date(loan)

    @extend_schema_field(LoanFeeSerializer(many=True))
    def get_fees(self, loan: Loan) -> list[dict]:
        return [
            {"type": fee.get("type"), "amount": fee.get("amount"), "rate": fee.get("rate")}
            for fee in loan.fees
        ]

    @extend_schema_field(LoanGraceSerializer(allow_null=True))
    def get_grace(self, loan: Loan) -> dict | None:
        if not loan.grace or not loan.grace.get("periods"):
            return None
        return {"periods": loan.grace["periods"], "type": loan.grace.get("type", "interest_only")}

    @extend_schema_field(NextDueSerializer(allow_null=True))
    def get_next_due(self, loan: Loan) -> dict | None:
        if loan.next_due_date is None:
            return None
        return NextDueSerializer({"date": loan.next_due_date, "amount": loan.next_due_amount}).data


class LoanPayoffInputSerializer(serializers.Serializer):
    date = serializers.DateField(
        required=False, help_text="YYYY-MM-DD, servicing's today or later (default servicing's today)"
    )


class LoanPayoffSerializer(serializers.Serializer):
    date = serializers.DateField()
    principal = money_serializer_field(help_text="all principal still to be repaid")
    interest = money_serializer_field(help_text="interest accrued to the date and not yet paid")
    penalty = money_serializer_field(help_text="penalty interest due")
    fees = money_serializer_field(help_text="fees due")
    credit = money_serializer_field(help_text="credit held, deducted from the total")
    total = money_serializer_field(max_digits=WIDE_MONEY, help_text="what pays the loan off on the date")


# --- Repayments ----------------------------------------------------------------------------------
class RepaymentInputSerializer(serializers.Serializer):
    # Unbounded here so that the service's own messages (zero, negative, sub-cent, too large)
    # answer every amount, the same as on the portal and in the console.
    amount = serializers.DecimalField(
        max_digits=None, decimal_places=None, help_text="yuan, more than zero, at most two decimals"
    )
    value_date = serializers.DateField(
        required=False,
        help_text="when the money was paid: between the disbursement and servicing's today (default)",
    )
    reference = serializers.CharField(max_length=64, required=False, allow_blank=True, default="")


class ReverseInputSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=255, allow_blank=True, help_text="why (e.g. a bounced debit)")


class RepaymentAllocationSerializer(serializers.Serializer):
    """Where the money went (the loan's allocation order)."""

    fees = money_serializer_field(read_only=True)
    penalty = money_serializer_field(read_only=True)
    interest = money_serializer_field(read_only=True)
    principal = money_serializer_field(read_only=True)
    overpayment = money_serializer_field(read_only=True, help_text="held as credit")


class RepaymentAllocationLineSerializer(serializers.Serializer):
    installment = serializers.IntegerField()
    component = serializers.CharField(help_text="fees, penalty, interest or principal")
    amount = money_serializer_field()


class RepaymentSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    loan = serializers.IntegerField(source="loan_id", read_only=True)
    amount = money_serializer_field(read_only=True)
    value_date = serializers.DateField(read_only=True)
    reference = serializers.CharField(read_only=True)
    channel = serializers.CharField(read_only=True, help_text="portal, branch, transfer, statement or api")
    status = serializers.CharField(read_only=True, help_text="posted or reversed")
    allocation = RepaymentAllocationSerializer(source="*", read_only=True)
    allocation_lines = serializers.SerializerMethodField()
    posted_at = serializers.DateTimeField(read_only=True)
    reversed_at = serializers.DateTimeField(read_only=True, allow_null=True)
    reversal_reason = serializers.CharField(read_only=True)

    @extend_schema_field(RepaymentAllocationLineSerializer(many=True))
    def get_allocation_lines(self, repayment: Repayment) -> list[dict]:
        lines = [
            {"installment": number, "component": component, "amount": Decimal(amount)}
            for number, component, amount in repayment.allocation_lines
        ]
        return RepaymentAllocationLineSerializer(lines, many=True).data


class RepaymentPageSerializer(serializers.Serializer):
    count = serializers.IntegerField()
    next = serializers.URLField(allow_null=True)
    previous = serializers.URLField(allow_null=True)
    results = RepaymentSerializer(many=True)


# --- Ledger --------------------------------------------------------------------------------------
class TrialBalanceAccountSerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField(help_text="in the request's language")
    kind = serializers.CharField(help_text="asset, liability, equity, income or expense")
    debit = money_serializer_field(max_digits=WIDE_MONEY, help_text="the net balance when it is a debit")
    credit = money_serializer_field(max_digits=WIDE_MONEY, help_text="the net balance when it is a credit")


class TrialBalanceSerializer(serializers.Serializer):
    accounts = TrialBalanceAccountSerializer(many=True)
    total_debit = money_serializer_field(max_digits=WIDE_MONEY)
    total_credit = money_serializer_field(max_digits=WIDE_MONEY)


class ProvisionRatiosSerializer(serializers.Serializer):
    business_date = serializers.DateField(allow_null=True, help_text="the last closed business date")
    loans = money_serializer_field(max_digits=WIDE_MONEY)
    non_performing_loans = money_serializer_field(max_digits=WIDE_MONEY)
    reserve = money_serializer_field(max_digits=WIDE_MONEY)
    coverage_ratio = serializers.DecimalField(
        max_digits=12,
        decimal_places=4,
        allow_null=True,
        help_text="拨备覆盖率: reserve ÷ non-performing loans",
    )
    loan_provision_ratio = serializers.DecimalField(
        max_digits=12, decimal_places=4, allow_null=True, help_text="贷款拨备率: reserve ÷ loans"
    )
    min_coverage_ratio = serializers.DecimalField(max_digits=8, decimal_places=4)
    min_loan_provision_ratio = serializers.DecimalField(max_digits=8, decimal_places=4)
    coverage_ok = serializers.BooleanField()
    loan_provision_ok = serializers.BooleanField()


# --- Prepayments and deferrals (servicing.prepayments, servicing.deferrals) -------------------


class LoanPrepaymentInputSerializer(serializers.Serializer):
    # Unbounded here: the service's own messages answer every amount (as for repayments).
    amount = serializers.DecimalField(
        max_digits=None,
        decimal_places=None,
        help_text="principal to prepay, yuan; at or above the outstanding principal pays the loan off",
    )
    mode = serializers.ChoiceField(
        choices=("reduce_installment", "shorten_term"),
        required=False,
        help_text="default: the loan's rule (reduce_installment where the customer may choose)",
    )
    value_date = serializers.DateField(
        required=False, help_text="servicing's today (default); a quote may be for a later date"
    )


class ScheduleChangeRowSerializer(serializers.Serializer):
    number = serializers.IntegerField(read_only=True)
    due_date = serializers.DateField(read_only=True)
    payment = money_serializer_field(read_only=True)
    principal = money_serializer_field(read_only=True)
    interest = money_serializer_field(read_only=True)
    fees = money_serializer_field(read_only=True)
    balance = money_serializer_field(read_only=True)


class LoanPrepaymentQuoteSerializer(serializers.Serializer):
    """What a prepayment costs and changes, as the customer is shown it (and as it is posted)."""

    kind = serializers.ChoiceField(choices=("prepayment", "payoff"), read_only=True)
    value_date = serializers.DateField(read_only=True)
    mode = serializers.CharField(read_only=True, allow_null=True)
    amount = money_serializer_field(read_only=True, help_text="the amount asked for")
    principal = money_serializer_field(read_only=True, help_text="principal prepaid")
    interest = money_serializer_field(read_only=True, help_text="interest accrued to the value date")
    fee = money_serializer_field(read_only=True)
    other_due = money_serializer_field(
        read_only=True, help_text="installments due by the value date (with penalty) less credit held"
    )
    total = money_serializer_field(read_only=True, help_text="the cash posted")
    interest_saved = money_serializer_field(read_only=True)
    closes_loan = serializers.BooleanField(read_only=True)
    new_schedule = ScheduleChangeRowSerializer(many=True, read_only=True)
    schedule_version = serializers.IntegerField(read_only=True)


class LoanPrepaymentSerializer(serializers.Serializer):
    """A posted prepayment: the change, its quote and the repayment that carried the cash."""

    id = serializers.IntegerField(read_only=True)
    loan = serializers.IntegerField(source="loan_id", read_only=True)
    loan_status = serializers.CharField(source="loan.status", read_only=True)
    repayment = serializers.IntegerField(source="repayment_id", read_only=True, allow_null=True)
    posted_amount = money_serializer_field(source="amount", read_only=True)
    quote = LoanPrepaymentQuoteSerializer(read_only=True)


class LoanDeferralInputSerializer(serializers.Serializer):
    installments = serializers.IntegerField(help_text="how many installments, from the next one due")
    reason = serializers.CharField(max_length=2000, allow_blank=True)


class LoanDeferralQuoteSerializer(serializers.Serializer):
    first_due_date = serializers.DateField(read_only=True)
    installments = serializers.IntegerField(read_only=True)
    deferred_amount = money_serializer_field(read_only=True)
    interest_rule = serializers.ChoiceField(
        choices=["capitalise", "spread"],
        read_only=True,
        help_text="the product's rule for the holiday's interest: capitalised or spread",
    )
    capitalised_interest = money_serializer_field(read_only=True)
    spread_interest = money_serializer_field(
        read_only=True, help_text="the holiday's interest spread over the installments after it"
    )
    new_schedule = ScheduleChangeRowSerializer(many=True, read_only=True)
    schedule_version = serializers.IntegerField(read_only=True)
    needs_two_approvals = serializers.BooleanField(read_only=True)


class LoanDeferralSerializer(serializers.Serializer):
    """A deferral request and where its approval stands."""

    id = serializers.IntegerField(read_only=True)
    loan = serializers.IntegerField(source="loan_id", read_only=True)
    status = serializers.CharField(read_only=True)
    reason = serializers.CharField(read_only=True)
    amount = money_serializer_field(read_only=True, help_text="the installments' amount deferred")
    first_approved = serializers.BooleanField(read_only=True, source="has_first_approval")
    quote = LoanDeferralQuoteSerializer(read_only=True)


class LoanDeferralDecisionSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")


class LoanRestructuringInputSerializer(serializers.Serializer):
    term_months = serializers.IntegerField(
        required=False,
        allow_null=True,
        help_text="the new term in installments (months for a monthly loan); default: the installments left",
    )
    annual_rate = serializers.DecimalField(
        max_digits=None,
        decimal_places=None,
        required=False,
        allow_null=True,
        help_text="the new yearly rate, a fraction (0.049 = 4.9 %); default: the current rate",
    )
    reason = serializers.CharField(max_length=2000, allow_blank=True)


class LoanRestructuringQuoteSerializer(serializers.Serializer):
    restructure_date = serializers.DateField(read_only=True)
    term = serializers.IntegerField(read_only=True)
    annual_rate = apr_serializer_field(read_only=True)
    principal_outstanding = money_serializer_field(read_only=True)
    interest_capitalised = money_serializer_field(read_only=True, help_text="interest owed to the date")
    penalty_capitalised = money_serializer_field(read_only=True)
    fees_capitalised = money_serializer_field(read_only=True)
    credit_applied = money_serializer_field(read_only=True)
    new_principal = money_serializer_field(read_only=True)
    settlement = money_serializer_field(read_only=True, help_text="what was owed on the date, capitalised")
    accrued_interest = money_serializer_field(
        read_only=True, help_text="the running period's interest to the date"
    )
    new_installment = money_serializer_field(read_only=True)
    total_interest = money_serializer_field(read_only=True)
    new_schedule = ScheduleChangeRowSerializer(many=True, read_only=True)
    schedule_version = serializers.IntegerField(read_only=True)
    observation_until = serializers.DateField(
        read_only=True, help_text="classified at least substandard through"
    )


class LoanRestructuringSerializer(serializers.Serializer):
    """A restructuring request and its decision."""

    id = serializers.IntegerField(read_only=True)
    loan = serializers.IntegerField(source="loan_id", read_only=True)
    status = serializers.CharField(read_only=True)
    reason = serializers.CharField(read_only=True)
    amount = money_serializer_field(read_only=True, help_text="the new principal")
    quote = LoanRestructuringQuoteSerializer(read_only=True)


class LoanWriteOffInputSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=2000, allow_blank=True)


class LoanWriteOffFiguresSerializer(serializers.Serializer):
    as_of = serializers.DateField(read_only=True, allow_null=True)
    principal = money_serializer_field(read_only=True)
    interest = money_serializer_field(read_only=True)
    penalty = money_serializer_field(read_only=True)
    fees = money_serializer_field(read_only=True)
    in_suspense = money_serializer_field(read_only=True)
    reserve = money_serializer_field(read_only=True)
    carrying_amount = money_serializer_field(read_only=True)


class LoanWriteOffSerializer(serializers.Serializer):
    """A write-off request and its decision (the loan's balances when it was asked for)."""

    id = serializers.IntegerField(read_only=True)
    loan = serializers.IntegerField(source="loan_id", read_only=True)
    loan_status = serializers.CharField(source="loan.status", read_only=True)
    status = serializers.CharField(read_only=True)
    reason = serializers.CharField(read_only=True)
    amount = money_serializer_field(read_only=True, help_text="the gross receivable written off")
    quote = LoanWriteOffFiguresSerializer(read_only=True)


class LoanRecoveryInputSerializer(serializers.Serializer):
    amount = serializers.DecimalField(max_digits=None, decimal_places=None, help_text="yuan received")
    value_date = serializers.DateField(required=False, help_text="servicing's today (default) or earlier")


class LoanRecoverySerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    loan = serializers.IntegerField(source="loan_id", read_only=True)
    amount = money_serializer_field(read_only=True)
    value_date = serializers.DateField(read_only=True)
    entry = serializers.IntegerField(source="entry_id", read_only=True, allow_null=True)
