"""Customers: profiles of individuals, sole proprietors and small/micro enterprises, with KYC.

Identity numbers and phone numbers are personal data: shown masked everywhere (see
`customers.masking`) except to roles with the audited reveal permission, and never logged.
Writes go through `customers.services`; the models carry fields, constraints and guarded
transitions only.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from django_fsm import FSMField, FSMModelMixin, transition
from simple_history.models import HistoricalRecords

from customers.storage import private_storage
from loanhub.models import TransitionEvent
from loanhub.money import money_field
from loanhub.permissions import is_user, may
from loanhub.transitions import Transitionable

# One vocabulary: who borrows and how they earn are the catalogue's words (re-exported here).
from products.choices import CustomerType as CustomerType
from products.choices import EmploymentType as EmploymentType


def age_on(date_of_birth: dt.date, on_date: dt.date) -> int:
    """Completed years of age on a date."""
    before_birthday = (on_date.month, on_date.day) < (date_of_birth.month, date_of_birth.day)
    return on_date.year - date_of_birth.year - int(before_birthday)


# Customer types that are businesses: they carry a unified social credit code and a revenue.
BUSINESS_TYPES = frozenset({CustomerType.SOLE_PROPRIETOR, CustomerType.SMALL_BUSINESS})


# Who must name an employer, and who an industry.
NEEDS_EMPLOYER = frozenset({EmploymentType.SALARIED})
NEEDS_INDUSTRY = frozenset({EmploymentType.SELF_EMPLOYED, EmploymentType.BUSINESS_OWNER})


class KycStatus(models.TextChoices):
    UNVERIFIED = "unverified", _("Unverified")
    VERIFIED = "verified", _("Verified")
    REJECTED = "rejected", _("Rejected")


def may_review_kyc(customer: Customer, user) -> bool:
    """Loan Officers (`customers.change_customer`) decide on identities, never on their own."""
    return may(user, "customers.change_customer") and not is_user(user, customer.user_id)


class CustomerGroupKind(models.TextChoices):
    CORPORATE = "corporate", _("corporate group (common control)")
    RELATED = "related", _("related parties")
    HOUSEHOLD = "household", _("household")


class CustomerGroup(models.Model):
    """A customer group (集团客户/关联客户): borrowers whose exposures count together — companies
    under common control, related parties, one household. Loan Officers keep the membership
    (`customers.groups`); a concentration limit on the dimension `customer_group` caps the sum of
    its members' loans."""

    code = models.CharField(_("group code"), max_length=32, unique=True)
    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(_("kind"), max_length=16, choices=CustomerGroupKind.choices)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("customer group")
        verbose_name_plural = _("customer groups")
        ordering = ("code",)

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class Customer(Transitionable, FSMModelMixin, models.Model):
    """A borrower: one person, or one business with its legal representative, per user account.

    `id_number` is the resident identity number of the person (the legal representative for a
    business); `date_of_birth` is derived from it. Both it and `phone` are stored normalised
    (upper-case, digits only) so that exact look-ups work.
    """

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="customer", verbose_name=_("user")
    )
    customer_type = models.CharField(
        _("customer type"), max_length=20, choices=CustomerType.choices, default=CustomerType.INDIVIDUAL
    )
    legal_name = models.CharField(_("legal name"), max_length=200)
    id_number = models.CharField(_("resident identity number"), max_length=18, db_index=True)
    uscc = models.CharField(_("unified social credit code"), max_length=18, blank=True)
    date_of_birth = models.DateField(_("date of birth"), null=True, blank=True)
    phone = models.CharField(_("phone"), max_length=20, db_index=True)
    email = models.EmailField(_("e-mail"), blank=True)
    region = models.CharField(_("region"), max_length=64, blank=True)
    employment_type = models.CharField(
        _("employment type"), max_length=20, choices=EmploymentType.choices, default=EmploymentType.SALARIED
    )
    employer = models.CharField(_("employer"), max_length=200, blank=True)
    industry = models.CharField(_("industry"), max_length=100, blank=True)
    years_employed = models.PositiveSmallIntegerField(_("years employed or in business"), default=0)
    graduation_year = models.PositiveSmallIntegerField(
        _("year of graduation"),
        null=True,
        blank=True,
        help_text=_("From university or college; a student gives the expected year."),
    )
    # Set by a Loan Officer (customers.services.customer_set_payroll): the lender pays their salary.
    payroll_customer = models.BooleanField(_("payroll customer"), default=False)
    monthly_income = money_field(_("monthly income"))
    monthly_debt = money_field(_("existing monthly debt payments"), default=0)
    annual_revenue = money_field(_("annual revenue"), null=True, blank=True)
    # Set by a Loan Officer (customers.groups): whose exposures count with this customer's.
    group = models.ForeignKey(
        CustomerGroup,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="members",
        verbose_name=_("customer group"),
    )
    kyc_status = FSMField(
        _("KYC status"),
        max_length=16,
        choices=KycStatus.choices,
        default=KycStatus.UNVERIFIED,
        protected=True,
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    # Profile changes are kept, without the personal identifiers (they must not leak through
    # the history screens) and without the KYC state (CustomerEvent records its changes).
    history = HistoricalRecords(excluded_fields=["id_number", "phone", "kyc_status", "updated_at"])

    # KYC moves through loanhub.transitions.run_transition; its CustomerEvent is the record.
    state_field_name = "kyc_status"
    transition_skips_history = True
    transition_actions = {
        "verify": pgettext_lazy("action", "verify"),
        "reject": pgettext_lazy("action", "reject"),
        "resubmit": pgettext_lazy("action", "resubmit"),
    }

    class Meta:
        verbose_name = _("customer")
        verbose_name_plural = _("customers")
        ordering = ("-id",)
        constraints = [
            # One individual profile per person; a person may represent several businesses.
            models.UniqueConstraint(fields=("id_number", "uscc"), name="customer_unique_identity"),
            models.UniqueConstraint(fields=("uscc",), condition=~Q(uscc=""), name="customer_unique_uscc"),
        ]

    def __str__(self) -> str:
        return f"C{self.pk:07d}" if self.pk else "C-new"

    @property
    def is_business(self) -> bool:
        return self.customer_type in BUSINESS_TYPES

    @property
    def identity_needs_correction(self) -> bool:
        """A Loan Officer rejected the identity: the customer corrects it and saves again."""
        return self.kyc_status == KycStatus.REJECTED

    def transition_event(self, **fields) -> CustomerEvent:
        return CustomerEvent(customer=self, kind=EventKind.KYC, **fields)

    # --- KYC transitions: guards only; customers.services does the work around them ----------
    @transition(
        field=kyc_status, source=KycStatus.UNVERIFIED, target=KycStatus.VERIFIED, permission=may_review_kyc
    )
    def verify(self) -> None:
        """A Loan Officer confirmed the identity against the documents."""

    @transition(
        field=kyc_status, source=KycStatus.UNVERIFIED, target=KycStatus.REJECTED, permission=may_review_kyc
    )
    def reject(self) -> None:
        """A Loan Officer could not confirm the identity."""

    @transition(field=kyc_status, source=KycStatus.REJECTED, target=KycStatus.UNVERIFIED)
    def resubmit(self) -> None:
        """The customer corrected their identity data after a rejection; it is checked again."""


class EventKind(models.TextChoices):
    KYC = "kyc", _("KYC transition")
    REVEAL = "reveal", _("Personal data revealed")
    DOCUMENT_VIEW = "document_view", _("Document viewed by staff")
    CHANGE = "change", _("Identity or contact data changed")
    CLAIM = "claim", _("Identity number claimed by another account")


class CustomerEvent(TransitionEvent):
    """KYC transitions and audited reveals of personal data (who, what, when, why)."""

    customer = models.ForeignKey(
        Customer, on_delete=models.PROTECT, related_name="events", verbose_name=_("customer")
    )
    kind = models.CharField(_("kind"), max_length=16, choices=EventKind.choices, default=EventKind.KYC)
    field = models.CharField(_("field revealed"), max_length=32, blank=True)

    class Meta(TransitionEvent.Meta):
        verbose_name = _("customer event")
        verbose_name_plural = _("customer events")

    def __str__(self) -> str:
        # In the reader's language (the console's event rows): KYC states by their labels.
        labels = dict(KycStatus.choices)
        before, after = labels.get(self.from_state, self.from_state), labels.get(self.to_state, self.to_state)
        return f"{self.customer} {self.get_kind_display()} {before}→{after}"


class ConsentKind(models.TextChoices):
    CREDIT_CHECK = "credit_check", _("Credit check")
    # Marketing consents: one per channel and purpose, never a condition of a loan (PIPL art. 14).
    MARKETING_EMAIL = "marketing_email", _("Marketing by e-mail")
    MARKETING_SMS = "marketing_sms", _("Marketing by SMS")
    MARKETING_PORTAL = "marketing_portal", _("Marketing in the portal")
    PERSONALISED_RECOMMENDATIONS = "personalised_recommendations", _("Personalised recommendations")


# The marketing consents by the short name the API and the unsubscribe link use.
MARKETING_CONSENTS = {
    "email": ConsentKind.MARKETING_EMAIL,
    "sms": ConsentKind.MARKETING_SMS,
    "portal": ConsentKind.MARKETING_PORTAL,
    "personalised_recommendations": ConsentKind.PERSONALISED_RECOMMENDATIONS,
}


class Consent(models.Model):
    """A consent a customer gave (a credit check, or marketing by one channel or purpose), kept
    with the exact wording they were shown.

    A withdrawn consent keeps its row with `withdrawn_at` set; giving it again adds a new row.
    """

    customer = models.ForeignKey(
        Customer, on_delete=models.PROTECT, related_name="consents", verbose_name=_("customer")
    )
    kind = models.CharField(_("kind"), max_length=32, choices=ConsentKind.choices)
    wording = models.TextField(_("wording as shown"))
    version = models.CharField(_("wording version"), max_length=32)
    language = models.CharField(_("language"), max_length=16, blank=True)
    given_at = models.DateTimeField(_("given at"))
    withdrawn_at = models.DateTimeField(_("withdrawn at"), null=True, blank=True)

    class Meta:
        verbose_name = _("consent")
        verbose_name_plural = _("consents")
        ordering = ("-given_at", "-id")
        indexes = [models.Index(fields=("customer", "kind", "withdrawn_at"), name="consent_current_idx")]

    def __str__(self) -> str:
        return f"{self.customer} {self.get_kind_display()} {self.version}"


class DocumentKind(models.TextChoices):
    ID_CARD = "id_card", _("Identity card image")
    INCOME_PROOF = "income_proof", _("Income proof")
    BUSINESS_LICENCE = "business_licence", _("Business licence")
    FINANCIAL_STATEMENTS = "financial_statements", _("Financial statements")


class Document(models.Model):
    """A file a customer uploaded (identity card, income proof, business licence).

    Stored in private storage under a generated name, never under MEDIA_URL; it is served only
    through the permission-checked download view. `content_type` is what the content is (from
    its magic bytes), not what the client said.
    """

    customer = models.ForeignKey(
        Customer, on_delete=models.PROTECT, related_name="documents", verbose_name=_("customer")
    )
    kind = models.CharField(_("kind"), max_length=32, choices=DocumentKind.choices)
    file = models.FileField(_("file"), storage=private_storage, max_length=255)
    original_name = models.CharField(_("original file name"), max_length=200, blank=True)
    content_type = models.CharField(_("content type"), max_length=64)
    size = models.PositiveIntegerField(_("size in bytes"))
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("uploaded by"),
    )
    uploaded_at = models.DateTimeField(_("uploaded at"), auto_now_add=True)

    class Meta:
        verbose_name = _("document")
        verbose_name_plural = _("documents")
        ordering = ("-uploaded_at", "-id")

    def __str__(self) -> str:
        return f"{self.get_kind_display()} #{self.pk}"


class IndustrySection(models.TextChoices):
    """The sections (门类) of the national industry classification GB/T 4754-2017."""

    A = "A", _("A Agriculture, forestry, animal husbandry and fishery")
    B = "B", _("B Mining")
    C = "C", _("C Manufacturing")
    D = "D", _("D Electricity, heat, gas and water production and supply")
    E = "E", _("E Construction")
    F = "F", _("F Wholesale and retail trade")
    G = "G", _("G Transport, storage and postal services")
    H = "H", _("H Accommodation and catering")
    I = "I", _("I Information transmission, software and IT services")  # noqa: E741
    J = "J", _("J Finance")
    K = "K", _("K Real estate")
    L = "L", _("L Leasing and business services")
    M = "M", _("M Scientific research and technical services")
    N = "N", _("N Water, environment and public facilities management")
    O = "O", _("O Resident services, repair and other services")  # noqa: E741
    P = "P", _("P Education")
    Q = "Q", _("Q Health and social work")
    R = "R", _("R Culture, sports and entertainment")
    S = "S", _("S Public administration, social security and social organisations")
    T = "T", _("T International organisations")


class TaxRating(models.TextChoices):
    """The tax authority's tax credit rating (纳税信用等级), best A to worst D; M is a new or small
    taxpayer without a full year's record."""

    A = "A", "A"
    B = "B", "B"
    M = "M", "M"
    C = "C", "C"
    D = "D", "D"


class BusinessProfile(models.Model):
    """What a small business or sole proprietor states about the business: the last two years'
    revenue and net profit, the balance sheet totals, years trading, industry (GB/T 4754 section),
    tax credit rating and employees. The business rating (`risk.business`) reads it through
    `customers.business.business_facts`. One per business customer; written only by its owner."""

    customer = models.OneToOneField(
        Customer, on_delete=models.PROTECT, related_name="business_profile", verbose_name=_("customer")
    )
    annual_revenue = money_field(_("annual revenue, last year"))
    annual_revenue_previous = money_field(_("annual revenue, the year before"))
    net_profit = money_field(_("net profit, last year"))
    net_profit_previous = money_field(_("net profit, the year before"))
    total_assets = money_field(_("total assets"))
    total_liabilities = money_field(_("total liabilities"))
    years_trading = models.PositiveSmallIntegerField(_("years trading"))
    industry = models.CharField(
        _("industry (GB/T 4754 section)"), max_length=1, choices=IndustrySection.choices
    )
    tax_rating = models.CharField(_("tax credit rating"), max_length=1, choices=TaxRating.choices)
    employees = models.PositiveIntegerField(_("employees"))
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("business profile")
        verbose_name_plural = _("business profiles")
        constraints = [
            models.CheckConstraint(
                condition=Q(annual_revenue__gte=0)
                & Q(annual_revenue_previous__gte=0)
                & Q(total_assets__gte=0)
                & Q(total_liabilities__gte=0),
                name="business_profile_non_negative",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.customer} business"


class PhoneCode(models.Model):
    """A one-time code sent by SMS to prove the customer holds their phone number.

    Neither the code nor the number is stored: `code_digest` and `phone_digest` are keyed hashes
    (customers.phone). A code proves the number it was sent to: when the customer changes their
    phone, the digests no longer match and the new number must be verified again.
    """

    customer = models.ForeignKey(
        Customer, on_delete=models.CASCADE, related_name="phone_codes", verbose_name=_("customer")
    )
    phone_digest = models.CharField(_("phone number digest"), max_length=64)
    code_digest = models.CharField(_("code digest"), max_length=64)
    sent_at = models.DateTimeField(_("sent at"))
    expires_at = models.DateTimeField(_("expires at"))
    attempts = models.PositiveSmallIntegerField(_("wrong attempts"), default=0)
    verified_at = models.DateTimeField(_("verified at"), null=True, blank=True)

    class Meta:
        verbose_name = _("phone verification code")
        verbose_name_plural = _("phone verification codes")
        ordering = ("-sent_at", "-id")
        indexes = [models.Index(fields=["customer", "-sent_at"], name="phone_code_customer_sent")]

    def __str__(self) -> str:
        return f"{self.customer} phone code #{self.pk}"


class IncomeSource(models.TextChoices):
    CUSTOMER = "customer", _("updated by the customer")
    OFFICER = "officer", _("re-verified by an officer")


class IncomeVerification(models.Model):
    """A re-verification of a customer's monthly income after their application: the customer
    updated it on the portal, or an officer re-verified it (payslips, tax records). Early warning
    compares it with the income stated at application (`income_drop`)."""

    customer = models.ForeignKey(
        Customer, on_delete=models.PROTECT, related_name="income_verifications", verbose_name=_("customer")
    )
    monthly_income = money_field(_("monthly income"))
    verified_on = models.DateField(_("verified on"))
    source = models.CharField(_("source"), max_length=10, choices=IncomeSource.choices)
    verified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("verified by"),
    )
    note = models.CharField(_("note"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("income re-verification")
        verbose_name_plural = _("income re-verifications")
        ordering = ("-verified_on", "-id")
        indexes = [models.Index(fields=["verified_on", "customer"], name="income_verification_day")]
        constraints = [
            models.CheckConstraint(
                condition=Q(monthly_income__gte=0), name="income_verification_not_negative"
            )
        ]

    def __str__(self) -> str:
        return f"{self.customer_id} {self.verified_on} ({self.source})"
