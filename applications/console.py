"""The applications' panels of the console's start page (`loanhub.console`)."""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from applications import selectors
from loanhub import clock, console, roles

OFFICERS = (roles.LOAN_OFFICER, roles.SENIOR_APPROVER)


def _counts(request) -> dict:
    """Both panels read the same aggregate: one query per page."""
    if not hasattr(request, "_console_application_counts"):
        request._console_application_counts = selectors.application_console_counts(
            user=request.user, now=clock.now()
        )
    return request._console_application_counts


def _queue(request) -> dict:
    user = request.user
    counts = _counts(request)
    changelist = reverse("admin:applications_loanapplication_changelist")
    return {
        "mine": counts["mine"],
        "unassigned": counts["unassigned"],
        "applications": selectors.application_officer_queue(user=user),
        "mine_url": f"{changelist}?officer={user.pk}",
        "unassigned_url": f"{changelist}?officer=none",
        "queue_url": changelist,
    }


def _states(request) -> dict:
    counts = _counts(request)
    breached = [item["label"] for item in counts["states"] if item["breached"]]
    return {
        **counts,
        "changelist": reverse("admin:applications_loanapplication_changelist"),
        "chart": console.bar_chart(
            [(item["label"], item["count"]) for item in counts["states"]],
            label=_("Open applications by state"),
            highlight=breached,
        ),
    }


console.register(
    key="queue",
    title=_("My queue"),
    roles=OFFICERS,
    template="admin/console/queue.html",
    context=_queue,
    order=10,
)
console.register(
    key="states",
    title=_("Applications by state"),
    roles=(*OFFICERS, roles.AUDITOR),
    template="admin/console/states.html",
    context=_states,
    order=20,
)
