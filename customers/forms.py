"""Page forms of the customers app. They only shape the input; `customers.services` validates
it, and its field errors are put back next to the fields (see `apply_errors`)."""

from __future__ import annotations

from django import forms
from django.contrib.auth.password_validation import password_validators_help_texts
from django.utils.translation import gettext_lazy as _

from customers import consents, selectors
from customers.masking import mask_id_number, mask_phone
from customers.models import CustomerType, DocumentKind, EmploymentType, IndustrySection, TaxRating
from loanhub.errors import DomainError
from loanhub.money import money_form_field
from loanhub.text import text_form_field


def apply_errors(form: forms.Form, error: DomainError) -> None:
    """Show a service's error on the form: field errors next to their fields (unknown fields and
    an error without fields above the form)."""
    for field, messages in (error.errors or {None: [error.detail]}).items():
        target = field if field in form.fields else None
        for message in messages:
            form.add_error(target, message)


class SignupForm(forms.Form):
    username = forms.CharField(label=_("User name"), max_length=150)
    email = forms.EmailField(label=_("E-mail"))
    password = forms.CharField(label=_("Password"), strip=False, widget=forms.PasswordInput)
    password_again = forms.CharField(label=_("Password again"), strip=False, widget=forms.PasswordInput)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # The rules the password must pass, shown before the customer types it (the validators'
        # own words, in the page's language).
        self.fields["password"].help_text = " ".join(password_validators_help_texts())

    def clean(self):
        data = super().clean()
        if data.get("password") and data.get("password") != data.get("password_again"):
            self.add_error("password_again", _("The two passwords differ."))
        return data


class ProfileForm(forms.Form):
    customer_type = forms.ChoiceField(label=_("Customer type"), choices=CustomerType.choices)
    legal_name = text_form_field(
        label=_("Legal name"), max_length=200, help_text=_("Your name, or the business's registered name.")
    )
    id_number = text_form_field(
        label=_("Resident identity number"),
        max_length=32,
        required=False,
        help_text=_(
            "Of the person, or of the business's legal representative. "
            "Shown masked; type it again to change it."
        ),
    )
    uscc = text_form_field(
        label=_("Unified social credit code"),
        max_length=32,
        required=False,
        help_text=_("Sole proprietors and small businesses only."),
    )
    phone = text_form_field(
        label=_("Mobile phone"),
        max_length=32,
        required=False,
        help_text=_("Shown masked; type it again to change it."),
    )
    email = text_form_field(label=_("E-mail"), max_length=254, required=False)
    region = text_form_field(
        label=_("Region"), max_length=64, help_text=_("Province or city where you live or trade.")
    )
    employment_type = forms.ChoiceField(label=_("Employment"), choices=EmploymentType.choices)
    employer = text_form_field(label=_("Employer"), max_length=200, required=False)
    industry = text_form_field(label=_("Industry"), max_length=100, required=False)
    years_employed = text_form_field(label=_("Years employed or in business"), max_length=3, required=False)
    graduation_year = text_form_field(
        label=_("Year of graduation"),
        max_length=4,
        required=False,
        help_text=_("From university or college; a student gives the expected year."),
    )
    monthly_income = text_form_field(label=_("Monthly income"), max_length=20)
    monthly_debt = text_form_field(label=_("Existing monthly debt payments"), max_length=20, required=False)
    annual_revenue = text_form_field(
        label=_("Annual revenue"), max_length=20, required=False, help_text=_("Businesses only.")
    )
    credit_check_consent = forms.BooleanField(
        label=_("I agree to the credit check described above."), required=False
    )

    consent_wording = consents.CREDIT_CHECK.text

    # The service decides what is required (it depends on the customer type); the form accepts
    # everything so that all of the service's errors show at once, next to their fields.
    BROWSER_REQUIRED = ("customer_type", "legal_name", "region", "employment_type", "monthly_income")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name, field in self.fields.items():
            field.required = False
            if name in self.BROWSER_REQUIRED:
                field.widget.attrs["required"] = True
        self.fields["phone"].widget.attrs["inputmode"] = "tel"
        self.fields["years_employed"].widget.attrs["inputmode"] = "numeric"
        self.fields["graduation_year"].widget.attrs["inputmode"] = "numeric"
        self.fields["email"].widget.input_type = "email"
        self.fields["phone"].widget.input_type = "tel"
        for name in ("monthly_income", "monthly_debt", "annual_revenue"):
            self.fields[name].widget.attrs["inputmode"] = "decimal"


def profile_initial(customer) -> dict:
    """The profile form's initial values: the saved profile, identity and phone numbers masked."""
    if customer is None:
        return {}
    return {
        "customer_type": customer.customer_type,
        "legal_name": customer.legal_name,
        "id_number": mask_id_number(customer.id_number),
        "uscc": customer.uscc,
        "phone": mask_phone(customer.phone),
        "email": customer.email,
        "region": customer.region,
        "employment_type": customer.employment_type,
        "employer": customer.employer,
        "industry": customer.industry,
        "years_employed": customer.years_employed,
        "graduation_year": "" if customer.graduation_year is None else customer.graduation_year,
        "monthly_income": f"{customer.monthly_income:.2f}",
        "monthly_debt": f"{customer.monthly_debt:.2f}",
        "annual_revenue": "" if customer.annual_revenue is None else f"{customer.annual_revenue:.2f}",
        "credit_check_consent": selectors.customer_has_credit_check_consent(customer=customer),
    }


class DocumentUploadForm(forms.Form):
    kind = forms.ChoiceField(label=_("Document"), choices=DocumentKind.choices)
    file = forms.FileField(
        label=_("File"),
        help_text=_("PDF, JPEG or PNG."),
        widget=forms.ClearableFileInput(
            attrs={"accept": ".pdf,.jpg,.jpeg,.png,application/pdf,image/jpeg,image/png"}
        ),
    )


class BusinessProfileForm(forms.Form):
    """The business data of a small business or sole proprietor (the portal's form)."""

    annual_revenue = money_form_field(label=_("Annual revenue, last year"), min_value=0)
    annual_revenue_previous = money_form_field(label=_("Annual revenue, the year before"), min_value=0)
    net_profit = money_form_field(label=_("Net profit, last year"), help_text=_("A loss is negative."))
    net_profit_previous = money_form_field(label=_("Net profit, the year before"))
    total_assets = money_form_field(label=_("Total assets"), min_value=0)
    total_liabilities = money_form_field(label=_("Total liabilities"), min_value=0)
    years_trading = forms.IntegerField(label=_("Years trading"), min_value=0, max_value=200)
    industry = forms.ChoiceField(label=_("Industry (GB/T 4754 section)"), choices=IndustrySection.choices)
    tax_rating = forms.ChoiceField(label=_("Tax credit rating"), choices=TaxRating.choices)
    employees = forms.IntegerField(label=_("Employees"), min_value=0, max_value=1_000_000)
