"""Admin console for servicing: loans, repayments, journal entries, the chart of accounts and the
close-of-business runs (`admin_cob`).

Loans are opened only by `servicing.services.loan_open`, repayments only by
`servicing.repayments.repayment_post` / `repayment_reverse` and ledger rows only by
`servicing.ledger.post`, so nothing here is saved from a model form: loans, entries and accounts
are read-only; an officer records a repayment received at a branch or by transfer with a form
that calls `repayment_post`, and reverses one with a reason through `repayment_reverse`. A loan's
page shows its position, the schedule with what was paid, the repayments with their allocation,
the entries with their legs, the events and the classification history.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib import admin
from django.db.models import Prefetch
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _

from loanhub.admin_pagination import KeysetPaginationMixin
from loanhub.admin_readonly import ReadOnlyAdminMixin, ReadOnlyTabularInline
from loanhub.admin_reasons import EventReasonColumn, EventStateColumns
from servicing import (
    admin_collateral,
    admin_repayments,  # noqa: F401  (registers the Repayment admin)
    memos,
    quiet,
    selectors,
)
from servicing.admin_deferrals import DeferralDecisionMixin
from servicing.models import (
    JournalEntry,
    LedgerAccount,
    Loan,
    LoanEvent,
    LoanInstallment,
    Posting,
    Recovery,
    Repayment,
    ScheduleChange,
)


class LoanInstallmentInline(ReadOnlyTabularInline):
    model = LoanInstallment
    fields = (
        "number",
        "due_date",
        "payment",
        "principal",
        "interest",
        "fees",
        "balance",
        "paid_principal",
        "paid_interest",
        "paid_fees",
        "paid_penalty",
        "status",
        "paid_on",
    )
    readonly_fields = fields


class JournalEntryInline(ReadOnlyTabularInline):
    model = JournalEntry
    fields = ("entry_link", "kind", "memo_text", "legs", "posted_at", "posted_by")
    readonly_fields = fields

    @admin.display(description=_("memo"))
    def memo_text(self, obj):
        return memos.memo_text(obj.memo)

    def get_queryset(self, request):
        postings = Prefetch("postings", queryset=Posting.objects.select_related("account"))
        return super().get_queryset(request).select_related("posted_by").prefetch_related(postings)

    @admin.display(description=_("entry"))
    def entry_link(self, obj):
        url = reverse("admin:servicing_journalentry_change", args=[obj.pk])
        return format_html('<a href="{}">{}</a>', url, obj)

    @admin.display(description=_("postings"))
    def legs(self, obj):
        return format_html_join(
            ", ",
            "{} {} {}",
            (
                (p.account.code, _("Dr") if p.debit else _("Cr"), p.debit or p.credit)
                for p in obj.postings.all()
            ),
        )


class RepaymentInline(ReadOnlyTabularInline):
    model = Repayment
    fields = (
        "repayment_link",
        "value_date",
        "amount",
        "channel",
        "status",
        "fees",
        "penalty",
        "interest",
        "principal",
        "overpayment",
        "reference",
    )
    readonly_fields = fields

    @admin.display(description=_("repayment"))
    def repayment_link(self, obj):
        url = reverse("admin:servicing_repayment_change", args=[obj.pk])
        return format_html('<a href="{}">{}</a>', url, obj)


class LoanEventInline(EventStateColumns, EventReasonColumn, ReadOnlyTabularInline):
    model = LoanEvent
    # A loan's event table also records its repayments, schedule changes and classifications.
    state_models = (
        "servicing.Loan",
        "servicing.Repayment",
        "servicing.ScheduleChange",
        "servicing.ClassificationChange",
    )
    fields = ("created_at", "actor", "from_label", "to_label", "reason_text")
    readonly_fields = fields
    ordering = ("-id",)


def bucket_label(code: str) -> str:
    """A delinquency bucket in the page's language: "current" is a word, the others day ranges."""
    return str(_("current (not overdue)")) if code == "current" else code


class BucketFilter(admin.SimpleListFilter):
    """The configured delinquency buckets (read from the settings, not from the table)."""

    title = _("delinquency bucket")
    parameter_name = "bucket"

    def lookups(self, request, model_admin):
        return [(code, bucket_label(code)) for code, _first, _last in settings.LOANHUB_DELINQUENCY_BUCKETS]

    def queryset(self, request, queryset):
        if self.value():
            return queryset.filter(delinquency_bucket=self.value())
        return queryset


@admin.register(Loan)
class LoanAdmin(KeysetPaginationMixin, ReadOnlyAdminMixin, admin.ModelAdmin):
    change_form_template = "admin/servicing/loan/change_form.html"
    list_display = (
        "number",
        "customer",
        "product_version",
        "principal",
        "annual_rate",
        "term",
        "method",
        "status",
        "days_past_due",
        "bucket_shown",
        "classification",
        "principal_outstanding",
        "start_date",
        "maturity_date",
    )
    list_filter = (
        "status",
        BucketFilter,
        "classification",
        ("product_version__product", admin.RelatedOnlyFieldListFilter),
        "method",
        "frequency",
    )
    search_fields = ("number",)
    list_select_related = ("customer", "product_version__product")
    list_per_page = 50
    ordering = ("-id",)  # the key the changelist pages by
    date_hierarchy = "start_date"
    inlines = (
        LoanInstallmentInline,
        admin_collateral.LoanCollateralInline,
        RepaymentInline,
        JournalEntryInline,
        LoanEventInline,
    )
    fieldsets = (
        (None, {"fields": ("number", "status", "origin_ref", "customer", "product_version", "currency")}),
        (
            _("Position"),
            {
                "fields": (
                    "standing_date",
                    "days_past_due",
                    "bucket_shown",
                    "classification",
                    "classification_override",
                    "ifrs9_stage",
                    "non_accrual",
                    "principal_outstanding",
                    "interest_due",
                    "penalty_due",
                    "fees_due",
                    "credit_balance",
                    "next_due_date",
                    "next_due_amount",
                    "sl_reserve",
                    "ecl",
                    "secured_amount",
                    "collateral_lgd",
                    "closed_on",
                    "observation_until",
                    "written_off_on",
                    "classification_history",
                )
            },
        ),
        (
            _("Terms"),
            {
                "fields": (
                    "principal",
                    "annual_rate",
                    "initial_rate",
                    "rate_type",
                    "benchmark",
                    "rate_spread",
                    "rate_reset",
                    "next_rate_reset",
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
        (
            _("Servicing terms"),
            {"fields": ("penalty_rate", "compound_penalty", "overdue_grace_days", "allocation_order")},
        ),
    )

    def get_sortable_by(self, request):
        # Over a million loans only the key (and DPD, indexed) sort without scanning everything.
        return ("number", "days_past_due")

    @admin.display(description=_("delinquency bucket"), ordering="delinquency_bucket")
    def bucket_shown(self, obj):
        return bucket_label(obj.delinquency_bucket)

    @admin.display(description=_("position date"))
    def standing_date(self, obj):
        # The date the loan stands at, as the API shows it: a quiet loan's stored row can be up to
        # a month behind; only its accrual differs (servicing.quiet).
        return quiet.standing_date(obj)

    @admin.display(description=_("secured amount (collateral after haircuts)"))
    def secured_amount(self, obj):
        return admin_collateral.loan_secured_amount(obj)

    @admin.display(description=_("LGD (IFRS 9, after collateral)"))
    def collateral_lgd(self, obj):
        return admin_collateral.loan_lgd(obj)

    @admin.display(description=_("classification history"))
    def classification_history(self, obj):
        spans = selectors.loan_classification_history(loan=obj)
        if not spans:
            return _("No close of business has snapshotted this loan yet.")
        rows = format_html_join(
            "",
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            ((s["first"], s["last"], s["label"], f"{s['min_dpd']}–{s['max_dpd']}") for s in reversed(spans)),
        )
        return format_html(
            '<table class="classification-history"><thead><tr><th>{}</th><th>{}</th><th>{}</th>'
            "<th>{}</th></tr></thead><tbody>{}</tbody></table>",
            _("from"),
            _("to"),
            _("classification"),
            _("days past due"),
            rows,
        )


class PostingInline(ReadOnlyTabularInline):
    model = Posting
    fields = ("account", "debit", "credit")
    readonly_fields = fields

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("account")


@admin.register(JournalEntry)
class JournalEntryAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = (
        "__str__",
        "kind",
        "loan",
        "memo_text",
        "total_debit",
        "total_credit",
        "balanced",
        "posted_at",
    )
    list_filter = ("kind",)
    search_fields = ("idempotency_key", "loan__number", "memo")
    list_select_related = ("loan",)
    fields = (
        "kind",
        "loan",
        "memo_text",
        "idempotency_key_code",
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

    @admin.display(description=_("memo"))
    def memo_text(self, obj):
        return memos.memo_text(obj.memo)

    @admin.display(description=_("idempotency key"))
    def idempotency_key_code(self, obj):
        return format_html("<code>{}</code>", obj.idempotency_key)

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
    list_display = ("code", "name", "kind", "total_debit", "total_credit", "balance")
    list_filter = ("kind",)
    search_fields = ("code", "name_zh", "name_en")
    fields = ("code", "name", "kind", "total_debit", "total_credit", "balance")
    readonly_fields = fields

    @admin.display(description=_("name"), ordering="code")
    def name(self, obj):
        return obj.name  # in the page's language (the chart stores both)

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


# Close-of-business runs; bank statements and the suspense queue.
from servicing import admin_cob, admin_limits, admin_statements  # noqa: E402,F401


@admin.register(ScheduleChange)
class ScheduleChangeAdmin(DeferralDecisionMixin, ReadOnlyAdminMixin, admin.ModelAdmin):
    """Prepayments, deferrals, restructurings, write-offs and rate resets as requested, quoted and
    decided. A pending deferral is decided on its page (`admin_deferrals`: Decide) or through the
    API (`/api/v1/loans/{id}/deferrals|restructurings|write-offs/{change_id}/approve/` or
    `reject/`)."""

    change_form_template = "admin/servicing/schedulechange/change_form.html"
    list_display = (
        "id",
        "loan",
        "kind",
        "status",
        "amount",
        "requested_by",
        "first_approved_by",
        "decided_by",
        "decide",
    )
    list_filter = ("kind", "status")
    search_fields = ("loan__number",)
    list_select_related = ("loan", "requested_by", "first_approved_by", "decided_by")
    readonly_fields = (
        "loan",
        "kind",
        "status",
        "params",
        "quote",
        "replaced_rows",
        "amount",
        "base_version",
        "reason",
        "repayment",
        "requested_by",
        "requested_at",
        "first_approved_by",
        "decided_by",
        "decided_at",
    )
    exclude = ("idempotency_key", "request_hash")

    @admin.display(description=_("decision"))
    def decide(self, obj):
        return self.decide_link(obj)


@admin.register(Recovery)
class RecoveryAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Money recovered for written-off loans (recovery income), posted through the API."""

    list_display = ("id", "loan", "amount", "value_date", "entry", "posted_by", "posted_at")
    search_fields = ("loan__number",)
    list_select_related = ("loan", "entry", "posted_by")
    readonly_fields = ("loan", "amount", "value_date", "entry", "posted_by", "posted_at")
    exclude = ("idempotency_key", "request_hash")


# Collections: the queue of cases, the bucket queues' collectors, the dunning schedule.
import servicing.admin_collections  # noqa: E402,F401
