"""Writes of the applications app: every state change of a loan application, and its offer.

Each transition service checks the caller's permission, then in one `transaction.atomic()` locks
the row (`select_for_update`), re-checks the state (a lost race is a clear 409: "already decided
by <user> at <time>"), calls the guarded FSM transition, saves, and writes an ApplicationEvent
(actor, from, to, reason, payload). Tasks are enqueued on commit only.

Flow: application_create → application_submit (limits, eligibility, consent, risk scoring
request) → risk worker → application_apply_decision (the hook risk calls) → approved | referred |
declined → officers: application_approve (maker-checker above LOANHUB_SENIOR_APPROVAL_AMOUNT,
counter-offers within the decision) / application_refer / application_decline → customer:
application_accept_offer / application_decline_offer → application_disburse (servicing.loan_open
in the same transaction). Beat: offers_expire, acceptances_expire, applications_requeue_stuck.
Human review of an automated decline: application_request_review (customer) → review_decide (officer).

Modules: `base` (errors, lock, move, refusals), `drafts`, `submission`, `offers`, `decisions`
(the risk hook), `officer`, `customer`, `disbursement`, `sweeps` (beat jobs), `reviews` (human
review). Import from the package: `from applications import services;
services.application_submit(...)`.
"""

from applications.services.base import (
    REQUESTER_PREFIX,
    REQUIRED_ACCEPTANCE_CONSENTS,
    ApplicationError,
    ApplicationNotFound,
    ApplicationPermissionError,
    ApplicationStateError,
    ApplicationValidationError,
    state_conflict,
)
from applications.services.business import (
    application_assess_business,
    application_decide_grade_override,
    application_request_grade_override,
    rating_for,
)
from applications.services.collateral import (
    application_collateral_add,
    application_guarantor_add,
    application_ltv,
)
from applications.services.customer import (
    application_accept_offer,
    application_decline_offer,
    application_withdraw,
    offer_check_acceptor,
)
from applications.services.decisions import application_apply_decision
from applications.services.disbursement import application_disburse
from applications.services.drafts import application_create, application_update, draft_check_editor
from applications.services.offers import engine_terms, offer_build, offer_points_preview
from applications.services.officer import (
    application_approve,
    application_approve_blockers,
    application_assign,
    application_decline,
    application_refer,
)
from applications.services.reviews import (
    application_request_review,
    review_check_requester,
    review_decide,
    review_for_decision,
    review_may_be_requested,
)
from applications.services.submission import (
    EXPOSURE_STATES,
    application_start_scoring,
    application_submit,
)
from applications.services.sweeps import acceptances_expire, applications_requeue_stuck, offers_expire

__all__ = (
    "EXPOSURE_STATES",
    "REQUESTER_PREFIX",
    "REQUIRED_ACCEPTANCE_CONSENTS",
    "ApplicationError",
    "ApplicationNotFound",
    "ApplicationPermissionError",
    "ApplicationStateError",
    "ApplicationValidationError",
    "application_accept_offer",
    "application_apply_decision",
    "application_approve",
    "application_approve_blockers",
    "application_assess_business",
    "application_decide_grade_override",
    "application_request_grade_override",
    "rating_for",
    "application_assign",
    "application_collateral_add",
    "application_guarantor_add",
    "application_ltv",
    "application_create",
    "application_decline",
    "application_decline_offer",
    "application_disburse",
    "application_refer",
    "application_request_review",
    "application_start_scoring",
    "application_submit",
    "application_update",
    "application_withdraw",
    "applications_requeue_stuck",
    "draft_check_editor",
    "engine_terms",
    "offer_build",
    "offer_points_preview",
    "offer_check_acceptor",
    "offers_expire",
    "acceptances_expire",
    "review_check_requester",
    "review_decide",
    "review_for_decision",
    "review_may_be_requested",
    "state_conflict",
)
