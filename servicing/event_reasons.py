"""The reasons servicing records on its events (loans, credit lines, statement lines, limit
proposals, collection cases), as codes shown in the reader's language (loanhub.reasons); the
English sentence is the audit record."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from loanhub.reasons import DATE, register
from servicing.models.collections import PromiseStatus

FIXED = {
    "svc.first_approval_senior": _("First approval; a Senior Approver must approve."),
    "svc.first_approval_second": _("First approval; a second officer must approve."),
    "svc.approved_by_system": _("Approved by the system (below the threshold)."),
    "svc.approved": _("Approved."),
    "svc.restructuring_approved": _("Restructuring approved."),
    "svc.paid_off_early": _("Loan paid off early."),
    "svc.partial_prepayment": _("Partial prepayment."),
    "svc.everything_paid": _("Everything is paid."),
    "svc.payment_received": _("Payment received."),
    "svc.write_off_approved": _("Write-off approved."),
    "svc.recovery_received": _("Recovery received after the write-off."),
    "svc.deferral_approved": _("Deferral approved."),
    # Short English notes of the credit lines, collections and limit proposals.
    "svc.proposed": pgettext_lazy("event reason", "proposed"),
    "svc.overdue": pgettext_lazy("event reason", "overdue"),
    "svc.cured": pgettext_lazy("event reason", "cured"),
    "svc.opened": pgettext_lazy("event reason", "opened"),
    "svc.draw": pgettext_lazy("event reason", "draw"),
    "svc.repayment": pgettext_lazy("event reason", "repayment"),
    "svc.limit_raised": pgettext_lazy("event reason", "limit_raised"),
    "svc.assigned": pgettext_lazy("event reason", "assigned"),
    "svc.promise_to_pay": pgettext_lazy("event reason", "promise to pay"),
    "svc.rejected_in_admin": pgettext_lazy("event reason", "rejected in admin"),
}
for _code, _text in FIXED.items():
    register(_code, _text)

PROMISE_STATES = dict(PromiseStatus.choices)

register("svc.assigned_to_loan", _("Assigned to loan %(loan)s."))
register(
    "svc.restructured_until",
    _("Restructured: classified at least substandard through %(date)s."),
    date=DATE,
)
register("svc.rate_reset", _("Floating rate reset: %(old)s → %(new)s from %(date)s."), date=DATE)
register("svc.promise_resolved", pgettext_lazy("event reason", "promise %(status)s"), status=PROMISE_STATES)
register(
    "svc.promise_reversed",
    pgettext_lazy("event reason", "promise %(status)s: payment reversed"),
    status=PROMISE_STATES,
)
register(
    "svc.days_past_due",
    pgettext_lazy("event reason", "%(dpd)s days past due"),
    pattern=r"^(?P<dpd>\d+) days past due$",
)
