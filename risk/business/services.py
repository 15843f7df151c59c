"""Writes and reads of the business rating: rubric versions (maker-checker publish), ratings and
grade overrides (a second person approves).

Who may assess and who may approve an override are the applications app's roles (it checks them
before calling here); these services enforce the four eyes (never the same person) and the state
of each row, through `run_transition`.
"""

from __future__ import annotations

from decimal import Decimal

from django.db import transaction
from django.utils.translation import gettext as _

from loanhub import clock
from loanhub.errors import Conflict, Forbidden, Invalid
from loanhub.money import quantize_places
from loanhub.permissions import may
from loanhub.reasons import coded
from loanhub.transitions import record_event, run_transition
from products.choices import MONTHS_PER_PERIOD, RISK_GRADES
from risk import loanmath
from risk.business import indicators as ind
from risk.business.models import (
    CHANGE_BUSINESSRUBRIC,
    PUBLISH_BUSINESSRUBRIC,
    BusinessRating,
    BusinessRubric,
    OverrideStatus,
    RubricStatus,
)
from risk.business.rubric_check import check_definition
from risk.business.scorecard import RubricError, pd_for, rate
from risk.product_terms import ProductTerms

SOLE_PROPRIETOR = "sole_proprietor"


# --- Rubric versions -----------------------------------------------------------------------------
def rubric_published() -> BusinessRubric:
    rubric = BusinessRubric.objects.filter(status=RubricStatus.PUBLISHED).first()
    if rubric is None:
        raise Conflict(_("No business rating rubric is published."), state="none")
    return rubric


def rubric_check(definition) -> dict[str, list[str]]:
    """Field errors of a whole rubric definition, keyed by their path in the document
    (`risk.business.rubric_check`); {} when every business profile can be rated under it."""
    return check_definition(definition)


def rubric_create_draft(*, definition: dict, actor, note: str = "") -> BusinessRubric:
    """A risk analyst writes a new version as a draft."""
    if not may(actor, CHANGE_BUSINESSRUBRIC):
        raise Forbidden(_("You may not write business rating rubrics."))
    errors = rubric_check(definition)
    if errors:
        raise Invalid(errors)
    with transaction.atomic():
        last = BusinessRubric.objects.select_for_update().order_by("-version").first()
        rubric = BusinessRubric.objects.create(
            version=(last.version + 1) if last else 1, definition=definition, note=note, created_by=actor
        )
        record_event(rubric, actor=actor, reason="draft written", from_state="")
    return rubric


def rubric_publish(*, rubric: BusinessRubric, actor, reason: str = "") -> BusinessRubric:
    """Publish a draft (four eyes: not by its author); the published version retires with it."""

    def checks(locked: BusinessRubric) -> None:
        if locked.created_by_id is not None and locked.created_by_id == actor.pk:
            raise Forbidden(_("Four eyes: the author of a rubric version cannot publish it."))
        errors = rubric_check(locked.definition)
        if errors:
            raise Invalid(errors)
        current = BusinessRubric.objects.filter(status=RubricStatus.PUBLISHED).values_list("pk", flat=True)
        for pk in current:
            run_transition(
                pk,
                "retire",
                actor=actor,
                reason=coded("risk.replaced_by_version", version=locked.version),
                model=BusinessRubric,
            )
        locked.published_by = actor
        locked.published_at = clock.now()

    if not may(actor, PUBLISH_BUSINESSRUBRIC):
        raise Forbidden(_("You may not publish business rating rubrics."))
    return run_transition(
        rubric,
        "publish",
        actor=actor,
        reason=reason or "published",
        fields=("published_by", "published_at"),
        before=checks,
    )


# --- Ratings -------------------------------------------------------------------------------------
def first_year_debt_service(terms: ProductTerms, *, amount: Decimal, term: int) -> Decimal:
    """The new loan's payments in its first year, from the engine's schedule, at the product's
    dearest price (the grade is not known before the rating: prudent)."""
    rate_ = max(r for r in terms.grade_rates.values() if r is not None)
    result = loanmath.schedule(terms, principal=amount, annual_rate=rate_, term_months=term)
    payments = [row["payment"] for row in result.installments]
    return ind.annual_debt_service(payments, months_per_period=MONTHS_PER_PERIOD[terms.frequency])


def indicator_values(facts: dict, *, amount: Decimal, debt_service: Decimal) -> dict:
    """The quantitative indicators of `facts` (customers.business.business_facts) for a loan."""
    return {
        "debt_ratio": ind.debt_ratio(
            total_liabilities=facts["total_liabilities"], total_assets=facts["total_assets"]
        ),
        "revenue_growth": ind.revenue_growth(
            revenue=facts["annual_revenue"], revenue_previous=facts["annual_revenue_previous"]
        ),
        "profit_margin": ind.profit_margin(net_profit=facts["net_profit"], revenue=facts["annual_revenue"]),
        "loan_to_revenue": ind.loan_to_revenue(amount=amount, revenue=facts["annual_revenue"]),
        "dscr": ind.dscr(net_profit=facts["net_profit"], debt_service=debt_service),
        "tax_rating": facts["tax_rating"],
        "years_trading": Decimal(facts["years_trading"]),
    }


def rating_create(
    *,
    decision,
    requester_ref: str,
    customer_id: int,
    customer_type: str,
    facts: dict,
    amount: Decimal,
    term: int,
    answers: dict,
    actor,
) -> BusinessRating:
    """Rate a business from its facts and an officer's answers under the published rubric. The
    owner's personal grade (the consumer decision's) is blended in for sole proprietors. Bad
    answers: 400 naming each indicator (field `answers.<code>`), nothing written."""
    rubric = rubric_published()
    terms = ProductTerms.from_json(decision.product_terms)
    debt_service = first_year_debt_service(terms, amount=amount, term=term)
    values = indicator_values(facts, amount=amount, debt_service=debt_service)
    personal = decision.grade if customer_type == SOLE_PROPRIETOR else None
    try:
        result = rate(rubric.definition, values=values, answers=answers, personal_grade=personal)
    except RubricError as exc:
        raise Invalid({f"answers.{k}": v for k, v in exc.errors.items()}) from None
    plain_facts = {k: str(v) for k, v in facts.items()}
    plain_facts["first_year_debt_service"] = str(debt_service)
    with transaction.atomic():
        rating = BusinessRating.objects.create(
            requester_ref=requester_ref,
            decision=decision,
            customer_id=customer_id,
            rubric=rubric,
            facts=plain_facts,
            answers=dict(answers),
            indicators=result.indicators,
            quantitative_score=result.quantitative_score,
            qualitative_score=result.qualitative_score,
            personal_grade=personal or "",
            score=result.score,
            model_grade=result.grade,
            grade=result.grade,
            pd=quantize_places(result.pd, 6),
            assessed_by=actor,
        )
        record_event(
            rating,
            actor=actor,
            reason=coded("risk.assessed", grade=result.grade, score=result.score, version=rubric.version),
            payload={"answers": answers, "score": result.score, "grade": result.grade},
            from_state="",
        )
    return rating


def rating_latest(*, requester_ref: str) -> BusinessRating | None:
    return (
        BusinessRating.objects.select_related("rubric")
        .filter(requester_ref=requester_ref)
        .order_by("-id")
        .first()
    )


def rating_request_override(*, rating: BusinessRating, grade: str, reason: str, actor) -> BusinessRating:
    """An officer asks for another grade, with a reason; it comes into force when a second person
    approves it (`rating_decide_override`)."""
    errors = {}
    if grade not in RISK_GRADES:
        errors["grade"] = [_("Choose one of %(grades)s.") % {"grades": ", ".join(RISK_GRADES)}]
    if not (reason or "").strip():
        errors["reason"] = [_("An override needs a reason.")]
    if errors:
        raise Invalid(errors)

    def set_request(locked: BusinessRating) -> dict:
        if grade == locked.grade:
            raise Invalid({"grade": [_("The grade in force is already %(grade)s.") % {"grade": grade}]})
        locked.override_grade = grade
        locked.override_reason = reason.strip()
        locked.override_requested_by = actor
        return {"grade": grade, "from_grade": locked.grade}

    return run_transition(
        rating,
        "request_override",
        actor=actor,
        reason=reason.strip(),
        fields=("override_grade", "override_reason", "override_requested_by"),
        before=set_request,
    )


def rating_decide_override(
    *, rating: BusinessRating, approve: bool, actor, reason: str = ""
) -> BusinessRating:
    """A second person (never the one who asked) approves or rejects a pending override. Approved,
    the override grade and its PD (the rubric's) come into force."""

    def checks(locked: BusinessRating) -> dict:
        if locked.override_requested_by_id == actor.pk:
            raise Forbidden(_("Four eyes: a second person must decide on your override."))
        if approve:
            previous = locked.grade
            locked.grade = locked.override_grade
            locked.pd = quantize_places(pd_for(locked.rubric.definition, locked.grade), 6)
            return {"grade": locked.grade, "from_grade": previous, "pd": str(locked.pd)}
        return {}

    return run_transition(
        rating,
        "approve_override" if approve else "reject_override",
        actor=actor,
        reason=reason or ("override approved" if approve else "override rejected"),
        fields=("grade", "pd") if approve else (),
        before=checks,
    )


def rating_payload(rating: BusinessRating, *, language: str = "en") -> dict:
    """The rating as the API and pages show it, each indicator with its label, value and points."""
    definition = rating.rubric.definition
    key = "label_zh" if language.startswith("zh") else "label_en"
    labels = {s["code"]: s[key] for s in [*definition["quantitative"], *definition["qualitative"]]}
    choices = {(s["code"], c["code"]): c[key] for s in definition["qualitative"] for c in s["choices"]}
    return {
        "quantitative_score": str(rating.quantitative_score),
        "qualitative_score": str(rating.qualitative_score),
        "score": str(rating.score),
        "model_grade": rating.model_grade,
        "grade": rating.grade,
        "pd": str(rating.pd),
        "rubric_version": rating.rubric.version,
        "personal_grade": rating.personal_grade or None,
        "override": {
            "status": rating.override_status,
            "grade": rating.override_grade or None,
            "reason": rating.override_reason,
        },
        "indicators": [
            {
                "code": i["code"],
                "kind": i["kind"],
                "label": labels.get(i["code"], i["code"]),
                "value": i["value"],
                "value_label": choices.get((i["code"], i["value"]), i["value"]),
                "points": i["points"],
                "weight": i["weight"],
            }
            for i in rating.indicators
        ],
        "assessed_at": rating.created_at,
    }


def rating_pending_override(rating: BusinessRating) -> bool:
    return rating.override_status == OverrideStatus.PENDING
