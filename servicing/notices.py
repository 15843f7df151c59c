"""The customer's message that a payment was received, on a loan or a credit line (issue 15;
notifications.events).

Sent after the repayment's transaction commits (`customers.notices.customer_notify`), once per
repayment (its dedupe key), and only while the repayment still stands: one reversed before the
notice goes out, or a restructuring's settlement (not a payment by the customer), sends nothing.
Payment due in 3 days and overdue on day 1 are dunning's steps `reminder-3` and `overdue-1`
(`servicing.dunning`), the one message for each.

A credit-line repayment is told the same way (`line-payment-received`), once per repayment
transaction; a line repayment is never reversed, so it only has to still exist when the
transaction commits.
"""

from __future__ import annotations

from customers.notices import customer_notify
from servicing.choices import RepaymentChannel, RepaymentStatus
from servicing.models import CreditLineTransaction, Repayment


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


def line_repayment_received(tx: CreditLineTransaction, *, customer_id: int, line_number: str) -> None:
    """After `credit_line_repay`, in its transaction: the notice goes out once it commits."""
    customer_notify(
        customer_id=customer_id,
        event="payment_received",
        template="line-payment-received",
        dedupe_key=f"line-payment-received:{tx.pk}",
        context={"line": line_number, "amount": tx.amount, "value_date": tx.value_date},
        still_due=lambda: CreditLineTransaction.objects.filter(pk=tx.pk).exists(),
    )
