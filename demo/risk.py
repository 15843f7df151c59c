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
    ("110101199001010007", "paid_duly", 1, "none", Decimal("1500"), "演示：一笔贷款按时还清"),
    ("110101198505050008", "all_paid", 0, "none", Decimal("0"), "演示：以往贷款均已还清"),
    ("11010119780707000X", "critical", 3, "bank", Decimal("6200"), "演示：他行有贷款，负担较重"),
    ("110101199512120005", "past_delays", 2, "stores", Decimal("2400"), "演示：过去有逾期"),
)


DEMO_PURPOSE = (
    "审批消费贷款申请：评估申请人的信用风险（风险等级和违约概率），按产品的定价表确定额度和价格，"
    "将存疑的申请转交信贷员。客户可要求对自动拒绝的决定进行人工复核。"
)
DEMO_DATA_USED = (
    "申请人填报的信息（金额、期限、用途、账户余额、储蓄、住房、房产、担保人），客户资料（由身份证号得出的"
    "年龄、就业、收入、负债）以及征信档案（信用记录、未结清贷款、其他分期计划、月还款额）。模型以公开的"
    "德国信贷数据集（1,000 行）训练。身份证号、手机号码和设备仅以加密哈希用于反欺诈检查；地区不是模型输入。"
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
