"""Forms of servicing: the borrower's pay-now form, and the officer's repayment entry and reversal
in the console. They only read the input; `servicing.payments` and `servicing.repayments` decide,
and their field errors are put back on these forms (`add_service_errors`)."""

from __future__ import annotations

import secrets

from django import forms
from django.utils.translation import gettext_lazy as _

from loanhub.errors import Invalid
from loanhub.money import money_form_field
from servicing import selectors
from servicing.choices import RepaymentChannel

# Where an officer records money received (statement lines are imported, portal payments are
# the borrower's own).
OFFICER_CHANNELS = [
    (RepaymentChannel.BRANCH.value, RepaymentChannel.BRANCH.label),
    (RepaymentChannel.TRANSFER.value, RepaymentChannel.TRANSFER.label),
]


def new_payment_key() -> str:
    return secrets.token_urlsafe(24)


def add_service_errors(form: forms.Form, error: Invalid) -> None:
    """Put a service's field errors on the form's fields (on the form itself for other fields)."""
    for field, messages in error.errors.items():
        for message in messages:
            form.add_error(field if field in form.fields else None, str(message))


class PayNowForm(forms.Form):
    amount = money_form_field(
        label=_("Amount to pay (yuan)"),
        widget=forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"}),
    )
    # A one-time key: a resubmitted form or a double click posts one payment.
    key = forms.CharField(widget=forms.HiddenInput, max_length=64)


class RepaymentEntryForm(forms.Form):
    loan = forms.CharField(label=_("Loan number"), max_length=16, help_text=_("e.g. L00000042"))
    amount = money_form_field(label=_("Amount received (yuan)"))
    value_date = forms.DateField(
        label=_("Value date"),
        required=False,
        help_text=_("When the money was paid (YYYY-MM-DD); leave empty for today."),
    )
    channel = forms.ChoiceField(label=_("Received by"), choices=OFFICER_CHANNELS)
    reference = forms.CharField(
        label=_("Reference"), max_length=64, required=False, help_text=_("Receipt or bank reference")
    )

    def clean_loan(self):
        number = self.cleaned_data["loan"].strip().upper()
        loan = selectors.loan_get_by_number(number)
        if loan is None:
            raise forms.ValidationError(_("No loan has the number %(number)s."), params={"number": number})
        return loan


class RepaymentReverseForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason"),
        max_length=255,
        widget=forms.Textarea(attrs={"rows": 3, "cols": 60}),
        help_text=_(
            "Why the payment is reversed (a bounced debit, a mistaken entry); kept in the loan's events."
        ),
    )


class PrepayForm(forms.Form):
    """The borrower's prepayment: the principal to prepay and, where the loan allows both, the
    mode. `confirm` is set on the second step, with the total shown (the posting must equal it)."""

    amount = money_form_field(
        label=_("Principal to prepay (yuan)"),
        help_text=_("At or above the principal still owed, the whole loan is paid off."),
        widget=forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"}),
    )
    mode = forms.ChoiceField(
        label=_("After the prepayment"),
        choices=[
            ("reduce_installment", _("Pay less each month (same number of installments)")),
            ("shorten_term", _("Finish sooner (same installment)")),
        ],
        widget=forms.RadioSelect,
        required=False,
    )
    key = forms.CharField(widget=forms.HiddenInput, max_length=64)
    shown_total = forms.DecimalField(
        widget=forms.HiddenInput, required=False, decimal_places=2, max_digits=18
    )
    confirm = forms.BooleanField(widget=forms.HiddenInput, required=False)


class DeferralDecisionForm(forms.Form):
    """An officer's decision on a pending deferral (`servicing.deferrals`)."""

    decision = forms.ChoiceField(
        choices=(("approve", _("Approve")), ("reject", _("Reject"))), widget=forms.HiddenInput
    )
    reason = forms.CharField(
        label=_("Reason"),
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3, "cols": 60}),
        help_text=_("Why the deferral is rejected (optional); kept in the loan's events."),
    )
