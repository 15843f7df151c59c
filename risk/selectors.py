"""Reads of the risk app: the champion and challengers, loaded scorecards, rules, history counts,
decisions."""

from __future__ import annotations

import hashlib
import json
from datetime import timedelta
from decimal import Decimal

import numpy as np
from django.db.models import Count, DateField, FloatField, IntegerField, QuerySet, Sum, Value
from django.db.models.functions import Cast, Floor, TruncMonth

from customers.masking import mask_text
from risk import choices as c
from risk import mapping
from risk import reasons as customer_reasons
from risk.decide import History
from risk.features import validate_features
from risk.mapping import FEATURES, SOURCE_IDENTITY
from risk.models import BlocklistEntry, Decision, RiskRule, ScoreModel, ScoringRequest
from risk.rules import RuleCheck, RuleSpec
from risk.scorecard.model import ArtifactError, Scorecard


class NoChampion(ArtifactError):
    """No model is champion: nothing may be decided."""


# Parsed scorecards by the SHA-256 of the artifact text actually read (the text is re-read and
# re-hashed on every load, so a changed row is never served from this cache).
_loaded: dict[str, Scorecard] = {}


def scorecard_load(model: ScoreModel) -> Scorecard:
    """The model's scorecard, after checking the stored artifact against its SHA-256."""
    text = model.artifact or ""
    if not text:
        raise ArtifactError(f"model v{model.version}: the artifact is missing")
    digest = hashlib.sha256(text.encode()).hexdigest()
    if digest != model.artifact_sha256:
        raise ArtifactError(
            f"model v{model.version}: artifact SHA-256 {digest[:12]}… does not match the recorded "
            f"{model.artifact_sha256[:12]}… (corrupted or edited)"
        )
    card = _loaded.get(digest)
    if card is None:
        try:
            artifact = json.loads(text)
        except json.JSONDecodeError as exc:
            raise ArtifactError(f"model v{model.version}: artifact is not JSON ({exc})") from exc
        card = Scorecard(artifact)
        _loaded[digest] = card
    return card


def champion_get() -> ScoreModel:
    model = ScoreModel.objects.filter(status=c.ModelStatus.CHAMPION).first()
    if model is None:
        raise NoChampion("no champion score model: train one and have a second analyst promote it")
    return model


def challengers_list() -> list[ScoreModel]:
    return list(ScoreModel.objects.filter(status=c.ModelStatus.CANDIDATE, shadow=True).order_by("version"))


def model_get(*, version: int | None = None) -> ScoreModel:
    if version is None:
        return ScoreModel.objects.filter(status=c.ModelStatus.CHAMPION).first() or ScoreModel.objects.latest(
            "version"
        )
    return ScoreModel.objects.get(version=version)


def rules_active() -> list[RuleSpec]:
    return [rule.spec() for rule in RiskRule.objects.filter(active=True)]


def history_for(request: ScoringRequest, rules: list[RuleSpec]) -> History:
    """Velocity, shared-identifier and blocklist facts about a request, as of its creation time."""
    history = History(internal=dict(request.internal_history or {}))
    hashes = {"id_number": request.id_number_hash, "phone": request.phone_hash, "device": request.device_hash}
    field = {"id_number": "id_number_hash", "phone": "phone_hash", "device": "device_hash"}
    for rule in rules:
        value = hashes.get(rule.identifier)
        if not value or not rule.window_hours:
            continue
        window = ScoringRequest.objects.filter(
            **{field[rule.identifier]: value},
            created_at__gt=request.created_at - timedelta(hours=rule.window_hours),
            created_at__lte=request.created_at,
        )
        key = (rule.identifier, rule.window_hours)
        if rule.kind == RuleCheck.VELOCITY:
            history.velocity[key] = window.count()
        elif rule.kind == RuleCheck.SHARED_IDENTIFIER:
            others = window.exclude(id_number_hash=request.id_number_hash).aggregate(
                n=Count("id_number_hash", distinct=True)
            )["n"]
            history.shared[key] = others + 1
    listed = BlocklistEntry.objects.filter(active=True).filter(
        identifier__in=[k for k, v in hashes.items() if v], value_hash__in=[v for v in hashes.values() if v]
    )
    history.blocklisted = frozenset(
        entry.identifier for entry in listed if hashes.get(entry.identifier) == entry.value_hash
    )
    return history


def decision_for_request(*, request_id: int) -> Decision | None:
    return Decision.objects.filter(request_id=request_id).select_related("model").first()


def decision_declined_only_for_identity(decision: Decision) -> bool:
    """True when every declining rule of `decision` tested the identity verification (and at
    least one did): the requester may refer such an application instead of declining it."""
    declines = [r for r in decision.rules_fired if r.get("outcome") == c.RuleOutcome.DECLINE]
    return bool(declines) and all(
        (spec := FEATURES.get(r.get("feature") or "")) is not None and spec.source == SOURCE_IDENTITY
        for r in declines
    )


def decision_customer_reasons(decision: Decision, *, language: str | None) -> list[dict]:
    """The reasons of `decision` a customer may be shown (`risk.reasons`): customer-safe codes and
    plain-language text with what they can do, never a fraud rule or an internal code."""
    return customer_reasons.customer_reasons(
        reasons=decision.reasons, rules_fired=decision.rules_fired, language=language
    )


def requests_for(*, requester_ref: str) -> QuerySet[ScoringRequest]:
    return ScoringRequest.objects.filter(requester_ref=requester_ref)


def shadow_comparison(model: ScoreModel) -> dict:
    """How a challenger's shadow scores compare with the champion's decisions."""
    rows = list(model.shadow_scores.values_list("score", "grade", "champion_score", "champion_grade"))
    if not rows:
        return {"n": 0}
    n = len(rows)
    return {
        "n": n,
        "mean_score": round(sum(r[0] for r in rows) / n, 2),
        "mean_champion_score": round(sum(r[2] for r in rows) / n, 2),
        "grade_agreement": round(sum(r[1] == r[3] for r in rows) / n, 4),
    }


def decision_latest_for_customer(*, customer_id: int) -> Decision | None:
    """The customer's most recent credit decision (a guarantor's own score and grade)."""
    return Decision.objects.filter(request__customer_id=customer_id).order_by("-created_at", "-id").first()


def development_profile(model: ScoreModel) -> dict:
    """The model's development sample as it scores it: the rows the final scorecard was fitted
    on (the training data set less the stratified hold-out, re-drawn with the model's seed), each
    row's score, grade and bin label per feature. The baseline of population stability."""
    from sklearn.model_selection import train_test_split

    from risk.scorecard import datasets, training

    card = scorecard_load(model)
    data = datasets.load(model.dataset)
    if data.sha256 != model.training_data_sha256:
        raise ArtifactError(f"model v{model.version}: the training data set has changed")
    y = np.asarray(data.is_bad, dtype=int)
    dev_index, _hold = train_test_split(
        np.arange(len(y)), test_size=training.HOLDOUT_SHARE, stratify=y, random_state=model.seed
    )
    frame = mapping.model_frame(data.features, list(card.inputs)).iloc[dev_index].reset_index(drop=True)
    return {
        "scores": [int(s) for s in card.score_frame(frame)["score"]],
        "bins": {name: list(labels) for name, labels in card.bin_labels(frame).items()},
        "bin_order": {f.name: [*f.labels, "missing"] for f in card.features},
    }


def decisions_profile(model: ScoreModel, *, since, until) -> dict:
    """The decisions `model` made from `since` to `until` (datetimes, half-open): each one's score
    and bin label per feature, re-derived from the stored features with the same scorecard."""
    card = scorecard_load(model)
    scores, bins = [], {name: [] for name in card.inputs}
    rows = Decision.objects.filter(model=model, created_at__gte=since, created_at__lt=until).values_list(
        "score", "features"
    )
    for score_value, features in rows.iterator():
        result = card.score_record(mapping.model_record(validate_features(features), card.inputs))
        scores.append(score_value)
        for part in result.features:
            bins[part.name].append(part.bin_label)
    return {"scores": scores, "bins": bins}


def grade_pds(model: ScoreModel) -> dict[str, Decimal]:
    """The predicted probability of default of each grade of the model (its artifact's)."""
    card = scorecard_load(model)
    return {grade: Decimal(str(pd)) for grade, pd in card.grade_pd.items()}


def models_with_decisions(*, since, until) -> list[ScoreModel]:
    """The models that decided at least once from `since` to `until` (datetimes, half-open)."""
    versions = Decision.objects.filter(created_at__gte=since, created_at__lt=until).values("model_id")
    return list(ScoreModel.objects.filter(pk__in=versions).order_by("version"))


def decisions_by_month(*, since, until) -> QuerySet:
    """The decisions made from `since` to `until` (aware datetimes, half-open), grouped: one row
    per month of the decision (LoanHub's time zone), product version reference ("CODE:vN" as the
    request named it), outcome and grade, with `decisions` (how many) and `score_sum`. One
    GROUP BY over the decisions' time index; monitoring keeps it per month."""
    return (
        Decision.objects.filter(created_at__gte=since, created_at__lt=until)
        .order_by()
        .annotate(month=TruncMonth("created_at", output_field=DateField()))
        .values("month", "request__product_ref", "outcome", "grade")
        .annotate(decisions=Count("pk"), score_sum=Sum("score"))
    )


def decision_score_bands_by_month(*, since, until, width: int) -> QuerySet:
    """The decisions made from `since` to `until` (aware datetimes, half-open), grouped: one row
    per month of the decision (LoanHub's time zone), product version reference and score band of
    `width` points (`band`: its lowest score, a multiple of `width`; a score of 617 is in the
    band 600 when `width` is 20), with `decisions` (how many). One GROUP BY over the time index."""
    band = Cast(Floor(Cast("score", FloatField()) / Value(float(width))), IntegerField()) * Value(width)
    return (
        Decision.objects.filter(created_at__gte=since, created_at__lt=until)
        .order_by()
        .annotate(month=TruncMonth("created_at", output_field=DateField()), band=band)
        .values("month", "request__product_ref", "band")
        .annotate(decisions=Count("pk"))
    )


def first_decision_at():
    """When the first decision was made (None before any)."""
    return Decision.objects.order_by("created_at").values_list("created_at", flat=True).first()


def champion_version() -> int | None:
    return ScoreModel.objects.filter(status=c.ModelStatus.CHAMPION).values_list("version", flat=True).first()


def model_registry_status() -> list[dict]:
    """The score models in use (champion and challengers) and the candidates awaiting promotion,
    champion first: one query (the risk analysts' start page)."""
    order = {c.ModelStatus.CHAMPION: 0, c.ModelStatus.CANDIDATE: 1}
    rows = ScoreModel.objects.exclude(status=c.ModelStatus.RETIRED).values(
        "pk", "version", "status", "shadow", "dataset", "trained_at"
    )
    labels = dict(c.ModelStatus.choices)
    return sorted(
        ({**row, "status_label": labels.get(row["status"], row["status"])} for row in rows),
        key=lambda row: (order.get(row["status"], 2), not row["shadow"], -row["version"]),
    )


def decision_rule_hits(decision: Decision, *, language: str | None) -> list[dict]:
    """The policy and fraud rules a decision fired, for staff: code, outcome (translated), the
    rule's reason in `language` and its detail with identity and mobile numbers masked."""
    key = "reason_zh" if (language or "").lower().startswith("zh") else "reason_en"
    outcomes = dict(c.RuleOutcome.choices)
    return [
        {
            "code": fired.get("code", ""),
            "outcome": fired.get("outcome", ""),
            "outcome_label": outcomes.get(fired.get("outcome", ""), fired.get("outcome", "")),
            "text": fired.get(key) or fired.get("reason_en", ""),
            "detail": mask_text(str(fired.get("detail") or "")),
        }
        for fired in decision.rules_fired or ()
    ]


def decision_facts(*, decision_ids) -> dict[int, dict]:
    """Decision id → its feature record (JSON as stored), score, grade and date: what a loan was
    decided on (monitoring compares the borrower now with it)."""
    rows = Decision.objects.filter(pk__in=list(decision_ids)).values(
        "pk", "features", "score", "grade", "created_at"
    )
    return {row.pop("pk"): row for row in rows}
