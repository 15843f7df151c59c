"""The compliance check a product version must pass before it is offered.

Three parts:
- structural rules: every min ≤ max, choices known, a grid that prices every grade A–E for every
  term the product allows (no gap, no overlap), fees and promotions well formed, promotions inside
  the product's availability dates;
- the legal APR cap (`settings.LOANHUB_APR_CAP`): the worst case of every combination the product
  allows — the highest grid rate for the term, all mandatory fees with no waiver, no promotion,
  the smallest and the largest amount, the shortest and the longest term, each method and
  frequency — is priced with the engine, and every combination whose APR exceeds the cap is
  listed;
- the payment burden, on the same worst-case schedules: the largest regular payment per month as
  a share of the principal (`max_installment_ratio`, the measure debt-to-income uses, see
  `monthly_payment`) and the whole repayment as a multiple of the principal
  (`max_repayment_multiple`) stay within the version's caps, and every schedule repays the
  principal. A high rate over a short term breaks the first; a high rate over decades, or
  interest-only and bullet loans that barely amortise, break the second.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from itertools import product as cartesian

from django.conf import settings
from django.utils.translation import gettext as _

from loanhub.money import ZERO, quantize_money, quantize_places
from products import choices as c
from products import engine_adapter
from products.models import ProductVersion
from products.pricing import benchmark_rate_on, tier_rate


@dataclass(frozen=True)
class Violation:
    """One reason a version may not be offered; `combination` is set for APR-cap violations."""

    field: str
    message: str
    combination: dict = field(default_factory=dict)


@dataclass
class ComplianceReport:
    version: ProductVersion
    on_date: dt.date
    cap: Decimal
    violations: list[Violation]
    combinations_checked: int = 0
    worst_apr: Decimal | None = None
    worst_installment_ratio: Decimal | None = None
    worst_repayment_multiple: Decimal | None = None

    @property
    def ok(self) -> bool:
        return not self.violations

    def summary(self) -> dict:
        """What the check found, for the event of the transition it allowed."""

        def text(value: Decimal | None) -> str | None:
            return None if value is None else f"{quantize_places(value, 6):.6f}"

        return {
            "on_date": self.on_date.isoformat(),
            "cap": str(self.cap),
            "combinations_checked": self.combinations_checked,
            "worst_apr": text(self.worst_apr),
            "worst_installment_ratio": text(self.worst_installment_ratio),
            "worst_repayment_multiple": text(self.worst_repayment_multiple),
        }

    def errors(self) -> dict[str, list[str]]:
        """Field-keyed messages, the shape every LoanHub 400 response uses."""
        out: dict[str, list[str]] = {}
        for violation in self.violations:
            out.setdefault(violation.field, []).append(violation.message)
        return out


def installments_for(term_months: int, frequency: str) -> int | None:
    """Number of installments of a term in months, or None when the term is not whole periods."""
    months = c.MONTHS_PER_PERIOD[c.Frequency(frequency)]
    if term_months % months:
        return None
    return term_months // months


def monthly_payment(schedule, *, method: str, frequency: str, term: int) -> Decimal:
    """The payment burden of a schedule per month: the largest payment before the last (a final
    balloon is not regular), divided by the months between payments; a bullet loan pays nothing
    before maturity, so its whole repayment is spread over the term. What debt-to-income counts
    (`Quote.monthly_payment`) and what `max_installment_ratio` caps."""
    rows = schedule.installments
    if method == c.RepaymentMethod.BULLET:
        return quantize_money(schedule.summary["total_payable"] / term)
    regular = rows[:-1] or rows
    months = c.MONTHS_PER_PERIOD[c.Frequency(frequency)]
    return quantize_money(max(row["payment"] for row in regular) / months)


def term_bounds(version: ProductVersion, frequency: str) -> tuple[int, int] | None:
    """The shortest and longest term (months) in whole installments of `frequency`."""
    months = c.MONTHS_PER_PERIOD[c.Frequency(frequency)]
    shortest = -(-version.term_min // months) * months
    longest = (version.term_max // months) * months
    if shortest > longest or shortest == 0:
        return None
    return shortest, longest


def _min_max(violations, version, low: str, high: str) -> None:
    low_value, high_value = getattr(version, low), getattr(version, high)
    if low_value is not None and high_value is not None and low_value > high_value:
        message = _("%(low)s %(low_value)s is greater than %(high)s %(high_value)s")
        values = {"low": low, "low_value": low_value, "high": high, "high_value": high_value}
        violations.append(Violation(low, message % values))


def _catalogue_segments(values):
    """The values to check against the catalogue's segments: invitations (`invited:<code>`, a
    campaign's audience, products.hooks) are well formed by their own pattern."""
    return [value for value in values if not c.is_invitation(value)] if isinstance(values, list) else values


def _subset(violations, name: str, values, allowed, *, required: bool) -> None:
    if not isinstance(values, list):
        violations.append(Violation(name, _("%(name)s must be a list") % {"name": name}))
        return
    if required and not values:
        violations.append(Violation(name, _("%(name)s must name at least one value") % {"name": name}))
    unknown = [value for value in values if value not in allowed]
    if unknown:
        violations.append(
            Violation(
                name,
                _("%(name)s has unknown values %(unknown)s; allowed: %(allowed)s")
                % {"name": name, "unknown": ", ".join(map(str, unknown)), "allowed": ", ".join(allowed)},
            )
        )


def structural_violations(version: ProductVersion, *, on_date: dt.date) -> list[Violation]:
    """Every rule that needs no schedule: limits, choices, grid coverage, fees and promotions."""
    v: list[Violation] = []
    for low, high in (
        ("amount_min", "amount_max"),
        ("term_min", "term_max"),
        ("age_min", "age_max"),
        ("age_max", "age_max_at_maturity"),
        ("available_from", "available_until"),
    ):
        _min_max(v, version, low, high)
    if version.amount_min is not None and version.amount_min <= 0:
        v.append(Violation("amount_min", _("amount_min must be greater than 0")))
    if version.term_min is not None and version.term_min < 1:
        v.append(Violation("term_min", _("term_min must be at least 1 month")))
    if version.amount_max is not None and version.max_exposure_per_customer is not None:
        if version.max_exposure_per_customer < version.amount_max:
            v.append(
                Violation(
                    "max_exposure_per_customer",
                    _("max_exposure_per_customer %(exposure)s is less than amount_max %(amount_max)s")
                    % {"exposure": version.max_exposure_per_customer, "amount_max": version.amount_max},
                )
            )
    if not (version.amount_min <= version.representative_amount <= version.amount_max):
        v.append(
            Violation("representative_amount", _("representative_amount must lie between the amount limits"))
        )
    if not (version.term_min <= version.representative_term <= version.term_max):
        v.append(Violation("representative_term", _("representative_term must lie between the term limits")))

    _subset(v, "repayment_methods", version.repayment_methods, c.RepaymentMethod.values, required=True)
    _subset(v, "frequencies", version.frequencies, c.Frequency.values, required=True)
    _subset(v, "channels", version.channels, c.Channel.values, required=True)
    _subset(v, "customer_types", version.customer_types, c.CustomerType.values, required=True)
    _subset(v, "employment_types", version.employment_types, c.EmploymentType.values, required=False)
    _subset(v, "segments", version.segments, c.Segment.values, required=False)
    _subset(v, "grace_types", version.grace_types, c.GraceType.values, required=False)
    _subset(v, "required_documents", version.required_documents, c.Document.values, required=False)
    if (
        isinstance(version.repayment_methods, list)
        and version.default_method not in version.repayment_methods
    ):
        v.append(
            Violation(
                "default_method",
                _("default_method %(method)s is not an allowed method") % {"method": version.default_method},
            )
        )
    if isinstance(version.frequencies, list):
        if version.default_frequency not in version.frequencies:
            v.append(
                Violation(
                    "default_frequency",
                    _("default_frequency %(frequency)s is not an allowed frequency")
                    % {"frequency": version.default_frequency},
                )
            )
        for frequency in version.frequencies:
            if frequency in c.Frequency.values and term_bounds(version, frequency) is None:
                v.append(
                    Violation(
                        "frequencies",
                        _("%(frequency)s repayment has no whole term between %(min)s and %(max)s months")
                        % {"frequency": frequency, "min": version.term_min, "max": version.term_max},
                    )
                )
    if version.grace_max_periods and not version.grace_types:
        v.append(Violation("grace_types", _("grace_types must name at least one type when grace is offered")))

    # Rate type and benchmark
    tiers = list(version.pricing_tiers.all())
    if version.rate_type == c.RateType.FLOATING:
        if not version.benchmark:
            v.append(Violation("benchmark", _("a floating-rate product needs a benchmark")))
        elif benchmark_rate_on(benchmark=version.benchmark, on_date=on_date) is None:
            v.append(
                Violation(
                    "benchmark",
                    _("no %(benchmark)s published on or before %(date)s")
                    % {"benchmark": version.get_benchmark_display(), "date": on_date.isoformat()},
                )
            )
        for tier in tiers:
            if tier.spread_bps is None:
                v.append(
                    Violation(
                        "pricing_grid",
                        _("grade %(grade)s row %(row)s needs a spread in basis points")
                        % {"grade": tier.risk_grade, "row": tier},
                    )
                )
    else:
        if version.benchmark:
            v.append(Violation("benchmark", _("a fixed-rate product has no benchmark")))
        for tier in tiers:
            if tier.annual_rate is None or tier.annual_rate < 0:
                v.append(
                    Violation(
                        "pricing_grid",
                        _("grade %(grade)s row %(row)s needs an annual rate ≥ 0")
                        % {"grade": tier.risk_grade, "row": tier},
                    )
                )

    # Grid: every grade prices every term of the product exactly once.
    for grade in c.RISK_GRADES:
        bands = sorted((t.term_min, t.term_max) for t in tiers if t.risk_grade == grade)
        if not bands:
            v.append(
                Violation(
                    "pricing_grid", _("the pricing grid has no row for grade %(grade)s") % {"grade": grade}
                )
            )
            continue
        for low, high in bands:
            if low > high:
                message = _("grade %(grade)s: term band %(low)s-%(high)s has from > to")
                v.append(Violation("pricing_grid", message % {"grade": grade, "low": low, "high": high}))
        gaps, overlaps = [], []
        for term in range(version.term_min, version.term_max + 1):
            hits = sum(1 for low, high in bands if low <= term <= high)
            if hits == 0:
                gaps.append(term)
            elif hits > 1:
                overlaps.append(term)
        for low, high in _ranges(gaps):
            message = _("grade %(grade)s: no price for terms %(low)s-%(high)s months")
            v.append(Violation("pricing_grid", message % {"grade": grade, "low": low, "high": high}))
        for low, high in _ranges(overlaps):
            message = _("grade %(grade)s: term bands overlap at %(low)s-%(high)s months")
            v.append(Violation("pricing_grid", message % {"grade": grade, "low": low, "high": high}))

    # Fees
    for fee in version.fees.all():
        if fee.fee_type in c.PERCENT_FEE_TYPES:
            if fee.rate is None or not (0 <= fee.rate <= 1):
                message = _("fee %(code)s: a percentage fee needs a rate between 0 and 1")
                v.append(Violation("fees", message % {"code": fee.code}))
        elif fee.amount is None or fee.amount < 0:
            v.append(
                Violation("fees", _("fee %(code)s: a fixed fee needs an amount ≥ 0") % {"code": fee.code})
            )
        _subset(v, "fees", _catalogue_segments(fee.waived_for_segments), c.Segment.values, required=False)

    # Promotions: well formed and inside the product's availability window.
    for promo in version.promotions.all():
        if promo.starts_on > promo.ends_on:
            v.append(
                Violation(
                    "promotions",
                    _("promotion %(code)s: starts %(date)s after it ends")
                    % {"code": promo.code, "date": promo.starts_on},
                )
            )
        if promo.starts_on < version.available_from or (
            version.available_until is not None and promo.ends_on > version.available_until
        ):
            until = version.available_until.isoformat() if version.available_until else _("open-ended")
            v.append(
                Violation(
                    "promotions",
                    _(
                        "promotion %(code)s (%(starts)s–%(ends)s) lies outside the product's dates "
                        "(%(from)s–%(until)s)"
                    )
                    % {
                        "code": promo.code,
                        "starts": promo.starts_on,
                        "ends": promo.ends_on,
                        "from": version.available_from,
                        "until": until,
                    },
                )
            )
        if promo.kind == c.PromotionKind.INTEREST_FREE and promo.interest_free_periods < 1:
            v.append(
                Violation(
                    "promotions",
                    _("promotion %(code)s: needs at least one interest-free installment")
                    % {"code": promo.code},
                )
            )
        if promo.kind == c.PromotionKind.RATE_DISCOUNT and promo.discount_bps < 1:
            v.append(
                Violation(
                    "promotions",
                    _("promotion %(code)s: needs a discount of at least 1 basis point")
                    % {"code": promo.code},
                )
            )
        if promo.kind == c.PromotionKind.FEE_WAIVER and not any(fee.mandatory for fee in version.fees.all()):
            v.append(
                Violation(
                    "promotions",
                    _("promotion %(code)s: waives fees, but the version charges none") % {"code": promo.code},
                )
            )
        _subset(v, "promotions", _catalogue_segments(promo.segments), c.Segment.values, required=False)
        _subset(v, "promotions", promo.channels, c.Channel.values, required=False)
    return v


def _ranges(values: list[int]) -> list[tuple[int, int]]:
    """Consecutive integers grouped into (first, last) ranges."""
    out: list[tuple[int, int]] = []
    for value in values:
        if out and out[-1][1] == value - 1:
            out[-1] = (out[-1][0], value)
        else:
            out.append((value, value))
    return out


def _worst_rate(version: ProductVersion, tiers, term: int, benchmark_rate) -> tuple[Decimal, str]:
    candidates = [
        (tier_rate(version, tier, benchmark_rate=benchmark_rate), tier.risk_grade)
        for tier in tiers
        if tier.term_min <= term <= tier.term_max
    ]
    return max(candidates)


def apr_violations(
    version: ProductVersion, *, on_date: dt.date, cap: Decimal, report: ComplianceReport
) -> list[Violation]:
    """Price the worst case of every allowed combination and list each one above the APR cap, and
    each method, frequency and term whose worst schedule breaks a payment-burden cap."""
    tiers = list(version.pricing_tiers.all())
    benchmark_rate = None
    if version.rate_type == c.RateType.FLOATING:
        benchmark_rate = benchmark_rate_on(benchmark=version.benchmark, on_date=on_date).rate
    fees = [fee.engine_fee() for fee in version.fees.all() if fee.mandatory]
    amounts = sorted({version.amount_min, version.amount_max})
    v: list[Violation] = []
    burdens: dict[tuple, dict[str, tuple[Decimal, dict]]] = {}
    for method, frequency in cartesian(version.repayment_methods, version.frequencies):
        terms = sorted(set(term_bounds(version, frequency)))
        for term, amount in cartesian(terms, amounts):
            rate, grade = _worst_rate(version, tiers, term, benchmark_rate)
            combination = {
                "amount": str(amount),
                "term": term,
                "method": method,
                "frequency": frequency,
                "risk_grade": grade,
                "annual_rate": str(rate),
            }
            report.combinations_checked += 1
            try:
                result = engine_adapter.schedule(
                    principal=amount,
                    annual_rate=rate,
                    term=installments_for(term, frequency),
                    frequency=frequency,
                    method=method,
                    start_date=on_date,
                    day_count=version.day_count,
                    fees=fees,
                )
            except engine_adapter.EngineValidationError as exc:
                problems = engine_adapter.localized_text(exc.errors)
                v.append(
                    Violation(
                        "apr",
                        _("%(combination)s cannot be priced (%(problems)s)")
                        % {"combination": _describe(combination), "problems": problems},
                        combination,
                    )
                )
                continue
            apr = result.summary["apr"]
            if report.worst_apr is None or apr > report.worst_apr:
                report.worst_apr = apr
            if apr > cap:
                combination["apr"] = f"{apr:.6f}"
                v.append(
                    Violation(
                        "apr",
                        _("APR %(apr)s%% exceeds the cap of %(cap)s%% for %(combination)s")
                        % {
                            "apr": f"{apr * 100:.2f}",
                            "cap": f"{cap * 100:.2f}",
                            "combination": _describe(combination),
                        },
                        combination,
                    )
                )
            if not result.installments or result.installments[-1]["balance"] != ZERO:
                v.append(
                    Violation(
                        "max_repayment_multiple",
                        _("%(combination)s does not repay the principal")
                        % {"combination": _describe(combination)},
                        combination,
                    )
                )
                continue
            measures = {
                "installment": monthly_payment(result, method=method, frequency=frequency, term=term)
                / amount,
                "multiple": result.summary["total_payable"] / amount,
            }
            worst = burdens.setdefault((method, frequency, term), {})
            for name, value in measures.items():
                if name not in worst or value > worst[name][0]:
                    worst[name] = (value, combination)
    v.extend(_burden_violations(version, burdens, report))
    return v


def _burden_violations(version: ProductVersion, burdens: dict, report: ComplianceReport) -> list[Violation]:
    """One violation per method, frequency and term whose worst schedule breaks a burden cap."""
    v: list[Violation] = []
    for worst in burdens.values():
        installment, installment_combination = worst["installment"]
        multiple, multiple_combination = worst["multiple"]
        if report.worst_installment_ratio is None or installment > report.worst_installment_ratio:
            report.worst_installment_ratio = installment
        if report.worst_repayment_multiple is None or multiple > report.worst_repayment_multiple:
            report.worst_repayment_multiple = multiple
        if installment > version.max_installment_ratio:
            message = _(
                "the largest regular payment is %(ratio)s%% of the principal a month, above the cap of "
                "%(cap)s%% (max_installment_ratio), for %(combination)s"
            ) % {
                "ratio": quantize_places(installment * 100, 2),
                "cap": quantize_places(version.max_installment_ratio * 100, 2),
                "combination": _describe(installment_combination),
            }
            v.append(
                Violation(
                    "max_installment_ratio",
                    message,
                    {
                        **installment_combination,
                        "installment_ratio": f"{quantize_places(installment, 6):.6f}",
                    },
                )
            )
        if multiple > version.max_repayment_multiple:
            message = _(
                "the borrower repays %(multiple)s times the principal, above the cap of %(cap)s times "
                "(max_repayment_multiple), for %(combination)s"
            ) % {
                "multiple": quantize_places(multiple, 2),
                "cap": quantize_places(version.max_repayment_multiple, 2),
                "combination": _describe(multiple_combination),
            }
            v.append(
                Violation(
                    "max_repayment_multiple",
                    message,
                    {**multiple_combination, "repayment_multiple": f"{quantize_places(multiple, 6):.6f}"},
                )
            )
    return v


def _describe(combination: dict) -> str:
    return _(
        "amount %(amount)s, term %(term)s months, %(method)s, %(frequency)s, "
        "grade %(risk_grade)s at %(rate)s%%"
    ) % {**combination, "rate": f"{Decimal(combination['annual_rate']) * 100:.4f}"}


def compliance_check(
    version: ProductVersion, *, on_date: dt.date, cap: Decimal | None = None
) -> ComplianceReport:
    """Check `version` on `on_date`; the APR part runs only when the structure is sound."""
    cap = Decimal(settings.LOANHUB_APR_CAP) if cap is None else cap
    report = ComplianceReport(version=version, on_date=on_date, cap=cap, violations=[])
    report.violations.extend(structural_violations(version, on_date=on_date))
    if not report.violations:
        report.violations.extend(apr_violations(version, on_date=on_date, cap=cap, report=report))
    return report
