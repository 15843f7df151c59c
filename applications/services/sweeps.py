"""Periodic jobs (beat): expire offers past their expiry, expire accepted offers never paid out,
re-drive applications stuck in scoring."""

from __future__ import annotations

import datetime as dt
import logging

from django.conf import settings
from django.db import transaction

from applications.models import (
    LoanApplication,
    State,
)
from applications.services.base import (
    REQUESTER_PREFIX,
    _event,
    _lock,
    _move,
)
from applications.services.decisions import application_apply_decision
from applications.services.submission import application_start_scoring
from loanhub import clock
from loanhub.reasons import coded

logger = logging.getLogger(__name__)


def offers_expire(*, now: dt.datetime | None = None, batch_size: int = 500) -> int:
    """Expire every approved offer past its expiry; returns how many. Idempotent: each row is
    re-checked under its lock, so a second run (or a concurrent acceptance) changes nothing."""
    now = now or clock.now()
    expired = 0
    last_pk = 0
    while True:
        ids = list(
            LoanApplication.objects.filter(state=State.APPROVED, offer_expires_at__lte=now, pk__gt=last_pk)
            .order_by("pk")
            .values_list("pk", flat=True)[:batch_size]
        )
        if not ids:
            return expired
        last_pk = ids[-1]
        for pk in ids:
            with transaction.atomic():
                locked = (
                    LoanApplication.objects.select_for_update()
                    .filter(pk=pk, state=State.APPROVED, offer_expires_at__lte=now)
                    .first()
                )
                if locked is None:
                    continue
                reason = f"offer expired at {locked.offer_expires_at}"
                _move(locked, "expire_offer", actor=None, reason=reason)
                expired += 1


ACCEPTANCE_EXPIRED_REASON = "accepted offer not paid out in time"


def acceptances_expire(*, now: dt.datetime | None = None, batch_size: int = 500) -> int:
    """offer_accepted → offer_expired (the system) for every accepted offer not paid out within
    LOANHUB_ACCEPTANCE_EXPIRY_DAYS of its acceptance; returns how many. In the move's transaction
    the acceptance is released (applications.hooks: reward points redeemed on it come back), and
    after the commit the customer is told (once per application). Idempotent: each row is
    re-checked under its lock, so a second run, or a payout or withdrawal that won the lock, changes
    nothing."""
    from applications import hooks
    from customers.notices import customer_notify

    now = now or clock.now()
    cutoff = now - dt.timedelta(days=settings.LOANHUB_ACCEPTANCE_EXPIRY_DAYS)
    due = {"state": State.OFFER_ACCEPTED, "offer_accepted_at__lte": cutoff}
    expired = 0
    last_pk = 0
    while True:
        ids = list(
            LoanApplication.objects.filter(**due, pk__gt=last_pk)
            .order_by("pk")
            .values_list("pk", flat=True)[:batch_size]
        )
        if not ids:
            return expired
        last_pk = ids[-1]
        for pk in ids:
            with transaction.atomic():
                locked = LoanApplication.objects.select_for_update().filter(pk=pk, **due).first()
                if locked is None:
                    continue
                _move(locked, "expire_acceptance", actor=None, reason=ACCEPTANCE_EXPIRED_REASON)
                hooks.acceptance_released(application=locked)
                customer_notify(
                    customer_id=locked.customer_id,
                    event="acceptance_expired",
                    template="acceptance-expired",
                    dedupe_key=f"acceptance-expired:{pk}",
                    context={
                        "application": str(locked),
                        "accepted": clock.local_date(locked.offer_accepted_at),
                    },
                )
                expired += 1


def applications_requeue_stuck(*, now: dt.datetime | None = None) -> dict[str, int]:
    """Re-drive applications left in submitted or scoring longer than LOANHUB_STUCK_AFTER_MINUTES.

    Safe to repeat: risk's scoring_request_process decides a pending request once (a second
    delivery is a no-op), scoring_request_retry only moves a failed request, and the decision
    hook ignores an application that is no longer scoring. An application is re-driven at most
    once per window (`scoring_requeued_at`).
    """
    from risk import selectors as risk_selectors
    from risk import services as risk_services
    from risk.choices import RequestState

    now = now or clock.now()
    cutoff = now - dt.timedelta(minutes=settings.LOANHUB_STUCK_AFTER_MINUTES)
    counts = {"started": 0, "requeued": 0, "retried": 0, "applied": 0}
    submitted = LoanApplication.objects.filter(state=State.SUBMITTED, state_changed_at__lt=cutoff)
    for pk in submitted.values_list("pk", flat=True):
        if application_start_scoring(application_id=pk).state == State.SCORING:
            counts["started"] += 1
    stuck = (
        LoanApplication.objects.filter(state=State.SCORING, state_changed_at__lt=cutoff)
        .exclude(scoring_requeued_at__gte=cutoff)
        .values_list("pk", flat=True)
    )
    for pk in list(stuck):
        with transaction.atomic():
            locked = _lock(pk)
            if locked.state != State.SCORING or (
                locked.scoring_requeued_at is not None and locked.scoring_requeued_at >= cutoff
            ):
                continue
            locked.scoring_requeued_at = now
            locked.save(update_fields=["scoring_requeued_at", "updated_at"])
            request = (
                risk_selectors.requests_for(requester_ref=f"{REQUESTER_PREFIX}{pk}")
                .filter(pk=locked.scoring_request_id)
                .first()
            )
            state = request.state if request is not None else "missing"
            _event(
                locked,
                actor=None,
                from_state=locked.state,
                reason=coded("app.stuck_in_scoring", since=locked.state_changed_at, state=state),
            )
        # Outside the application's lock: risk locks the request first, then calls the hook,
        # which locks the application; taking them in the other order here could deadlock.
        if request is None:
            logger.error("application %s is scoring without a scoring request", pk)
        elif state == RequestState.PENDING:
            risk_services.scoring_request_requeue(request=request, reason="requeued: stuck in scoring")
            counts["requeued"] += 1
        elif state == RequestState.FAILED:
            risk_services.scoring_request_retry(
                request=request, actor=None, reason="requeued: stuck in scoring"
            )
            counts["retried"] += 1
        else:  # scored or invalid, but the hook's change was lost: apply it now (idempotent)
            with transaction.atomic():
                decision = risk_selectors.decision_for_request(request_id=request.pk)
                application_apply_decision(request=request, decision=decision)
            counts["applied"] += 1
    return counts
