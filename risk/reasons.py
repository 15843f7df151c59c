"""What a customer is told about a decision: each reason code risk can emit, mapped to a
customer-safe reason in plain language (zh-hans and en) with what the customer can do.

The decision stores the internal reasons (rule codes such as SHARED_PHONE, their staff wording and
the detail); staff see those. Customers are shown only the reasons below, because some findings
must not reach an applicant: a fraud rule (blocklist, velocity, shared phone or device) tells
anyone who tries whether a phone number belongs to another customer or sits on a blocklist.
Every fraud finding therefore becomes one generic "we could not verify some of the information".

This table is reviewed like customer wording (risk and compliance): a new rule code shipped in
`risk.rules.DEFAULT_RULES` or a new scorecard feature needs a row here, and a test fails until it
has one. A rule a Risk Analyst adds in the console gets no row of its own: it is shown as the
generic verification reason when it is a fraud check, and as the generic "conditions" reason
otherwise, never by its code or its console wording.
"""

from __future__ import annotations

from dataclasses import dataclass

from risk.choices import RuleCheck

# Rule checks whose findings are about other people's use of an identifier, or about a blocklist.
FRAUD_CHECKS = frozenset({RuleCheck.BLOCKLIST, RuleCheck.VELOCITY, RuleCheck.SHARED_IDENTIFIER})
FEATURE_PREFIX = "FEATURE_"


@dataclass(frozen=True)
class CustomerReason:
    """One reason as a customer reads it: a stable code, the reason and what they can do."""

    code: str
    zh: str
    en: str
    action_zh: str
    action_en: str

    def shown(self, language: str | None) -> dict:
        zh = (language or "").lower().startswith("zh")
        return {
            "code": self.code,
            "text": self.zh if zh else self.en,
            "action": self.action_zh if zh else self.action_en,
        }


def _reason(code: str, zh: str, en: str, action_zh: str, action_en: str) -> CustomerReason:
    return CustomerReason(code, zh, en, action_zh, action_en)


VERIFY = _reason(
    "VERIFY_INFORMATION",
    "我们暂时无法核实您申请中的部分信息。",
    "We could not verify some of the information in your application.",
    "请确认您资料中的手机号码和身份信息准确且属于您本人；我们的工作人员可能会联系您核实。",
    "Check that the phone number and identity details in your profile are correct and your own; "
    "our staff may contact you to confirm them.",
)
CONDITIONS = _reason(
    "PRODUCT_CONDITIONS",
    "您的申请不符合本产品的部分条件。",
    "The application does not meet some of this product's conditions.",
    "您可以联系我们获取说明，或申请人工复核。",
    "You can contact us for an explanation or ask for a review by a person.",
)
_IDENTITY = _reason(
    "IDENTITY_NOT_VERIFIED",
    "您的身份尚未核验通过。",
    "Your identity has not been verified yet.",
    "请在个人资料中核对身份信息，并上传清晰的身份证照片。",
    "Check the identity details in your profile and upload a clear photo of your identity card.",
)
_AGE = _reason(
    "AGE_CONDITIONS",
    "按所申请的期限，您的年龄不符合本产品的要求。",
    "Your age does not meet this product's conditions for the requested term.",
    "较短的期限或其他产品可能适合您；请查看产品条件。",
    "A shorter term or another product may suit you; see the product's conditions.",
)
_INCOME = _reason(
    "INCOME_BELOW_MINIMUM",
    "您的月收入低于本产品的最低要求。",
    "Your monthly income is below this product's minimum.",
    "如果您的收入有变化，请更新个人资料；也可以选择其他产品。",
    "If your income has changed, update your profile; another product may also suit you.",
)
_AFFORDABILITY = _reason(
    "AFFORDABILITY",
    "按您申报的收入和负债，月供占收入的比例过高。",
    "With the income and debts you stated, the repayments would take too large a share of income.",
    "申请较低的金额或较长的期限可以降低月供；先偿还其他负债也有帮助。",
    "A smaller amount or a longer term lowers the installment; repaying other debts first helps too.",
)
_CREDIT = _reason(
    "CREDIT_ASSESSMENT",
    "我们的信用评估结果低于本产品的要求。",
    "Our credit assessment is below what this product requires.",
    "下列主要因素影响了评估结果；改善这些因素有助于今后的申请，您也可以申请人工复核。",
    "The main factors are listed with this decision; improving them helps a later application, "
    "and you can ask for a review by a person.",
)
_OFFICER = _reason(
    "OFFICER_REVIEW",
    "您的申请将由信贷员人工审核。",
    "An officer will review your application.",
    "您无需操作；如需补充材料，我们会联系您。",
    "Nothing to do for now; we will contact you if we need more information.",
)
_NO_HISTORY = _reason(
    "NO_CREDIT_HISTORY",
    "征信中没有您的信贷记录，需人工审核。",
    "There is no credit history on file for you, so an officer will review the application.",
    "我们可能会请您提供收入证明。",
    "We may ask you for proof of income.",
)
_OVERDUE_WITH_US = _reason(
    "OVERDUE_WITH_US",
    "您在我们这里有逾期未还的款项，申请需人工审核。",
    "You have an overdue payment with us, so an officer will review the application.",
    "请先还清逾期款项；还清后的申请会更快处理。",
    "Please pay the overdue amount first; an application after that is decided sooner.",
)
_BELOW_MINIMUM = _reason(
    "AMOUNT_BELOW_MINIMUM",
    "我们可以提供的金额低于本产品的最低贷款金额。",
    "The amount we can lend is below this product's minimum.",
    "最低金额较低的其他产品可能适合您。",
    "Another product with a lower minimum amount may suit you.",
)
_NOT_OFFERED = _reason(
    "PRODUCT_NOT_OFFERED",
    "本产品暂不能向您提供。",
    "This product cannot be offered to you at present.",
    "请查看产品目录中的其他产品。",
    "Have a look at the other products in the catalogue.",
)

# Internal reason code → what the customer is told. Reviewed: see the module docstring.
RULE_REASONS: dict[str, CustomerReason] = {
    # Fraud rules: one generic reason, never which identifier or why.
    "BLOCKLIST_ID": VERIFY,
    "BLOCKLIST_PHONE": VERIFY,
    "VELOCITY_ID": VERIFY,
    "VELOCITY_PHONE": VERIFY,
    "SHARED_PHONE": VERIFY,
    "SHARED_DEVICE": VERIFY,
    # Policy rules.
    "AGE_MIN": _AGE,
    "AGE_AT_MATURITY": _AGE,
    "INCOME_MIN": _INCOME,
    "DTI_MAX": _AFFORDABILITY,
    "AMOUNT_VS_INCOME": _AFFORDABILITY,
    "IDV_REJECTED": _IDENTITY,
    "IDV_PENDING": _IDENTITY,
    "SCORE_DECLINE": _CREDIT,
    "SCORE_GREY_ZONE": _OFFICER,
    "AUTO_APPROVE_LIMIT": _OFFICER,
    "THIN_FILE": _NO_HISTORY,
    "INTERNAL_OVERDUE": _OVERDUE_WITH_US,
    # The decision's own findings (risk.decide.SYSTEM_REASONS).
    "LIMIT_BELOW_MINIMUM": _BELOW_MINIMUM,
    "NO_PRICE": _NOT_OFFERED,
}
FRAUD_CODES = frozenset(code for code, reason in RULE_REASONS.items() if reason is VERIFY)


def _factor(name: str, zh: str, en: str, action_zh: str, action_en: str) -> tuple[str, CustomerReason]:
    return f"{FEATURE_PREFIX}{name.upper()}", _reason(f"FACTOR_{name.upper()}", zh, en, action_zh, action_en)


_KEEP = ("这是评分中的一个因素，您无需操作。", "This is one factor of the score; nothing to do.")
# The scorecard features that cost the most points (risk.decide adds up to three per decision).
FACTOR_REASONS: dict[str, CustomerReason] = dict(
    [
        _factor(
            "checking_balance_band",
            "活期账户余额偏低或透支。",
            "Your current-account balance is low or overdrawn.",
            "保持账户余额为正有助于评估。",
            "Keeping a positive balance helps.",
        ),
        _factor(
            "term",
            "贷款期限较长。",
            "The loan term is long.",
            "较短的期限可能获得更好的评估。",
            "A shorter term may be assessed better.",
        ),
        _factor(
            "credit_history",
            "信用记录存在不足。",
            "Your credit history shows weaknesses.",
            "按时偿还现有贷款有助于改善信用记录。",
            "Repaying current loans on time improves the history.",
        ),
        _factor("purpose", "该贷款用途的历史风险较高。", "Loans for this purpose have been riskier.", *_KEEP),
        _factor(
            "amount",
            "申请金额较高。",
            "The amount is high.",
            "申请较低的金额可能获得更好的评估。",
            "A smaller amount may be assessed better.",
        ),
        _factor(
            "savings_band",
            "储蓄较少或未知。",
            "Savings are low or unknown.",
            "如您有储蓄，请在申请中如实填写。",
            "If you have savings, state them in the application.",
        ),
        _factor("employment_band", "现单位工作年限较短。", "Short time with the current employer.", *_KEEP),
        _factor(
            "property_type",
            "可用资产有限。",
            "Few assets.",
            "如您有房产或车辆，请在申请中如实填写。",
            "If you own property or a car, state it in the application.",
        ),
        _factor("age", "该年龄段的历史风险较高。", "Applicants of this age have been riskier.", *_KEEP),
        _factor(
            "other_installment_plans",
            "存在其他分期计划。",
            "Other instalment plans are running.",
            "结清其他分期有助于今后的申请。",
            "Settling other instalment plans helps a later application.",
        ),
        _factor("housing", "住房情况的历史风险较高。", "This housing situation has been riskier.", *_KEEP),
        _factor(
            "guarantor",
            "无担保人。",
            "No guarantor.",
            "如有担保人，请联系我们。",
            "If someone can guarantee the loan, contact us.",
        ),
        _factor(
            "existing_credits",
            "未结清贷款笔数较多。",
            "Several credits are open.",
            "结清部分贷款有助于今后的申请。",
            "Closing some credits helps a later application.",
        ),
        _factor(
            "employment_type", "就业类型的历史风险较高。", "This employment type has been riskier.", *_KEEP
        ),
        _factor(
            "monthly_income",
            "收入水平偏低。",
            "Income is low.",
            "如果您的收入有变化，请更新个人资料。",
            "If your income has changed, update your profile.",
        ),
    ]
)
_OTHER_FACTOR = _reason(
    "FACTOR_OTHER",
    "评分中的其他因素。",
    "Another factor of the score.",
    *_KEEP,
)


def customer_reason(code: str, *, kind: str = "", check: str = "") -> CustomerReason:
    """The customer-safe reason for one internal reason. `kind` is the stored reason's kind ("rule"
    or "feature"); `check` the RuleCheck of the rule that fired, when known. Unknown codes never
    pass through: a fraud check becomes VERIFY, anything else the generic conditions reason."""
    if check in FRAUD_CHECKS:
        return VERIFY
    if code in RULE_REASONS:
        return RULE_REASONS[code]
    if kind == "feature" or (not kind and code.startswith(FEATURE_PREFIX)):
        return FACTOR_REASONS.get(code, _OTHER_FACTOR)
    return CONDITIONS


def customer_reasons(*, reasons: list[dict], rules_fired: list[dict], language: str | None) -> list[dict]:
    """A decision's stored reasons as the customer is shown them: mapped, in `language`, each
    customer reason once (several fraud findings read as one), in the decision's order."""
    checks = {fired.get("code"): fired.get("kind", "") for fired in rules_fired or ()}
    shown: list[dict] = []
    seen: set[str] = set()
    for reason in reasons or ():
        code = reason.get("code", "")
        safe = customer_reason(code, kind=reason.get("kind", ""), check=checks.get(code, ""))
        if safe.code not in seen:
            seen.add(safe.code)
            shown.append(safe.shown(language))
    return shown
