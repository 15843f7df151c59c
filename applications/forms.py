"""The application wizard's forms and the offer-acceptance form (server-rendered pages).

The wizard collects what only the applicant can state (purpose, amount, term, method, the few
financial facts the scorecard asks about) and the credit-check consent; everything else comes
from the customer profile. Validation of limits and eligibility is the service's: its field
errors are put back on this form.
"""

from __future__ import annotations

from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _

from applications import features as f
from customers.forms import ProfileForm
from loanhub.money import money_form_field
from loanhub.text import text_form_field
from products.choices import Category, Channel, Frequency, GraceType, RepaymentMethod

STATED_LABELS = {
    "purpose": dict(Category.choices),
    "checking_balance_band": {
        "overdrawn": _("Overdrawn"),
        "low": _("Below 2,000"),
        "high": _("2,000 or more"),
        "no_account": _("No current account"),
    },
    "savings_band": {
        "lt_600": _("Below 600"),
        "600_to_3000": _("600 to 3,000"),
        "3000_to_6000": _("3,000 to 6,000"),
        "ge_6000": _("6,000 or more"),
        "unknown": _("None or not known"),
    },
    "housing": {"rent": _("Rent"), "own": _("Own"), "free": _("Live for free (family, employer)")},
    "property_type": {
        "real_estate": _("Real estate"),
        "insurance_savings": _("Life insurance or savings plan"),
        "car_other": _("Car or other"),
        "none": _("None"),
    },
    "guarantor": {"none": _("None"), "co_applicant": _("Co-applicant"), "guarantor": _("Guarantor")},
}
FIELD_LABELS = {
    "purpose": _("Purpose"),
    "checking_balance_band": _("Current-account balance"),
    "savings_band": _("Savings and bonds"),
    "housing": _("Housing"),
    "property_type": _("Most valuable property"),
    "guarantor": _("Guarantor or co-applicant"),
}
CREDIT_CHECK_WORDING = _(
    "I agree that LoanHub may obtain my credit report from the credit bureau to assess this application."
)


def _choices(name: str) -> list[tuple[str, str]]:
    labels = STATED_LABELS[name]
    return [(value, labels.get(value, value)) for value in f.STATED_CHOICES[name]]


class AcceptOfferForm(forms.Form):
    digest = forms.CharField(widget=forms.HiddenInput)
    disclosure = forms.BooleanField(
        label=_(
            "I have read the disclosure above: amount, rate, APR, total cost, schedule, fees, "
            "prepayment and late-payment terms."
        ),
        required=True,
    )
    credit_contract = forms.BooleanField(label=_("I accept the loan contract on these terms."), required=True)
    redeem_points = forms.IntegerField(
        label=_("Reward points to spend on a lower rate (optional; see My points)"),
        required=False,
        min_value=0,
        max_value=10_000_000,
    )


class ReviewRequestForm(forms.Form):
    """The customer's request for a human review of an automated decline."""

    reason = forms.CharField(
        label=_("Why should a person look at this decision again?"),
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 4, "cols": 60, "maxlength": 1000}),
        help_text=_(
            "For example, information the automated assessment did not have. An officer reviews "
            "the decision and tells you the outcome here."
        ),
    )


# --- the application wizard --------------------------------------------------------------------
# No answer is given for the customer: every dropdown starts on this empty choice and is required.
CHOOSE = ("", _("— choose —"))


def _with_choose(choices) -> list[tuple]:
    return [CHOOSE, *choices]


class WizardLoanForm(forms.Form):
    """Step 1: the loan asked for. The product was chosen in the catalogue (the Apply button)."""

    amount = money_form_field(label=_("Amount"), min_value=Decimal("0.01"))
    term = forms.IntegerField(label=_("Term (months)"), min_value=1, max_value=600)
    method = forms.ChoiceField(label=_("Repayment method"))
    frequency = forms.ChoiceField(label=_("Frequency"))
    grace_periods = forms.TypedChoiceField(
        label=_("Grace period"),
        coerce=int,
        empty_value=None,
        help_text=_("Installments at the start in which you pay no principal."),
    )
    grace_type = forms.ChoiceField(label=_("During the grace period"), required=False)
    purpose = forms.ChoiceField(label=FIELD_LABELS["purpose"], choices=_with_choose(_choices("purpose")))
    # Where the customer came from, carried from the landing link (never typed).
    campaign = text_form_field(required=False, max_length=100, widget=forms.HiddenInput)
    utm_source = text_form_field(required=False, max_length=100, widget=forms.HiddenInput)
    utm_medium = text_form_field(required=False, max_length=100, widget=forms.HiddenInput)
    utm_campaign = text_form_field(required=False, max_length=100, widget=forms.HiddenInput)
    referral_code = text_form_field(required=False, max_length=64, widget=forms.HiddenInput)

    # What the installment and APR preview needs; the other fields are not asked for by Preview.
    QUOTED = ("amount", "term", "method", "frequency", "grace_periods", "grace_type")
    LANDING = ("campaign", "utm_source", "utm_medium", "utm_campaign", "referral_code")

    def __init__(self, *args, version, **kwargs):
        super().__init__(*args, **kwargs)
        self.version = version
        self.fields["method"].choices = _with_choose(
            (value, label) for value, label in RepaymentMethod.choices if value in version.repayment_methods
        )
        self.fields["frequency"].choices = _with_choose(
            (value, label) for value, label in Frequency.choices if value in version.frequencies
        )
        self.fields["amount"].help_text = _("%(min)s to %(max)s") % {
            "min": f"{version.amount_min:,.2f}",
            "max": f"{version.amount_max:,.2f}",
        }
        self.fields["term"].help_text = _("%(min)s to %(max)s months") % {
            "min": version.term_min,
            "max": version.term_max,
        }
        self.offers_grace = version.grace_max_periods > 0
        self.asks_grace_type = self.offers_grace and len(version.grace_types) > 1
        if self.offers_grace:
            self.fields["grace_periods"].choices = _with_choose(
                [(0, _("None"))]
                + [
                    (n, _("%(count)s installments") % {"count": n})
                    for n in range(1, version.grace_max_periods + 1)
                ]
            )
            self.fields["grace_type"].choices = _with_choose(
                (value, label) for value, label in GraceType.choices if value in version.grace_types
            )
        else:
            del self.fields["grace_periods"]
        if not self.asks_grace_type:
            del self.fields["grace_type"]

    def clean(self):
        data = super().clean()
        if self.asks_grace_type and data.get("grace_periods") and not data.get("grace_type"):
            self.add_error("grace_type", _("Choose what you pay during the grace period."))
        return data

    def keep_quote_errors_only(self) -> None:
        """For Preview: the fields the quote does not need are not judged yet."""
        for name in list(self.errors):
            if name not in self.QUOTED:
                del self.errors[name]

    def quote_terms(self) -> dict | None:
        """The quoted fields when they are all valid, else None."""
        data = self.cleaned_data
        needed = [n for n in self.QUOTED if n in self.fields and n != "grace_type"]
        if any(data.get(n) in (None, "") for n in needed) or any(n in self.errors for n in self.QUOTED):
            return None
        return {
            "amount": data["amount"],
            "term": data["term"],
            "method": data["method"],
            "frequency": data["frequency"],
            "grace_periods": data.get("grace_periods") or 0,
            "grace_type": data.get("grace_type") or None,
        }

    def application_data(self) -> dict:
        data = {k: v for k, v in self.cleaned_data.items() if k not in self.LANDING}
        data.setdefault("grace_periods", 0)
        if not data.get("grace_periods"):
            data["grace_type"] = ""
        data["channel"] = Channel.WEB
        return data

    def landing_data(self) -> dict:
        """Where the customer came from (kept when the draft is created)."""
        data = self.cleaned_data
        utm = {k: data[k] for k in ("utm_source", "utm_medium", "utm_campaign") if data.get(k)}
        out = {k: data[k] for k in ("campaign", "referral_code") if data.get(k)}
        if utm:
            out["utm"] = utm
        return out

    def add_service_errors(self, errors: dict[str, list[str]]) -> None:
        for field, messages in errors.items():
            for message in messages:
                self.add_error(field if field in self.fields else None, message)


class WizardAboutForm(ProfileForm):
    """Step 2: about you. The customer profile's fields (prefilled from it, saved to it by the
    customers app) and the few facts the assessment asks on the application itself."""

    checking_balance_band = forms.ChoiceField(
        label=FIELD_LABELS["checking_balance_band"], choices=_with_choose(_choices("checking_balance_band"))
    )
    savings_band = forms.ChoiceField(
        label=FIELD_LABELS["savings_band"], choices=_with_choose(_choices("savings_band"))
    )
    housing = forms.ChoiceField(label=FIELD_LABELS["housing"], choices=_with_choose(_choices("housing")))
    property_type = forms.ChoiceField(
        label=FIELD_LABELS["property_type"], choices=_with_choose(_choices("property_type"))
    )
    guarantor = forms.ChoiceField(
        label=FIELD_LABELS["guarantor"], choices=_with_choose(_choices("guarantor"))
    )

    PROFILE_FIELDS = (
        "customer_type",
        "legal_name",
        "id_number",
        "uscc",
        "phone",
        "email",
        "region",
        "employment_type",
        "employer",
        "industry",
        "years_employed",
        "graduation_year",
        "monthly_income",
        "monthly_debt",
        "annual_revenue",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        del self.fields["credit_check_consent"]  # asked once, on the review step
        for name in ("customer_type", "employment_type"):
            self.fields[name].choices = _with_choose(
                choice for choice in self.fields[name].choices if choice[0] != ""
            )
        for name in f.APPLICANT_STATED:
            self.fields[name].required = True
            self.fields[name].widget.attrs["required"] = True

    def clean(self):
        data = super().clean()
        for name in f.APPLICANT_STATED:  # the profile form leaves "required" to its service
            if not data.get(name) and name not in self.errors:
                self.add_error(name, forms.Field.default_error_messages["required"])
        return data

    def profile_data(self) -> dict:
        return {name: self.cleaned_data.get(name) for name in self.PROFILE_FIELDS}

    def stated_data(self) -> dict:
        return {name: self.cleaned_data[name] for name in f.APPLICANT_STATED}


class WizardDocumentForm(forms.Form):
    """Step 3: the identity card (stored by the customers app)."""

    file = forms.FileField(
        label=_("Identity card (front, with your photo)"),
        help_text=_("PDF, JPEG or PNG."),
        required=False,
        widget=forms.ClearableFileInput(
            attrs={"accept": ".pdf,.jpg,.jpeg,.png,application/pdf,image/jpeg,image/png"}
        ),
    )


class WizardReviewForm(forms.Form):
    """Step 4: the consent to a credit check, asked once (not again when already given)."""

    credit_check_consent = forms.BooleanField(label=CREDIT_CHECK_WORDING, required=True)

    def __init__(self, *args, consent_given: bool, **kwargs):
        super().__init__(*args, **kwargs)
        if consent_given:
            del self.fields["credit_check_consent"]
