"""The console's event log shows the system's reasons in the page's language; an officer's own
words as typed."""

from __future__ import annotations

from types import SimpleNamespace

from django.utils import translation

from applications.event_reasons import event_reason_text

RULES = [
    {"kind": "feature", "code": "FEATURE_AMOUNT", "en": "The amount is high.", "zh": "申请金额较高。"},
    {
        "kind": "rule",
        "code": "IDV_PENDING",
        "en": "The identity is not verified yet; an officer will review it.",
        "zh": "身份尚未核验，需人工审核。",
    },
]


def event(reason: str, *, actor_id=None, reasons=RULES):
    decision = SimpleNamespace(reasons=reasons)
    return SimpleNamespace(reason=reason, actor_id=actor_id, application=SimpleNamespace(decision=decision))


def test_fixed_reasons_decisions_and_cited_rules_are_translated():
    with translation.override("zh-hans"):
        assert event_reason_text(event("created")) == "已创建"
        assert event_reason_text(event("refer B (558)")) == "转人工审核：等级 B，评分 558"
        cited = event("The identity is not verified yet; an officer will review it.")
        assert event_reason_text(cited) == "身份尚未核验，需人工审核。"
    with translation.override("en"):
        assert event_reason_text(event("refer B (558)")) == "refer to manual review: grade B, score 558"


def test_an_officers_words_and_unknown_reasons_are_shown_as_written():
    with translation.override("zh-hans"):
        typed = "The identity is not verified yet; an officer will review it."
        assert event_reason_text(event(typed, actor_id=7)) == typed  # typed by a person
        assert event_reason_text(event("身份证与本人一致", actor_id=7)) == "身份证与本人一致"
        assert event_reason_text(event("refer Z (1)")) == "refer Z (1)"
