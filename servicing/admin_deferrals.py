"""The officer's page for a pending deferral (registered with the schedule changes' admin).

`<change>/decide/` shows the request (who asked, why, the installments' amount deferred, whether
two officers must approve and who approved first) and the schedule as it stands beside the new
schedule the customer was shown, with Approve and Reject buttons. The buttons call
`servicing.deferrals.deferral_approve` / `deferral_reject`, which enforce maker-checker (not the
requester; a second, different officer above `LOANHUB_DEFERRAL_SECOND_APPROVAL_AMOUNT`) and the
loan's lock; their refusals are shown as messages and change nothing.
"""

from __future__ import annotations

from decimal import Decimal

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from loanhub.errors import Conflict, Forbidden, Invalid, NotFound
from loanhub.permissions import may
from servicing import deferrals
from servicing.calendar import open_business_date
from servicing.choices import ChangeStatus, ScheduleChangeKind
from servicing.forms import DeferralDecisionForm
from servicing.models import ScheduleChange

ROW_FIELDS = ("number", "due_date", "payment", "principal", "interest", "balance")


def _pending_deferral(change: ScheduleChange) -> bool:
    return change.kind == ScheduleChangeKind.DEFERRAL and change.status == ChangeStatus.PENDING


class DeferralDecisionMixin:
    """Adds the decision page and a "Decide" link to the schedule changes' admin."""

    def get_urls(self):
        return [
            path(
                "<int:pk>/decide/",
                self.admin_site.admin_view(self.decide_view),
                name="servicing_schedulechange_decide",
            ),
            *super().get_urls(),
        ]

    @staticmethod
    def _may_view(user) -> bool:
        return may(user, "servicing.view_schedulechange") or deferrals.may_decide(user)

    def decide_view(self, request, pk: int):
        change = get_object_or_404(
            ScheduleChange.objects.select_related("loan", "requested_by", "first_approved_by"),
            pk=pk,
            kind=ScheduleChangeKind.DEFERRAL,
        )
        if not self._may_view(request.user):
            raise PermissionDenied
        change_url = reverse("admin:servicing_schedulechange_change", args=[pk])
        form = DeferralDecisionForm(request.POST or None)
        if request.method == "POST":
            if not deferrals.may_decide(request.user):
                raise PermissionDenied
            if form.is_valid():
                decision = form.cleaned_data["decision"]
                try:
                    if decision == "approve":
                        done = deferrals.deferral_approve(change_id=change.pk, actor=request.user)
                    else:
                        done = deferrals.deferral_reject(
                            change_id=change.pk, actor=request.user, reason=form.cleaned_data["reason"]
                        )
                except (Conflict, Forbidden, Invalid, NotFound) as exc:
                    self.message_user(request, str(exc), messages.ERROR)
                    return HttpResponseRedirect(request.path)
                if done.status == ChangeStatus.PENDING:
                    note = _("First approval recorded: a second, different officer must approve.")
                elif done.status == ChangeStatus.APPROVED:
                    note = _("The deferral is approved and the new schedule applies.")
                else:
                    note = _("The deferral is rejected; the schedule stays as it was.")
                self.message_user(request, note)
                return HttpResponseRedirect(change_url)
        quote = change.quote or {}
        new_rows = [{k: row.get(k) for k in ROW_FIELDS} for row in quote.get("new_schedule", [])]
        first_due = new_rows[0]["due_date"] if new_rows else None
        current = (
            change.loan.installments.filter(due_date__gte=first_due).order_by("number").values(*ROW_FIELDS)
            if first_due and change.status == ChangeStatus.PENDING
            else []
        )
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "original": change,
            "title": _("Decide on a deferral"),
            "form": form,
            "pending": _pending_deferral(change),
            "may_decide": deferrals.may_decide(request.user),
            "own_request": change.requested_by_id is not None and change.requested_by_id == request.user.pk,
            "needs_two": change.amount > deferrals.second_approval_amount(),
            "capitalised_interest": Decimal(str(quote.get("capitalised_interest", "0"))),
            "spread_interest": Decimal(str(quote.get("spread_interest", "0"))),
            "current_rows": list(current),
            "new_rows": new_rows,
            "business_date": open_business_date(),
        }
        return TemplateResponse(request, "admin/servicing/schedulechange/decide.html", context)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        extra_context = extra_context or {}
        change = self.get_object(request, object_id)
        extra_context["can_decide"] = bool(change is not None and _pending_deferral(change))
        return super().change_view(request, object_id, form_url, extra_context)

    @staticmethod
    def decide_link(obj: ScheduleChange):
        if not _pending_deferral(obj):
            return "-"
        url = reverse("admin:servicing_schedulechange_decide", args=[obj.pk])
        return format_html('<a href="{}">{}</a>', url, _("Decide"))
