"""Risk test helpers: a score model made promotable (an impact assessment signed off by a second
person, as `risk.services.model_promote` requires)."""

from __future__ import annotations

from risk import assessment
from risk.models import ImpactAssessment, ScoreModel


def signed_assessment(model: ScoreModel, *, author, signer) -> ImpactAssessment:
    """Write `model`'s impact assessment as `author` and have `signer` sign it off (both need the
    Risk Analyst's assessment permissions)."""
    written = assessment.impact_assessment_save(
        model=model,
        actor=author,
        purpose="Credit decisions on consumer loan applications (tests).",
        data_used="Applicant-stated facts, the customer profile and the bureau file (tests).",
    )
    return assessment.impact_assessment_sign_off(assessment=written, actor=signer)
