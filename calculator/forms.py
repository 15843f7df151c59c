"""The customer calculator's form: what a person types, turned into the engine's loan terms.

Rates are typed as percentages (4.9 means 4.9 %) and become Decimal fractions here; fees are the
engine's four kinds. The form reads GET parameters, so every result is a shareable link.
"""

from __future__ import annotations

from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _

from loanhub import clock
from loanhub.bounds import START_DATE, RateCapValidator
from loanhub.money import money_form_field
from products.choices import SCHEDULE_METHODS
from products.engine import DayCount, Frequency

FREQUENCY_LABELS = {
    Frequency.WEEKLY: _("Weekly"),
    Frequency.BIWEEKLY: _("Every two weeks"),
    Frequency.SEMIMONTHLY: _("Twice a month"),
    Frequency.MONTHLY: _("Monthly"),
    Frequency.QUARTERLY: _("Quarterly"),
    Frequency.SEMIANNUAL: _("Half-yearly"),
    Frequency.ANNUAL: _("Yearly"),
}
DAY_COUNT_LABELS = {
    DayCount.THIRTY_360: _("30/360 (bank calculators)"),
    DayCount.ACT_365: _("Actual/365"),
    DayCount.ACT_360: _("Actual/360"),
}
HUNDRED = Decimal(100)


def _money(label, **kwargs) -> forms.DecimalField:
    return money_form_field(label=label, min_value=Decimal("0"), **kwargs)


def _percent(label, *, maximum: str | None = None, **kwargs) -> forms.DecimalField:
    return forms.DecimalField(
        label=label,
        max_digits=10,
        decimal_places=4,
        min_value=Decimal("0"),
        max_value=Decimal(maximum) if maximum else None,
        **kwargs,
    )


class CalculatorForm(forms.Form):
    product = forms.ChoiceField(
        label=_("Product (optional)"),
        required=False,
        help_text=_("Fills in the product's lowest rate, its fees and its day count."),
    )
    principal = _money(_("Loan amount"), initial=Decimal("100000"))
    # At most the legal cap (LOANHUB_APR_CAP), read on each request.
    annual_rate = _percent(
        _("Annual interest rate (%)"), validators=[RateCapValidator(percent=True)], initial=Decimal("4.9")
    )
    term = forms.IntegerField(label=_("Number of installments"), min_value=1, max_value=1200, initial=12)
    method = forms.ChoiceField(label=_("Repayment method"), choices=SCHEDULE_METHODS, initial="annuity")
    frequency = forms.ChoiceField(
        label=_("Frequency"), choices=list(FREQUENCY_LABELS.items()), initial=Frequency.MONTHLY
    )
    day_count = forms.ChoiceField(
        label=_("Day count"), choices=list(DAY_COUNT_LABELS.items()), initial=DayCount.THIRTY_360
    )
    start_date = forms.DateField(
        label=_("Disbursement date"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        validators=[START_DATE],
    )
    upfront_fee = _money(_("Upfront fee (amount)"), required=False)
    upfront_fee_percent = _percent(_("Upfront fee (percent of the amount)"), maximum="100", required=False)
    periodic_fee = _money(_("Fee per installment (amount)"), required=False)
    periodic_fee_percent = _percent(
        _("Fee per installment (percent of the amount)"),
        maximum="100",
        required=False,
        help_text=_("The 'monthly fee rate' some lenders quote instead of an interest rate."),
    )
    interest_free_periods = forms.IntegerField(
        label=_("Interest-free installments"), min_value=0, max_value=1200, required=False
    )
    grace_periods = forms.IntegerField(
        label=_("Grace installments (interest only)"), min_value=0, max_value=1200, required=False
    )

    def __init__(self, *args, products=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["product"].choices = [("", "—"), *((v.product.code, v.name) for v in products)]

    def clean_principal(self):
        value = self.cleaned_data["principal"]
        if value <= 0:
            raise forms.ValidationError(_("Enter an amount above zero."))
        if value > Decimal("100000000000"):
            raise forms.ValidationError(_("Enter an amount of at most 100,000,000,000."))
        return value

    def terms(self, *, method: str | None = None) -> dict:
        """The engine's loan terms for the cleaned data (optionally with another method)."""
        data = self.cleaned_data
        fees = []
        for kind, field, percent in (
            ("upfront", "upfront_fee", False),
            ("upfront_percent", "upfront_fee_percent", True),
            ("periodic", "periodic_fee", False),
            ("periodic_percent", "periodic_fee_percent", True),
        ):
            value = data.get(field)
            if value:
                fees.append(
                    {"type": kind, "rate": value / HUNDRED} if percent else {"type": kind, "amount": value}
                )
        grace = data.get("grace_periods") or 0
        return {
            "principal": data["principal"],
            "annual_rate": data["annual_rate"] / HUNDRED,
            "term": data["term"],
            "frequency": data["frequency"],
            "method": method or data["method"],
            "start_date": data.get("start_date") or clock.today(),
            "first_due_date": None,
            "day_count": data["day_count"],
            "fees": fees,
            "grace": {"periods": grace, "type": "interest_only"} if grace else None,
            "interest_free_periods": data.get("interest_free_periods") or 0,
        }

    # The engine names its fields after the API; map them to this form's fields.
    ENGINE_FIELDS = {
        "principal": "principal",
        "annual_rate": "annual_rate",
        "term": "term",
        "fees": None,
        "grace": "grace_periods",
        "interest_free_periods": "interest_free_periods",
        "start_date": "start_date",
        "frequency": "frequency",
        "method": "method",
        "day_count": "day_count",
    }

    def add_engine_errors(self, errors: dict[str, list[str]]) -> None:
        for field, messages in errors.items():
            target = self.ENGINE_FIELDS.get(field.split(".")[0].split("[")[0])
            for message in messages:
                self.add_error(target if target in self.fields else None, message)
