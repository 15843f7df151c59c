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
in the same transaction). Beat: offers_expire, applications_requeue_stuck.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.db.models import Sum
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import get_language

from applications import features as f
from applications import permissions as perms
from applications.models import (
    DECIDED_STATES,
    TERMINAL_STATES,
    ApplicationEvent,
    Channel,
    LoanApplication,
    State,
)
from customers import selectors as customer_selectors
from customers.models import age_on
from loanhub import clock
from products import engine_adapter
from products.compliance import installments_for
from products.models import Product, ProductVersion
from products.pricing import PricingError, grid_tier, price_for
from products.quotes import ProductQuoteError, Profile, product_quote, product_recommend
from products.selectors import ProductNotOffered, product_get_offered

logger = logging.getLogger(__name__)

REQUESTER_PREFIX = "applications.LoanApplication:"
CENT = Decimal("0.01")
RATE_PLACES = Decimal("0.00000001")
REQUIRED_ACCEPTANCE_CONSENTS = ("disclosure", "credit_contract")


# --- Errors (the API maps them: 400, 403, 404, 409) ----------------------------------------------
class ApplicationError(Exception):
    """Base of the errors services raise on purpose."""


class ApplicationValidationError(ApplicationError):
    """Bad input; `errors` is field-keyed: {"amount": ["must be between …"]}."""

    def __init__(self, errors: dict[str, list[str]]):
        super().__init__("; ".join(f"{k}: {' '.join(map(str, v))}" for k, v in errors.items()))
        self.errors = errors


class ApplicationPermissionError(ApplicationError):
    """The caller's role (or the maker-checker rule) does not allow the action."""


class ApplicationNotFound(ApplicationError):
    """No such application, or one the caller may not see."""


class ApplicationStateError(ApplicationError):
    """The action is not allowed in the application's current state (`state`)."""

    def __init__(self, message: str, *, state: str):
        super().__init__(message)
        self.message = message
        self.state = state


# --- Settings ------------------------------------------------------------------------------------
def offer_expiry_days() -> int:
    return int(getattr(settings, "LOANHUB_OFFER_EXPIRY_DAYS", 14))


def senior_approval_amount() -> Decimal:
    return Decimal(str(getattr(settings, "LOANHUB_SENIOR_APPROVAL_AMOUNT", "200000")))


def stuck_after_minutes() -> int:
    return int(getattr(settings, "LOANHUB_STUCK_AFTER_MINUTES", 15))


# --- Helpers -------------------------------------------------------------------------------------
def _name(user) -> str:
    if user is None:
        return "the system"
    return user.get_username()


def _json_safe(value):
    """Decimals, dates and datetimes as strings, so a snapshot reads back exactly as stored."""
    return json.loads(json.dumps(value, cls=DjangoJSONEncoder))


def _digest(data: dict) -> str:
    text = json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(text.encode()).hexdigest()


def _lock(application: LoanApplication | int) -> LoanApplication:
    pk = application if isinstance(application, int) else application.pk
    return (
        LoanApplication.objects.select_for_update(of=("self",))
        .select_related("customer", "product_version__product")
        .get(pk=pk)
    )


def _event(
    application: LoanApplication,
    *,
    actor,
    from_state: str,
    reason: str = "",
    payload: dict | None = None,
    to_state: str | None = None,
) -> ApplicationEvent:
    return ApplicationEvent.objects.create(
        application=application,
        actor=actor if getattr(actor, "is_authenticated", False) else None,
        from_state=from_state,
        to_state=application.state if to_state is None else to_state,
        reason=(reason or "")[:2000],
        payload=_json_safe(payload or {}),
    )


def _move(
    application: LoanApplication,
    transition: str,
    *,
    actor,
    reason: str = "",
    payload: dict | None = None,
    fields: tuple[str, ...] = (),
) -> ApplicationEvent:
    """Run one guarded transition on a locked row, save it and write its event."""
    before = application.state
    getattr(application, transition)()
    application.state_changed_at = clock.now()
    application.save(update_fields=["state", "state_changed_at", "updated_at", *fields])
    return _event(application, actor=actor, from_state=before, reason=reason, payload=payload)


def _last_move_into(application: LoanApplication) -> ApplicationEvent | None:
    return (
        application.events.filter(to_state=application.state)
        .exclude(from_state=application.state)
        .select_related("actor")
        .order_by("-created_at", "-id")
        .first()
    )


def state_conflict(application: LoanApplication, action: str) -> ApplicationStateError:
    """The 409 for `action` in the current state, naming who moved it there and when."""
    state = application.state
    event = _last_move_into(application)
    who = ""
    if event is not None:
        when = timezone.localtime(event.created_at).strftime("%Y-%m-%d %H:%M:%S %Z")
        who = f" by {_name(event.actor)} at {when}"
    if state in DECIDED_STATES or state == State.WITHDRAWN:
        verb = "already decided" if state in DECIDED_STATES else "withdrawn"
        message = f"cannot {action}: application {application} was {verb} ({state}){who}"
    else:
        message = f"cannot {action}: application {application} is {state}{who}"
    return ApplicationStateError(message, state=state)


def _require_state(application: LoanApplication, action: str, transition: str) -> None:
    from django_fsm import can_proceed

    if not can_proceed(getattr(application, transition)):
        raise state_conflict(application, action)


def _require_reason(reason: str) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise ApplicationValidationError({"reason": ["a reason is required for this decision"]})
    return reason


def _require_officer(actor, application: LoanApplication, action: str) -> None:
    if not perms.may_decide(actor):
        raise ApplicationPermissionError(f"only a Loan Officer may {action} an application")
    if perms.is_owner(actor, application):
        raise ApplicationPermissionError(f"you may not {action} your own application")


def _require_owner(actor, application: LoanApplication, action: str) -> None:
    if not perms.is_owner(actor, application):
        raise ApplicationPermissionError(f"only the customer who applied may {action} the application")


# --- Product checks ------------------------------------------------------------------------------
def _offered_version(code: str) -> ProductVersion:
    try:
        return product_get_offered(code=code)
    except Product.DoesNotExist:
        raise ApplicationValidationError({"product": [f"unknown product {code!r}"]}) from None
    except ProductNotOffered as exc:
        raise ApplicationValidationError(
            {"product": [f"product {code} is {exc.status} and is not offered"]}
        ) from None


def _limit_errors(
    version: ProductVersion, *, amount: Decimal, term: int, method: str, frequency: str, channel: str
) -> dict[str, list[str]]:
    """The product's own limit checks (products.quotes.product_quote), as field errors."""
    try:
        product_quote(
            version=version, amount=amount, term=term, method=method, frequency=frequency, channel=channel
        )
    except ProductQuoteError as exc:
        return {k: [str(m) for m in v] for k, v in exc.errors.items()}
    return {}


# States whose amount the customer owes or may soon owe under the same product.
EXPOSURE_STATES = (
    State.SUBMITTED,
    State.SCORING,
    State.SCORED,
    State.APPROVED,
    State.REFERRED,
    State.OFFER_ACCEPTED,
    State.DISBURSED,
)


def _exposure_errors(application: LoanApplication) -> dict[str, list[str]]:
    """The product's maximum total exposure per customer: this amount plus the customer's other
    open or disbursed applications of the same product (disbursed ones at their full principal:
    repayments are not tracked yet, so this errs on the safe side)."""
    version = application.product_version
    limit = version.max_exposure_per_customer
    if limit is None:
        return {}
    others = LoanApplication.objects.filter(
        customer_id=application.customer_id,
        product_version__product_id=version.product_id,
        state__in=EXPOSURE_STATES,
    ).exclude(pk=application.pk).aggregate(total=Sum(Coalesce("offer_amount", "amount")))["total"] or Decimal(
        "0"
    )
    if others + application.amount > limit:
        room = max(limit - others, Decimal("0"))
        return {
            "amount": [
                f"above the product's maximum exposure per customer of {limit}: you already have "
                f"{others} under this product, so at most {room} more can be applied for"
            ]
        }
    return {}


def _eligibility_errors(application: LoanApplication, customer, *, on_date: dt.date) -> dict[str, list[str]]:
    """The product's eligibility rules (products.quotes.product_recommend) as field errors, each
    with the rule's reason."""
    version = application.product_version
    employment = f.PRODUCT_EMPLOYMENT.get(customer.employment_type)
    errors: dict[str, list[str]] = {}
    if employment is None and version.employment_types:
        # products has no "unemployed" type; such an applicant matches no listed type.
        errors["employment_type"] = [
            f"open only to {', '.join(version.employment_types)} applicants for product {version.code}"
        ]
    profile = Profile(
        amount=application.amount,
        term=application.term,
        monthly_income=customer.monthly_income,
        monthly_debt=customer.monthly_debt or Decimal("0"),
        employment_type=employment,
        customer_type=customer.customer_type,
        age=age_on(customer.date_of_birth, on_date),
        region=customer.region or None,
        channel=application.channel,
    )
    (recommendation,) = product_recommend(profile=profile, versions=[version], on_date=on_date)
    for exclusion in recommendation.exclusions:
        errors.setdefault(exclusion["rule"], []).append(str(exclusion["message"]))
    return errors


# --- Drafts --------------------------------------------------------------------------------------
DRAFT_FIELDS = (
    "amount",
    "term",
    "method",
    "frequency",
    "purpose",
    "channel",
    "campaign",
    "utm",
    "referral_code",
    *f.APPLICANT_STATED,
)


def _clean_draft(data: dict, errors: dict[str, list[str]]) -> dict:
    clean = {k: v for k, v in data.items() if k in DRAFT_FIELDS}
    if "amount" in clean:
        try:
            clean["amount"] = Decimal(str(clean["amount"])).quantize(CENT)
        except (InvalidOperation, ValueError):
            errors["amount"] = ["must be a number"]
    if "term" in clean:
        try:
            clean["term"] = int(clean["term"])
        except (TypeError, ValueError):
            errors["term"] = ["must be a whole number of months"]
    if "channel" in clean and clean["channel"] not in Channel.values:
        errors["channel"] = [f"must be one of {', '.join(Channel.values)}"]
    for name, choices in f.STATED_CHOICES.items():
        value = clean.get(name)
        if value not in (None, "") and value not in choices:
            errors[name] = [f"must be one of {', '.join(choices)}"]
    return clean


def _validate_limits(application: LoanApplication) -> None:
    errors = _limit_errors(
        application.product_version,
        amount=application.amount,
        term=application.term,
        method=application.method,
        frequency=application.frequency,
        channel=application.channel,
    )
    if errors:
        raise ApplicationValidationError(errors)


def application_create(*, actor, product: str, customer=None, **data) -> LoanApplication:
    """A draft for the actor's own customer profile (officers may name `customer` at a branch),
    pinned to the version of `product` offered now. Raises ApplicationValidationError with
    field errors (unknown product, amount or term outside the version's limits, …)."""
    if customer is None:
        customer = customer_selectors.customer_for_user(actor)
        if customer is None:
            raise ApplicationValidationError({"customer": ["create your customer profile before applying"]})
    elif customer.user_id != getattr(actor, "pk", None) and not perms.may_decide(actor):
        raise ApplicationPermissionError("only a Loan Officer may apply on behalf of a customer")
    errors: dict[str, list[str]] = {}
    clean = _clean_draft(data, errors)
    for name in ("amount", "term"):
        if name not in clean and name not in errors:
            errors[name] = ["this field is required"]
    version = None
    try:
        version = _offered_version(product)
    except ApplicationValidationError as exc:
        errors.update(exc.errors)
    if errors:
        raise ApplicationValidationError(errors)
    clean.setdefault("method", version.default_method)
    clean.setdefault("frequency", version.default_frequency)
    clean = {k: v for k, v in clean.items() if v is not None}
    with transaction.atomic():
        application = LoanApplication(customer=customer, product_version=version, **clean)
        _validate_limits(application)
        application.save()
        _event(application, actor=actor, from_state="", reason="created", payload={"product": str(version)})
    return application


def application_update(*, application: LoanApplication, actor, data: dict) -> LoanApplication:
    """Change a draft (owner, or an officer for the customer). `product` re-pins the version
    offered now. The whole change is refused when any field is wrong."""
    if not (perms.is_owner(actor, application) or perms.may_decide(actor)):
        raise ApplicationPermissionError("only the customer who applied may change the draft")
    errors: dict[str, list[str]] = {}
    clean = _clean_draft(data, errors)
    version = None
    if data.get("product"):
        try:
            version = _offered_version(data["product"])
        except ApplicationValidationError as exc:
            errors.update(exc.errors)
    if errors:
        raise ApplicationValidationError(errors)
    with transaction.atomic():
        locked = _lock(application)
        if locked.state != State.DRAFT:
            raise state_conflict(locked, "change")
        if version is not None:
            locked.product_version = version
        for name, value in clean.items():
            setattr(locked, name, value if value is not None else "")
        _validate_limits(locked)
        locked.save()
    return locked


# --- Submission and scoring ----------------------------------------------------------------------
def _start_scoring(application: LoanApplication, *, actor, device_id: str = "") -> None:
    """Create the risk scoring request of a submitted (locked) application and move it to scoring."""
    from risk import services as risk_services
    from risk.features import FeatureValidationError

    customer = application.customer
    on_date = timezone.localdate(application.submitted_at or clock.now())
    record = f.application_features(application, customer, on_date=on_date)
    try:
        # risk prices the application's own method, frequency and channel and snapshots the terms.
        request = risk_services.scoring_request_create(
            requester_ref=f"{REQUESTER_PREFIX}{application.pk}",
            product_version=application.product_version,
            features=record,
            customer=customer,
            method=application.method,
            frequency=application.frequency,
            channel=application.channel,
            on_date=on_date,
            device_id=device_id,
            language=get_language() or settings.LANGUAGE_CODE,
            actor=actor if getattr(actor, "is_authenticated", False) else None,
        )
    except FeatureValidationError as exc:
        raise ApplicationValidationError(
            {f.FEATURE_FIELD.get(k, k): [str(m) for m in v] for k, v in exc.errors.items()}
        ) from None
    application.scoring_request = request
    _move(
        application,
        "start_scoring",
        actor=actor,
        reason="scoring requested",
        payload={"scoring_request": request.pk},
        fields=("scoring_request",),
    )


def application_submit(
    *,
    application: LoanApplication,
    actor,
    credit_check_consent: bool = False,
    device_id: str = "",
    reason: str = "",
) -> LoanApplication:
    """draft → submitted → scoring. Checks the product version's limits and eligibility rules,
    the customer profile and the credit-check consent (given now with `credit_check_consent`, or
    earlier through customers), then creates the risk scoring request (scored after commit).
    Field errors are raised together and nothing is saved."""
    if not (perms.is_owner(actor, application) or perms.may_decide(actor)):
        raise ApplicationPermissionError("only the customer who applied may submit the application")
    with transaction.atomic():
        locked = _lock(application)
        _require_state(locked, "submit", "submit")
        customer = locked.customer
        errors = f.missing_facts(locked, customer)
        # Consent is the customer's own: an officer submitting for them relies on one given before.
        credit_check_consent = credit_check_consent and perms.is_owner(actor, locked)
        if not credit_check_consent and not customer_selectors.customer_has_credit_check_consent(
            customer=customer
        ):
            errors["credit_check_consent"] = ["the customer's consent to a credit check is required"]
        if errors:
            raise ApplicationValidationError(errors)
        on_date = clock.today()
        errors = _limit_errors(
            locked.product_version,
            amount=locked.amount,
            term=locked.term,
            method=locked.method,
            frequency=locked.frequency,
            channel=locked.channel,
        )
        if not errors:
            errors = _eligibility_errors(locked, customer, on_date=on_date)
        if not errors:
            # Serialise submissions of one customer, so two at once cannot both fit the cap.
            type(customer).objects.select_for_update().filter(pk=customer.pk).first()
            errors = _exposure_errors(locked)
        if errors:
            raise ApplicationValidationError(errors)
        consent_payload = {}
        if credit_check_consent:
            from customers import services as customer_services

            consent = customer_services.consent_record(customer=customer)
            consent_payload = {"consent": consent.pk, "consent_version": consent.version}
        now = clock.now()
        locked.submitted_at = now
        locked.credit_check_consent_at = now
        _move(
            locked,
            "submit",
            actor=actor,
            reason=reason or "submitted",
            payload=consent_payload,
            fields=("submitted_at", "credit_check_consent_at"),
        )
        _start_scoring(locked, actor=actor, device_id=device_id)
    return locked


def application_start_scoring(*, application_id: int, actor=None) -> LoanApplication:
    """submitted → scoring for an application left in submitted (idempotent: any other state is
    returned unchanged)."""
    with transaction.atomic():
        locked = _lock(application_id)
        if locked.state != State.SUBMITTED:
            return locked
        _start_scoring(locked, actor=actor)
    return locked


# --- The offer -----------------------------------------------------------------------------------
def _plain(value):
    if isinstance(value, Decimal | dt.date):
        return str(value) if isinstance(value, Decimal) else value.isoformat()
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value


def offer_build(
    application: LoanApplication, *, amount: Decimal, term: int, grade: str, on_date: dt.date | None = None
) -> dict:
    """The offer for `amount` over `term` months at risk grade `grade`, priced by the product grid
    of the application's own version (products.pricing.price_for, the one place that decides a
    price) on the submission date, with the full schedule from the engine starting `on_date`.
    Everything the customer is shown is in it; `engine_terms` are exactly what servicing pins.
    Raises PricingError or EngineValidationError."""
    version = application.product_version
    on_date = on_date or clock.today()
    priced_on = timezone.localdate(application.submitted_at) if application.submitted_at else on_date
    price = price_for(version, grade=grade, term=term, on_date=priced_on, channel=application.channel)
    count = installments_for(term, application.frequency)
    if count is None:
        raise PricingError({"term": [f"{term} months is not whole {application.frequency} installments"]})
    fees = [fee.engine_fee() for fee in version.fees.all() if fee.mandatory]
    engine_terms = {
        "principal": Decimal(amount).quantize(CENT),
        "annual_rate": price.annual_rate,
        "term": count,
        "frequency": application.frequency,
        "method": application.method,
        "day_count": version.day_count,
        "fees": fees,
        "grace": None,
        "interest_free_periods": min(price.interest_free_periods, count),
        "first_due_date": None,
    }
    result = engine_adapter.schedule(**engine_terms, start_date=on_date)
    summary = result.summary
    offer = {
        "product": {"code": version.product.code, "version": version.version, "name": version.name},
        "currency": version.currency,
        "amount": Decimal(amount).quantize(CENT),
        "term": term,
        "installments": count,
        "method": application.method,
        "frequency": application.frequency,
        "risk_grade": grade,
        "annual_rate": price.annual_rate,
        "rate_type": version.rate_type,
        "benchmark": price.benchmark or None,
        "benchmark_rate": price.benchmark_rate,
        "spread_bps": price.spread_bps,
        "promotions": list(price.promotions_applied),
        "apr": summary["apr"],
        "effective_annual_rate": summary["effective_annual_rate"],
        "installment": result.first_payment,
        "total_interest": summary["total_interest"],
        "total_fees": summary["total_fees"],
        "total_cost": result.total_cost,
        "total_payable": summary["total_payable"],
        "net_proceeds": summary["net_proceeds"],
        "fees": [
            {"code": fee.code, "name": fee.name, "type": fee.fee_type, "amount": fee.amount, "rate": fee.rate}
            for fee in version.fees.all()
            if fee.mandatory
        ],
        "prepayment": {
            "allowed_after_installments": version.prepayment_allowed_after,
            "fee_rate": version.prepayment_fee_rate,
            "free_allowance_per_year": version.prepayment_free_allowance,
        },
        "penalty": {
            "rate_multiplier": version.penalty_rate_multiplier,
            "annual_rate": (price.annual_rate * version.penalty_rate_multiplier).quantize(RATE_PLACES),
        },
        "schedule": result.installments,
        "schedule_start": on_date,
        "priced_on": priced_on,
        "engine_terms": engine_terms,
    }
    offer = _plain(offer)
    offer["digest"] = _digest(offer)
    return offer


def engine_terms(application: LoanApplication) -> dict:
    """The accepted offer's schedule terms as `servicing.services.loan_open` takes them."""
    terms = dict(application.offer["engine_terms"])
    terms["principal"] = Decimal(terms["principal"])
    terms["annual_rate"] = Decimal(terms["annual_rate"])
    terms["fees"] = [
        {k: (Decimal(v) if k in ("amount", "rate") and v is not None else v) for k, v in fee.items()}
        for fee in terms["fees"]
    ]
    return terms


def _set_offer(
    application: LoanApplication, offer: dict, *, expires_at: dt.datetime | None
) -> tuple[str, ...]:
    application.offer = offer
    application.offer_amount = Decimal(offer["amount"])
    application.offer_term = offer["term"]
    application.offer_rate = Decimal(offer["annual_rate"])
    application.offer_apr = Decimal(offer["apr"])
    application.offer_installment = Decimal(offer["installment"])
    application.offer_total_cost = Decimal(offer["total_cost"])
    application.offer_expires_at = expires_at
    return (
        "offer",
        "offer_amount",
        "offer_term",
        "offer_rate",
        "offer_apr",
        "offer_installment",
        "offer_total_cost",
        "offer_expires_at",
    )


# --- The risk hook -------------------------------------------------------------------------------
def _identity_only_decline(decision) -> bool:
    declines = [r for r in decision.rules_fired if r.get("outcome") == "decline"]
    return bool(declines) and all(str(r.get("detail", "")).startswith("identity_status") for r in declines)


def application_apply_decision(*, request, decision) -> None:
    """risk's decision hook: scoring → scored → approved | referred | declined.

    Called by risk inside the transaction that writes the decision. Ignores requests that are not
    an application's current scoring request, or an application no longer scoring, so a second
    delivery changes nothing. An identity that is not verified is referred, never auto-approved
    and never declined for that reason alone. A request risk could not score for bad input is
    referred to an officer; a failed one (system fault) stays in scoring for requeue_stuck.
    """
    ref = request.requester_ref or ""
    if not ref.startswith(REQUESTER_PREFIX):
        return
    try:
        pk = int(ref[len(REQUESTER_PREFIX) :])
    except ValueError:
        return
    locked = (
        LoanApplication.objects.select_for_update(of=("self",))
        .select_related("customer", "product_version__product")
        .filter(pk=pk)
        .first()
    )
    if locked is None or locked.scoring_request_id != request.pk or locked.state != State.SCORING:
        return
    if decision is None:
        if request.state == "failed":
            _event(
                locked,
                actor=None,
                from_state=locked.state,
                reason=f"risk scoring failed, to be retried: {request.last_error}"[:2000],
                payload={"scoring_request": request.pk},
            )
            return
        _move(locked, "mark_scored", actor=None, reason="risk could not score the application")
        _move(
            locked,
            "refer",
            actor=None,
            reason=f"referred: the application could not be scored ({request.last_error})"[:2000],
            payload={"scoring_request": request.pk},
        )
        return

    locked.decision = decision
    locked.risk_grade = decision.grade
    locked.max_amount = decision.approved_limit
    locked.max_term = int((decision.offer or {}).get("term") or locked.term)
    _move(
        locked,
        "mark_scored",
        actor=None,
        reason=f"{decision.outcome} {decision.grade} ({decision.score})",
        payload={"decision": decision.pk, "score": decision.score, "grade": decision.grade},
        fields=("decision", "risk_grade", "max_amount", "max_term"),
    )
    outcome = decision.outcome
    reason = "; ".join(r["en"] for r in decision.reasons if r.get("kind") == "rule") or outcome
    if locked.customer.kyc_status != "verified":
        if outcome == "approve" or (outcome == "decline" and _identity_only_decline(decision)):
            outcome = "refer"
            reason = "identity not verified: an officer must review it"
    if (
        outcome == "approve"
        and locked.max_amount is not None
        and locked.max_amount > senior_approval_amount()
    ):
        # The system is one approver: above the amount one officer may approve alone, two people
        # decide (the maker-checker rule of officer approvals), never the scorecard alone.
        outcome = "refer"
        reason = f"amount above {senior_approval_amount()}: two people must approve it"
    if outcome == "refer" and decision.outcome == "decline":
        # Declined for the identity alone: the limit risk computed before declining still holds.
        locked.max_amount = Decimal(decision.limit_basis.get("computed_limit", "0"))
        locked.save(update_fields=["max_amount"])
    fields: tuple[str, ...] = ()
    if outcome in ("approve", "refer"):
        try:
            offer = offer_build(locked, amount=locked.max_amount, term=locked.max_term, grade=decision.grade)
        except (PricingError, engine_adapter.EngineValidationError) as exc:
            outcome = "refer"
            reason = f"the offer could not be priced ({exc}); an officer must review it"
        else:
            now = clock.now()
            expires = now + dt.timedelta(days=offer_expiry_days()) if outcome == "approve" else None
            fields = _set_offer(locked, offer, expires_at=expires)
            if outcome == "approve":
                locked.approved_at = now
                fields = (*fields, "approved_at")
    payload = {"decision": decision.pk, "risk_outcome": decision.outcome}
    if outcome == "approve":
        _move(locked, "approve", actor=None, reason="approved automatically", payload=payload, fields=fields)
    elif outcome == "refer":
        _move(locked, "refer", actor=None, reason=reason, payload=payload, fields=fields)
    else:
        _move(locked, "decline", actor=None, reason=reason, payload=payload)


# --- Officer decisions ---------------------------------------------------------------------------
def _counter_offer(application: LoanApplication, amount, term) -> tuple[Decimal, int]:
    """The amount and term an officer approves, checked against the decision and the product."""
    errors: dict[str, list[str]] = {}
    version = application.product_version
    if amount in (None, ""):
        amount = application.max_amount
    else:
        try:
            amount = Decimal(str(amount).strip())
        except (InvalidOperation, ValueError):
            raise ApplicationValidationError({"amount": ["must be a number"]}) from None
        if not amount.is_finite() or amount != amount.quantize(CENT):
            raise ApplicationValidationError({"amount": ["must be an amount with at most two decimals"]})
        amount = amount.quantize(CENT)
    try:
        term = application.max_term if term in (None, "") else int(term)
    except (TypeError, ValueError):
        raise ApplicationValidationError({"term": ["must be a whole number of months"]}) from None
    if amount > application.max_amount:
        errors["amount"] = [f"must be at most {application.max_amount}, the limit of the risk decision"]
    elif amount < version.amount_min:
        errors["amount"] = [f"must be at least {version.amount_min}, the minimum of product {version.code}"]
    if term > application.max_term:
        errors["term"] = [f"must be at most {application.max_term} months, the term of the risk decision"]
    elif term < version.term_min:
        errors["term"] = [f"must be at least {version.term_min} months for product {version.code}"]
    elif installments_for(term, application.frequency) is None:
        errors["term"] = [f"must be whole {application.frequency} installments"]
    elif grid_tier(version, grade=application.risk_grade, term=term) is None:
        errors["term"] = [f"product {version.code} has no price for grade {application.risk_grade} at {term}"]
    if errors:
        raise ApplicationValidationError(errors)
    return amount, term


def application_approve(
    *, application: LoanApplication, actor, reason: str, amount=None, term=None
) -> LoanApplication:
    """An officer approves a scored or referred application, optionally as a counter-offer (lower
    amount, other term) within the risk decision's limits. Above LOANHUB_SENIOR_APPROVAL_AMOUNT
    two people approve: the first records a pending approval (state unchanged), a second person
    with `loanhub.senior_approve` completes it. Refused (409) while the customer's identity is not
    verified."""
    _require_officer(actor, application, "approve")
    reason = _require_reason(reason)
    with transaction.atomic():
        locked = _lock(application)
        _require_state(locked, "approve", "approve")
        if locked.decision_id is None:
            raise ApplicationStateError(
                "cannot approve: there is no risk decision to approve against (decline it, or "
                "resubmit as a new application)",
                state=locked.state,
            )
        kyc = locked.customer.kyc_status
        if kyc != "verified":
            raise ApplicationStateError(
                f"cannot approve: the customer's identity is not verified (KYC status: {kyc})",
                state=locked.state,
            )
        pending = locked.pending_approval if locked.pending_approval_by_id else None
        if pending:
            requested = (amount, term)
            amount = Decimal(pending["amount"]) if amount in (None, "") else amount
            term = int(pending["term"]) if term in (None, "") else term
        amount, term = _counter_offer(locked, amount, term)
        now = clock.now()
        if pending:
            if (amount, term) != (Decimal(pending["amount"]), int(pending["term"])):
                raise ApplicationValidationError(
                    {
                        "amount" if requested[0] not in (None, "") else "term": [
                            f"differs from the first approval ({pending['amount']} over {pending['term']} "
                            "months); decline it or approve the same terms"
                        ]
                    }
                )
            if locked.pending_approval_by_id == actor.pk:
                raise ApplicationPermissionError(
                    "maker-checker: you gave the first approval; a second person must complete it"
                )
            if not perms.may_senior_approve(actor):
                raise ApplicationPermissionError(
                    f"the second approval above {senior_approval_amount()} needs a Senior Approver"
                )
        elif amount > senior_approval_amount():
            locked.pending_approval_by = actor
            locked.pending_approval_at = now
            locked.pending_approval = {"amount": str(amount), "term": term, "reason": reason}
            locked.save(
                update_fields=["pending_approval_by", "pending_approval_at", "pending_approval", "updated_at"]
            )
            _event(
                locked,
                actor=actor,
                from_state=locked.state,
                reason=reason,
                payload={"pending_approval": locked.pending_approval, "second_approval_required": True},
            )
            return locked
        try:
            offer = offer_build(locked, amount=amount, term=term, grade=locked.risk_grade)
        except (PricingError, engine_adapter.EngineValidationError) as exc:
            errors = getattr(exc, "errors", None) or {"term": [str(exc)]}
            raise ApplicationValidationError(engine_adapter.localized(errors)) from None
        fields = _set_offer(locked, offer, expires_at=now + dt.timedelta(days=offer_expiry_days()))
        payload = {
            "amount": str(amount),
            "term": term,
            "counter_offer": amount < locked.amount or term != locked.term,
        }
        if pending:
            payload["first_approval"] = {
                "by": _name(locked.pending_approval_by),
                "at": locked.pending_approval_at,
                "reason": pending.get("reason", ""),
            }
        locked.approved_by = actor
        locked.approved_at = now
        locked.pending_approval_by = None
        locked.pending_approval_at = None
        locked.pending_approval = {}
        _move(
            locked,
            "approve",
            actor=actor,
            reason=reason,
            payload=payload,
            fields=(
                *fields,
                "approved_by",
                "approved_at",
                "pending_approval_by",
                "pending_approval_at",
                "pending_approval",
            ),
        )
    return locked


def application_refer(*, application: LoanApplication, actor, reason: str) -> LoanApplication:
    """scored → referred by an officer, with a reason."""
    _require_officer(actor, application, "refer")
    reason = _require_reason(reason)
    with transaction.atomic():
        locked = _lock(application)
        _require_state(locked, "refer", "refer")
        _move(locked, "refer", actor=actor, reason=reason)
    return locked


def application_decline(*, application: LoanApplication, actor, reason: str) -> LoanApplication:
    """scored or referred → declined by an officer, with a reason (a pending first approval lapses)."""
    _require_officer(actor, application, "decline")
    reason = _require_reason(reason)
    with transaction.atomic():
        locked = _lock(application)
        _require_state(locked, "decline", "decline")
        payload = {}
        if locked.pending_approval_by_id:
            payload["pending_approval_lapsed"] = {
                "by": _name(locked.pending_approval_by),
                **locked.pending_approval,
            }
        locked.pending_approval_by = None
        locked.pending_approval_at = None
        locked.pending_approval = {}
        _move(
            locked,
            "decline",
            actor=actor,
            reason=reason,
            payload=payload,
            fields=("pending_approval_by", "pending_approval_at", "pending_approval"),
        )
    return locked


def application_assign(*, application: LoanApplication, actor, officer=None) -> LoanApplication:
    """Give an open application to an officer (the actor when `officer` is None)."""
    if not perms.may_decide(actor):
        raise ApplicationPermissionError("only a Loan Officer may assign applications")
    officer = officer or actor
    if not perms.may_decide(officer):
        raise ApplicationValidationError({"officer": [f"{_name(officer)} is not a Loan Officer"]})
    with transaction.atomic():
        locked = _lock(application)
        if locked.state in TERMINAL_STATES:
            raise state_conflict(locked, "assign")
        locked.assigned_officer = officer
        locked.save(update_fields=["assigned_officer", "updated_at"])
        _event(
            locked,
            actor=actor,
            from_state=locked.state,
            reason=f"assigned to {_name(officer)}",
            payload={"assigned_officer": officer.pk},
        )
    return locked


# --- The customer's answer -----------------------------------------------------------------------
def application_withdraw(*, application: LoanApplication, actor, reason: str = "") -> LoanApplication:
    """The customer withdraws (submitted, scored, referred or approved)."""
    _require_owner(actor, application, "withdraw")
    with transaction.atomic():
        locked = _lock(application)
        _require_state(locked, "withdraw", "withdraw")
        _move(locked, "withdraw", actor=actor, reason=reason or "withdrawn by the customer")
    return locked


def application_accept_offer(
    *, application: LoanApplication, actor, consents: dict, offer_digest: str | None = None
) -> LoanApplication:
    """approved → offer_accepted by the customer, who ticked every required consent. The offer is
    stored again as the disclosure accepted, exactly as shown, with the consents and the time. An
    offer past its expiry is expired instead (409). `offer_digest` (optional) must be the digest
    of the offer the customer saw; a changed offer is refused (409)."""
    _require_owner(actor, application, "accept the offer of")
    consents = consents if isinstance(consents, dict) else {}
    missing = [name for name in REQUIRED_ACCEPTANCE_CONSENTS if consents.get(name) is not True]
    if missing:
        raise ApplicationValidationError(
            {"consents": [f"tick every required consent: {', '.join(missing)} must be true"]}
        )
    expired = None
    with transaction.atomic():
        locked = _lock(application)
        _require_state(locked, "accept the offer", "accept_offer")
        now = clock.now()
        if locked.offer_expires_at is not None and locked.offer_expires_at <= now:
            _move(locked, "expire_offer", actor=None, reason=f"offer expired at {locked.offer_expires_at}")
            expired = locked
        else:
            if offer_digest and offer_digest != locked.offer.get("digest"):
                raise ApplicationStateError(
                    "the offer changed since it was shown; reload it and accept again", state=locked.state
                )
            locked.disclosure = _json_safe(
                {
                    "offer": locked.offer,
                    "consents": {k: bool(v) for k, v in consents.items()},
                    "accepted_at": now,
                    "accepted_by": actor.pk,
                    "language": get_language() or settings.LANGUAGE_CODE,
                }
            )
            locked.offer_accepted_at = now
            _move(
                locked,
                "accept_offer",
                actor=actor,
                reason="offer accepted",
                payload={"offer_digest": locked.offer.get("digest")},
                fields=("disclosure", "offer_accepted_at"),
            )
    if expired is not None:
        when = timezone.localtime(expired.offer_expires_at)
        raise ApplicationStateError(
            f"cannot accept the offer: it expired at {when:%Y-%m-%d %H:%M}",
            state=expired.state,
        )
    return locked


def application_decline_offer(*, application: LoanApplication, actor, reason: str = "") -> LoanApplication:
    """approved → offer_declined by the customer."""
    _require_owner(actor, application, "decline the offer of")
    with transaction.atomic():
        locked = _lock(application)
        _require_state(locked, "decline the offer", "decline_offer")
        _move(locked, "decline_offer", actor=actor, reason=reason or "offer declined by the customer")
    return locked


# --- Disbursement --------------------------------------------------------------------------------
def application_disburse(
    *, application: LoanApplication, actor, disbursed_on: dt.date | None = None, reason: str = ""
) -> LoanApplication:
    """offer_accepted → disbursed by a Loan Officer; opens the loan in servicing with the accepted
    offer's terms in the same transaction (nothing is written when servicing refuses)."""
    from servicing import services as servicing_services

    _require_officer(actor, application, "disburse")
    disbursed_on = disbursed_on or clock.today()
    with transaction.atomic():
        locked = _lock(application)
        _require_state(locked, "disburse", "disburse")
        accepted_on = timezone.localdate(locked.offer_accepted_at) if locked.offer_accepted_at else None
        if disbursed_on > clock.today() or (accepted_on and disbursed_on < accepted_on):
            # The customer accepted a schedule from a known start: no back- or post-dating.
            raise ApplicationValidationError(
                {"disbursed_on": [f"must be between the acceptance date {accepted_on} and today"]}
            )
        try:
            loan = servicing_services.loan_open(
                application=locked, terms=engine_terms(locked), disbursed_on=disbursed_on, actor=actor
            )
        except servicing_services.LoanAlreadyOpen:
            raise ApplicationStateError(
                f"cannot disburse: application {locked} already has a loan", state=locked.state
            ) from None
        except servicing_services.LoanTermsInvalid as exc:
            raise ApplicationStateError(
                f"cannot disburse: servicing refused the accepted terms ({exc})", state=locked.state
            ) from None
        locked.disbursed_at = clock.now()
        _move(
            locked,
            "disburse",
            actor=actor,
            reason=reason or "disbursed",
            payload={"loan": loan.pk, "loan_number": loan.number, "disbursed_on": disbursed_on},
            fields=("disbursed_at",),
        )
    return locked


# --- Periodic jobs -------------------------------------------------------------------------------
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
    cutoff = now - dt.timedelta(minutes=stuck_after_minutes())
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
                reason=f"stuck in scoring since {locked.state_changed_at}; scoring request {state}",
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
