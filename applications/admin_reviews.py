"""The officers' queue of human reviews (PIPL arts. 24 and 55) in the admin console.

Pending reviews first, oldest request first. A review shows the customer's reason, the automated
decision with its reason codes (staff see them all), and two buttons, uphold and overturn, each
asking for the explanation the customer is shown. `applications.services.review_decide` checks
the officer (a person, not the applicant, not anyone who decided the application manually) and
settles a race between two officers under the application's row lock.
"""

from __future__ import annotations

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html, format_html_join
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from applications import selectors, services
from applications.models import ReviewOutcome, ReviewRequest
from applications.services.reviews import REVIEW_PERMISSION
from loanhub.permissions import may

DECISIONS = {
    ReviewOutcome.UPHELD: _("Uphold the automated decision"),
    ReviewOutcome.OVERTURNED: _("Overturn: refer to manual review"),
}


class ReviewStatusFilter(admin.SimpleListFilter):
    title = _("outcome")
    parameter_name = "status"

    def lookups(self, request, model_admin):
        return (("pending", _("waiting for an officer")), *ReviewOutcome.choices)

    def queryset(self, request, queryset):
        value = self.value()
        if value == "pending":
            return queryset.filter(outcome="")
        return queryset.filter(outcome=value) if value in ReviewOutcome.values else queryset


@admin.register(ReviewRequest)
class ReviewRequestAdmin(admin.ModelAdmin):
    change_form_template = "admin/applications/reviewrequest/change_form.html"
    list_display = ("__str__", "application_link", "customer_name", "requested_at", "status", "decided_by")
    list_filter = (ReviewStatusFilter,)
    list_select_related = ("application__customer", "decided_by")
    search_fields = ("=application__id",)
    ordering = ("outcome", "requested_at", "id")  # pending ("") first, oldest first
    fields = (
        "application_link",
        "customer_name",
        "reviewed_state",
        "decision_panel",
        "reason",
        "requested_at",
        "status",
        "explanation",
        "decided_by",
        "decided_at",
    )
    readonly_fields = fields

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description=_("application"))
    def application_link(self, obj):
        url = reverse("admin:applications_loanapplication_change", args=[obj.application_id])
        return format_html('<a href="{}">{}</a>', url, obj.application)

    @admin.display(description=_("customer"))
    def customer_name(self, obj):
        return obj.application.customer.legal_name

    @admin.display(description=_("outcome"), ordering="outcome")
    def status(self, obj):
        return obj.get_outcome_display() if obj.outcome else _("waiting for an officer")

    @admin.display(description=_("automated decision and its reasons"))
    def decision_panel(self, obj):
        decision = obj.decision
        key = "zh" if (get_language() or "").startswith("zh") else "en"
        reasons = format_html_join(
            "",
            "<li><code>{}</code> {} <span class='help'>{}</span></li>",
            (
                (r.get("code", ""), r.get(key) or r.get("en", ""), r.get("detail", ""))
                for r in decision.reasons
            ),
        )
        return format_html(
            "<p>{}: <strong>{}</strong> · {}: {} · {}: {} · {}: {}</p><ul>{}</ul>",
            _("Outcome"),
            decision.outcome,
            _("Score"),
            decision.score,
            _("Grade"),
            decision.grade,
            _("Limit computed"),
            (decision.limit_basis or {}).get("computed_limit", "-"),
            reasons,
        )

    def get_urls(self):
        return [
            path(
                "<int:pk>/decide/<str:outcome>/",
                self.admin_site.admin_view(self.decide_view),
                name="applications_reviewrequest_decide",
            ),
            *super().get_urls(),
        ]

    def change_view(self, request, object_id, form_url="", extra_context=None):
        extra_context = extra_context or {}
        review = self.get_object(request, object_id)
        if review is not None and review.pending and may(request.user, REVIEW_PERMISSION):
            extra_context["review_decisions"] = list(DECISIONS.items())
        return super().change_view(request, object_id, form_url, extra_context)

    def decide_view(self, request, pk: int, outcome: str):
        review = get_object_or_404(ReviewRequest.objects.select_related("application"), pk=pk)
        if not self.has_view_permission(request, review) or outcome not in DECISIONS:
            raise PermissionDenied
        change_url = reverse("admin:applications_reviewrequest_change", args=[pk])
        explanation, error = "", ""
        if request.method == "POST":
            explanation = request.POST.get("explanation", "")
            try:
                decided = services.review_decide(
                    review=review, actor=request.user, outcome=outcome, explanation=explanation
                )
            except services.ApplicationValidationError as exc:
                error = "; ".join(" ".join(map(str, m)) for m in exc.errors.values())
            except (services.ApplicationStateError, services.ApplicationPermissionError) as exc:
                self.message_user(request, str(exc), messages.ERROR)
                return HttpResponseRedirect(change_url)
            else:
                self.message_user(
                    request,
                    _("%(review)s: %(outcome)s. The customer sees your explanation.")
                    % {"review": decided, "outcome": decided.get_outcome_display()},
                )
                return HttpResponseRedirect(change_url)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "original": review,
            "title": DECISIONS[outcome],
            "decision_summary": selectors.application_decision_summary(
                application=review.application, language=get_language(), detailed=True
            ),
            "explanation": explanation,
            "error": error,
        }
        return TemplateResponse(request, "admin/applications/reviewrequest/decide_form.html", context)
