"""Reads of the applications app: what a user may see, the officers' queue, the timeline, the
decision summary and which actions a user may take now (for pages to show the right buttons).

Visibility: a customer sees their own applications only (anything else is "not found"); staff
with `applications.view_loanapplication` (officers, senior approvers, risk analysts, auditors)
see all of them.
"""

from __future__ import annotations

import datetime as dt

from django.db.models import Count, Q, QuerySet
from django.utils.translation import gettext as _
from django_fsm import can_proceed

from applications import permissions as perms
from applications.models import (
    TERMINAL_STATES,
    ApplicationEvent,
    LoanApplication,
    ReviewRequest,
    State,
)
from applications.services import (
    ApplicationNotFound,
    ApplicationPermissionError,
    rating_for,
    review_may_be_requested,
)
from loanhub.queries import CompiledRead
from risk.business.services import rating_payload
from risk.selectors import decision_customer_reasons

DEFAULT_QUEUE_STATES = (State.REFERRED,)
# How long an application may wait in a state before it breaches the service level (hours).
SLA_HOURS = {
    State.SUBMITTED: 1,
    State.SCORING: 1,
    State.SCORED: 4,
    State.REFERRED: 24,
    State.OFFER_ACCEPTED: 24,
}
# The console's default queue: applications whose next step is owed by the bank (an officer, or
# the risk service within its SLA) — never drafts, nor offers waiting for the customer.
NEEDS_ACTION_STATES = (
    State.SUBMITTED,
    State.SCORING,
    State.SCORED,
    State.REFERRED,
    State.REVIEW_REQUESTED,
    State.OFFER_ACCEPTED,
)
# Waiting for an officer (the "my queue" of the start page).
OFFICER_STATES = (State.SCORED, State.REFERRED, State.REVIEW_REQUESTED, State.OFFER_ACCEPTED)
# Counted on the start page: the open states except drafts (bounded, unlike the terminal states).
CONSOLE_STATES = (*NEEDS_ACTION_STATES[:4], State.APPROVED, *NEEDS_ACTION_STATES[4:])


def _one() -> QuerySet[LoanApplication]:
    """For reading one application: what every answer about it shows, joined. The three staff
    users (officer, pending approver, approver) are read only when a page asks for them, and most
    applications have none: each of those joins multiplies PostgreSQL's planning, 6 ms of planning
    for 0.7 ms of execution with all eight tables against 0.7 ms with these five (measured on the
    load-test database), on every status read and every draft created."""
    return LoanApplication.objects.select_related("customer", "product_version__product", "decision")


# Every status read, draft change and transition reads one application: compiled once
# (loanhub.queries; 2.9 ms of the ORM's CPU to build and compile it, 0.4 ms to run).
_ONE = CompiledRead(lambda pk: _one().filter(pk=pk).order_by("pk")[:1])


def _base() -> QuerySet[LoanApplication]:
    return LoanApplication.objects.select_related(
        "customer",
        "product_version__product",
        "decision",
        "assigned_officer",
        "pending_approval_by",
        "approved_by",
    )


def _states(state) -> list[str]:
    if not state:
        return []
    values = state.split(",") if isinstance(state, str) else list(state)
    return [value.strip() for value in values if value and value.strip()]


def application_list_for(*, user, state: str | list[str] | None = None) -> QuerySet[LoanApplication]:
    """The applications `user` may see (own, or all for staff), optionally in the given states
    (a list or a comma-separated string)."""
    queryset = _base()
    if not perms.may_view_all(user):
        if not getattr(user, "is_authenticated", False):
            return queryset.none()
        queryset = queryset.filter(customer__user=user)
    states = _states(state)
    if states:
        queryset = queryset.filter(state__in=states)
    return queryset.order_by("-id")


def application_get_for(*, user, application_id: int) -> LoanApplication:
    """One application `user` may see; ApplicationNotFound otherwise (never "forbidden", so the
    existence of another customer's application is not revealed)."""
    found = _ONE.objects(application_id)
    application = found[0] if found else None
    if application is None or not perms.may_view(user, application):
        raise ApplicationNotFound(_("application %(id)s not found") % {"id": application_id})
    return application


def application_queue(
    *,
    user,
    state: str | list[str] | None = None,
    assigned_to=None,
    unassigned: bool = False,
    pending_approval: bool | None = None,
) -> QuerySet[LoanApplication]:
    """The officers' work queue: referred applications by default, oldest in state first.
    `pending_approval=True` lists those waiting for a second (senior) approval."""
    if not perms.may_decide(user):
        raise ApplicationPermissionError(_("only Loan Officers have a work queue"))
    queryset = _base().filter(state__in=_states(state) or DEFAULT_QUEUE_STATES)
    if assigned_to is not None:
        queryset = queryset.filter(assigned_officer=assigned_to)
    if unassigned:
        queryset = queryset.filter(assigned_officer__isnull=True)
    if pending_approval is not None:
        queryset = queryset.filter(pending_approval_by__isnull=not pending_approval)
    return queryset.order_by("state_changed_at", "id")


def application_events(*, application: LoanApplication) -> list[ApplicationEvent]:
    """The timeline, oldest first."""
    events = _EVENTS.objects(application.pk)
    for event in events:
        event.application = application  # as the related manager gives them
    return events


# Every status read answers with the timeline: compiled once (loanhub.queries).
_EVENTS = CompiledRead(
    lambda pk: (
        ApplicationEvent.objects.filter(application_id=pk)
        .select_related("actor")
        .order_by("created_at", "id")
    )
)


def application_decision_summary(
    *, application: LoanApplication, language: str = "zh-hans", detailed: bool = False
) -> dict | None:
    """score, grade, outcome, reasons (in `language`) and the offer; None before a decision.
    `detailed` (staff) shows the internal reason codes with their details and the decision's limit
    basis; otherwise (the customer) only customer-safe reasons with what the customer can do
    (`risk.reasons`: never a fraud rule's code or wording)."""
    decision = application.decision
    if decision is None:
        return None
    if detailed:
        key = "zh" if (language or "").lower().startswith("zh") else "en"
        reasons = [
            {
                "code": reason.get("code", ""),
                "text": reason.get(key) or reason.get("en", ""),
                "detail": reason.get("detail", ""),
            }
            for reason in decision.reasons
        ]
    else:
        reasons = decision_customer_reasons(decision, language=language)
    summary = {
        "id": decision.pk,
        "score": decision.score,
        "grade": decision.grade,
        "outcome": decision.outcome,
        "reasons": reasons,
        "max_amount": None if application.max_amount is None else str(application.max_amount),
        "max_term": application.max_term,
        "offer": application.offer or None,
        "offer_expires_at": application.offer_expires_at,
        "decided_at": decision.created_at,
    }
    if detailed:
        summary["limit_basis"] = decision.limit_basis
    return summary


# Action name (as in the API paths) → the model transition that must be possible.
ACTIONS = {
    "submit": "submit",
    "withdraw": "withdraw",
    "approve": "approve",
    "refer": "refer",
    "decline": "decline",
    "accept-offer": "accept_offer",
    "decline-offer": "decline_offer",
    "disburse": "disburse",
}
OWNER_ACTIONS = {"submit", "withdraw", "accept-offer", "decline-offer"}
OFFICER_ACTIONS = {"submit", "approve", "refer", "decline", "disburse"}


def application_allowed_actions(*, application: LoanApplication, user) -> list[str]:
    """The actions `user` may take on the application in its current state (pages show these
    buttons; the services check again on every call)."""
    owner = perms.is_owner(user, application)
    officer = not owner and perms.may_decide(user)  # the owner's roles are not read: never theirs to use
    allowed = []
    for action, transition in ACTIONS.items():
        if not can_proceed(getattr(application, transition)):
            continue
        if (owner and action in OWNER_ACTIONS) or (officer and action in OFFICER_ACTIONS):
            allowed.append(action)
    if "approve" in allowed and application.decision_id is None:
        allowed.remove("approve")
    if officer and application.state not in TERMINAL_STATES:
        allowed.append("assign")
    if owner and application.state == State.DECLINED and review_may_be_requested(application):
        allowed.append("request-review")
    return allowed


def application_review_summary(*, application: LoanApplication, staff: bool = False) -> dict | None:
    """The latest human review of the application: the customer's reason, the outcome and the
    officer's explanation (the officer's name for staff only); None when none was asked for."""
    if application.decision_id is None:  # a review is of a decision: none before one (no query)
        return None
    review = application.review_requests.select_related("decided_by").order_by("-id").first()
    if review is None:
        return None
    return {
        "id": review.pk,
        "decision": review.decision_id,
        "reviewed_state": review.reviewed_state,
        "reason": review.reason,
        "requested_at": review.requested_at,
        "status": review.outcome or "pending",
        "status_label": str(review.get_outcome_display()) if review.outcome else _("Waiting for an officer"),
        "explanation": review.explanation,
        "decided_at": review.decided_at,
        "decided_by": review.decided_by.get_username() if staff and review.decided_by_id else None,
    }


def application_business_rating_summary(*, application: LoanApplication, language: str) -> dict | None:
    """A business applicant's rating in plain language for their own status page: the grade in
    force and each indicator's name with its points out of 100 (no codes, weights or PD); None
    for an individual or before an officer's assessment."""
    rating = rating_for(application)
    if rating is None:
        return None
    payload = rating_payload(rating, language=language)
    return {
        "grade": payload["grade"],
        "indicators": [{"label": i["label"], "points": i["points"]} for i in payload["indicators"]],
    }


def review_queue(*, pending: bool = True) -> QuerySet[ReviewRequest]:
    """The officers' queue of human reviews, oldest request first."""
    queryset = ReviewRequest.objects.select_related("application__customer", "decided_by", "decision")
    if pending:
        queryset = queryset.filter(outcome="")
    return queryset.order_by("requested_at", "id")


def application_funnel_facts(*, customer_ids, since=None) -> list[dict]:
    """For marketing's funnel and segments: the submitted applications of these customers (since
    a moment, when given), with their milestones and their loan's origin reference — one `.values()`
    query, no personal data."""
    queryset = LoanApplication.objects.filter(customer_id__in=list(customer_ids), submitted_at__isnull=False)
    if since is not None:
        queryset = queryset.filter(submitted_at__gte=since)
    rows = list(
        queryset.order_by("submitted_at", "id").values(
            "id",
            "customer_id",
            "state",
            "submitted_at",
            "approved_at",
            "disbursed_at",
            "product_version__product__code",
        )
    )
    for row in rows:  # the reference its loan carries in servicing (LoanApplication.__str__)
        row["origin_ref"] = f"A{row['id']:08d}"
        row["product_code"] = row.pop("product_version__product__code")
    return rows


def customers_with_applications(*, since=None, channels=None) -> QuerySet:
    """For marketing's segments: the ids (a `values("customer_id")` subquery) of the customers with
    a submitted application — submitted at or after `since` when given, through one of `channels`
    (products.choices.Channel) when given."""
    queryset = LoanApplication.objects.filter(submitted_at__isnull=False)
    if since is not None:
        queryset = queryset.filter(submitted_at__gte=since)
    if channels is not None:
        queryset = queryset.filter(channel__in=list(channels))
    return queryset.order_by().values("customer_id")


def application_console_counts(*, user, now: dt.datetime) -> dict:
    """The start page's figures in one aggregate query over the open, non-draft states (served by
    the (state, state_changed_at) index): per state the applications and those over the SLA, and
    the officer queue's size assigned to `user` and unassigned."""
    aggregates = {}
    for state in CONSOLE_STATES:
        aggregates[f"n_{state}"] = Count("id", filter=Q(state=state))
        if state in SLA_HOURS:
            late = now - dt.timedelta(hours=SLA_HOURS[state])
            aggregates[f"late_{state}"] = Count("id", filter=Q(state=state, state_changed_at__lt=late))
    aggregates["mine"] = Count("id", filter=Q(state__in=OFFICER_STATES, assigned_officer_id=user.pk))
    aggregates["unassigned"] = Count("id", filter=Q(state__in=OFFICER_STATES, assigned_officer__isnull=True))
    row = LoanApplication.objects.filter(state__in=CONSOLE_STATES).aggregate(**aggregates)
    labels = dict(State.choices)
    states = [
        {
            "state": state,
            "label": labels[state],
            "count": row[f"n_{state}"],
            "breached": row.get(f"late_{state}", 0),
            "sla_hours": SLA_HOURS.get(state),
        }
        for state in CONSOLE_STATES
    ]
    return {
        "states": states,
        "breached": sum(item["breached"] for item in states),
        "needs_action": sum(item["count"] for item in states if item["state"] in NEEDS_ACTION_STATES),
        "mine": row["mine"],
        "unassigned": row["unassigned"],
    }


def application_officer_queue(*, user, limit: int = 10) -> list[LoanApplication]:
    """The applications assigned to `user` that wait for an officer, oldest in state first."""
    return list(
        LoanApplication.objects.select_related("customer", "product_version__product")
        .filter(state__in=OFFICER_STATES, assigned_officer=user)
        .order_by("state_changed_at", "id")[:limit]
    )


def draft_get_own(*, user, application_id: int) -> LoanApplication:
    """The signed-in customer's own draft (the wizard resumes only these); ApplicationNotFound
    for anyone else's, and for an application no longer a draft."""
    application = _base().filter(pk=application_id, state=State.DRAFT).first()
    if application is None or not perms.is_owner(user, application):
        raise ApplicationNotFound(_("application %(id)s not found") % {"id": application_id})
    return application


def application_preview(
    *,
    customer,
    version,
    amount,
    term: int,
    method: str,
    frequency: str,
    grace_periods: int = 0,
    grace_type: str | None = None,
):
    """The installment, rate and APR shown while the customer chooses a loan: the one quote
    (products.quotes.product_quote), priced as the quote API prices it for this customer (their
    segments, the web channel), so the page and the API agree to the cent. Raises
    ProductQuoteError with field errors."""
    from products.choices import Channel
    from products.quotes import grace_requested, product_quote
    from servicing.selectors import customer_segments_now

    return product_quote(
        version=version,
        amount=amount,
        term=term,
        method=method,
        frequency=frequency,
        channel=Channel.WEB,
        segments=customer_segments_now(customer),
        grace=grace_requested(version, periods=grace_periods, grace_type=grace_type),
    )


def customer_application_history(*, customer_id: int) -> list[dict]:
    """For marketing's recommendations: the customer's submitted applications, newest first —
    product code and category, the amount and term asked for, state and submission time."""
    rows = (
        LoanApplication.objects.filter(customer_id=customer_id, submitted_at__isnull=False)
        .order_by("-submitted_at", "-id")
        .values(
            "id",
            "product_version__product__code",
            "product_version__category",
            "amount",
            "term",
            "state",
            "submitted_at",
        )
    )
    return [
        {
            "id": row["id"],
            "product": row["product_version__product__code"],
            "category": row["product_version__category"],
            "amount": row["amount"],
            "term": row["term"],
            "state": row["state"],
            "submitted_at": row["submitted_at"],
        }
        for row in rows
    ]


def decision_ids_by_origin(*, origin_refs) -> dict[str, int]:
    """The risk decision of each application a loan or line came from: origin ref ("A00000042",
    the application's number) → decision id; origins without a decision are left out."""
    ids = {}
    for ref in origin_refs:
        if isinstance(ref, str) and ref[:1] == "A" and ref[1:].isdigit():
            ids[int(ref[1:])] = ref
    rows = LoanApplication.objects.filter(pk__in=list(ids), decision__isnull=False)
    return {ids[pk]: decision_id for pk, decision_id in rows.values_list("pk", "decision_id")}


def channels_by_origin(*, origin_refs) -> dict[str, str]:
    """The channel each application a loan came from was submitted through: origin ref
    ("A00000042") → channel; origins that are not an application are left out."""
    ids = {}
    for ref in origin_refs:
        if isinstance(ref, str) and ref[:1] == "A" and ref[1:].isdigit():
            ids[int(ref[1:])] = ref
    rows = LoanApplication.objects.filter(pk__in=list(ids)).values_list("pk", "channel")
    return {ids[pk]: channel for pk, channel in rows}
