"""Saving a policy or fraud rule: only who holds the risk rule permissions, and every save audited."""

from __future__ import annotations

from decimal import Decimal

import pytest

from loanhub.errors import Forbidden, Invalid
from risk import services
from risk.models import RiskRule

pytestmark = pytest.mark.django_db


def _rule(**overrides) -> RiskRule:
    fields = {
        "code": "AGE_YOUNG",
        "kind": "threshold",
        "outcome": "refer",
        "reason_zh": "申请人未满21周岁。",
        "reason_en": "The applicant is under 21.",
        "feature": "age",
        "operator": "lt",
        "threshold": Decimal(21),
    }
    return RiskRule(**{**fields, **overrides})


def test_an_analyst_writes_and_changes_a_rule_and_each_save_is_audited(analyst):
    # Given a new rule, when a Risk Analyst saves it and later raises its threshold
    rule = services.rule_save(rule=_rule(), actor=analyst)
    rule.threshold = Decimal(22)
    services.rule_save(rule=rule, actor=analyst, reason="policy memo 12")

    # Then the rule holds the change, and its history says who did what and why
    assert RiskRule.objects.get().threshold == Decimal(22)
    history = list(rule.history.order_by("history_id"))
    assert [(h.history_type, h.history_user, h.history_change_reason, h.threshold) for h in history] == [
        ("+", analyst, "created", Decimal(21)),
        ("~", analyst, "policy memo 12", Decimal(22)),
    ]


@pytest.mark.parametrize("who", ["officer", "auditor", "anonymous"])
def test_a_role_without_the_rule_permissions_is_refused_and_nothing_changes(who, analyst, officer, auditor):
    from django.contrib.auth.models import AnonymousUser

    actor = {"officer": officer, "auditor": auditor, "anonymous": AnonymousUser()}[who]
    # Given a rule an analyst wrote
    rule = services.rule_save(rule=_rule(), actor=analyst)

    # When someone without the permissions tries to write a new rule or change this one
    with pytest.raises(Forbidden):
        services.rule_save(rule=_rule(code="AGE_OTHER"), actor=actor)
    changed = RiskRule.objects.get(pk=rule.pk)
    changed.active = False
    with pytest.raises(Forbidden):
        services.rule_save(rule=changed, actor=actor)

    # Then nothing was written: one rule, as it was, and its one history row
    assert list(RiskRule.objects.values_list("code", "active")) == [("AGE_YOUNG", True)]
    assert rule.history.count() == 1


def test_an_invalid_rule_is_refused_before_anything_is_saved(analyst):
    with pytest.raises(Invalid) as refused:
        services.rule_save(rule=_rule(feature="shoe_size"), actor=analyst)
    assert "feature" in refused.value.errors
    assert not RiskRule.objects.exists()
    assert not RiskRule.history.exists()


def test_seeding_the_shipped_rules_is_recorded_as_the_system():
    created = services.rule_seed_defaults()
    assert created == RiskRule.objects.count() > 0
    assert set(RiskRule.history.values_list("history_user", "history_change_reason")) == {(None, "seeded")}
    assert services.rule_seed_defaults() == 0  # idempotent
