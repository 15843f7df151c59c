"""Demo risk data: the default rules, demo credit-bureau files, and a champion scorecard.

`seed_risk()` is idempotent and fast (training on the 1,000 German Credit rows takes a couple of
seconds); it caches nothing outside the database. Called by `seed_demo` once the demo users exist:
the model is trained as `analyst`, its impact assessment written by `analyst` and signed off by
`admin`, and it is promoted by `admin` (four eyes).
"""

from __future__ import annotations

from decimal import Decimal

from django.contrib.auth import get_user_model
from django.db import transaction

from risk import assessment, selectors, services
from risk.bureau import BureauReport, LocalCreditBureau
from risk.choices import ModelStatus
from risk.models import ImpactAssessment, ScoreModel

# Demo identities (generated: valid check digits, but no one's) and what the bureau says.
DEMO_CREDIT_FILES = (
    ("110101199001010007", "paid_duly", 1, "none", Decimal("1500"), "demo: one credit repaid on time"),
    ("110101198505050008", "all_paid", 0, "none", Decimal("0"), "demo: all earlier credits repaid"),
    ("11010119780707000X", "critical", 3, "bank", Decimal("6200"), "demo: credits elsewhere, strained"),
    ("110101199512120005", "past_delays", 2, "stores", Decimal("2400"), "demo: delays in the past"),
)


DEMO_PURPOSE = (
    "Decide consumer loan applications: score the applicant's credit risk (grade and probability "
    "of default), set the limit and the price from the product's grid, refer doubtful cases to an "
    "officer. Customers may ask for a human review of an automated decline."
)
DEMO_DATA_USED = (
    "Applicant-stated facts (amount, term, purpose, balances, savings, housing, property, "
    "guarantor), the customer profile (age from the identity number, employment, income, debts) "
    "and the credit bureau file (history, open credits, instalment plans, monthly debt). Trained "
    "on the public German Credit data set (1,000 rows). The identity number, phone and device "
    "serve the fraud checks as keyed hashes only; the region is not a model input."
)


def _sign_assessment(model: ScoreModel, *, author, signer) -> None:
    """The impact assessment promotion requires: written by the trainer, signed off by the
    approver (someone else)."""
    existing = ImpactAssessment.objects.filter(model=model).first()
    if existing is not None and existing.signed_off:
        return
    if author is None or author.pk == signer.pk:
        raise RuntimeError(
            "seed_risk needs a Risk Analyst other than the approver to write the impact assessment"
        )
    written = assessment.impact_assessment_save(
        model=model, actor=author, purpose=DEMO_PURPOSE, data_used=DEMO_DATA_USED
    )
    assessment.impact_assessment_sign_off(assessment=written, actor=signer)


def seed_risk(*, trainer=None, approver=None) -> dict:
    created_rules = services.rule_seed_defaults()
    bureau = LocalCreditBureau()
    for id_number, history, credits, plans, debt, note in DEMO_CREDIT_FILES:
        if bureau.fetch(id_number=id_number) == BureauReport(True, history, credits, plans, debt):
            continue  # already on file as it should be: a second run writes nothing
        services.credit_file_upsert(
            id_number=id_number,
            credit_history=history,
            existing_credits=credits,
            other_installment_plans=plans,
            monthly_debt=debt,
            note=note,
        )
    users = get_user_model().objects
    trainer = trainer or users.filter(username="analyst").first()
    approver = approver or users.filter(username="admin").first() or users.filter(is_superuser=True).first()
    champion = ScoreModel.objects.filter(status=ModelStatus.CHAMPION).first()
    trained = False
    if champion is None:
        if approver is None:
            raise RuntimeError("seed_risk needs a superuser or second Risk Analyst to promote the model")
        with transaction.atomic():
            candidate = (
                ScoreModel.objects.filter(status=ModelStatus.CANDIDATE, dataset="german_credit")
                .order_by("-version")
                .first()
            )
            if candidate is None or candidate.trained_by_id == approver.pk:
                candidate = services.model_train(actor=trainer)
                trained = True
            _sign_assessment(candidate, author=trainer, signer=approver)
            champion = services.model_promote(model=candidate, actor=approver, reason="演示：冠军模型")
    selectors.scorecard_load(champion)
    return {
        "rules_created": created_rules,
        "credit_files": len(DEMO_CREDIT_FILES),
        "champion": champion.version,
        "trained": trained,
    }
