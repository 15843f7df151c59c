"""Forms of the customer catalogue pages (all GET, so a result can be linked and shared)."""

from __future__ import annotations

from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _

from loanhub.money import money_form_field
from products import choices as c
from products.quotes import grace_requested

CENT = Decimal("0.01")


def _blank(choices) -> list:
    return [("", _("any")), *choices]


class CatalogueFilterForm(forms.Form):
    purpose = forms.ChoiceField(label=_("Purpose"), choices=_blank(c.Category.choices), required=False)
    amount = money_form_field(label=_("Amount (CNY)"), required=False, min_value=CENT)
    term = forms.IntegerField(label=_("Term (months)"), required=False, min_value=1, max_value=1200)


class QuoteForm(forms.Form):
    """Amount, term, method and, where the product offers it, grace for one product; choices come
    from the product version (its limits are checked by the quote, which names them)."""

    amount = money_form_field(label=_("Amount (CNY)"), min_value=CENT)
    term = forms.IntegerField(label=_("Term (months)"), min_value=1, max_value=1200)
    method = forms.ChoiceField(label=_("Repayment method"))
    frequency = forms.ChoiceField(label=_("Repayment frequency"))
    grace_periods = forms.IntegerField(
        label=_("Grace installments"), min_value=0, max_value=1200, required=False
    )
    grace_type = forms.ChoiceField(label=_("Grace type"), required=False)

    def __init__(self, *args, version, **kwargs):
        super().__init__(*args, **kwargs)
        self.version = version
        methods = dict(c.RepaymentMethod.choices)
        frequencies = dict(c.Frequency.choices)
        self.fields["method"].choices = [(m, methods.get(m, m)) for m in version.repayment_methods]
        self.fields["frequency"].choices = [(f, frequencies.get(f, f)) for f in version.frequencies]
        self.fields["amount"].help_text = f"{version.amount_min:,.2f} – {version.amount_max:,.2f}"
        self.fields["term"].help_text = f"{version.term_min} – {version.term_max}"
        if not version.grace_max_periods:
            del self.fields["grace_periods"], self.fields["grace_type"]
            return
        self.fields["grace_periods"].help_text = f"0 – {version.grace_max_periods}"
        grace_types = dict(c.GraceType.choices)
        if len(version.grace_types) > 1:
            self.fields["grace_type"].choices = [(t, grace_types.get(t, t)) for t in version.grace_types]
        else:
            del self.fields["grace_type"]

    @classmethod
    def initial_for(cls, version) -> dict:
        return {
            "amount": str(version.representative_amount),
            "term": str(version.representative_term),
            "method": version.default_method,
            "frequency": version.default_frequency,
        }

    def quote_kwargs(self) -> dict:
        """The cleaned data as `product_quote` arguments (grace as the engine's mapping)."""
        data = dict(self.cleaned_data)
        data["grace"] = grace_requested(
            self.version, periods=data.pop("grace_periods", None), grace_type=data.pop("grace_type", None)
        )
        return data

    def add_quote_errors(self, errors: dict[str, list[str]]) -> None:
        for name, messages in errors.items():
            name = "grace_periods" if name == "grace" else name
            for message in messages:
                self.add_error(name if name in self.fields else None, message)


class CompareForm(forms.Form):
    codes = forms.CharField(label=_("Product codes"), max_length=200)
    amount = money_form_field(label=_("Amount (CNY)"), required=False, min_value=CENT)
    term = forms.IntegerField(label=_("Term (months)"), required=False, min_value=1, max_value=1200)

    def clean_codes(self) -> list[str]:
        codes = [code.strip().upper() for code in self.cleaned_data["codes"].split(",") if code.strip()]
        if not 2 <= len(codes) <= 4:
            raise forms.ValidationError(_("Choose between 2 and 4 products."))
        return list(dict.fromkeys(codes))


class RecommendForm(forms.Form):
    purpose = forms.ChoiceField(label=_("Purpose"), choices=_blank(c.Category.choices), required=False)
    amount = money_form_field(label=_("Amount (CNY)"), min_value=CENT)
    term = forms.IntegerField(label=_("Term (months)"), min_value=1, max_value=1200)
    monthly_income = money_form_field(label=_("Monthly income (CNY)"), required=False, min_value=0)
    monthly_debt = money_form_field(label=_("Monthly debt payments (CNY)"), required=False, min_value=0)
    employment_type = forms.ChoiceField(
        label=_("Employment"), choices=_blank(c.EmploymentType.choices), required=False
    )
    customer_type = forms.ChoiceField(
        label=_("Customer type"), choices=_blank(c.CustomerType.choices), required=False
    )
    age = forms.IntegerField(label=_("Age"), required=False, min_value=16, max_value=100)

    def profile_kwargs(self) -> dict:
        data = {k: v for k, v in self.cleaned_data.items() if v not in (None, "")}
        data.setdefault("monthly_debt", Decimal("0"))
        return data
