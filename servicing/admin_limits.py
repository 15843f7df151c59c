"""The officers' queue of limit proposals (limits that grow with good history): the monthly job's
proposals with the history they were made from, approved or rejected with the actions here
(through `servicing.limits`; above the second-approval amount a first officer approves and a
different Senior Approver completes it). Nothing is edited in place; auditors see it read-only."""

from __future__ import annotations

from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _

from loanhub.admin_readonly import ReadOnlyAdminMixin, ReadOnlyTabularInline
from loanhub.admin_reasons import EventReasonColumn, EventStateColumns
from loanhub.errors import DomainError
from loanhub.permissions import may
from servicing import limits
from servicing.models import LimitProposal, LimitProposalEvent


class LimitProposalEventInline(EventStateColumns, EventReasonColumn, ReadOnlyTabularInline):
    model = LimitProposalEvent
    state_models = ("servicing.LimitProposal",)
    fields = ("created_at", "actor", "from_label", "to_label", "reason_text", "payload")
    readonly_fields = fields


@admin.register(LimitProposal)
class LimitProposalAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = (
        "id",
        "month",
        "customer",
        "kind",
        "credit_line",
        "loan",
        "current_limit",
        "proposed_amount",
        "score",
        "status",
        "first_approved_by",
        "decided_by",
        "auto_approved",
    )
    list_filter = ("status", "kind", "month", "auto_approved")
    search_fields = ("credit_line__number", "loan__number")
    list_select_related = ("customer", "credit_line", "loan", "first_approved_by", "decided_by")
    readonly_fields = (
        "customer",
        "kind",
        "month",
        "credit_line",
        "loan",
        "currency",
        "current_limit",
        "proposed_amount",
        "score",
        "facts",
        "status",
        "expires_on",
        "created_at",
        "first_approved_by",
        "decided_by",
        "decided_at",
        "auto_approved",
    )
    inlines = (LimitProposalEventInline,)
    actions = ("approve_proposals", "reject_proposals")

    def has_decide_permission(self, request) -> bool:
        return may(request.user, limits.DECIDE)

    def _each(self, request, queryset, act, done: str) -> None:
        count = 0
        for proposal in queryset.order_by("id"):
            try:
                result = act(proposal)
            except DomainError as error:
                self.message_user(request, f"{proposal}: {error}", messages.ERROR)
                continue
            if result.status == "pending":
                self.message_user(
                    request,
                    _("%(proposal)s: first approval recorded; a Senior Approver must approve it.")
                    % {"proposal": result},
                    messages.WARNING,
                )
            else:
                count += 1
        if count:
            self.message_user(request, done % {"n": count}, messages.SUCCESS)

    @admin.action(description=_("Approve the selected proposals"), permissions=("decide",))
    def approve_proposals(self, request, queryset):
        self._each(
            request,
            queryset,
            lambda p: limits.limit_proposal_approve(proposal_id=p.pk, actor=request.user),
            _("%(n)s proposal(s) approved."),
        )

    @admin.action(description=_("Reject the selected proposals"), permissions=("decide",))
    def reject_proposals(self, request, queryset):
        self._each(
            request,
            queryset,
            lambda p: limits.limit_proposal_reject(
                proposal_id=p.pk, actor=request.user, reason="rejected in admin"
            ),
            _("%(n)s proposal(s) rejected."),
        )
