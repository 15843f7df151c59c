"""Payments a borrower makes from the portal: a payment backend collects the money, then the
repayment is posted (`servicing.repayments.repayment_post`, channel `portal`).

The backend is named by the setting `LOANHUB_PAYMENT_BACKEND` (a dotted path to a class
implementing `PaymentBackend`), so a real payment provider plugs in by configuration. The default,
`SimulatedBankTransfer`, confirms every payment at once, so the journey works offline (demo,
tests, training).

A payment is keyed: the pay-now form carries a one-time key, the backend must answer the same key
with the same transaction (never collecting twice), and the transaction id becomes the
repayment's `external_id`, which the database keeps unique. A double click or a resubmitted form
therefore posts one repayment.
"""

from __future__ import annotations

import dataclasses
import re
from decimal import Decimal
from typing import Protocol

from django.conf import settings
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _

from loanhub.errors import Conflict, Invalid, NotFound
from servicing.choices import LoanStatus, RepaymentChannel
from servicing.models import Loan, Repayment
from servicing.repayments import amount_check, may_repay, repayment_post

__all__ = (
    "PaymentBackend",
    "PaymentDeclined",
    "PaymentResult",
    "SimulatedBankTransfer",
    "get_backend",
    "repayment_pay_online",
)

KEY_PATTERN = re.compile(r"[A-Za-z0-9_-]{16,64}")


@dataclasses.dataclass(frozen=True)
class PaymentResult:
    confirmed: bool
    transaction_id: str  # the provider's id, unique across every payment (at most 100 characters)
    message: str = ""  # why it was not confirmed, in the customer's language


class PaymentBackend(Protocol):
    """Collects money from the borrower for a loan."""

    def collect(self, *, loan: Loan, amount: Decimal, payer, key: str) -> PaymentResult:
        """Collect `amount`; the same `key` must return the same result without collecting again."""
        ...


class SimulatedBankTransfer:
    """A bank transfer that is confirmed at once (no money moves): the default backend."""

    def collect(self, *, loan: Loan, amount: Decimal, payer, key: str) -> PaymentResult:
        return PaymentResult(confirmed=True, transaction_id=f"SIM-{loan.pk}-{key}")


class PaymentDeclined(Conflict):
    """The payment backend did not confirm the payment; nothing was posted."""


def get_backend() -> PaymentBackend:
    return import_string(settings.LOANHUB_PAYMENT_BACKEND)()


def repayment_pay_online(*, loan: Loan, amount: Decimal, actor, key: str) -> Repayment:
    """Collect a payment through the backend and post it as a portal repayment.

    The amount, the borrower and the loan's state are checked before any money is collected
    (Invalid, NotFound, Conflict, as `repayment_post` would); PaymentDeclined when the backend
    does not confirm. If the posting fails after the backend confirmed (the loan closed in
    between), the money shows on the bank statement, whose import matches it by reference or
    holds it in suspense.
    """
    if not KEY_PATTERN.fullmatch(key or ""):
        raise Invalid({"key": [_("The payment form has expired; please try again.")]})
    amount = amount_check(amount)
    if not may_repay(actor, loan):
        raise NotFound(_("No such loan."))
    if loan.status != LoanStatus.ACTIVE:
        raise Conflict(
            _("Loan %(loan)s is %(status)s: it takes no more payments.")
            % {"loan": loan, "status": loan.get_status_display()},
            state=loan.status,
        )
    result = get_backend().collect(loan=loan, amount=amount, payer=actor, key=key)
    if not result.confirmed:
        raise PaymentDeclined(result.message or _("The payment was not confirmed."), state="declined")
    return repayment_post(
        loan=loan,
        amount=amount,
        actor=actor,
        reference=result.transaction_id[:64],
        channel=RepaymentChannel.PORTAL,
        external_id=result.transaction_id,
    )
