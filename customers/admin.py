"""Officer console for customers: masked identity and phone numbers, exact-match search (names and
customer numbers in the list's box; full identity, credit-code and mobile numbers by POST on the
identifier search page, `customers.admin_search`, so they never appear in a URL), KYC buttons that
ask for a reason, an audited reveal for users allowed to see personal data, and read-only
documents, consents and events.

Profiles are written by their customers (portal or API), never edited here: the console is
view-only, and its buttons call `customers.services`, which check the role on the server.
Raw identity and phone numbers are never part of a form or list; they are shown only on the
reveal page, after `services.pii_reveal` wrote its audit event.
"""

from __future__ import annotations

import re
from functools import partial

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.translation import get_language_info
from django.utils.translation import gettext_lazy as _

from customers import income, services, validators
from customers.admin_search import identifier_search_view
from customers.masking import mask_id_number, mask_phone
from customers.models import Consent, Customer, CustomerEvent, Document, IncomeVerification, KycStatus, age_on
from loanhub import clock, lockout
from loanhub.admin_history import ReadOnlyHistoryAdmin
from loanhub.admin_pagination import KeysetPaginationMixin
from loanhub.admin_reasons import EventReasonColumn, EventStateColumns
from loanhub.errors import Conflict, DomainError, Forbidden, Invalid

KYC_ACTIONS = {
    "verify": (_("Verify identity"), services.customer_verify_identity),
    "reject": (_("Reject identity"), services.customer_reject_identity),
}
FIELD_LABELS = {"id_number": _("resident identity number"), "phone": _("phone")}
NUMBERS_BY_POST = _(
    "Identity, credit-code and mobile numbers are not searched from the address bar: use the "
    "identifier search, which sends them in a form."
)


def _error_text(exc: DomainError) -> str:
    if not exc.errors:
        return exc.detail
    return "; ".join(str(message) for messages_ in exc.errors.values() for message in messages_)


class ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False
    show_change_link = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class DocumentInline(ReadOnlyInline):
    model = Document
    fields = ("kind", "download", "file_type", "size", "uploader", "uploaded_at")
    readonly_fields = fields

    @admin.display(description=_("file"))
    def download(self, obj):
        if obj.pk is None:
            return "-"
        # The customer's own file name: an identifier, shown as code.
        return format_html(
            '<a href="{}"><code>{}</code></a>',
            reverse("customers:document", args=[obj.pk]),
            obj.original_name,
        )

    @admin.display(description=_("file type"))
    def file_type(self, obj):
        return (obj.content_type or "").rpartition("/")[2].upper() or "-"

    @admin.display(description=_("uploaded by"))
    def uploader(self, obj):
        return obj.uploaded_by or "-"


class ConsentInline(ReadOnlyInline):
    model = Consent
    fields = ("kind", "version", "language_name", "given_at", "withdrawn_at", "wording")
    readonly_fields = fields

    @admin.display(description=_("language"))
    def language_name(self, obj):
        if not obj.language:
            return "-"
        try:
            return get_language_info(obj.language)["name_translated"]
        except KeyError:
            return obj.language


class CustomerEventInline(EventReasonColumn, ReadOnlyInline):
    model = CustomerEvent
    fields = ("created_at", "kind", "from_label", "to_label", "field", "by", "reason_text")
    readonly_fields = fields
    ordering = ("-created_at", "-id")

    @admin.display(description=_("from state"))
    def from_label(self, obj):
        return dict(KycStatus.choices).get(obj.from_state, obj.from_state) or "-"

    @admin.display(description=_("to state"))
    def to_label(self, obj):
        return dict(KycStatus.choices).get(obj.to_state, obj.to_state) or "-"

    @admin.display(description=_("by"))
    def by(self, obj):
        return obj.actor or _("system")


@admin.register(Customer)
class CustomerAdmin(KeysetPaginationMixin, ReadOnlyHistoryAdmin):
    change_form_template = "admin/customers/customer/change_form.html"
    list_display = (
        "__str__",
        "legal_name",
        "customer_type",
        "masked_id_number",
        "masked_phone",
        "region",
        "kyc_status",
        "created_at",
    )
    list_filter = ("customer_type", "kyc_status", "region")
    change_list_template = "admin/customers/customer/change_list.html"
    search_fields = ("legal_name",)
    search_help_text = _(
        "A name (or part of it) or a customer number such as C0000042. Identity, credit-code and "
        "mobile numbers: use the identifier search (above), which keeps them out of the address."
    )
    list_select_related = ("user",)
    inlines = (DocumentInline, ConsentInline, CustomerEventInline)
    fieldsets = (
        (
            None,
            {
                "fields": (
                    "user",
                    "customer_type",
                    "legal_name",
                    "masked_id_number",
                    "age",
                    "uscc",
                    "kyc_status",
                    "group",
                )
            },
        ),
        (_("Contact"), {"fields": ("masked_phone", "email", "region")}),
        (
            _("Work and income"),
            {
                "fields": (
                    "employment_type",
                    "employer",
                    "industry",
                    "years_employed",
                    "graduation_year",
                    "payroll",
                    "monthly_income",
                    "monthly_debt",
                    "annual_revenue",
                )
            },
        ),
        (_("Record"), {"classes": ("collapse",), "fields": ("created_at", "updated_at")}),
    )
    # Everything is read-only; id_number, phone and date_of_birth are never among the fields.
    readonly_fields = (
        "user",
        "customer_type",
        "legal_name",
        "masked_id_number",
        "age",
        "uscc",
        "kyc_status",
        "group",
        "masked_phone",
        "email",
        "region",
        "employment_type",
        "employer",
        "industry",
        "years_employed",
        "graduation_year",
        "payroll",
        "monthly_income",
        "monthly_debt",
        "annual_revenue",
        "created_at",
        "updated_at",
    )

    actions = ("mark_payroll", "unmark_payroll", "unlock_log_in")

    # Profiles are the customers' own; the console changes only what the lender decides, each
    # through its service, which checks the permission and records the change.
    def _each(self, request, queryset, act, done: str) -> None:
        changed = 0
        for customer in queryset.select_related("user"):
            try:
                act(customer)
            except DomainError as exc:
                self.message_user(request, f"{customer}: {_error_text(exc)}", messages.ERROR)
                return
            changed += 1
        self.message_user(request, done % {"n": changed}, messages.SUCCESS)

    @admin.action(description=_("Mark as payroll customers (we pay their salary)"))
    def mark_payroll(self, request, queryset):
        self._each(
            request,
            queryset,
            lambda c: services.customer_set_payroll(customer=c, payroll=True, actor=request.user),
            _("%(n)s marked as payroll customers."),
        )

    @admin.action(description=_("No longer payroll customers"))
    def unmark_payroll(self, request, queryset):
        self._each(
            request,
            queryset,
            lambda c: services.customer_set_payroll(customer=c, payroll=False, actor=request.user),
            _("%(n)s no longer payroll customers."),
        )

    @admin.action(description=_("Unlock log-in (lift a lockout after failed attempts)"))
    def unlock_log_in(self, request, queryset):
        self._each(
            request,
            queryset,
            lambda c: lockout.account_unlock(user=c.user, actor=request.user, reason="console"),
            _("%(n)s log-ins unlocked."),
        )

    # --- view-only console: profiles are the customers' own -----------------------------------
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description=Customer._meta.get_field("payroll_customer").verbose_name)
    def payroll(self, obj):
        # Words, not Django's boolean icon (whose alternative text is English "True"/"False").
        return _("yes") if obj.payroll_customer else _("no")

    @admin.display(description=_("resident identity number"))
    def masked_id_number(self, obj):
        return mask_id_number(obj.id_number)

    @admin.display(description=_("phone"))
    def masked_phone(self, obj):
        return mask_phone(obj.phone)

    @admin.display(description=_("age"))
    def age(self, obj):
        if obj.date_of_birth is None:
            return "-"
        return age_on(obj.date_of_birth, clock.today())

    # --- search: names and customer numbers only; identifiers by POST (admin_search) ----------
    def get_search_results(self, request, queryset, search_term):
        term = search_term.strip()
        if not term:
            return queryset, False
        compact = validators.normalise_id_number(term)
        if re.fullmatch(r"C\d{1,10}", compact):
            return queryset.filter(pk=int(compact[1:])), False
        if re.search(r"\d{6}", compact):
            # A number in the address is already in the access logs: match nothing, and point to
            # the search that keeps it in a POST body.
            self.message_user(request, NUMBERS_BY_POST, messages.WARNING)
            return queryset.none(), False
        return queryset.filter(legal_name__icontains=term), False

    # --- KYC and reveal ------------------------------------------------------------------------
    def get_urls(self):
        return [
            path(
                "identifier-search/",
                self.admin_site.admin_view(partial(identifier_search_view, model_admin=self)),
                name="customers_customer_identifier_search",
            ),
            path(
                "<int:pk>/kyc/<str:action>/",
                self.admin_site.admin_view(self.kyc_view),
                name="customers_customer_kyc",
            ),
            path(
                "<int:pk>/reveal/<str:field>/",
                self.admin_site.admin_view(self.reveal_view),
                name="customers_customer_reveal",
            ),
            *super().get_urls(),
        ]

    def _change_url(self, customer) -> str:
        return reverse("admin:customers_customer_change", args=[customer.pk])

    def kyc_view(self, request, pk: int, action: str):
        customer = get_object_or_404(Customer, pk=pk)
        if action not in KYC_ACTIONS or not self.has_view_permission(request, customer):
            raise PermissionDenied
        label, service = KYC_ACTIONS[action]
        blocked = (
            services.NO_IDENTITY_DOCUMENT
            if action == "verify" and not services.identity_document_exists(customer)
            else ""
        )
        error = ""
        reason = ""
        if request.method == "POST":
            reason = request.POST.get("reason", "")
            try:
                customer = service(customer=customer, actor=request.user, reason=reason)
            except Invalid as exc:
                error = _error_text(exc)
            except (Conflict, Forbidden) as exc:
                self.message_user(request, _error_text(exc), messages.ERROR)
                return HttpResponseRedirect(self._change_url(customer))
            else:
                self.message_user(
                    request,
                    _("%(customer)s: identity %(state)s.")
                    % {"customer": customer, "state": customer.get_kyc_status_display()},
                )
                return HttpResponseRedirect(self._change_url(customer))
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "original": customer,
            "title": label,
            "action": action,
            "reason": reason,
            "error": error,
            "blocked": blocked,
            "masked_id_number": mask_id_number(customer.id_number),
        }
        return TemplateResponse(
            request, "admin/customers/customer/kyc_form.html", context, status=400 if error else 200
        )

    def reveal_view(self, request, pk: int, field: str):
        customer = get_object_or_404(Customer, pk=pk)
        if request.method != "POST":
            return HttpResponseRedirect(self._change_url(customer))
        try:
            value = services.pii_reveal(customer=customer, field=field, actor=request.user)
        except Forbidden:
            raise PermissionDenied from None
        except Invalid as exc:
            self.message_user(request, _error_text(exc), messages.ERROR)
            return HttpResponseRedirect(self._change_url(customer))
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "original": customer,
            "title": _("Revealed: %(field)s") % {"field": FIELD_LABELS[field]},
            "field_label": FIELD_LABELS[field],
            "value": value,
        }
        response = TemplateResponse(request, "admin/customers/customer/reveal.html", context)
        response["Cache-Control"] = "private, no-store"
        return response

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        if obj is not None:
            can_review = services.can_review_kyc(request.user) and obj.kyc_status == KycStatus.UNVERIFIED
            has_card = services.identity_document_exists(obj)
            context["kyc_actions"] = (
                [(name, label) for name, (label, _s) in KYC_ACTIONS.items() if name != "verify" or has_card]
                if can_review
                else []
            )
            # Said before the officer types a reason, instead of a Verify button that then fails.
            context["kyc_blocked"] = services.NO_IDENTITY_DOCUMENT if can_review and not has_card else ""
            context["reveal_fields"] = list(FIELD_LABELS.items()) if services.can_reveal(request.user) else []
        return super().render_change_form(
            request, context, add=add, change=change, form_url=form_url, obj=obj
        )


class KycToStateFilter(admin.SimpleListFilter):
    """The KYC state an event moved to, by its label (the event stores the code)."""

    title = _("to state")
    parameter_name = "to_state"

    def lookups(self, request, model_admin):
        return KycStatus.choices

    def queryset(self, request, queryset):
        return queryset.filter(to_state=self.value()) if self.value() else queryset


@admin.register(CustomerEvent)
class CustomerEventAdmin(EventStateColumns, EventReasonColumn, admin.ModelAdmin):
    """The audit trail across customers: KYC decisions, reveals and staff document downloads."""

    state_models = ("customers.Customer",)
    list_display = (
        "created_at",
        "customer",
        "kind",
        "field_code",
        "from_label",
        "to_label",
        "actor",
        "reason_text",
    )
    list_filter = ("kind", KycToStateFilter)
    list_select_related = ("customer", "actor")
    date_hierarchy = "created_at"
    readonly_fields = (
        "created_at",
        "customer",
        "kind",
        "field_code",
        "from_label",
        "to_label",
        "actor",
        "reason_text",
        "payload",
    )
    fields = readonly_fields

    @admin.display(description=_("field revealed"))
    def field_code(self, obj):
        return format_html("<code>{}</code>", obj.field) if obj.field else "-"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class IncomeReverifyForm(forms.ModelForm):
    class Meta:
        model = IncomeVerification
        fields = ("customer", "monthly_income", "note")

    def clean_monthly_income(self):
        amount = self.cleaned_data["monthly_income"]
        if amount is not None and amount < 0:
            raise forms.ValidationError(_("must be at least %(min)s") % {"min": 0})
        return amount


@admin.register(IncomeVerification)
class IncomeVerificationAdmin(admin.ModelAdmin):
    """Income re-verifications: the customers' own updates on the portal and the officers'
    re-verifications (early warning's income_drop compares them with the income at
    application). Officers add one here; nothing is changed or deleted afterwards."""

    form = IncomeReverifyForm
    list_display = ("verified_on", "customer", "monthly_income", "source", "verified_by", "note")
    list_filter = ("source",)
    list_select_related = ("customer", "verified_by")
    raw_id_fields = ("customer",)
    date_hierarchy = "verified_on"

    def has_add_permission(self, request):
        return services.can_review_kyc(request.user)

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        # Through the service: the profile's income follows, with its change event.
        saved = income.customer_income_reverify(
            customer=obj.customer_id,
            monthly_income=obj.monthly_income,
            actor=request.user,
            note=obj.note,
        )
        obj.pk = saved.pk


from customers import admin_groups  # noqa: E402, F401, I001  (registers the customer groups)
