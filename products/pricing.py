"""The one place that decides a price: a version's grid, its benchmark and its promotions.

`price_for()` is what quotes, the compliance check, the admin preview and (later) risk-based
offers call: it returns the annual rate of a product version for a risk grade and a term on a
date, and which promotions applied.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection
from dataclasses import dataclass, field
from decimal import Decimal

from django.utils.translation import gettext as _

from loanhub.errors import Invalid
from products import choices as c
from products.hooks import piloted_promotions
from products.models import BenchmarkRate, PricingTier, ProductVersion, Promotion

BPS = Decimal("10000")
ZERO = Decimal("0")


class PricingError(Invalid):
    """The grid or the benchmark cannot price this request (400); `errors` is keyed by field."""

    def __init__(self, errors: dict[str, list[str]]):
        super().__init__(errors)


@dataclass(frozen=True)
class Price:
    """The annual rate offered, and how it was built."""

    annual_rate: Decimal
    base_rate: Decimal
    risk_grade: str
    term: int
    benchmark: str = ""
    benchmark_rate: Decimal | None = None
    benchmark_date: dt.date | None = None
    spread_bps: int | None = None
    discount_bps: int = 0
    points_discount_bps: int = 0  # bought with the customer's reward points, on top of promotions
    interest_free_periods: int = 0
    fees_waived: bool = False  # a fee-waiver promotion applies: the version's fees are not charged
    promotions_applied: list[str] = field(default_factory=list)


def benchmark_rate_on(*, benchmark: str, on_date: dt.date) -> BenchmarkRate | None:
    """The benchmark rate in force on a date: the latest published on or before it."""
    return (
        BenchmarkRate.objects.filter(benchmark=benchmark, effective_date__lte=on_date)
        .order_by("-effective_date")
        .first()
    )


def _tiers(version: ProductVersion) -> list[PricingTier]:
    # Uses prefetched rows when the caller prefetched them (lists of products).
    return list(version.pricing_tiers.all())


def _promotions(version: ProductVersion) -> list[Promotion]:
    return list(version.promotions.all())


def _in_pilot(version, promotion, piloted: dict, *, segments: Collection[str], channel: str | None) -> bool:
    """A promotion under a pilot (products.hooks) applies only to the pilot's members, through
    the pilot's channels; a promotion under none is not limited."""
    if not piloted:
        return True
    key = (version.product.code, promotion.code)
    if key not in piloted:
        return True
    if c.pilot_member(*key) not in segments:
        return False
    return not piloted[key] or channel in piloted[key]


def grid_tier(version: ProductVersion, *, grade: str, term: int) -> PricingTier | None:
    """The grid row for a grade whose term band contains the term."""
    for tier in _tiers(version):
        if tier.risk_grade == grade and tier.term_min <= term <= tier.term_max:
            return tier
    return None


def tier_rate(version: ProductVersion, tier: PricingTier, *, benchmark_rate: Decimal | None) -> Decimal:
    """The rate of one grid row before promotions (benchmark + spread for floating products)."""
    if version.rate_type == c.RateType.FLOATING:
        return benchmark_rate + Decimal(tier.spread_bps or 0) / BPS
    return tier.annual_rate


def fees_for(
    version: ProductVersion, *, segments: Collection[str] = (), price: Price | None = None
) -> list[dict]:
    """The fees a customer in `segments` pays, in the engine's shape (waivers applied): none when
    the price carries a fee-waiver promotion."""
    if price is not None and price.fees_waived:
        return []
    return [fee.engine_fee() for fee in version.fees.all() if fee.charged_to(segments)]


def price_for(
    version: ProductVersion,
    *,
    grade: str,
    term: int,
    on_date: dt.date,
    segments: Collection[str] = (),
    channel: str | None = None,
    with_promotions: bool = True,
    points_discount_bps: int = 0,
) -> Price:
    """The annual rate of `version` for a risk grade and a term (months) on a date.

    Floating-rate products use the benchmark published on or before `on_date`. Promotions in
    force on that date for any of the customer's segments and the channel apply (one under a pilot
    only for the pilot's members, products.hooks); of each kind
    only the most favourable one (promotions do not stack; of fee waivers, which all waive every fee,
    the first by code). A discount bought with reward points
    (`points_discount_bps`, marketing.rewards) comes on top. The rate never goes below zero.
    """
    tier = grid_tier(version, grade=grade, term=term)
    if tier is None:
        raise PricingError(
            {
                "risk_grade": [
                    _("no price for grade %(grade)s and term %(term)s in product %(code)s")
                    % {"grade": grade, "term": term, "code": version.code}
                ]
            }
        )
    benchmark_rate = benchmark_date = None
    if version.rate_type == c.RateType.FLOATING:
        published = benchmark_rate_on(benchmark=version.benchmark, on_date=on_date)
        if published is None:
            raise PricingError(
                {
                    "benchmark": [
                        _("no %(benchmark)s published on or before %(date)s")
                        % {"benchmark": version.get_benchmark_display(), "date": on_date.isoformat()}
                    ]
                }
            )
        benchmark_rate, benchmark_date = published.rate, published.effective_date
    base = tier_rate(version, tier, benchmark_rate=benchmark_rate)

    discount = interest_free = 0
    best_discount = best_free = best_waiver = None
    if with_promotions:
        piloted = None  # asked for once a promotion applies (most versions have none)
        for promotion in _promotions(version):
            if not promotion.applies(on_date=on_date, segments=segments, channel=channel):
                continue
            if piloted is None:
                piloted = piloted_promotions()
            if not _in_pilot(version, promotion, piloted, segments=segments, channel=channel):
                continue
            if promotion.kind == c.PromotionKind.RATE_DISCOUNT and promotion.discount_bps > discount:
                discount, best_discount = promotion.discount_bps, promotion
            if (
                promotion.kind == c.PromotionKind.INTEREST_FREE
                and promotion.interest_free_periods > interest_free
            ):
                interest_free, best_free = promotion.interest_free_periods, promotion
            if promotion.kind == c.PromotionKind.FEE_WAIVER and (
                best_waiver is None or promotion.code < best_waiver.code
            ):
                best_waiver = promotion
    applied = sorted(p.code for p in (best_discount, best_free, best_waiver) if p is not None)
    if points_discount_bps < 0:
        raise PricingError({"points_discount_bps": [_("must not be negative")]})
    rate = max(base - Decimal(discount + points_discount_bps) / BPS, ZERO)
    return Price(
        annual_rate=rate,
        base_rate=base,
        risk_grade=grade,
        term=term,
        benchmark=version.benchmark if benchmark_rate is not None else "",
        benchmark_rate=benchmark_rate,
        benchmark_date=benchmark_date,
        spread_bps=tier.spread_bps if benchmark_rate is not None else None,
        discount_bps=discount,
        points_discount_bps=points_discount_bps,
        interest_free_periods=interest_free,
        fees_waived=best_waiver is not None,
        promotions_applied=applied,
    )


def rate_from(version: ProductVersion, *, on_date: dt.date) -> Decimal | None:
    """The lowest grid rate before promotions ('rates from X %'), or None without a benchmark."""
    benchmark_rate = None
    if version.rate_type == c.RateType.FLOATING:
        published = benchmark_rate_on(benchmark=version.benchmark, on_date=on_date)
        if published is None:
            return None
        benchmark_rate = published.rate
    rates = [tier_rate(version, tier, benchmark_rate=benchmark_rate) for tier in _tiers(version)]
    return min(rates) if rates else None
