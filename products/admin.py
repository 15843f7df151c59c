"""Admin console for product managers: versions with their grid, fees and promotions, lifecycle
buttons, a per-grade preview, a diff between versions, benchmark rates and the event log.

Every change goes through `products.services`, which enforce the roles and the four-eyes rule on
the server; a refused action shows the service's message. Only drafts are editable; any other
version is shown read-only.
"""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _

from loanhub.admin_history import ReadOnlyHistoryAdmin
from loanhub.admin_language import english_column
from loanhub.admin_reasons import EventReasonColumn, EventStateColumns
from loanhub.errors import DomainError
from loanhub.formatting import percent_text
from products import choices as c
from products import selectors, services
from products.models import BenchmarkRate, Fee, PricingTier, Product, ProductEvent, ProductVersion, Promotion
from products.quotes import version_preview
from products.serializers import TERM_FIELDS

# Transitions offered as buttons per state (the service decides whether the user may).
BUTTONS = {
    c.ProductStatus.DRAFT: (("submit", _("Submit for review")),),
    c.ProductStatus.IN_REVIEW: (
        ("approve", _("Approve and activate")),
        ("return_to_draft", _("Return to draft")),
    ),
    c.ProductStatus.ACTIVE: (("suspend", _("Suspend")), ("retire", _("Retire"))),
    c.ProductStatus.SUSPENDED: (("resume", _("Resume")), ("retire", _("Retire"))),
    c.ProductStatus.RETIRED: (),
}


def _error_text(exc: DomainError) -> str:
    if not exc.errors:
        return exc.detail
    return "; ".join(f"{field}: {message}" for field, msgs in exc.errors.items() for message in msgs)


class DraftOnlyInline(admin.TabularInline):
    extra = 0

    def _editable(self, request, obj) -> bool:
        return obj is None or (obj.is_editable and services.can_manage(request.user))

    def has_add_permission(self, request, obj=None):
        return self._editable(request, obj) and super().has_add_permission(request, obj)

    def has_change_permission(self, request, obj=None):
        return self._editable(request, obj) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return self._editable(request, obj) and super().has_delete_permission(request, obj)


class PricingTierInline(DraftOnlyInline):
    model = PricingTier
    fields = ("risk_grade", "term_min", "term_max", "annual_rate", "spread_bps")


class FeeInline(DraftOnlyInline):
    model = Fee
    fields = ("code", "name_zh", "name_en", "fee_type", "amount", "rate", "mandatory", "waived_for_segments")


class PromotionInline(DraftOnlyInline):
    model = Promotion
    fields = (
        "code",
        "name_zh",
        "name_en",
        "kind",
        "interest_free_periods",
        "discount_bps",
        "segments",
        "channels",
        "starts_on",
        "ends_on",
    )


class ProductVersionForm(forms.ModelForm):
    new_code = forms.RegexField(
        label=_("Product code"),
        regex=r"^[A-Za-z0-9][A-Za-z0-9-]{1,31}$",
        required=False,
        help_text=_(
            "For a new product only, e.g. HOME-LPR. To change a product, create a new version of it."
        ),
    )

    class Meta:
        model = ProductVersion
        fields = TERM_FIELDS

    def clean_new_code(self):
        code = self.cleaned_data.get("new_code", "").strip().upper()
        if self.instance.pk is None:
            if not code:
                raise forms.ValidationError(_("A new product needs a code."))
            if Product.objects.filter(code=code).exists():
                raise forms.ValidationError(
                    _("Product %(code)s exists; open its current version and create a new version.")
                    % {"code": code}
                )
        return code


class ChannelFilter(admin.SimpleListFilter):
    title = _("channel")
    parameter_name = "channel"

    def lookups(self, request, model_admin):
        return c.Channel.choices

    def queryset(self, request, queryset):
        if not self.value():
            return queryset
        ids = [
            pk for pk, channels in queryset.values_list("pk", "channels") if self.value() in (channels or [])
        ]
        return queryset.filter(pk__in=ids)


# The lists of codes a version stores (JSON), shown on a read-only version as their labels in the
# page's language rather than as JSON.
CODE_LISTS = {
    "segments": c.Segment,
    "channels": c.Channel,
    "repayment_methods": c.RepaymentMethod,
    "frequencies": c.Frequency,
    "grace_types": c.GraceType,
    "customer_types": c.CustomerType,
    "employment_types": c.EmploymentType,
    "required_documents": c.Document,
}


def _labels_display(name: str, choices):
    def shown(self, obj):
        labels = dict(choices.choices)
        return "、".join(str(labels.get(code, code)) for code in getattr(obj, name) or []) or "-"

    field = ProductVersion._meta.get_field(name)
    return admin.display(description=field.verbose_name)(shown)


ENGLISH_FIELDS = ("name_en", "description_en")


def _with_labels(fields):
    if isinstance(fields, (tuple, list)):
        return type(fields)(_with_labels(f) for f in fields)
    if fields in ENGLISH_FIELDS:
        return f"{fields}_english"
    return f"{fields}_labels" if fields in CODE_LISTS else fields


@admin.register(ProductVersion)
class ProductVersionAdmin(ReadOnlyHistoryAdmin):
    form = ProductVersionForm
    change_form_template = "admin/products/productversion/change_form.html"
    list_display = (
        "product",
        "version",
        "name_zh",
        "name_en_english",
        "category",
        "status",
        "rate_type",
        "updated_at",
    )
    list_filter = ("status", "category", ChannelFilter, "rate_type")
    search_fields = ("product__code", "name_zh", "name_en")
    list_select_related = ("product",)
    inlines = (PricingTierInline, FeeInline, PromotionInline)
    actions = ("action_submit", "action_approve", "action_suspend", "action_resume")
    readonly_fields = (
        "status",
        "created_by",
        "submitted_by",
        "submitted_at",
        "approved_by",
        "approved_at",
        "activated_at",
        "retired_at",
        "preview",
    )
    fieldsets = (
        (None, {"fields": ("new_code", "status")}),
        (
            _("Product"),
            {
                "fields": (
                    ("name_zh", "name_en"),
                    ("description_zh", "description_en"),
                    "category",
                    "segments",
                    "channels",
                    "currency",
                    ("available_from", "available_until"),
                )
            },
        ),
        (
            _("Amounts and terms"),
            {
                "fields": (
                    ("amount_min", "amount_max"),
                    ("term_min", "term_max"),
                    "repayment_methods",
                    "frequencies",
                    ("default_method", "default_frequency"),
                    "day_count",
                    ("representative_amount", "representative_term"),
                    ("max_exposure_per_customer", "auto_approve_limit"),
                    ("max_ltv", "ltv_excess"),
                )
            },
        ),
        (_("Rate"), {"fields": ("rate_type", "benchmark", "rate_reset", "penalty_rate_multiplier")}),
        (_("Payment burden"), {"fields": (("max_installment_ratio", "max_repayment_multiple"),)}),
        (
            _("Overdue and repayment"),
            {
                "fields": (
                    ("overdue_grace_days", "compound_penalty"),
                    "allocation_order",
                    "worst_loan_classification",
                )
            },
        ),
        (
            _("Grace and prepayment"),
            {
                "fields": (
                    ("grace_max_periods", "grace_types"),
                    "deferral_interest",
                    "prepayment_allowed_after",
                    ("prepayment_fee_rate", "prepayment_free_allowance"),
                )
            },
        ),
        (
            _("Eligibility"),
            {
                "fields": (
                    "customer_types",
                    "employment_types",
                    "regions",
                    ("age_min", "age_max", "age_max_at_maturity"),
                    ("min_monthly_income", "max_dti"),
                    "required_documents",
                )
            },
        ),
        (_("Preview by risk grade"), {"fields": ("preview",)}),
        (
            _("Review"),
            {
                "classes": ("collapse",),
                "fields": (
                    "created_by",
                    ("submitted_by", "submitted_at"),
                    ("approved_by", "approved_at"),
                    ("activated_at", "retired_at"),
                ),
            },
        ),
    )

    # --- read-only unless a draft, for product managers ---------------------------------------
    def has_add_permission(self, request):
        return services.can_manage(request.user) and super().has_add_permission(request)

    def has_change_permission(self, request, obj=None):
        if obj is not None and not obj.is_editable:
            return False
        return services.can_manage(request.user) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return False  # versions are evidence; retire instead

    def get_fieldsets(self, request, obj=None):
        fieldsets = super().get_fieldsets(request, obj)
        if obj is not None:  # the code is fixed once the product exists
            fieldsets = ((None, {"fields": ("status",)}), *fieldsets[1:])
        if obj is not None and not self.has_change_permission(request, obj):
            # Read-only: the code lists as their labels.
            fieldsets = tuple(
                (title, {**options, "fields": _with_labels(options["fields"])})
                for title, options in fieldsets
            )
        return fieldsets

    @admin.display(description=_("preview"))
    def preview(self, obj):
        if obj is None or obj.pk is None:
            return "-"
        rows = version_preview(obj)
        body = format_html_join(
            "",
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            (
                (
                    row.risk_grade,
                    "" if row.annual_rate is None else f"{row.annual_rate * 100:.3f}%",
                    "" if row.installment is None else f"{row.installment:,.2f}",
                    "" if row.total_cost is None else f"{row.total_cost:,.2f}",
                    "" if row.apr is None else f"{row.apr * 100:.3f}%",
                    row.error,
                )
                for row in rows
            ),
        )
        return format_html(
            '<p>{}</p><table class="preview-table"><thead><tr><th>{}</th><th>{}</th><th>{}</th><th>{}</th>'
            "<th>{}</th><th></th></tr></thead><tbody>{}</tbody></table>",
            _("Representative loan: %(amount)s over %(term)s months, %(method)s, %(frequency)s")
            % {
                "amount": f"{obj.representative_amount:,.2f}",
                "term": obj.representative_term,
                "method": c.RepaymentMethod(obj.default_method).label,
                "frequency": c.Frequency(obj.default_frequency).label,
            },
            _("Risk grade"),
            _("Annual interest rate"),
            _("Installment"),
            _("Total cost"),
            _("APR"),
            body,
        )

    def save_model(self, request, obj, form, change):
        try:
            services.product_version_save(
                version=obj, actor=request.user, code=form.cleaned_data.get("new_code")
            )
        except DomainError as exc:
            # The admin saves inside one transaction; refusing here rolls the whole form back.
            raise PermissionDenied(_error_text(exc)) from None

    # --- lifecycle buttons, new version, diff -------------------------------------------------
    def get_urls(self):
        return [
            path(
                "<int:pk>/transition/<str:name>/",
                self.admin_site.admin_view(self.transition_view),
                name="products_productversion_transition",
            ),
            path(
                "<int:pk>/new-version/",
                self.admin_site.admin_view(self.new_version_view),
                name="products_productversion_new_version",
            ),
            path(
                "<int:pk>/diff/",
                self.admin_site.admin_view(self.diff_view),
                name="products_productversion_diff",
            ),
            *super().get_urls(),
        ]

    def _change_url(self, obj) -> str:
        return reverse("admin:products_productversion_change", args=[obj.pk])

    def transition_view(self, request, pk: int, name: str):
        version = get_object_or_404(ProductVersion, pk=pk)
        if request.method != "POST" or name not in services.TRANSITIONS:
            return HttpResponseRedirect(self._change_url(version))
        reason = request.POST.get("reason", "")
        try:
            services.TRANSITIONS[name](version=version, actor=request.user, reason=reason)
        except DomainError as exc:
            self.message_user(request, _error_text(exc), messages.ERROR)
        else:
            self.message_user(
                request,
                _("%(version)s is now %(status)s.")
                % {"version": version, "status": version.get_status_display()},
            )
        return HttpResponseRedirect(self._change_url(version))

    def new_version_view(self, request, pk: int):
        version = get_object_or_404(ProductVersion, pk=pk)
        if request.method != "POST":
            return HttpResponseRedirect(self._change_url(version))
        try:
            draft = services.product_new_version(product=version.product, actor=request.user)
        except DomainError as exc:
            self.message_user(request, _error_text(exc), messages.ERROR)
            return HttpResponseRedirect(self._change_url(version))
        self.message_user(request, _("Version %(n)s created as a draft.") % {"n": draft.version})
        return HttpResponseRedirect(self._change_url(draft))

    def diff_view(self, request, pk: int):
        version = get_object_or_404(ProductVersion.objects.select_related("product"), pk=pk)
        if not self.has_view_permission(request, version):
            raise PermissionDenied
        siblings = selectors.product_versions(code=version.product.code)
        other_number = request.GET.get("against")
        older = [v for v in siblings if v.version < version.version]
        other = next((v for v in siblings if str(v.version) == other_number), older[-1] if older else None)
        changes = selectors.product_version_diff(other, version) if other else []
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": _("Changes in %(version)s") % {"version": version},
            "version": version,
            "other": other,
            "siblings": siblings,
            "changes": changes,
        }
        return TemplateResponse(request, "admin/products/productversion/diff.html", context)

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        if obj is not None:
            context["lifecycle_buttons"] = BUTTONS.get(obj.status, ())
            events = list(obj.events.select_related("actor").order_by("created_at"))
            labels = dict(c.ProductStatus.choices)
            for event in events:  # the states as their labels in the page's language
                event.from_label = labels.get(event.from_state, event.from_state)
                event.to_label = labels.get(event.to_state, event.to_state)
            context["events"] = events
            context["can_new_version"] = obj.status in (*c.LIVE_STATES, c.ProductStatus.RETIRED)
        return super().render_change_form(
            request, context, add=add, change=change, form_url=form_url, obj=obj
        )

    # --- bulk actions ----------------------------------------------------------------------------
    def _bulk(self, request, queryset, name: str, reason: str):
        done = 0
        for version in queryset:
            try:
                services.TRANSITIONS[name](version=version, actor=request.user, reason=reason)
                done += 1
            except DomainError as exc:
                self.message_user(request, f"{version}: {_error_text(exc)}", messages.ERROR)
        if done:
            self.message_user(request, _("%(n)s versions updated.") % {"n": done})

    @admin.action(description=_("Submit selected for review"))
    def action_submit(self, request, queryset):
        self._bulk(request, queryset, "submit", "")

    @admin.action(description=_("Approve and activate selected"))
    def action_approve(self, request, queryset):
        self._bulk(request, queryset, "approve", "")

    @admin.action(description=_("Suspend selected"))
    def action_suspend(self, request, queryset):
        self._bulk(request, queryset, "suspend", "suspended from the product list")

    @admin.action(description=_("Resume selected"))
    def action_resume(self, request, queryset):
        self._bulk(request, queryset, "resume", "")


# The read-only displays `_with_labels` names: a code list as its labels, an English text marked.
for _name, _choices in CODE_LISTS.items():
    setattr(ProductVersionAdmin, f"{_name}_labels", _labels_display(_name, _choices))
for _name in ENGLISH_FIELDS:
    setattr(ProductVersionAdmin, f"{_name}_english", english_column(ProductVersion, _name))


class VersionInline(admin.TabularInline):
    model = ProductVersion
    fields = ("version", "status", "name_zh", "name_en_english", "activated_at", "retired_at")
    readonly_fields = fields
    extra = 0
    show_change_link = True
    can_delete = False
    name_en_english = english_column(ProductVersion, "name_en")

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Product)
class ProductAdmin(ReadOnlyHistoryAdmin):
    list_display = ("code", "created_at")
    search_fields = ("code", "versions__name_zh", "versions__name_en")
    readonly_fields = ("code", "created_at", "created_by")
    inlines = (VersionInline,)

    def has_add_permission(self, request):
        return False  # a product starts with its first version (Product versions → Add)

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(BenchmarkRate)
class BenchmarkRateAdmin(ReadOnlyHistoryAdmin):
    list_display = ("benchmark", "effective_date", "rate_percent", "source_english")
    list_filter = ("benchmark",)

    @admin.display(description=BenchmarkRate._meta.get_field("rate").verbose_name, ordering="rate")
    def rate_percent(self, obj):
        return percent_text(obj.rate)

    # The fixings' sources are cited as published (English news and data files).
    source_english = english_column(BenchmarkRate, "source")
    date_hierarchy = "effective_date"
    search_fields = ("source",)

    # A rate changes what floating-rate products' pages show (rates from, representative APR).
    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        services.catalogue_changed()

    def delete_model(self, request, obj):
        super().delete_model(request, obj)
        services.catalogue_changed()


class ToStatusFilter(admin.SimpleListFilter):
    """The status an event moved the version to, by its label (the event stores the code)."""

    title = _("to state")
    parameter_name = "to_state"

    def lookups(self, request, model_admin):
        return c.ProductStatus.choices

    def queryset(self, request, queryset):
        return queryset.filter(to_state=self.value()) if self.value() else queryset


@admin.register(ProductEvent)
class ProductEventAdmin(EventStateColumns, EventReasonColumn, admin.ModelAdmin):
    state_models = ("products.ProductVersion",)
    list_display = ("created_at", "version", "from_label", "to_label", "actor", "reason_text")
    list_filter = (ToStatusFilter,)
    fields = ("created_at", "version", "from_label", "to_label", "actor", "reason_text")
    readonly_fields = fields
    search_fields = ("version__product__code", "reason")
    list_select_related = ("version__product", "actor")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
