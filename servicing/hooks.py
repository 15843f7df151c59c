"""The callback registry through which close of business tells higher apps a date is closed.

Servicing sits below monitoring and must not import it; monitoring registers its hook in its
AppConfig.ready():

    from servicing.hooks import register_cob_finished_hook
    register_cob_finished_hook(monitoring.services.cob_finished)

A hook is called as `hook(business_date=date)` inside the transaction that marks the run done, so
work it enqueues with `transaction.on_commit` starts only once the date is closed for good. A
hook that raises rolls the run's closing back (the run stays open and is finished again).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

CobFinishedHook = Callable[..., None]
_hooks: list[CobFinishedHook] = []


def register_cob_finished_hook(hook: CobFinishedHook) -> CobFinishedHook:
    """Register `hook` (once; registering the same callable again is a no-op)."""
    if hook not in _hooks:
        _hooks.append(hook)
    return hook


def unregister_cob_finished_hook(hook: CobFinishedHook) -> None:
    if hook in _hooks:
        _hooks.remove(hook)


def cob_finished(*, business_date: dt.date) -> None:
    for hook in list(_hooks):
        hook(business_date=business_date)


# --- Repayments: posted and reversed ----------------------------------------------------------
# Marketing registers its points hooks here (marketing.rewards.apps.RewardsConfig.ready). A hook is
# called as `hook(repayment=repayment)` inside the transaction that posts or reverses the payment,
# after the loan is replayed, so what it writes commits or rolls back with the payment.
RepaymentHook = Callable[..., None]
_repayment_posted_hooks: list[RepaymentHook] = []
_repayment_reversed_hooks: list[RepaymentHook] = []


def register_repayment_hooks(*, posted: RepaymentHook, reversed: RepaymentHook) -> None:
    """Register a pair of hooks (once; registering the same callables again is a no-op)."""
    if posted not in _repayment_posted_hooks:
        _repayment_posted_hooks.append(posted)
    if reversed not in _repayment_reversed_hooks:
        _repayment_reversed_hooks.append(reversed)


def repayment_posted(*, repayment) -> None:
    for hook in list(_repayment_posted_hooks):
        hook(repayment=repayment)


def repayment_reversed(*, repayment) -> None:
    for hook in list(_repayment_reversed_hooks):
        hook(repayment=repayment)


# --- Loan closed --------------------------------------------------------------------------------
# Marketing asks for an NPS survey once a loan is paid off (marketing.apps.MarketingConfig.ready).
# `hook(loan=loan)` inside the transaction that closes it (a reversal may reopen it; the hook is
# idempotent on its side).
LoanClosedHook = Callable[..., None]
_loan_closed_hooks: list[LoanClosedHook] = []


def register_loan_closed_hook(hook: LoanClosedHook) -> LoanClosedHook:
    """Register `hook` (once; registering the same callable again is a no-op)."""
    if hook not in _loan_closed_hooks:
        _loan_closed_hooks.append(hook)
    return hook


def loan_closed(*, loan) -> None:
    for hook in list(_loan_closed_hooks):
        hook(loan=loan)
