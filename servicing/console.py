"""Servicing's panel of the console's start page (`loanhub.console`): today's disbursements and
the overdue loans (the early warnings are monitoring's panel)."""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from loanhub import clock, console, roles
from servicing import selectors


def _loans(request) -> dict:
    today = clock.today()
    figures = selectors.loan_console_figures(today=today)
    changelist = reverse("admin:servicing_loan_changelist")
    return {
        **figures,
        "today": today,
        "changelist": changelist,
        "chart": console.bar_chart(
            [(item["bucket"], item["count"]) for item in figures["overdue_buckets"]],
            label=_("Overdue loans by days past due"),
            highlight=[item["bucket"] for item in figures["overdue_buckets"][1:] if item["count"]],
        ),
    }


console.register(
    key="loans",
    title=_("Loans"),
    roles=(roles.LOAN_OFFICER, roles.SENIOR_APPROVER, roles.AUDITOR),
    template="admin/console/loans.html",
    context=_loans,
    order=30,
)
