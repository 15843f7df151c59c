"""The customer's message that a payment was received (issue 15; notifications.events).

Sent after the repayment's transaction commits (`customers.notices.customer_notify`), once per
repayment (its dedupe key), and only while the repayment still stands: one reversed before the
notice goes out, or a restructuring's settlement (not a payment by the customer), sends nothing.
Payment due in 3 days and overdue on day 1 are dunning's steps `reminder-3` and `overdue-1`
(`servicing.dunning`), the one message for each.
"""

from __future__ import annotations

from customers.notices import customer_notify
from servicing.choices import RepaymentChannel, RepaymentStatus
from servicing.models import Repayment


def repayment_received(repayment: Repayment, *, customer_id: int, loan_number: str) -> None:
    """After `repayment_post`, in its transaction: the notice goes out once it commits."""
    if repayment.channel == RepaymentChannel.RESTRUCTURE:
        return
    customer_notify(
        customer_id=customer_id,
        event="payment_received",
        template="payment-received",
        dedupe_key=f"payment-received:{repayment.pk}",
        context={"loan": loan_number, "amount": repayment.amount, "value_date": repayment.value_date},
        still_due=lambda: Repayment.objects.filter(pk=repayment.pk, status=RepaymentStatus.POSTED).exists(),
    )
