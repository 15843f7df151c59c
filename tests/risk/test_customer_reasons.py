"""risk.reasons: every reason code risk can emit has a reviewed customer-safe reason, and fraud
findings never reach the customer by code or wording."""

from __future__ import annotations

import re

import pytest

from risk import reasons
from risk.choices import RuleCheck
from risk.decide import FEATURE_REASONS, SYSTEM_REASONS
from risk.mapping import DERIVED, GERMAN_MODEL_INPUTS
from risk.rules import DEFAULT_RULES

CJK = re.compile(r"[\u4e00-\u9fff]")
RULE_CODES = {rule["code"] for rule in DEFAULT_RULES} | set(SYSTEM_REASONS)
# Every scorecard input risk could name as a top reason (risk.decide adds FEATURE_<NAME>).
FEATURE_CODES = {f"FEATURE_{name.upper()}" for name in (*GERMAN_MODEL_INPUTS, *FEATURE_REASONS, *DERIVED)}
FRAUD_RULES = {rule["code"] for rule in DEFAULT_RULES if rule["kind"] in reasons.FRAUD_CHECKS}
EVERY_REASON = [*reasons.RULE_REASONS.values(), *reasons.FACTOR_REASONS.values(), reasons.CONDITIONS]


def test_every_rule_code_risk_can_emit_has_its_own_customer_reason():
    assert RULE_CODES - set(reasons.RULE_REASONS) == set()


def test_every_scorecard_feature_has_its_own_customer_reason():
    assert FEATURE_CODES - set(reasons.FACTOR_REASONS) == set()


def test_the_mapping_names_no_code_risk_does_not_emit():
    """A row for a code no rule emits is a stale review: remove it with the rule."""
    assert set(reasons.RULE_REASONS) - RULE_CODES == set()


def test_every_fraud_rule_maps_to_the_one_generic_verification_reason():
    assert FRAUD_RULES == {
        "BLOCKLIST_ID",
        "BLOCKLIST_PHONE",
        "VELOCITY_ID",
        "VELOCITY_PHONE",
        "SHARED_PHONE",
        "SHARED_DEVICE",
    }
    assert reasons.FRAUD_CODES == FRAUD_RULES
    for code in FRAUD_RULES:
        assert reasons.customer_reason(code, kind="rule") is reasons.VERIFY


@pytest.mark.parametrize("reason", EVERY_REASON, ids=lambda r: r.code)
def test_each_customer_reason_is_plain_language_in_both_languages(reason):
    assert re.fullmatch(r"[A-Z][A-Z_]{3,39}", reason.code)
    assert CJK.search(reason.zh)
    assert CJK.search(reason.action_zh)
    assert not CJK.search(reason.en)
    assert not CJK.search(reason.action_en)
    assert reason.en.endswith(".")
    assert reason.action_en.endswith(".")
    internal = RULE_CODES | reasons.FRAUD_CODES
    assert reason.code not in internal  # a customer code never repeats an internal one
    wording = reason.zh + reason.en + reason.action_zh + reason.action_en
    assert not any(code in wording for code in internal)


def test_fraud_wording_is_in_no_customer_reason():
    fraud_words = {rule["reason_en"] for rule in DEFAULT_RULES if rule["code"] in FRAUD_RULES}
    fraud_words |= {rule["reason_zh"] for rule in DEFAULT_RULES if rule["code"] in FRAUD_RULES}
    for reason in EVERY_REASON:
        assert not {reason.zh, reason.en} & fraud_words


@pytest.mark.parametrize("check", sorted(reasons.FRAUD_CHECKS))
def test_an_unknown_rule_of_a_fraud_kind_is_the_verification_reason(check):
    assert reasons.customer_reason("MY_OWN_RULE", kind="rule", check=check) is reasons.VERIFY


def test_a_known_code_reused_for_a_fraud_check_is_still_the_verification_reason():
    assert reasons.customer_reason("AGE_MIN", kind="rule", check=RuleCheck.VELOCITY) is reasons.VERIFY


def test_an_unknown_policy_rule_or_feature_reads_as_a_generic_reason():
    policy = reasons.customer_reason("MY_OWN_RULE", kind="rule", check=RuleCheck.THRESHOLD)
    assert policy is reasons.CONDITIONS
    assert reasons.customer_reason("FEATURE_SHOE_SIZE", kind="feature").code == "FACTOR_OTHER"


def test_reasons_are_mapped_in_order_once_each_in_the_customers_language():
    stored = [
        {"code": "SHARED_PHONE", "kind": "rule", "en": "One phone number is used by several identities."},
        {"code": "DTI_MAX", "kind": "rule"},
        {"code": "VELOCITY_PHONE", "kind": "rule"},
        {"code": "FEATURE_TERM", "kind": "feature"},
    ]
    fired = [{"code": "SHARED_PHONE", "kind": "shared_identifier"}, {"code": "DTI_MAX", "kind": "threshold"}]
    shown = reasons.customer_reasons(reasons=stored, rules_fired=fired, language="zh-hans")
    assert [r["code"] for r in shown] == ["VERIFY_INFORMATION", "AFFORDABILITY", "FACTOR_TERM"]
    assert shown[0] == {
        "code": "VERIFY_INFORMATION",
        "text": reasons.VERIFY.zh,
        "action": reasons.VERIFY.action_zh,
    }
    assert reasons.customer_reasons(reasons=stored, rules_fired=fired, language="en")[1]["text"] == (
        "With the income and debts you stated, the repayments would take too large a share of income."
    )
