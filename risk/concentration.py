"""Concentration limits (集中度): the limits are data (`ConcentrationLimit`), the exposure is not
risk's to know.

Risk sits below servicing and monitoring, so it cannot read the book. Monitoring registers, in
its `AppConfig.ready()`, the one exposure source (an explicit registry, no signals):

    from risk.concentration import register_exposure_source
    register_exposure_source(monitoring.concentration.exposure)

A source is called as `source(dimension=..., key=...)` and returns `Exposure(amount, book)`: the
principal outstanding in that slice and in the whole book at the last closed business date. A
customer group's slice is the sum over its members' loans; a group limit without a key applies to
every group (the applicant's, at decision time), as a single-borrower limit does to every borrower.

At decision time `check(facts, amount)` adds the amount an application would borrow to the slice
and the book, and compares each active limit that applies: a hard breach refers the application
with the reason `concentration`, a soft one is recorded as a warning. Without a registered source
(a risk-only test, a worker that never loaded monitoring) nothing is checked.

Writes: `limit_create` (maker), `limit_submit`, `limit_activate` (a checker other than the maker;
retires the active limit it replaces), `limit_retire`.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

from django.db import transaction
from django.utils.translation import gettext as _

from customers import selectors as customer_selectors
from loanhub import clock
from loanhub.errors import Conflict, Forbidden, Invalid
from loanhub.permissions import may
from loanhub.reasons import coded
from loanhub.transitions import run_transition
from risk import choices as c
from risk.models import APPROVE_LIMIT, CHANGE_LIMIT, ConcentrationLimit

REASON_CODE = "concentration"
SHARE_PLACES = Decimal("0.0001")


@dataclass(frozen=True)
class Exposure:
    amount: Decimal
    book: Decimal


@dataclass(frozen=True)
class Breach:
    limit_id: int
    dimension: str
    key: str
    severity: str
    basis: str
    threshold: Decimal
    value: Decimal  # the share (4 places) or the amount after the application

    def as_dict(self) -> dict:
        return {
            "limit": self.limit_id,
            "dimension": self.dimension,
            "key": self.key,
            "severity": self.severity,
            "basis": self.basis,
            "threshold": str(self.threshold),
            "value": str(self.value),
        }


ExposureSource = Callable[..., Exposure]
_sources: list[ExposureSource] = []


def register_exposure_source(source: ExposureSource) -> ExposureSource:
    """Register the exposure source (once; the same callable again is a no-op)."""
    if source not in _sources:
        _sources.append(source)
    return source


def unregister_exposure_source(source: ExposureSource) -> None:
    if source in _sources:
        _sources.remove(source)


def measure(limit: ConcentrationLimit, exposure: Exposure, *, extra: Decimal = Decimal(0)) -> Decimal:
    """The figure compared with the limit: the slice's share of the book (4 places, half-up) or
    its amount, with `extra` (an application's amount) added to the slice and to the book."""
    amount = exposure.amount + extra
    if limit.basis == c.LimitBasis.AMOUNT:
        return amount
    book = exposure.book + extra
    return (amount / book).quantize(SHARE_PLACES) if book > 0 else Decimal(0)


def breaches(limit: ConcentrationLimit, value: Decimal) -> bool:
    return value > limit.threshold


def _keys(facts: dict[str, str]) -> dict[str, str]:
    return {dimension: facts.get(dimension, "") for dimension in c.LimitDimension.values}


def check(*, facts: dict[str, str], amount: Decimal) -> list[Breach]:
    """The active limits an application of `amount` would breach. `facts`: the application's
    `product` code, `industry`, `region`, `borrower` (the customer's id as text) and
    `customer_group` (the code of the customer's group, empty for none)."""
    if not _sources or amount <= 0:
        return []
    source = _sources[-1]
    keys = _keys(facts)
    found = []
    for limit in ConcentrationLimit.objects.filter(status=c.LimitStatus.ACTIVE):
        key = keys.get(limit.dimension, "")
        # A limit without a key caps every borrower (every group); one with a key, that slice.
        if not key or (limit.key and key != limit.key):
            continue
        value = measure(limit, source(dimension=limit.dimension, key=key), extra=amount)
        if breaches(limit, value):
            found.append(
                Breach(limit.pk, limit.dimension, key, limit.severity, limit.basis, limit.threshold, value)
            )
    return found


def reasons_for(found: list[Breach]) -> list[dict]:
    """Decision reasons (the shape `risk.decide` writes) for the breaches found: one
    `concentration` reason per limit, outcome refer for a hard limit and flag for a soft one."""
    return [
        {
            "code": REASON_CODE,
            "kind": "concentration",
            "outcome": (
                c.RuleOutcome.REFER if b.severity == c.LimitSeverity.HARD else c.RuleOutcome.FLAG
            ).value,
            "zh": "超出集中度限额" if b.severity == c.LimitSeverity.HARD else "接近集中度限额（提示）",
            "en": "Concentration limit exceeded"
            if b.severity == c.LimitSeverity.HARD
            else "Concentration limit warning",
            "detail": f"{b.dimension} {b.key}: {b.value} > {b.threshold} ({b.basis}, limit {b.limit_id})",
        }
        for b in found
    ]


def apply_to(data, *, facts: dict[str, str]):
    """Refer a decision that would breach a hard limit (an approval becomes a referral; a decline
    stays a decline) and record every breach in its reasons and limit basis: a new DecisionData."""
    if data.outcome == c.Outcome.DECLINE:
        return data
    found = check(facts=facts, amount=data.approved_limit)
    if not found:
        return data
    hard = any(b.severity == c.LimitSeverity.HARD for b in found)
    return dataclasses.replace(
        data,
        reasons=reasons_for(found) + list(data.reasons),
        limit_basis={**data.limit_basis, "concentration": [b.as_dict() for b in found]},
        outcome=c.Outcome.REFER if hard else data.outcome,
    )


# --- Writes (maker-checker) ---------------------------------------------------------------------
def limit_create(
    *, actor, dimension: str, key: str, basis: str, threshold: Decimal, severity: str
) -> ConcentrationLimit:
    """A draft limit by a maker who may change limits; field errors as `Invalid`."""
    if not may(actor, CHANGE_LIMIT):
        raise Forbidden(_("You may not change concentration limits."))
    errors = {}
    if dimension not in c.LimitDimension.values:
        errors["dimension"] = [_("Choose one of: %s.") % ", ".join(c.LimitDimension.values)]
    if basis not in c.LimitBasis.values:
        errors["basis"] = [_("Choose one of: %s.") % ", ".join(c.LimitBasis.values)]
    if severity not in c.LimitSeverity.values:
        errors["severity"] = [_("Choose one of: %s.") % ", ".join(c.LimitSeverity.values)]
    key = (key or "").strip()
    if dimension == c.LimitDimension.BORROWER and key:
        errors["key"] = [_("A single-borrower limit applies to every borrower: leave the key empty.")]
    elif dimension == c.LimitDimension.CUSTOMER_GROUP:
        # Empty: every group (the daily check shows the largest); a code: that group only.
        if key and not customer_selectors.customer_group_exists(code=key):
            errors["key"] = [_("No customer group has this code; leave it empty for every group.")]
    elif dimension in c.LimitDimension.values and dimension != c.LimitDimension.BORROWER and not key:
        errors["key"] = [_("Name the product, industry or region.")]
    threshold = Decimal(threshold)
    if threshold <= 0 or (basis == c.LimitBasis.SHARE and threshold > 1):
        errors["threshold"] = [_("A share is a fraction above 0 and at most 1; an amount is above 0.")]
    if errors:
        raise Invalid(errors)
    return ConcentrationLimit.objects.create(
        dimension=dimension, key=key, basis=basis, threshold=threshold, severity=severity, created_by=actor
    )


def limit_submit(*, limit: ConcentrationLimit, actor, reason: str = "") -> ConcentrationLimit:
    return run_transition(limit, "submit", actor=actor, reason=reason)


def limit_activate(*, limit: ConcentrationLimit, actor, reason: str = "") -> ConcentrationLimit:
    """The checker activates a submitted limit: never its maker; the active limit with the same
    dimension, key and severity is retired in the same transaction."""

    def four_eyes(locked: ConcentrationLimit) -> dict:
        if locked.created_by_id == getattr(actor, "pk", None):
            raise Conflict(_("The maker of a limit may not activate it: another analyst must."))
        replaced = list(
            ConcentrationLimit.objects.select_for_update()
            .filter(
                status=c.LimitStatus.ACTIVE,
                dimension=locked.dimension,
                key=locked.key,
                severity=locked.severity,
            )
            .exclude(pk=locked.pk)
        )
        for old in replaced:
            run_transition(
                old,
                "retire",
                actor=actor,
                reason=coded("risk.replaced_by_limit", limit=locked.pk),
                locked=True,
            )
        locked.approved_by = actor
        locked.approved_at = clock.now()
        return {"replaced": [old.pk for old in replaced]}

    if not may(actor, APPROVE_LIMIT):
        raise Forbidden(_("You may not activate concentration limits."))
    with transaction.atomic():
        return run_transition(
            limit,
            "activate",
            actor=actor,
            reason=reason,
            fields=("approved_by", "approved_at"),
            before=four_eyes,
        )


def limit_retire(*, limit: ConcentrationLimit, actor, reason: str) -> ConcentrationLimit:
    return run_transition(limit, "retire", actor=actor, reason=reason)


def limits_active() -> list[ConcentrationLimit]:
    return list(ConcentrationLimit.objects.filter(status=c.LimitStatus.ACTIVE))
