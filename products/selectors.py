"""Reads of the product catalogue: what is offered, one product, its definition and diffs.

Other apps read products through these functions (and `products.pricing.price_for`), never by
querying the models' internals. Applications and loans keep the `ProductVersion` they were made
under: `product_version_get()` finds it again by code and number.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Prefetch, QuerySet
from django.utils.translation import gettext_lazy as _

from loanhub import clock, pagecache
from loanhub.errors import Conflict
from loanhub.money import MONEY_PLACES, RATE_PLACES, quantize_places
from products import choices as c
from products.models import BenchmarkRate, Fee, PricingTier, Product, ProductVersion, Promotion
from products.serializers import FEE_FIELDS, PROMOTION_FIELDS, TERM_FIELDS, TIER_FIELDS


class ProductNotOffered(Conflict):
    """The code exists but no version of it is offered; `status` says why (retired, suspended…).
    HTTP 409: the product is in a state in which it is not offered."""

    def __init__(self, code: str, status: str):
        super().__init__(
            {
                "product": [
                    _("product %(code)s is %(status)s and is not offered")
                    % {"code": code, "status": c.ProductStatus(status).label}
                ]
            },
            state=status,
        )
        self.product_code = code  # not `code`: that is the error's own code in the body ("conflict")
        self.status = status


def _with_children(queryset: QuerySet[ProductVersion]) -> QuerySet[ProductVersion]:
    return queryset.select_related("product").prefetch_related(
        Prefetch("pricing_tiers", queryset=PricingTier.objects.order_by("risk_grade", "term_min")),
        Prefetch("fees", queryset=Fee.objects.order_by("code")),
        Prefetch("promotions", queryset=Promotion.objects.order_by("code")),
    )


def product_list_active(
    *,
    category: str | None = None,
    channel: str | None = None,
    segment: str | None = None,
    on_date: dt.date | None = None,
) -> list[ProductVersion]:
    """The versions offered on a date (active and inside their availability window).

    Channel and segment lists are JSON, filtered here so SQLite and PostgreSQL agree; the
    catalogue is dozens of rows, not thousands.
    """
    on_date = on_date or clock.today()
    queryset = ProductVersion.objects.filter(
        status=c.ProductStatus.ACTIVE, available_from__lte=on_date
    ).exclude(available_until__lt=on_date)
    if category:
        queryset = queryset.filter(category=category)
    versions = list(_with_children(queryset).order_by("category", "product__code"))
    if channel:
        versions = [v for v in versions if channel in v.channels]
    if segment:
        versions = [v for v in versions if segment in v.segments]
    return versions


def product_list(*, status: str | None = None, category: str | None = None) -> list[ProductVersion]:
    """Every product's current version for staff: the live one, else the newest (any state)."""
    versions = _with_children(ProductVersion.objects.all()).order_by("product__code", "-version")
    if category:
        versions = versions.filter(category=category)
    current: dict[int, ProductVersion] = {}
    for version in versions:
        best = current.get(version.product_id)
        if best is None or (version.status in c.LIVE_STATES and best.status not in c.LIVE_STATES):
            current[version.product_id] = version
    out = sorted(current.values(), key=lambda v: (v.category, v.product.code))
    if status:
        out = [v for v in out if v.status == status]
    return out


def product_get_offered(*, code: str) -> ProductVersion:
    """The version of `code` offered now.

    Raises Product.DoesNotExist for an unknown code or one never published, and
    ProductNotOffered (with the status) when it is suspended or retired.

    The offered version with its grid, fees and promotions is kept in the catalogue's cache
    (loanhub.pagecache: a change of state or a new benchmark rate starts a new generation; an
    active version's terms cannot be edited), so a quote or an application reads it in one cache
    round trip instead of four queries; each caller gets its own copy.
    """
    name = f"offered:{code}" if len(code) <= 64 else None
    computed_in, kept = pagecache.lookup(pagecache.CATALOGUE, name) if name else (None, None)
    if kept is not None:
        return kept
    versions = list(_with_children(ProductVersion.objects.filter(product__code=code)).order_by("-version"))
    for version in versions:
        if version.status == c.ProductStatus.ACTIVE:
            if name:
                pagecache.keep(pagecache.CATALOGUE, name, version, computed_in=computed_in)
            return version
    published = [v for v in versions if v.status in (c.ProductStatus.SUSPENDED, c.ProductStatus.RETIRED)]
    if not published:
        raise Product.DoesNotExist(code)
    status = (
        c.ProductStatus.SUSPENDED
        if any(v.status == c.ProductStatus.SUSPENDED for v in published)
        else (c.ProductStatus.RETIRED)
    )
    raise ProductNotOffered(code, status)


def product_version_get(*, code: str, version: int) -> ProductVersion:
    """One exact version (what an application or loan refers to)."""
    return _with_children(ProductVersion.objects.filter(product__code=code)).get(version=version)


def product_versions(*, code: str) -> list[ProductVersion]:
    return list(
        ProductVersion.objects.filter(product__code=code).select_related("product").order_by("version")
    )


# --- definitions: the JSON of export/import, and diffs between versions -------------------------
# Decimal places of each decimal field, so a definition prints the same whether its values came
# from the database, a form or a JSON file.
_PLACES = {
    **dict.fromkeys(
        (
            "amount_min",
            "amount_max",
            "representative_amount",
            "min_monthly_income",
            "max_exposure_per_customer",
            "auto_approve_limit",
            "amount",
        ),
        MONEY_PLACES,
    ),
    "penalty_rate_multiplier": 4,
}


def _json(value, name: str = ""):
    if isinstance(value, Decimal):
        places = _PLACES.get(name, RATE_PLACES)
        return str(quantize_places(value, places))
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, list):
        return [_json(v) for v in value]
    return value


def definition_json(
    *, code: str, terms: dict, pricing_grid, fees, promotions, version=None, status=None
) -> dict:
    """A product definition in its stable JSON shape (strings for money, rates and dates)."""
    return {
        "code": code,
        "version": version,
        "status": status,
        "terms": {name: _json(terms.get(name), name) for name in TERM_FIELDS},
        "pricing_grid": sorted(
            ({name: _json(row.get(name), name) for name in TIER_FIELDS} for row in pricing_grid),
            key=lambda row: (row["risk_grade"], row["term_min"]),
        ),
        "fees": sorted(
            ({name: _json(row.get(name), name) for name in FEE_FIELDS} for row in fees),
            key=lambda r: r["code"],
        ),
        "promotions": sorted(
            ({name: _json(row.get(name), name) for name in PROMOTION_FIELDS} for row in promotions),
            key=lambda r: r["code"],
        ),
    }


def product_version_definition(version: ProductVersion) -> dict:
    """The export JSON of one version."""
    return definition_json(
        code=version.product.code,
        version=version.version,
        status=version.status,
        terms={name: getattr(version, name) for name in TERM_FIELDS},
        pricing_grid=[{k: getattr(t, k) for k in TIER_FIELDS} for t in version.pricing_tiers.all()],
        fees=[{k: getattr(f, k) for k in FEE_FIELDS} for f in version.fees.all()],
        promotions=[{k: getattr(p, k) for k in PROMOTION_FIELDS} for p in version.promotions.all()],
    )


def catalogue_export(*, codes: list[str] | None = None) -> dict:
    """Each product's current version (live, else newest) as the `products import` JSON."""
    versions = product_list()
    if codes:
        versions = [v for v in versions if v.product.code in set(codes)]
    return {
        "format": "loanhub.products",
        "format_version": 1,
        "products": [product_version_definition(v) for v in versions],
    }


@dataclass(frozen=True)
class Change:
    path: str
    old: object
    new: object


def _walk(path: str, old, new, out: list[Change]) -> None:
    if isinstance(old, dict) and isinstance(new, dict):
        for key in sorted(set(old) | set(new), key=str):
            _walk(f"{path}.{key}" if path else key, old.get(key), new.get(key), out)
    elif old != new:
        out.append(Change(path, old, new))


def _keyed(rows: list[dict], key) -> dict:
    return {key(row): row for row in rows}


def product_version_diff(old: ProductVersion, new: ProductVersion) -> list[Change]:
    """What changed between two versions: terms field by field, grid rows by grade and band,
    fees and promotions by code."""
    a, b = product_version_definition(old), product_version_definition(new)
    changes: list[Change] = []
    _walk("terms", a["terms"], b["terms"], changes)
    _walk(
        "pricing_grid",
        _keyed(a["pricing_grid"], lambda r: f"{r['risk_grade']} {r['term_min']}-{r['term_max']}"),
        _keyed(b["pricing_grid"], lambda r: f"{r['risk_grade']} {r['term_min']}-{r['term_max']}"),
        changes,
    )
    _walk("fees", _keyed(a["fees"], lambda r: r["code"]), _keyed(b["fees"], lambda r: r["code"]), changes)
    _walk(
        "promotions",
        _keyed(a["promotions"], lambda r: r["code"]),
        _keyed(b["promotions"], lambda r: r["code"]),
        changes,
    )
    return changes


def product_get_by_code(*, code: str) -> Product | None:
    """The product with this code (whatever its versions' states), or None."""
    return Product.objects.filter(code=code).first()


def product_codes_known(*, codes) -> set[str]:
    """Which of these product codes name a product of the catalogue (one query)."""
    return set(Product.objects.filter(code__in=list(codes)).values_list("code", flat=True))


def promotion_get(*, promotion_id: int) -> Promotion | None:
    """One promotion by id, or None (marketing attaches promotions to campaigns as their offer)."""
    return Promotion.objects.select_related("version__product").filter(pk=promotion_id).first()


def product_versions_in_review(*, limit: int = 20) -> list[ProductVersion]:
    """Versions waiting for a reviewer's decision (the product managers' start page), oldest
    submission first."""
    return list(
        ProductVersion.objects.select_related("product", "submitted_by")
        .filter(status=c.ProductStatus.IN_REVIEW)
        .order_by("submitted_at", "id")[:limit]
    )


def benchmark_fixing_before(*, benchmark: str, before: dt.date) -> BenchmarkRate | None:
    """The latest fixing of `benchmark` published (in force) strictly before `before`, or None.

    A floating-rate loan reprices on its reset date with the LPR published before that date
    (servicing.rate_resets)."""
    return (
        BenchmarkRate.objects.filter(benchmark=benchmark, effective_date__lt=before)
        .order_by("-effective_date")
        .first()
    )
