"""Writes of the risk app, and `score()`, the pure decision function.

Scoring flow: `scoring_request_create()` (validates, stores, enqueues `risk.tasks.score_request`
on commit) → worker → `scoring_request_process()` (idempotent; one transaction writes the
decision, the challengers' shadow scores, the state change and calls the requester's hook).
Registry: `model_train()` / `model_register()` create candidates; `model_promote()` (four eyes)
makes a champion and retires the previous one; `model_set_shadow()` makes a challenger.
"""

from __future__ import annotations

import json
import logging
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from loanhub import clock, roles
from loanhub.celery import enqueue_on_commit
from risk import choices as c
from risk import hooks, selectors
from risk.bureau import get_bureau
from risk.decide import DecisionData, History, decide
from risk.features import FeatureValidationError, to_json, validate_features
from risk.identity import identifier_hash
from risk.models import (
    BlocklistEntry,
    CreditFile,
    Decision,
    RiskRule,
    ScoreModel,
    ScoreModelEvent,
    ScoringRequest,
    ScoringRequestEvent,
    ShadowScore,
)
from risk.product_terms import ProductTerms, ProductTermsError, terms_for
from risk.rules import DEFAULT_RULES, RuleSpec, validate_rule
from risk.scorecard import datasets, training
from risk.scorecard.model import ArtifactError, Scorecard

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
def _request_event(request: ScoringRequest, *, from_state: str, actor=None, reason: str = "") -> None:
    ScoringRequestEvent.objects.create(
        request=request, actor=actor, from_state=from_state, to_state=request.state, reason=reason[:2000]
    )


def scoring_request_create(
    *,
    requester_ref: str,
    product_version,
    features: dict,
    id_number: str,
    phone: str = "",
    device_id: str = "",
    language: str = "zh-hans",
    actor=None,
) -> ScoringRequest:
    """Validate and store a request, and enqueue its scoring when the transaction commits.

    `features` are what the application knows (everything in risk.mapping.FEATURES except the
    bureau features, which the worker fetches). `product_version` is a products ProductVersion or
    a ProductTerms; its terms are snapshotted as used. Raises FeatureValidationError (with every
    field error) and stores nothing when the input is wrong.
    """
    from risk import tasks

    clean = validate_features(features, require_bureau=False)
    if not (id_number or "").strip():
        raise FeatureValidationError({"id_number": "the identity number is required"})
    try:
        terms = terms_for(product_version, term=int(clean["term"]))
    except ProductTermsError as exc:
        raise FeatureValidationError({"product_version": str(exc)}) from exc
    product_ref = terms.version_ref or str(getattr(product_version, "pk", "") or "")
    request = ScoringRequest.objects.create(
        requester_ref=requester_ref,
        product_ref=product_ref,
        product_terms=terms.to_json(),
        features=to_json(clean),
        identity={"id_number": id_number, "phone": phone, "device_id": device_id},
        id_number_hash=identifier_hash("id_number", id_number),
        phone_hash=identifier_hash("phone", phone),
        device_hash=identifier_hash("device", device_id),
        language=language,
    )
    _request_event(request, from_state="", actor=actor, reason="created")
    enqueue_on_commit(tasks.score_request, request.pk)
    return request


def _finish_without_decision(request_id: int, *, invalid: bool, message: str) -> ScoringRequest:
    with transaction.atomic():
        request = ScoringRequest.objects.select_for_update().get(pk=request_id)
        if request.state != c.RequestState.PENDING:
            return request
        before = request.state
        request.mark_invalid() if invalid else request.mark_failed()
        request.attempts += 1
        request.last_error = message
        request.save(update_fields=["state", "attempts", "last_error"])
        _request_event(request, from_state=before, reason=message)
        hooks.notify(request=request, decision=None)
    return request


def scoring_request_process(*, request_id: int) -> ScoringRequest:
    """Score a pending request once. Idempotent: a scored (or invalid) request is returned as is.

    A missing or corrupt champion marks the request failed (retryable by an officer) and
    re-raises ArtifactError, loudly; bad input marks it invalid. Transient database errors roll
    everything back and propagate, so the task retries a request that is still pending.
    """
    with transaction.atomic():
        request = ScoringRequest.objects.select_for_update().get(pk=request_id)
        if request.state != c.RequestState.PENDING:
            return request
        try:
            model = selectors.champion_get()
            card = selectors.scorecard_load(model)
            terms = ProductTerms.from_json(request.product_terms)
            bureau = get_bureau().fetch(id_number=request.identity.get("id_number", ""))
            features = validate_features({**request.features, **bureau.as_features()})
            rules = selectors.rules_active()
            data = decide(
                features=features,
                terms=terms,
                card=card,
                rules=rules,
                history=selectors.history_for(request, rules),
            )
        except ArtifactError as exc:
            error = exc
        except (FeatureValidationError, ProductTermsError) as exc:
            error = exc
        else:
            error = None
            decision = _decision_from(data, model, request.language)
            decision.request = request
            decision.save()
            _shadow_scores(request, features, decision)
            request.mark_scored()
            request.attempts += 1
            request.scored_at = clock.now()
            request.last_error = ""
            request.identity = {}  # the raw identity is no longer needed
            request.save(update_fields=["state", "attempts", "scored_at", "last_error", "identity"])
            _request_event(
                request, from_state=c.RequestState.PENDING, reason=f"{decision.outcome} {decision.grade}"
            )
            hooks.notify(request=request, decision=decision)
            return request
    # Outside the rolled-back block: record the failure durably, then fail loudly.
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
            pd=Decimal(str(result.pd_model)).quantize(Decimal("0.000001")),
            champion_score=decision.score,
            champion_grade=decision.grade,
        )


def scoring_request_retry(*, request: ScoringRequest, actor, reason: str = "") -> ScoringRequest:
    """Put a failed request back to pending and enqueue it again (officers, after a fix)."""
    from risk import tasks

    with transaction.atomic():
        locked = ScoringRequest.objects.select_for_update().get(pk=request.pk)
        if locked.state != c.RequestState.FAILED:
            raise ValidationError({"state": f"only a failed request can be retried (it is {locked.state})"})
        locked.retry()
        locked.save(update_fields=["state"])
        _request_event(locked, from_state=c.RequestState.FAILED, actor=actor, reason=reason or "retry")
        enqueue_on_commit(tasks.score_request, locked.pk)
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
        ScoreModelEvent.objects.create(
            model=model,
            actor=actor,
            from_state="",
            to_state=model.status,
            reason="trained",
            payload={"dataset": model.dataset},
        )
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


def _may_manage_models(actor) -> bool:
    return bool(actor and (actor.is_superuser or roles.has_role(actor, roles.RISK_ANALYST)))


def model_promote(*, model: ScoreModel, actor, reason: str = "") -> ScoreModel:
    """Make a candidate the champion (four eyes: not by whoever trained it); the previous champion
    is retired in the same transaction."""
    if not _may_manage_models(actor):
        raise PermissionDenied("only a Risk Analyst may promote a model")
    with transaction.atomic():
        locked = ScoreModel.objects.select_for_update().get(pk=model.pk)
        if locked.trained_by_id is not None and locked.trained_by_id == actor.pk:
            raise PermissionDenied("four eyes: the analyst who trained a model cannot promote it")
        if locked.status != c.ModelStatus.CANDIDATE:
            raise ValidationError(
                {"status": f"only a candidate can be promoted (v{locked.version} is {locked.status})"}
            )
        selectors.scorecard_load(locked)  # ArtifactError: never promote a corrupt artifact
        for current in ScoreModel.objects.select_for_update().filter(status=c.ModelStatus.CHAMPION):
            current.retire()
            current.retired_at = clock.now()
            current.save(update_fields=["status", "retired_at"])
            ScoreModelEvent.objects.create(
                model=current,
                actor=actor,
                from_state=c.ModelStatus.CHAMPION,
                to_state=current.status,
                reason=f"replaced by v{locked.version}",
            )
        locked.promote()
        locked.shadow = False
        locked.promoted_by = actor
        locked.promoted_at = clock.now()
        locked.save(update_fields=["status", "shadow", "promoted_by", "promoted_at"])
        ScoreModelEvent.objects.create(
            model=locked,
            actor=actor,
            from_state=c.ModelStatus.CANDIDATE,
            to_state=locked.status,
            reason=reason or "promoted",
        )
    return locked


def model_retire(*, model: ScoreModel, actor, reason: str) -> ScoreModel:
    if not _may_manage_models(actor):
        raise PermissionDenied("only a Risk Analyst may retire a model")
    with transaction.atomic():
        locked = ScoreModel.objects.select_for_update().get(pk=model.pk)
        before = locked.status
        if before == c.ModelStatus.RETIRED:
            raise ValidationError({"status": "the model is already retired"})
        locked.retire()
        locked.shadow = False
        locked.retired_at = clock.now()
        locked.save(update_fields=["status", "shadow", "retired_at"])
        ScoreModelEvent.objects.create(
            model=locked, actor=actor, from_state=before, to_state=locked.status, reason=reason
        )
    return locked


def model_set_shadow(*, model: ScoreModel, actor, shadow: bool) -> ScoreModel:
    """Make a candidate a challenger (shadow scoring) or stop it."""
    if not _may_manage_models(actor):
        raise PermissionDenied("only a Risk Analyst may change challengers")
    with transaction.atomic():
        locked = ScoreModel.objects.select_for_update().get(pk=model.pk)
        if shadow and locked.status != c.ModelStatus.CANDIDATE:
            raise ValidationError({"shadow": "only a candidate can be a challenger"})
        locked.shadow = shadow
        locked.save(update_fields=["shadow"])
        ScoreModelEvent.objects.create(
            model=locked,
            actor=actor,
            from_state=locked.status,
            to_state=locked.status,
            reason="challenger on" if shadow else "challenger off",
        )
    return locked


# --- Rules, blocklist, demo bureau -------------------------------------------------------------
def rule_save(*, rule: RiskRule, actor=None) -> RiskRule:
    """Validate and save a rule (admin and seeding both come here)."""
    errors = validate_rule(rule.spec())
    if errors:
        raise ValidationError(errors)
    rule.save()
    return rule


def rule_seed_defaults() -> int:
    """Create the shipped global rules that do not exist yet; returns how many were created."""
    created = 0
    for definition in DEFAULT_RULES:
        if RiskRule.objects.filter(code=definition["code"], product_code="").exists():
            continue
        params = {k: v for k, v in definition.items()}
        params["values"] = list(params.get("values", ()))
        rule_save(rule=RiskRule(**params))
        created += 1
    return created


def blocklist_add(*, identifier: str, value: str, reason: str, actor=None) -> BlocklistEntry:
    entry, _ = BlocklistEntry.objects.update_or_create(
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
        raise ValidationError(errors)
    row, _ = CreditFile.objects.update_or_create(
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
