"""The expert business scorecard: a rubric definition (data) applied to indicators and answers.

There is no public training set of Chinese small-business defaults to fit a statistical model on,
so the bands, points, weights, grade cut-offs and PDs are expert judgement, stored as data in a
versioned rubric (`risk.business.models.BusinessRubric`) that risk analysts edit and a second
person publishes, so every number is reviewable and every rating names the version it used.

A rubric definition::

    {
      "quantitative": [{"code", "label_zh", "label_en", "weight",
                        "bands": [{"min": "0.3" | null, "max": "0.5" | null, "points": 75}],
                        "choices": {"A": 100, ...},   # instead of bands, for a coded value
                        "missing": 0}],             # points when the value is undefined
      "qualitative": [{"code", "label_zh", "label_en", "weight",
                       "choices": [{"code", "label_zh", "label_en", "points"}]}],
      "quantitative_share": "0.6",                # of the business score; the rest qualitative
      "personal_weight": "0.3",                   # sole proprietors: the owner's personal grade
      "personal_grade_points": {"A": 100, ...},
      "grades": [{"grade": "A", "min_score": "80", "pd": "0.01"}, ...]   # best first
    }

Points are 0–100 per indicator; each score is the weighted mean of its indicators' points (0–100).
Pure functions of their inputs (Django only for the translation of the answers' field errors).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.utils.translation import gettext as _

SCORE_PLACES = Decimal("0.01")


class RubricError(ValueError):
    """A rubric definition or an answer set that cannot be scored; `errors` maps field → messages."""

    def __init__(self, errors: dict[str, list[str]]):
        super().__init__(errors)
        self.errors = errors


@dataclass(frozen=True)
class Rating:
    indicators: list[dict]  # [{code, kind, value, points, weight}] in the rubric's order
    quantitative_score: Decimal
    qualitative_score: Decimal
    business_score: Decimal
    personal_points: Decimal | None
    score: Decimal
    grade: str
    pd: Decimal


def _q(value: Decimal) -> Decimal:
    return value.quantize(SCORE_PLACES, rounding=ROUND_HALF_UP)


def band_points(spec: dict, value) -> int:
    """The points of `value` under one quantitative indicator's bands or coded choices."""
    if value is None:
        return int(spec.get("missing", 0))
    if "choices" in spec:
        return int(spec["choices"].get(str(value), spec.get("missing", 0)))
    value = Decimal(value)
    for band in spec["bands"]:
        low = band.get("min")
        high = band.get("max")
        if (low is None or value >= Decimal(low)) and (high is None or value < Decimal(high)):
            return int(band["points"])
    return int(spec.get("missing", 0))


def _weighted(rows: list[dict]) -> Decimal:
    total = sum((Decimal(r["weight"]) for r in rows), Decimal(0))
    if total <= 0:
        return Decimal(0)
    return _q(sum((Decimal(r["weight"]) * r["points"] for r in rows), Decimal(0)) / total)


def grade_for(definition: dict, score: Decimal) -> tuple[str, Decimal]:
    for row in definition["grades"]:
        if score >= Decimal(row["min_score"]):
            return row["grade"], Decimal(row["pd"])
    last = definition["grades"][-1]
    return last["grade"], Decimal(last["pd"])


def pd_for(definition: dict, grade: str) -> Decimal:
    for row in definition["grades"]:
        if row["grade"] == grade:
            return Decimal(row["pd"])
    raise RubricError({"grade": [_("the rubric has no grade %(grade)s") % {"grade": grade}]})


def check_answers(definition: dict, answers: dict) -> dict[str, list[str]]:
    """Field errors of an answer set: every qualitative indicator answered with one of its choices,
    nothing else."""
    errors: dict[str, list[str]] = {}
    known = {i["code"]: {c["code"] for c in i["choices"]} for i in definition["qualitative"]}
    for code, choices in known.items():
        answer = answers.get(code)
        if answer in (None, ""):
            errors[code] = [_("This indicator needs an answer.")]
        elif answer not in choices:
            errors[code] = [_("Choose one of: %(choices)s.") % {"choices": ", ".join(sorted(choices))}]
    for code in answers:
        if code not in known:
            errors[code] = [_("No such indicator in this rubric.")]
    return errors


def rate(definition: dict, *, values: dict, answers: dict, personal_grade: str | None = None) -> Rating:
    """Score `values` (quantitative indicators by code) and `answers` (qualitative choice codes)
    under `definition`; `personal_grade` (sole proprietors) is blended in with `personal_weight`."""
    errors = check_answers(definition, answers)
    if errors:
        raise RubricError(errors)
    quantitative = []
    for spec in definition["quantitative"]:
        value = values.get(spec["code"])
        quantitative.append(
            {
                "code": spec["code"],
                "kind": "quantitative",
                "value": None if value is None else str(value),
                "points": band_points(spec, value),
                "weight": str(spec["weight"]),
            }
        )
    qualitative = []
    for spec in definition["qualitative"]:
        choice = next(c for c in spec["choices"] if c["code"] == answers[spec["code"]])
        qualitative.append(
            {
                "code": spec["code"],
                "kind": "qualitative",
                "value": choice["code"],
                "points": int(choice["points"]),
                "weight": str(spec["weight"]),
            }
        )
    quant = _weighted(quantitative)
    qual = _weighted(qualitative)
    share = Decimal(definition["quantitative_share"])
    business = _q(share * quant + (1 - share) * qual)
    personal = None
    score = business
    if personal_grade is not None:
        personal = Decimal(definition["personal_grade_points"][personal_grade])
        weight = Decimal(definition["personal_weight"])
        score = _q((1 - weight) * business + weight * personal)
    grade, pd = grade_for(definition, score)
    return Rating(
        indicators=quantitative + qualitative,
        quantitative_score=quant,
        qualitative_score=qual,
        business_score=business,
        personal_points=personal,
        score=score,
        grade=grade,
        pd=pd,
    )
