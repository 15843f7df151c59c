"""Writes of the risk app, and `score()`, the pure decision function.

Scoring flow: `scoring_request_create()` (prices the product, validates, stores hashes and the
customer reference, enqueues `risk.tasks.score_request` on commit) → worker →
`scoring_request_process()` (idempotent; one transaction writes the decision, the challengers'
shadow scores, the state change and calls the requester's hook). `scoring_request_requeue()`
re-sends a pending request, `scoring_request_retry()` puts a failed one back.
Registry: `model_train()` / `model_register()` create candidates; `model_promote()` (four eyes)
makes a champion and retires the previous one; `model_set_shadow()` makes a challenger.
Impact assessments (required before a promotion): `risk.assessment`.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
from decimal import Decimal
from typing import TYPE_CHECKING

from django.db import transaction
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from customers import selectors as customer_selectors
from loanhub import clock
from loanhub.celery import enqueue_on_commit
from loanhub.errors import Conflict, Forbidden, Invalid
from loanhub.money import quantize_places
from loanhub.permissions import may
from loanhub.reasons import coded
from loanhub.transitions import lock, record_event, run_transition
from risk import assessment, concentration, hooks, mapping, selectors
from risk import choices as c
from risk.bureau import get_bureau
from risk.decide import DecisionData, History, decide
from risk.features import FeatureValidationError, to_json, validate_features
from risk.identity import identifier_hash
from risk.models import (
    ADD_RISKRULE,
    CHANGE_RISKRULE,
    CHANGE_SCOREMODEL,
    PROMOTE_SCOREMODEL,
    BlocklistEntry,
    CreditFile,
    Decision,
    RiskRule,
    ScoreModel,
    ScoringRequest,
    ShadowScore,
)
from risk.product_terms import ProductTerms, ProductTermsError, terms_for
from risk.rules import DEFAULT_RULES, INTERNAL_HISTORY, RuleSpec, validate_rule
from risk.scorecard import datasets, training
from risk.scorecard.model import ArtifactError, Scorecard

if TYPE_CHECKING:
    from customers.models import Customer

logger = logging.getLogger(__name__)


# --- The decision ------------------------------------------------------------------------------
def _decision_from(data: DecisionData, model: ScoreModel, language: str) -> Decision:
    return Decision(
        model=model,
        model_sha256=model.artifact_sha256,
        features=data.features,
        points=data.points,
        score=data.score,
        grade=data.grade,
        pd=data.pd,
        pd_model=data.pd_model,
        rules_fired=data.rules_fired,
        outcome=data.outcome,
        reasons=data.reasons,
        language=language,
        requested_amount=data.requested_amount,
        approved_limit=data.approved_limit,
        limit_basis=data.limit_basis,
        offer=data.offer,
        offer_rate=data.offer_rate,
        offer_apr=data.offer_apr,
        offer_installment=data.offer_installment,
        product_terms=data.product_terms,
    )


def score(
    features: dict,
    product_version,
    *,
    model: ScoreModel | None = None,
    rules: list[RuleSpec] | None = None,
    history: History | None = None,
    language: str = "zh-hans",
) -> Decision:
    """Decide on one feature record (applicant + bureau features) for a product version.

    Returns an unsaved, fully explained `Decision`. Deterministic: the same features, product
    terms, rules, history and model version give the same decision. Reads the champion and the
    active rules when they are not given; writes nothing. Raises FeatureValidationError on bad
    input and ArtifactError when the model cannot be trusted.
    """
    clean = validate_features(features)
    terms = terms_for(product_version, term=int(clean["term"]))
    model = model or selectors.champion_get()
    card = selectors.scorecard_load(model)
    data = decide(
        features=clean,
        terms=terms,
        card=card,
        rules=selectors.rules_active() if rules is None else rules,
        history=history,
    )
    return _decision_from(data, model, language)


# --- Scoring requests --------------------------------------------------------------------------
def _enqueue_scoring(request: ScoringRequest) -> None:
    from risk import tasks  # the task module imports these services

    enqueue_on_commit(tasks.score_request, request.pk)


def scoring_request_create(
    *,
    requester_ref: str,
    product_version,
    features: dict,
    customer: Customer,
    method: str,
    frequency: str,
    channel: str,
    segments: tuple[str, ...] = (),
    grace: dict | None = None,
    device_id: str = "",
    language: str,
    on_date: dt.date | None = None,
    actor=None,
    internal_history: dict | None = None,
) -> ScoringRequest:
    """Validate and store a request, and enqueue its scoring when the transaction commits.

    `internal_history` is the customer's own repayment history with LoanHub as the requester
    found it (servicing's `customer_history_facts`; empty for a new customer): the names of
    `risk.rules.INTERNAL_HISTORY`, which rules test as `internal_<name>`.

    `features` are what the requester knows (every feature of risk.mapping.FEATURES but the
    bureau's, which the worker fetches). `product_version` is a products ProductVersion, which
    risk prices for the term, repayment `method`, `frequency` and `channel` as of `on_date`
    (default today), with the `grace` the application asks for, or ready ProductTerms; the terms
    are snapshotted as used. Of `customer`
    (a customers.Customer) and `device_id` only a reference and keyed hashes are stored; the
    worker reads the identity number at scoring time to ask the bureau. Raises
    FeatureValidationError (every field error; product problems under "product") and stores
    nothing when the input is wrong.
    """
    translated, errors = mapping.features_from_lender(features)
    if errors:
        raise FeatureValidationError(errors)
    clean = validate_features(translated, require_bureau=False)
    if customer is None or customer.pk is None or not (customer.id_number or "").strip():
        raise FeatureValidationError({"customer": [_("a customer with an identity number is required")]})
    try:
        terms = terms_for(
            product_version,
            term=int(clean["term"]),
            on_date=on_date,
            method=method,
            frequency=frequency,
            channel=channel,
            segments=tuple(segments),
            grace=grace,
        )
    except ProductTermsError as exc:
        raise FeatureValidationError({"product": [exc.detail]}) from exc
    product_ref = terms.version_ref or str(getattr(product_version, "pk", "") or "")
    with transaction.atomic():
        request = ScoringRequest.objects.create(
            requester_ref=requester_ref,
            product_ref=product_ref,
            product_terms=terms.to_json(),
            features=to_json(clean),
            customer=customer,
            id_number_hash=identifier_hash("id_number", customer.id_number),
            phone_hash=identifier_hash("phone", customer.phone or ""),
            device_hash=identifier_hash("device", device_id),
            internal_history=_internal_history(internal_history),
            language=language,
        )
        record_event(request, actor=actor, reason="created", from_state="")
        _enqueue_scoring(request)
    return request


def _internal_history(facts: dict | None) -> dict:
    """The known, numeric internal-history facts (as strings); anything else is dropped."""
    clean = {}
    for name, (low, high) in INTERNAL_HISTORY.items():
        value = (facts or {}).get(name)
        if value is None or isinstance(value, bool):
            continue
        try:
            number = Decimal(str(value))
        except ArithmeticError:
            continue
        if number.is_finite() and low <= number <= high:
            clean[name] = str(number)
    return clean


def scoring_request_requeue(*, request: ScoringRequest, actor=None, reason: str = "") -> ScoringRequest:
    """Enqueue the scoring of a pending request again, on commit (its message was lost).

    Safe to repeat: the worker decides a pending request once, so a second message changes
    nothing. A request that is no longer pending is returned unchanged and nothing is enqueued
    (a failed one goes back with `scoring_request_retry`).
    """
    with transaction.atomic():
        locked = lock(request)
        if locked.state != c.RequestState.PENDING:
            return locked
        record_event(locked, actor=actor, reason=reason or "requeued")
        _enqueue_scoring(locked)
    return locked


def _customer_id_number(request: ScoringRequest) -> str:
    """The identity number to ask the bureau about: read from customers now, never stored here.

    It must still be the number the request was made with (its hash ran the velocity and
    blocklist checks); a changed number needs a new request.
    """
    if request.customer_id is None:
        raise FeatureValidationError(
            {"customer": [_("the request names no customer to ask the bureau about")]}
        )
    id_number = customer_selectors.customer_id_number(customer_id=request.customer_id)
    if identifier_hash("id_number", id_number) != request.id_number_hash:
        changed = _("the customer's identity number changed after the request; a new request is needed")
        raise FeatureValidationError({"customer": [changed]})
    return id_number


def _concentration_facts(request: ScoringRequest, terms: ProductTerms) -> dict[str, str]:
    """What the concentration limits of an application are keyed by (`risk.concentration`)."""
    customer = request.customer
    return {
        "product": terms.product_code,
        "industry": getattr(customer, "industry", "") or "",
        "region": getattr(customer, "region", "") or "",
        "borrower": str(request.customer_id) if request.customer_id else "",
        "customer_group": getattr(getattr(customer, "group", None), "code", "") or "",
    }


def _finish_without_decision(request_id: int, *, invalid: bool, message: str) -> ScoringRequest:
    def record(locked: ScoringRequest) -> None:
        locked.attempts += 1
        locked.last_error = message

    with transaction.atomic():
        request = lock(request_id, model=ScoringRequest)
        if request.state != c.RequestState.PENDING:
            return request
        run_transition(
            request,
            "mark_invalid" if invalid else "mark_failed",
            actor=None,
            reason=message,
            fields=("attempts", "last_error"),
            before=record,
            locked=True,
        )
        hooks.notify(request=request, decision=None)
    return request


def scoring_request_process(*, request_id: int) -> ScoringRequest:
    """Score a pending request once. Idempotent: a request no longer pending is returned as is.

    A missing or corrupt champion marks the request failed (retryable by an officer) and
    re-raises ArtifactError, loudly; bad input marks it invalid. Transient database errors roll
    everything back and propagate, so the task retries a request that is still pending.
    """
    with transaction.atomic():
        request = lock(request_id, model=ScoringRequest)
        if request.state != c.RequestState.PENDING:
            return request
        try:
            model = selectors.champion_get()
            card = selectors.scorecard_load(model)
            terms = ProductTerms.from_json(request.product_terms)
            bureau = get_bureau().fetch(id_number=_customer_id_number(request))
            features = validate_features({**request.features, **bureau.as_features()})
            rules = selectors.rules_active()
            data = decide(
                features=features,
                terms=terms,
                card=card,
                rules=rules,
                history=selectors.history_for(request, rules),
            )
            data = concentration.apply_to(data, facts=_concentration_facts(request, terms))
        except ArtifactError as exc:
            error = exc
        except (FeatureValidationError, ProductTermsError) as exc:
            error = exc
        else:
            decision = _decision_from(data, model, request.language)
            decision.request = request
            decision.save()
            _shadow_scores(request, features, decision)

            def scored(locked: ScoringRequest) -> None:
                locked.attempts += 1
                locked.scored_at = clock.now()
                locked.last_error = ""

            run_transition(
                request,
                "mark_scored",
                actor=None,
                reason=coded("risk.scored", outcome=decision.outcome, grade=decision.grade),
                fields=("attempts", "scored_at", "last_error"),
                before=scored,
                locked=True,
            )
            hooks.notify(request=request, decision=decision)
            return request
    # Nothing was written above: record the failure durably, then fail loudly.
    if isinstance(error, ArtifactError):
        logger.error("scoring request %s failed: %s", request_id, error)
        _finish_without_decision(request_id, invalid=False, message=f"model: {error}")
        raise error
    logger.warning("scoring request %s has invalid input: %s", request_id, error)
    return _finish_without_decision(request_id, invalid=True, message=f"input: {error}")


def _shadow_scores(request: ScoringRequest, features: dict, decision: Decision) -> None:
    from risk import mapping

    for challenger in selectors.challengers_list():
        try:
            card = selectors.scorecard_load(challenger)
            result = card.score_record(mapping.model_record(features, card.inputs))
        except (ArtifactError, ValueError) as exc:  # a broken challenger never blocks a decision
            logger.error(
                "challenger v%s could not shadow-score request %s: %s", challenger.version, request.pk, exc
            )
            continue
        ShadowScore.objects.create(
            request=request,
            model=challenger,
            score=result.score,
            grade=result.grade,
            pd=quantize_places(str(result.pd_model), 6),
            champion_score=decision.score,
            champion_grade=decision.grade,
        )


def _retry_conflict(locked: ScoringRequest, name: str) -> Conflict:
    return Conflict(
        format_lazy(
            _("Only a failed request can be retried (it is {state})."),
            state=c.RequestState(locked.state).label,
        ),
        state=locked.state,
    )


def scoring_request_retry(*, request: ScoringRequest, actor, reason: str = "") -> ScoringRequest:
    """Put a failed request back to pending and enqueue it again (after a fix; the system, or
    staff who may change scoring requests)."""
    with transaction.atomic():
        locked = run_transition(
            request, "retry", actor=actor, reason=reason or "retry", conflict=_retry_conflict
        )
        _enqueue_scoring(locked)
    return locked


# --- Model registry ----------------------------------------------------------------------------
def canonical_json(artifact: dict) -> str:
    return json.dumps(artifact, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def model_register(*, result: training.TrainingResult, actor=None) -> ScoreModel:
    """Store a training result as a new candidate version."""
    import hashlib

    text = canonical_json(result.artifact)
    Scorecard(json.loads(text))  # refuses an unusable artifact before it is stored
    with transaction.atomic():
        last = ScoreModel.objects.select_for_update().order_by("-version").first()
        model = ScoreModel.objects.create(
            version=(last.version + 1) if last else 1,
            dataset=result.artifact["dataset"]["name"],
            binner=result.artifact["binner"],
            seed=result.artifact["seed"],
            artifact=text,
            artifact_sha256=hashlib.sha256(text.encode()).hexdigest(),
            training_data_sha256=result.artifact["dataset"]["sha256"],
            features=[f["name"] for f in result.artifact["features"]],
            report={**result.report, "training_seconds": round(result.seconds, 3)},
            training_seconds=result.seconds,
            trained_by=actor,
        )
        record_event(model, actor=actor, reason="trained", payload={"dataset": model.dataset}, from_state="")
    return model


def model_train(
    *,
    dataset: str = "german_credit",
    binner: str = "optbinning",
    seed: int = training.DEFAULT_SEED,
    actor=None,
) -> ScoreModel:
    """Train on a shipped data set (checksum verified) and register a candidate."""
    data = datasets.load(dataset)
    result = training.train(
        data.features,
        data.is_bad,
        data.inputs,
        dataset=data.name,
        data_sha256=data.sha256,
        binner=binner,
        seed=seed,
    )
    return model_register(result=result, actor=actor)


def _retiring(locked: ScoreModel) -> None:
    locked.shadow = False
    locked.retired_at = clock.now()


def _model_conflict(message):
    def conflict(locked: ScoreModel, name: str) -> Conflict:
        return Conflict(
            format_lazy(message, version=locked.version, status=c.ModelStatus(locked.status).label),
            state=locked.status,
        )

    return conflict


def model_promote(*, model: ScoreModel, actor, reason: str = "") -> ScoreModel:
    """Make a candidate the champion (four eyes: not by whoever trained it, never a corrupt
    artifact, and only with an impact assessment signed off by someone other than its author);
    the previous champion is retired in the same transaction."""
    if not may(actor, PROMOTE_SCOREMODEL):
        raise Forbidden(_("You may not promote score models."))

    def checks(locked: ScoreModel) -> None:
        if locked.trained_by_id is not None and locked.trained_by_id == actor.pk:
            raise Forbidden(_("Four eyes: the analyst who trained a model cannot promote it."))
        assessment.assessment_required_for_promotion(locked)  # Conflict: PIPL art. 55 first
        selectors.scorecard_load(locked)  # ArtifactError: never promote a corrupt artifact
        # One champion at a time (a database constraint): the current one retires first.
        for current in ScoreModel.objects.filter(status=c.ModelStatus.CHAMPION).values_list("pk", flat=True):
            run_transition(
                current,
                "retire",
                actor=actor,
                reason=coded("risk.replaced_by_version", version=locked.version),
                model=ScoreModel,
                fields=("shadow", "retired_at"),
                before=_retiring,
            )
        locked.shadow = False
        locked.promoted_by = actor
        locked.promoted_at = clock.now()

    return run_transition(
        model,
        "promote",
        actor=actor,
        reason=reason or "promoted",
        fields=("shadow", "promoted_by", "promoted_at"),
        before=checks,
        conflict=_model_conflict(_("Only a candidate can be promoted (v{version} is {status}).")),
    )


def model_retire(*, model: ScoreModel, actor, reason: str) -> ScoreModel:
    """Retire a candidate or the champion: it scores nothing any more."""
    if not may(actor, CHANGE_SCOREMODEL):
        raise Forbidden(_("You may not retire score models."))
    return run_transition(
        model,
        "retire",
        actor=actor,
        reason=reason,
        fields=("shadow", "retired_at"),
        before=_retiring,
        conflict=_model_conflict(_("The model is already retired.")),
    )


def model_set_shadow(*, model: ScoreModel, actor, shadow: bool) -> ScoreModel:
    """Make a candidate a challenger (shadow scoring) or stop it."""
    if not may(actor, CHANGE_SCOREMODEL):
        raise Forbidden(_("You may not change challenger models."))
    with transaction.atomic():
        locked = lock(model)
        if shadow and locked.status != c.ModelStatus.CANDIDATE:
            raise Conflict(_("Only a candidate can be a challenger."), state=locked.status)
        locked.shadow = shadow
        locked.save(update_fields=["shadow"])
        record_event(locked, actor=actor, reason="challenger on" if shadow else "challenger off")
    return locked


# --- Rules, blocklist, demo bureau -------------------------------------------------------------
def _rule_store(rule: RiskRule, *, actor, reason: str) -> RiskRule:
    errors = validate_rule(rule.spec())
    if errors:
        raise Invalid(errors)
    # The audit of a rule is its django-simple-history row: who, when, why and the whole rule.
    rule._history_user = actor
    rule._change_reason = reason[:100]
    rule.save()
    return rule


def rule_save(*, rule: RiskRule, actor, reason: str = "") -> RiskRule:
    """Validate and save a rule written or changed by `actor` (the admin comes here): a new rule
    needs risk.add_riskrule, a change risk.change_riskrule (Risk Analysts hold both)."""
    creating = rule.pk is None
    if not may(actor, ADD_RISKRULE if creating else CHANGE_RISKRULE):
        raise Forbidden(_("You may not change risk rules."))
    return _rule_store(rule, actor=actor, reason=reason or ("created" if creating else "changed"))


def rule_seed_defaults() -> int:
    """Create the shipped global rules that do not exist yet; returns how many were created."""
    created = 0
    for definition in DEFAULT_RULES:
        if RiskRule.objects.filter(code=definition["code"], product_code="").exists():
            continue
        params = {k: v for k, v in definition.items()}
        params["values"] = list(params.get("values", ()))
        _rule_store(RiskRule(**params), actor=None, reason="seeded")  # the system, not a person
        created += 1
    return created


def blocklist_add(*, identifier: str, value: str, reason: str, actor=None) -> BlocklistEntry:
    entry, _created = BlocklistEntry.objects.update_or_create(
        identifier=identifier,
        value_hash=identifier_hash(identifier, value),
        defaults={"reason": reason, "active": True, "created_by": actor},
    )
    return entry


def credit_file_upsert(
    *,
    id_number: str,
    credit_history: str,
    existing_credits: int,
    other_installment_plans: str,
    monthly_debt: Decimal,
    note: str = "",
) -> CreditFile:
    errors = {}
    try:
        validate_features(
            {
                "credit_history": credit_history,
                "existing_credits": existing_credits,
                "other_installment_plans": other_installment_plans,
                "bureau_monthly_debt": monthly_debt,
            },
            require_bureau=True,
        )
    except FeatureValidationError as exc:
        errors = {
            k: v
            for k, v in exc.errors.items()
            if k in ("credit_history", "existing_credits", "other_installment_plans", "bureau_monthly_debt")
        }
    if errors:
        raise Invalid(errors)
    row, _created = CreditFile.objects.update_or_create(
        id_number_hash=identifier_hash("id_number", id_number),
        defaults={
            "credit_history": credit_history,
            "existing_credits": existing_credits,
            "other_installment_plans": other_installment_plans,
            "monthly_debt": monthly_debt,
            "note": note,
        },
    )
    return row
