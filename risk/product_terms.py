"""What the risk engine needs from a product version, as one plain snapshot: `ProductTerms`.

`risk.services.score()` accepts a ProductTerms or anything exposing the product catalogue's
attributes (`products.models.ProductVersion`); `terms_for()` turns the latter into the former,
pricing every grade through `products.pricing.price_for()` (grid + promotions) so that the
decision stays a pure function of its inputs. The snapshot is stored with the scoring request
and the decision, as it was used.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass, field, fields
from decimal import Decimal

from django.utils.translation import gettext as _

from loanhub import clock
from loanhub.errors import Invalid
from loanhub.money import quantize_places
from products.choices import MONTHS_PER_PERIOD, DayCount, Frequency, RepaymentMethod
from risk.choices import GRADES

DEFAULT_MAX_DTI = Decimal("0.55")
# Risk policy: the share of the product maximum a grade may borrow when the product sets no cap.
DEFAULT_GRADE_CAP_SHARE = {
    "A": Decimal("1"),
    "B": Decimal("1"),
    "C": Decimal("0.75"),
    "D": Decimal("0.5"),
    "E": Decimal("0.25"),
}


class ProductTermsError(Invalid):
    """The product version lacks something the decision needs."""


@dataclass(frozen=True)
class ProductTerms:
    """Limits and prices of one product version, for one term and repayment choice."""

    product_code: str
    amount_min: Decimal
    amount_max: Decimal
    term_min: int
    term_max: int
    grade_rates: dict[str, Decimal | None]  # annual rate per grade; None: the grid has no price
    version_ref: str = ""
    currency: str = "CNY"
    method: str = RepaymentMethod.ANNUITY
    frequency: str = Frequency.MONTHLY
    day_count: str = DayCount.THIRTY_360
    max_dti: Decimal = DEFAULT_MAX_DTI
    auto_approve_limit: Decimal | None = None  # None: the product sets no auto-approval limit
    min_age: int = 18
    max_age_at_maturity: int = 65
    min_monthly_income: Decimal = Decimal("0")
    grade_caps: dict[str, Decimal] = field(default_factory=dict)
    grade_interest_free: dict[str, int] = field(default_factory=dict)
    grade_promotions: dict[str, list[str]] = field(default_factory=dict)
    fees: tuple[dict, ...] = ()  # engine fee dicts (products.models.Fee.engine_fee())
    start_date: dt.date | None = None
    grace: dict | None = None  # {"periods": n, "type": "interest_only"}, as the application asks

    def __post_init__(self):
        if self.frequency not in MONTHS_PER_PERIOD:
            raise ProductTermsError(_("unknown frequency %(value)s") % {"value": repr(self.frequency)})
        if self.amount_min > self.amount_max:
            raise ProductTermsError(_("amount_min is above amount_max"))
        missing = [g for g in GRADES if g not in self.grade_rates]
        if missing:
            raise ProductTermsError(_("grade_rates lacks grades %(grades)s") % {"grades": ", ".join(missing)})

    def cap_for(self, grade: str) -> Decimal:
        if grade in self.grade_caps:
            return self.grade_caps[grade]
        return quantize_places(self.amount_max * DEFAULT_GRADE_CAP_SHARE[grade], 0)

    def installments(self, term_months: int) -> int:
        """The catalogue's count (products.compliance.installments_for): a term that is not whole
        periods of the frequency has no schedule."""
        from products.compliance import installments_for

        count = installments_for(term_months, self.frequency)
        if not count:
            raise ProductTermsError(
                _("a term of %(term)s months is not whole %(frequency)s periods")
                % {
                    "term": term_months,
                    "frequency": dict(Frequency.choices).get(self.frequency, self.frequency),
                }
            )
        return count

    def to_json(self) -> dict:
        data = asdict(self)
        data["start_date"] = self.start_date.isoformat() if self.start_date else None
        return _stringify(data)

    @classmethod
    def from_json(cls, data: dict) -> ProductTerms:
        decimal_fields = {"amount_min", "amount_max", "max_dti", "auto_approve_limit", "min_monthly_income"}
        kwargs = {}
        for f in fields(cls):
            if f.name not in data:
                continue
            value = data[f.name]
            if f.name in decimal_fields and value is not None:
                value = Decimal(value)
            elif f.name == "grade_rates":
                value = {k: (Decimal(v) if v is not None else None) for k, v in value.items()}
            elif f.name == "grade_caps":
                value = {k: Decimal(v) for k, v in value.items()}
            elif f.name == "fees":
                value = tuple(_decimals(fee) for fee in value)
            elif f.name == "start_date" and value:
                value = dt.date.fromisoformat(value)
            kwargs[f.name] = value
        return cls(**kwargs)


def _stringify(value):
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, dict):
        return {k: _stringify(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_stringify(v) for v in value]
    return value


def _decimals(fee: dict) -> dict:
    return {k: (Decimal(v) if k in ("amount", "rate") and v is not None else v) for k, v in fee.items()}


def terms_for(
    product_version,
    *,
    term: int,
    on_date: dt.date | None = None,
    method: str | None = None,
    frequency: str | None = None,
    segments: tuple[str, ...] = (),
    channel: str | None = None,
    grace: dict | None = None,
) -> ProductTerms:
    """A ProductTerms from a ProductTerms (returned as is) or a `products` ProductVersion."""
    if isinstance(product_version, ProductTerms):
        return product_version

    from products.pricing import PricingError, fees_for, price_for

    on_date = on_date or clock.today()
    rates, free, promotions = {}, {}, {}
    priced = None  # any grade's price: promotions (a fee waiver among them) do not depend on the grade
    for grade in GRADES:
        try:
            price = price_for(
                product_version, grade=grade, term=term, on_date=on_date, segments=segments, channel=channel
            )
        except PricingError:
            rates[grade] = None
            continue
        rates[grade] = price.annual_rate
        free[grade] = price.interest_free_periods
        promotions[grade] = list(price.promotions_applied)
        priced = price
    fees = tuple(fees_for(product_version, segments=segments, price=priced))
    try:
        return ProductTerms(
            product_code=product_version.product.code,
            version_ref=f"{product_version.product.code}:v{product_version.version}",
            currency=product_version.currency,
            amount_min=product_version.amount_min,
            amount_max=product_version.amount_max,
            term_min=product_version.term_min,
            term_max=product_version.term_max,
            method=method or product_version.default_method,
            frequency=frequency or product_version.default_frequency,
            day_count=product_version.day_count,
            max_dti=product_version.max_dti if product_version.max_dti is not None else DEFAULT_MAX_DTI,
            # The catalogue has no auto-approval limit yet; a version that gains one is used as is.
            auto_approve_limit=getattr(product_version, "auto_approve_limit", None),
            min_age=product_version.age_min,
            max_age_at_maturity=product_version.age_max_at_maturity,
            min_monthly_income=product_version.min_monthly_income,
            grade_rates=rates,
            grade_interest_free=free,
            grade_promotions=promotions,
            fees=fees,
            start_date=on_date,
            grace=dict(grace) if grace and grace.get("periods") else None,
        )
    except AttributeError as exc:
        raise ProductTermsError(_("product version lacks %(name)s") % {"name": repr(exc.name)}) from exc
