"""Impact assessments of score models (PIPL art. 55): write, compute the fairness checks, sign off.

A scorecard version may be promoted only once its assessment is signed off by someone other than
its author (`assessment_required_for_promotion`, called by `risk.services.model_promote`).

The fairness checks come from the decisions available for the model:
- `decisions`: the model's own decisions (a champion, or one that was), as they were taken;
- `replay`: a model that has decided nothing yet (a candidate) re-decides the latest decided
  applications with the pure `risk.decide.decide()` on their stored features and product terms,
  with the rules active now. The identity checks (velocity, shared identifiers, blocklist) do not
  depend on the scorecard and are not replayed.
Age comes from the application's features, the region from the customer's profile.
"""

from __future__ import annotations

import re
from decimal import Decimal

from django.conf import settings
from django.db import transaction
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from loanhub import clock
from loanhub.errors import Conflict, Forbidden, Invalid
from loanhub.permissions import may
from loanhub.transitions import json_safe, lock
from risk import selectors
from risk.choices import Outcome
from risk.decide import decide
from risk.fairness import Row, fairness_summary
from risk.features import FeatureValidationError, validate_features
from risk.models import SIGN_OFF_ASSESSMENT, WRITE_ASSESSMENT, Decision, ImpactAssessment, ScoreModel
from risk.product_terms import ProductTerms, ProductTermsError

TEXT_MAX_LENGTH = 4000
# Control characters (C0, DEL, C1) other than the line breaks and tabs a text box sends.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


def _sample() -> int:
    return int(getattr(settings, "LOANHUB_FAIRNESS_SAMPLE", 2000))


def _min_group() -> int:
    return int(getattr(settings, "LOANHUB_FAIRNESS_MIN_GROUP", 30))


def _age(features: dict) -> int | None:
    try:
        return int(features.get("age"))
    except (TypeError, ValueError):
        return None


def fairness_rows(model: ScoreModel) -> tuple[str, list[Row]]:
    """The source ("decisions" or "replay") and one row per decided application (latest first,
    at most LOANHUB_FAIRNESS_SAMPLE)."""
    own = Decision.objects.filter(model=model).order_by("-id")
    if own.exists():
        values = own.values_list("features", "outcome", "pd_model", "request__customer__region")
        return "decisions", [
            Row(age=_age(features), region=region or "", approved=outcome == Outcome.APPROVE, pd=Decimal(pd))
            for features, outcome, pd, region in values[: _sample()]
        ]
    card = selectors.scorecard_load(model)
    rules = selectors.rules_active()
    rows = []
    recent = Decision.objects.order_by("-id").values_list(
        "features", "product_terms", "request__customer__region"
    )
    for features, terms, region in recent[: _sample()]:
        try:
            data = decide(
                features=validate_features(features),
                terms=ProductTerms.from_json(terms),
                card=card,
                rules=rules,
            )
        except (FeatureValidationError, ProductTermsError, KeyError, ValueError):
            continue  # a record the current schema no longer reads: not comparable
        rows.append(
            Row(
                age=_age(features),
                region=region or "",
                approved=data.outcome == Outcome.APPROVE,
                pd=data.pd_model,
            )
        )
    return "replay", rows


def _text(value, field: str) -> str:
    text = (value if isinstance(value, str) else "").strip()
    if not text:
        raise Invalid({field: [_("this field is required")]})
    if len(text) > TEXT_MAX_LENGTH:
        raise Invalid({field: [format_lazy(_("at most {count} characters"), count=TEXT_MAX_LENGTH)]})
    if _CONTROL.search(text):
        raise Invalid({field: [_("must not contain control characters")]})
    return text


def _signed_conflict(assessment: ImpactAssessment) -> Conflict:
    return Conflict(
        format_lazy(
            _("The impact assessment of v{version} was signed off by {user}; it can no longer change."),
            version=assessment.model.version,
            user=assessment.signed_off_by.get_username(),
        ),
        state="signed_off",
    )


def _compute(assessment: ImpactAssessment) -> None:
    source, rows = fairness_rows(assessment.model)
    summary = fairness_summary(rows, min_group=_min_group())
    assessment.fairness = json_safe({"source": source, **summary})
    assessment.fairness_computed_at = clock.now()
    assessment.approval_gap_age = summary["age_band"]["approval_rate_gap"]
    assessment.approval_gap_region = summary["region"]["approval_rate_gap"]
    assessment.pd_gap_age = summary["age_band"]["mean_pd_gap"]
    assessment.pd_gap_region = summary["region"]["mean_pd_gap"]


def impact_assessment_save(*, model: ScoreModel, actor, purpose: str, data_used: str) -> ImpactAssessment:
    """Write (or, before sign-off, rewrite) the assessment of `model` and compute its fairness
    checks from the decisions available now. The first writer is its author; every version is
    kept in the assessment's history."""
    if not may(actor, WRITE_ASSESSMENT):
        raise Forbidden(_("You may not write impact assessments."))
    purpose, data_used = _text(purpose, "purpose"), _text(data_used, "data_used")
    with transaction.atomic():
        locked_model = lock(model)
        assessment = (
            ImpactAssessment.objects.select_for_update(of=("self",))
            .select_related("signed_off_by")
            .filter(model=locked_model)
            .first()
        )
        if assessment is None:
            assessment = ImpactAssessment(model=locked_model, author=actor)
        elif assessment.signed_off:
            raise _signed_conflict(assessment)
        assessment.purpose, assessment.data_used = purpose, data_used
        _compute(assessment)
        assessment.save()
    return assessment


def impact_assessment_sign_off(*, assessment: ImpactAssessment, actor) -> ImpactAssessment:
    """Sign off the assessment: someone other than its author, holding the permission, after
    reading the fairness checks (recomputed now, so what is signed is what the data says)."""
    if not may(actor, SIGN_OFF_ASSESSMENT):
        raise Forbidden(_("You may not sign off impact assessments."))
    with transaction.atomic():
        locked = (
            ImpactAssessment.objects.select_for_update(of=("self",))
            .select_related("model", "signed_off_by")
            .get(pk=assessment.pk)
        )
        if locked.signed_off:
            raise _signed_conflict(locked)
        if locked.author_id == actor.pk:
            raise Forbidden(_("Four eyes: the author of an impact assessment cannot sign it off."))
        _compute(locked)
        locked.signed_off_by = actor
        locked.signed_off_at = clock.now()
        locked.save()
    return locked


def assessment_required_for_promotion(model: ScoreModel) -> None:
    """Conflict unless `model` has an impact assessment signed off by someone other than its
    author."""
    assessment = ImpactAssessment.objects.filter(model=model).first()
    if assessment is None or not assessment.signed_off or assessment.signed_off_by_id == assessment.author_id:
        raise Conflict(
            format_lazy(
                _(
                    "v{version} cannot be promoted before its impact assessment (purpose, data used, "
                    "fairness across age bands and regions) is signed off by someone other than its author."
                ),
                version=model.version,
            ),
            state=model.status,
        )
