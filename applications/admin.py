"""The officer console for applications (Django admin).

Queues by state with the time in state highlighted against the SLA, filters, exact search by
application number or identity number, assignment, the customer's KYC and documents, the risk
decision's explanation, the timeline, and the transitions as buttons that ask for a reason.

Nothing is edited in a form: every change is a button that calls `applications.services`, which
check the role, lock the row and record the event. The changelist stays fast at any depth of
millions of rows (`loanhub.admin_pagination`): ordered by the primary key, it pages by key
(first / previous / next / last links carry the boundary application's id, a seek on the
primary-key index); it never counts a million rows ("about N" from the planner's statistics,
"more than 10,000" for a filter or search); page numbers open by OFFSET only up to 50 pages deep;
it sorts only where an index serves (by state, and by time in state within one state). Related
rows are joined.
"""

from __future__ import annotations

import datetime as dt
import re
from functools import partial

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html, format_html_join
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from applications import (
    admin_business,
    admin_collateral,
    admin_reviews,  # noqa: F401  (registers the human-review queue)
    selectors,
    services,
)
from applications.models import ApplicationEvent, LoanApplication, State
from customers.masking import mask_id_number
from customers.models import BUSINESS_TYPES, DocumentKind, KycStatus
from loanhub import clock
from loanhub.admin_pagination import EstimatedCountPaginator, KeysetPaginationMixin
from products.choices import RISK_GRADES

# Officer actions shown as buttons: name → (label, service, asks for a reason, extra fields).
ACTIONS = {
    "approve": (_("Approve"), services.application_approve, True),
    "refer": (_("Refer"), services.application_refer, True),
    "decline": (_("Decline"), services.application_decline, True),
    "disburse": (_("Disburse"), services.application_disburse, False),
}
SLA_HOURS = {
    State.SUBMITTED: 1,
    State.SCORING: 1,
    State.SCORED: 4,
    State.REFERRED: 24,
    State.OFFER_ACCEPTED: 24,
}


def _approve_blocked(application: LoanApplication) -> str:
    """Why Approve cannot succeed now (the service refuses it too), or "" when it may."""
    customer = application.customer
    if customer.kyc_status == KycStatus.VERIFIED:
        return ""
    if not customer.documents.filter(kind=DocumentKind.ID_CARD).exists():
        return str(
            _(
                "Approve is blocked: the customer's identity is not verified, and it cannot be yet: "
                "the customer has not uploaded an identity card."
            )
        )
    return str(
        _(
            "Approve is blocked: the customer's identity is not verified (KYC status: %(status)s). "
            "Verify it on the customer's page against the identity card first."
        )
        % {"status": customer.get_kyc_status_display()}
    )


class AgeInStateFilter(admin.SimpleListFilter):
    title = _("time in state")
    parameter_name = "age"
    BANDS = {"1h": dt.timedelta(hours=1), "1d": dt.timedelta(days=1), "3d": dt.timedelta(days=3)}

    def lookups(self, request, model_admin):
        return (("1h", _("over 1 hour")), ("1d", _("over 1 day")), ("3d", _("over 3 days")))

    def queryset(self, request, queryset):
        band = self.BANDS.get(self.value() or "")
        return queryset if band is None else queryset.filter(state_changed_at__lt=clock.now() - band)


class ProductFilter(admin.SimpleListFilter):
    """By product, listed from the catalogue (not by scanning the applications)."""

    title = _("product")
    parameter_name = "product"

    def lookups(self, request, model_admin):
        from products.models import Product

        return [(str(pk), code) for pk, code in Product.objects.order_by("code").values_list("pk", "code")]

    def queryset(self, request, queryset):
        value = self.value()
        return queryset.filter(product_version__product_id=value) if value and value.isdigit() else queryset


class GradeFilter(admin.SimpleListFilter):
    title = _("risk grade")
    parameter_name = "grade"

    def lookups(self, request, model_admin):
        return [(grade, grade) for grade in RISK_GRADES]

    def queryset(self, request, queryset):
        return queryset.filter(risk_grade=self.value()) if self.value() else queryset


class OfficerFilter(admin.SimpleListFilter):
    """By assigned officer, listed from the officer roles (not by scanning the applications)."""

    title = _("assigned officer")
    parameter_name = "officer"

    def lookups(self, request, model_admin):
        from django.contrib.auth import get_user_model

        from loanhub import roles

        officers = (
            get_user_model()
            .objects.filter(groups__name__in=(roles.LOAN_OFFICER, roles.SENIOR_APPROVER))
            .distinct()
            .order_by("username")
            .values_list("pk", "username")
        )
        return [("none", _("unassigned")), *((str(pk), name) for pk, name in officers)]

    def queryset(self, request, queryset):
        value = self.value()
        if value == "none":
            return queryset.filter(assigned_officer__isnull=True)
        return queryset.filter(assigned_officer_id=value) if value and value.isdigit() else queryset


class EventInline(admin.TabularInline):
    model = ApplicationEvent
    extra = 0
    can_delete = False
    fields = ("created_at", "actor", "from_state", "to_state", "reason")
    readonly_fields = fields
    ordering = ("created_at", "id")

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(LoanApplication)
class LoanApplicationAdmin(KeysetPaginationMixin, admin.ModelAdmin):
    change_form_template = "admin/applications/loanapplication/change_form.html"
    list_display = (
        "__str__",
        "customer_name",
        "product",
        "amount",
        "term",
        "state",
        "risk_grade",
        "age_in_state",
        "assigned_officer",
        "channel",
    )
    # Every filter lists its choices without scanning the applications table.
    list_filter = ("state", ProductFilter, "channel", GradeFilter, AgeInStateFilter, OfficerFilter)
    list_select_related = ("customer", "product_version__product", "assigned_officer")
    search_fields = ("=id",)
    search_help_text = _(
        "An application number such as A00000042. A customer's applications by identity or mobile "
        "number: Customers › identifier search."
    )
    show_full_result_count = False
    paginator = EstimatedCountPaginator
    list_per_page = 50
    ordering = ("-id",)  # the key the changelist pages by
    inlines = (admin_collateral.CollateralInline, admin_collateral.GuarantorInline, EventInline)
    fieldsets = (
        (None, {"fields": ("state", "customer_link", "kyc", "product_version", "assigned_officer")}),
        (
            _("Request"),
            {"fields": ("amount", "term", "method", "frequency", "purpose", "channel", "campaign")},
        ),
        (_("Decision"), {"fields": ("decision_panel",)}),
        (
            _("Offer"),
            {"fields": ("offer_amount", "offer_term", "offer_rate", "offer_apr", "offer_expires_at")},
        ),
        (_("Record"), {"classes": ("collapse",), "fields": ("created_at", "submitted_at", "disbursed_at")}),
    )
    readonly_fields = (
        "state",
        "customer_link",
        "kyc",
        "product_version",
        "assigned_officer",
        "amount",
        "term",
        "method",
        "frequency",
        "purpose",
        "channel",
        "campaign",
        "decision_panel",
        "offer_amount",
        "offer_term",
        "offer_rate",
        "offer_apr",
        "offer_expires_at",
        "created_at",
        "submitted_at",
        "disbursed_at",
    )

    def get_sortable_by(self, request):
        # Only sorts an index serves over a million rows: by state ((state, -id)), and the time in
        # state within one state ((state, state_changed_at)), the SLA queue's oldest first.
        if request.GET.get("state__exact"):
            return ("state", "age_in_state")
        return ("state",)

    # --- nothing is edited in a form ---------------------------------------------------------
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    # --- columns -------------------------------------------------------------------------------
    @admin.display(description=_("customer"))
    def customer_name(self, obj):
        return obj.customer.legal_name

    @admin.display(description=_("product"))
    def product(self, obj):
        return str(obj.product_version)

    @admin.display(description=_("in state for"), ordering="state_changed_at")
    def age_in_state(self, obj):
        age = clock.now() - obj.state_changed_at
        hours = age.total_seconds() / 3600
        text = (
            f"{int(hours // 24)}d {int(hours % 24)}h"
            if hours >= 24
            else f"{int(hours)}h {int(age.seconds // 60 % 60)}m"
        )
        limit = SLA_HOURS.get(obj.state)
        if limit is not None and hours > limit:
            return format_html('<strong class="sla-breached" title="{}">{}</strong>', _("over the SLA"), text)
        return text

    @admin.display(description=_("customer"))
    def customer_link(self, obj):
        url = reverse("admin:customers_customer_change", args=[obj.customer_id])
        return format_html(
            '<a href="{}">{} · {} · {}</a>',
            url,
            obj.customer,
            obj.customer.legal_name,
            mask_id_number(obj.customer.id_number),
        )

    @admin.display(description=_("identity (KYC)"))
    def kyc(self, obj):
        documents = obj.customer.documents.all()
        links = format_html_join(
            ", ",
            '<a href="{}">{}</a>',
            ((reverse("customers:document", args=[d.pk]), d.get_kind_display()) for d in documents),
        )
        return format_html("{} {}", obj.customer.get_kyc_status_display(), links)

    @admin.display(description=_("decision and explanation"))
    def decision_panel(self, obj):
        summary = selectors.application_decision_summary(
            application=obj, language=get_language(), detailed=True
        )
        if summary is None:
            return _("No decision yet.")
        reasons = format_html_join(
            "",
            "<li><code>{}</code> {} <span class='help'>{}</span></li>",
            ((r["code"], r["text"], r.get("detail", "")) for r in summary["reasons"]),
        )
        return format_html(
            "<p>{}: <strong>{}</strong> · {}: {} · {}: {} · {}: {} / {}</p><ul>{}</ul>",
            _("Outcome"),
            summary["outcome"],
            _("Score"),
            summary["score"],
            _("Grade"),
            summary["grade"],
            _("Limits"),
            summary["max_amount"] or "-",
            summary["max_term"] or "-",
            reasons,
        )

    # --- search: exact application number; identity numbers by POST ------------------------------
    def get_search_results(self, request, queryset, search_term):
        # An identity number in `?q=` would sit in every access log: customers are found by their
        # identifiers on the customers' identifier search (POST), which links to their applications.
        term = search_term.strip().upper()
        if not term:
            return queryset, False
        if re.fullmatch(r"A?\d{1,12}", term):
            return queryset.filter(pk=int(term.lstrip("A"))), False
        return queryset.none(), False

    # --- transitions as buttons -----------------------------------------------------------------
    def get_urls(self):
        return [
            path(
                "<int:pk>/assessment/",
                self.admin_site.admin_view(partial(admin_business.assessment_view, self)),
                name="applications_loanapplication_assessment",
            ),
            path(
                "<int:pk>/act/<str:action>/",
                self.admin_site.admin_view(self.action_view),
                name="applications_loanapplication_act",
            ),
            *super().get_urls(),
        ]

    def change_view(self, request, object_id, form_url="", extra_context=None):
        extra_context = extra_context or {}
        application = self.get_object(request, object_id)
        if application is not None:
            allowed = selectors.application_allowed_actions(application=application, user=request.user)
            blocked = _approve_blocked(application) if "approve" in allowed else ""
            if blocked:
                # Explained up front rather than a button that fails after a reason is typed.
                allowed = [name for name in allowed if name != "approve"]
            extra_context["approve_blocked"] = blocked
            extra_context["customer_url"] = reverse(
                "admin:customers_customer_change", args=[application.customer_id]
            )
            extra_context["officer_actions"] = [
                (name, label) for name, (label, _s, _r) in ACTIONS.items() if name in allowed
            ] + ([("assign", _("Assign to me"))] if "assign" in allowed else [])
            extra_context["pending_approval"] = application.pending_approval or None
            extra_context["business_assessment"] = application.customer.customer_type in BUSINESS_TYPES
        return super().change_view(request, object_id, form_url, extra_context)

    def action_view(self, request, pk: int, action: str):
        application = get_object_or_404(LoanApplication, pk=pk)
        if not self.has_view_permission(request, application):
            raise PermissionDenied
        change_url = reverse("admin:applications_loanapplication_change", args=[pk])
        if action == "assign":
            if request.method != "POST":
                return HttpResponseRedirect(change_url)
            return self._run(request, change_url, services.application_assign, application=application)
        if action not in ACTIONS:
            raise PermissionDenied
        label, service, needs_reason = ACTIONS[action]
        values = {"reason": "", "amount": "", "term": ""}
        error = ""
        if request.method == "POST":
            values = {name: request.POST.get(name, "").strip() for name in values}
            kwargs = {"application": application, "reason": values["reason"]}
            if action == "approve":
                if values["amount"]:
                    kwargs["amount"] = values["amount"]
                if values["term"]:
                    kwargs["term"] = values["term"]
            try:
                return self._run(request, change_url, service, raise_validation=True, **kwargs)
            except services.ApplicationValidationError as exc:
                error = "; ".join(
                    f"{field}: {' '.join(map(str, msgs))}" for field, msgs in exc.errors.items()
                )
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "original": application,
            "title": label,
            "action": action,
            "needs_reason": needs_reason,
            "counter_offer": action == "approve",
            "values": values,
            "error": error,
        }
        return TemplateResponse(request, "admin/applications/loanapplication/action_form.html", context)

    def _run(self, request, change_url, service, *, raise_validation=False, **kwargs):
        try:
            application = service(actor=request.user, **kwargs)
        except services.ApplicationValidationError:
            if raise_validation:
                raise
            self.message_user(request, _("The request was not valid."), messages.ERROR)
        except (services.ApplicationStateError, services.ApplicationPermissionError) as exc:
            self.message_user(request, str(exc), messages.ERROR)
        else:
            self.message_user(
                request,
                _("%(application)s is now %(state)s.")
                % {"application": application, "state": application.get_state_display()},
            )
        return HttpResponseRedirect(change_url)
