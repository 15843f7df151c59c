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
from django.template.loader import render_to_string
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.translation import get_language, gettext
from django.utils.translation import gettext_lazy as _
from django_fsm import can_proceed

from applications import (
    admin_business,
    admin_collateral,
    admin_reviews,  # noqa: F401  (registers the human-review queue)
    selectors,
    services,
)
from applications.event_reasons import event_reason_text
from applications.models import ApplicationEvent, LoanApplication, State
from customers.masking import mask_id_number, mask_phone
from customers.models import BUSINESS_TYPES
from loanhub import clock
from loanhub.admin_pagination import EstimatedCountPaginator, KeysetPaginationMixin
from loanhub.formatting import grouped, percent_text
from products.choices import RISK_GRADES, Category
from risk import selectors as risk_selectors

# Officer actions shown as buttons: name → (label, service, asks for a reason, extra fields).
ACTIONS = {
    "approve": (_("Approve"), services.application_approve, True),
    "refer": (_("Refer"), services.application_refer, True),
    "decline": (_("Decline"), services.application_decline, True),
    "disburse": (_("Disburse"), services.application_disburse, False),
}
SLA_HOURS = selectors.SLA_HOURS
STATE_LABELS = dict(State.choices)
PURPOSE_LABELS = dict(Category.choices)  # an application's purpose is a catalogue category


class QueueFilter(admin.SimpleListFilter):
    """The default queue is what needs action (no drafts, no offers waiting for the customer);
    "all" lists every application. Choosing a state, or searching for an application number,
    looks at every application."""

    title = _("queue")
    parameter_name = "queue"
    NEEDS_ACTION, ALL = "action", "all"

    def lookups(self, request, model_admin):
        return ((self.NEEDS_ACTION, _("needs action")), (self.ALL, _("all applications")))

    def value(self):
        value = super().value()
        if value in (self.NEEDS_ACTION, self.ALL):
            return value
        return self.ALL if self._looking_beyond else self.NEEDS_ACTION

    def __init__(self, request, params, model, model_admin):
        self._looking_beyond = bool(request.GET.get("state__exact") or request.GET.get("q", "").strip())
        super().__init__(request, params, model, model_admin)

    def choices(self, changelist):
        # No "All" entry of its own: "all applications" is one of the lookups.
        for lookup, title in self.lookup_choices:
            yield {
                "selected": self.value() == lookup,
                "query_string": changelist.get_query_string({self.parameter_name: lookup}),
                "display": title,
            }

    def queryset(self, request, queryset):
        if self.value() == self.NEEDS_ACTION:
            return queryset.filter(state__in=selectors.NEEDS_ACTION_STATES)
        return queryset


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
    # Headers and states in the page's language (the event base's `actor` has no verbose name,
    # and the states are stored as codes).
    fields = ("created_at", "by", "from_label", "to_label", "reason_text")
    readonly_fields = fields
    ordering = ("created_at", "id")

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("actor", "application__decision")

    @admin.display(description=_("reason"))
    def reason_text(self, obj):
        return event_reason_text(obj)

    @admin.display(description=_("by"))
    def by(self, obj):
        return obj.actor or _("system")

    @admin.display(description=_("from state"))
    def from_label(self, obj):
        return STATE_LABELS.get(obj.from_state, obj.from_state)

    @admin.display(description=_("to state"))
    def to_label(self, obj):
        return STATE_LABELS.get(obj.to_state, obj.to_state)

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
        "requested",
        "term",
        "state",
        "risk_grade",
        "age_in_state",
        "assigned_officer",
        "channel",
    )
    # Every filter lists its choices without scanning the applications table.
    list_filter = (
        QueueFilter,
        "state",
        ProductFilter,
        "channel",
        GradeFilter,
        AgeInStateFilter,
        OfficerFilter,
    )
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
        (None, {"fields": ("state", "customer_link", "product_version", "assigned_officer")}),
        # The decision and what it rests on, side by side: the customer's identity and documents
        # (masked) beside the score, grade, reasons, rule hits and offer.
        (_("Decision and identity"), {"classes": ("decision-screen",), "fields": ("review_panel",)}),
        (
            _("Request"),
            {
                "fields": (
                    "amount",
                    "term",
                    "method",
                    "frequency",
                    "purpose_label",
                    "channel",
                    "campaign",
                    "partner_code",
                )
            },
        ),
        (
            _("Offer"),
            {
                "fields": (
                    "offer_amount",
                    "offer_term",
                    "offer_rate_text",
                    "offer_apr_text",
                    "offer_expires_at",
                )
            },
        ),
        (_("Record"), {"classes": ("collapse",), "fields": ("created_at", "submitted_at", "disbursed_at")}),
    )
    readonly_fields = (
        "state",
        "customer_link",
        "product_version",
        "assigned_officer",
        "review_panel",
        "amount",
        "term",
        "method",
        "frequency",
        "purpose_label",
        "channel",
        "campaign",
        "partner_code",
        "offer_amount",
        "offer_term",
        "offer_rate_text",
        "offer_apr_text",
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

    # Rates as percentages ("6.00%"), not the stored fractions ("0.06000000").
    @admin.display(description=LoanApplication._meta.get_field("offer_rate").verbose_name)
    def offer_rate_text(self, obj):
        return percent_text(obj.offer_rate) or "-"

    @admin.display(description=LoanApplication._meta.get_field("offer_apr").verbose_name)
    def offer_apr_text(self, obj):
        return percent_text(obj.offer_apr) or "-"

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

    @admin.display(description=_("purpose"))
    def purpose_label(self, obj):
        return PURPOSE_LABELS.get(obj.purpose, obj.purpose) or "-"

    @admin.display(description=_("amount"))
    def requested(self, obj):
        return grouped(obj.amount)

    @admin.display(description=_("product"))
    def product(self, obj):
        return str(obj.product_version)

    @admin.display(description=_("in state for"), ordering="state_changed_at")
    def age_in_state(self, obj):
        age = clock.now() - obj.state_changed_at
        hours = age.total_seconds() / 3600
        if hours >= 24:
            text = gettext("%(days)sd %(hours)sh") % {"days": int(hours // 24), "hours": int(hours % 24)}
        else:
            text = gettext("%(hours)sh %(minutes)sm") % {
                "hours": int(hours),
                "minutes": int(age.seconds // 60 % 60),
            }
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

    @admin.display(description=_("decision and identity"))
    def review_panel(self, obj):
        language = get_language()
        customer = obj.customer
        summary = selectors.application_decision_summary(application=obj, language=language, detailed=True)
        decision = obj.decision
        context = {
            "application": obj,
            "customer": customer,
            "masked_id_number": mask_id_number(customer.id_number),
            "masked_phone": mask_phone(customer.phone),
            "documents": [
                {
                    "url": reverse("customers:document", args=[document.pk]),
                    "kind": document.get_kind_display(),
                    "uploaded_at": document.uploaded_at,
                }
                for document in customer.documents.order_by("kind", "id")
            ],
            "kyc_url": reverse("admin:customers_customer_change", args=[customer.pk]),
            "summary": summary,
            "outcome_label": decision.get_outcome_display() if decision is not None else "",
            "rule_hits": (
                [] if decision is None else risk_selectors.decision_rule_hits(decision, language=language)
            ),
            "offer": obj.offer or None,
        }
        return render_to_string("admin/applications/loanapplication/review_panel.html", context)

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
            blockers = self._approve_blockers(request, application, allowed)
            if blockers:
                allowed = ["approve", *allowed]
            extra_context["customer_url"] = reverse(
                "admin:customers_customer_change", args=[application.customer_id]
            )
            extra_context["officer_actions"] = [
                (name, label, blockers if name == "approve" else [])
                for name, (label, _s, _r) in ACTIONS.items()
                if name in allowed
            ] + ([("assign", _("Assign to me"), [])] if "assign" in allowed else [])
            extra_context["approve_blockers"] = blockers
            extra_context["pending_approval"] = application.pending_approval or None
            extra_context["business_assessment"] = application.customer.customer_type in BUSINESS_TYPES
        return super().change_view(request, object_id, form_url, extra_context)

    @staticmethod
    def _approve_blockers(request, application, allowed) -> list[str]:
        """Why approving would be refused now, when the officer could otherwise decide it (an
        application they may refer or decline, or approve): the button is shown disabled with
        these reasons. [] when Approve works, or when deciding is not the officer's to do."""
        if not ({"approve", "refer", "decline"} & set(allowed)) or not can_proceed(application.approve):
            return []
        return services.application_approve_blockers(application=application, actor=request.user)

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
        blockers = []
        if action == "approve":
            allowed = selectors.application_allowed_actions(application=application, user=request.user)
            blockers = self._approve_blockers(request, application, allowed)
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
            "blockers": blockers,
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
