"""The customer's message when an officer records contact on an early warning (issue 15;
notifications.events): once per warning (its dedupe key; contacting again sends nothing), after
the move commits. The wording is neutral: it never says the account is under a warning."""

from __future__ import annotations

from customers.notices import customer_notify
from monitoring.models import EarlyWarning, WarningStatus
from servicing import selectors as servicing


def warning_contacted(warning: EarlyWarning) -> None:
    """After `early_warning_transition(action="contact")`."""
    if warning.status != WarningStatus.CONTACTED:
        return
    customer_id = servicing.account_customer_id(
        loan_id=warning.loan_id, credit_line_id=getattr(warning, "credit_line_id", None)
    )
    if customer_id is None:
        return
    customer_notify(
        customer_id=customer_id,
        event="warning_contact",
        template="warning-contact",
        dedupe_key=f"warning-contact:{warning.pk}",
        context={"number": warning.loan_number},
    )
