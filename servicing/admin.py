"""Admin console for servicing: loans, journal entries and the chart of accounts, read-only.

Loans are opened only by `servicing.services.loan_open` and ledger rows only by
`servicing.ledger.post`, so the admin adds, changes and deletes nothing here; it shows the
pinned schedule, the entries with their legs, and account balances.
"""

from __future__ import annotations

from django.contrib import admin
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from servicing import selectors
from servicing.models import JournalEntry, LedgerAccount, Loan, LoanInstallment, Posting


class ReadOnlyAdminMixin:
    """Viewable by whoever holds the view permission; never added, changed or deleted here."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class ReadOnlyTabularInline(ReadOnlyAdminMixin, admin.TabularInline):
    extra = 0
    can_delete = False
    show_change_link = False


class LoanInstallmentInline(ReadOnlyTabularInline):
    model = LoanInstallment
    fields = ("number", "due_date", "payment", "principal", "interest", "fees", "balance")
    readonly_fields = fields


class JournalEntryInline(ReadOnlyTabularInline):
    model = JournalEntry
    fields = ("entry_link", "kind", "memo", "posted_at", "posted_by")
    readonly_fields = fields

    @admin.display(description=_("entry"))
    def entry_link(self, obj):
        url = reverse("admin:servicing_journalentry_change", args=[obj.pk])
        return format_html('<a href="{}">{}</a>', url, obj)


@admin.register(Loan)
class LoanAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = (
        "number",
        "customer",
        "product_version",
        "principal",
        "annual_rate",
        "term",
        "method",
        "status",
        "start_date",
        "maturity_date",
    )
    list_filter = (
        "status",
        ("product_version__product", admin.RelatedOnlyFieldListFilter),
        "method",
        "frequency",
    )
    search_fields = ("number",)
    list_select_related = ("customer", "product_version__product")
    date_hierarchy = "start_date"
    inlines = (LoanInstallmentInline, JournalEntryInline)
    fieldsets = (
        (None, {"fields": ("number", "status", "origin_ref", "customer", "product_version", "currency")}),
        (
            _("Terms"),
            {
                "fields": (
                    "principal",
                    "annual_rate",
                    "term",
                    "frequency",
                    "method",
                    "day_count",
                    "fees",
                    "grace",
                    "interest_free_periods",
                )
            },
        ),
        (
            _("Dates"),
            {"fields": ("start_date", "first_due_date", "maturity_date", "disbursed_at", "disbursed_by")},
        ),
        (
            _("Cost"),
            {
                "fields": (
                    "apr",
                    "effective_annual_rate",
                    "total_interest",
                    "total_fees",
                    "total_payable",
                    "net_proceeds",
                )
            },
        ),
    )


class PostingInline(ReadOnlyTabularInline):
    model = Posting
    fields = ("account", "debit", "credit")
    readonly_fields = fields

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("account")


@admin.register(JournalEntry)
class JournalEntryAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("__str__", "kind", "loan", "memo", "total_debit", "total_credit", "balanced", "posted_at")
    list_filter = ("kind",)
    search_fields = ("idempotency_key", "loan__number", "memo")
    list_select_related = ("loan",)
    fields = (
        "kind",
        "loan",
        "memo",
        "idempotency_key",
        "posted_at",
        "posted_by",
        "total_debit",
        "total_credit",
        "balanced",
    )
    readonly_fields = fields
    inlines = (PostingInline,)

    def get_queryset(self, request):
        return selectors.journal_entries_with_totals().select_related("loan", "posted_by")

    @admin.display(description=_("debits"), ordering="total_debit")
    def total_debit(self, obj):
        return obj.total_debit

    @admin.display(description=_("credits"), ordering="total_credit")
    def total_credit(self, obj):
        return obj.total_credit

    @admin.display(description=_("balanced"), boolean=True)
    def balanced(self, obj) -> bool:
        return obj.total_debit == obj.total_credit and obj.total_debit > 0


@admin.register(LedgerAccount)
class LedgerAccountAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("code", "name_zh", "name_en", "kind", "total_debit", "total_credit", "balance")
    list_filter = ("kind",)
    search_fields = ("code", "name_zh", "name_en")
    fields = ("code", "name_zh", "name_en", "kind", "total_debit", "total_credit", "balance")
    readonly_fields = fields

    def get_queryset(self, request):
        return selectors.ledger_accounts_with_balances()

    @admin.display(description=_("debits"), ordering="total_debit")
    def total_debit(self, obj):
        return obj.total_debit

    @admin.display(description=_("credits"), ordering="total_credit")
    def total_credit(self, obj):
        return obj.total_credit

    @admin.display(description=_("balance (debits − credits)"), ordering="balance")
    def balance(self, obj):
        return obj.balance


from servicing import admin_statements  # noqa: E402,F401  bank statements and the suspense queue
