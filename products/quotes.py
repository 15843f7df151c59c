"""Quotes and recommendations: what a product costs a customer, and which products fit them.

`product_quote()` is the one quote of LoanHub: the API, the product pages, comparisons,
recommendations and the offer of an application call it, and the loan is opened with its
`engine_terms`, so what a customer is quoted is what they are offered and what they repay, to the
cent. It checks the request against the version's limits (errors name the limit, e.g.
``{"amount": ["must be between 10000.00 and 500000.00 for product BIZ-OP"]}``), prices it with
`products.pricing.price_for` (grid, benchmark, promotions for the customer's segments and
channel), charges the fees the segments do not have waived, and builds the schedule with the
engine (grace and interest-free periods included).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection
from dataclasses import dataclass, field
from decimal import Decimal

from django.utils.translation import gettext as _

from loanhub import clock
from loanhub.errors import Invalid
from loanhub.money import quantize_money, quantize_places
from products import choices as c
from products import engine_adapter
from products.compliance import installments_for, monthly_payment
from products.models import ProductVersion
from products.pricing import Price, PricingError, fees_for, price_for

ENGINE_TO_QUOTE_FIELD = {"principal": "amount", "annual_rate": "risk_grade", "term": "term"}


class ProductQuoteError(Invalid):
    """The request breaks a limit of the product; `errors` is field-keyed (HTTP 400)."""

    def __init__(self, errors: dict[str, list[str]]):
        super().__init__(errors)


@dataclass(frozen=True)
class Quote:
    """A priced schedule of one product version for one request."""

    version: ProductVersion
    amount: Decimal
    term: int  # months
    installments_count: int
    method: str
    frequency: str
    risk_grade: str
    segments: tuple[str, ...]
    channel: str | None
    start_date: dt.date
    priced_on: dt.date
    grace: dict | None
    price: Price
    fees: list[dict]
    schedule: engine_adapter.ScheduleResult

    @property
    def engine_terms(self) -> dict:
        """Exactly what the engine was given (but the start date): what servicing pins."""
        return {
            "principal": self.amount,
            "annual_rate": self.price.annual_rate,
            "term": self.installments_count,
            "frequency": self.frequency,
            "method": self.method,
            "day_count": self.version.day_count,
            "fees": list(self.fees),
            "grace": self.grace,
            "interest_free_periods": min(self.price.interest_free_periods, self.installments_count),
            "first_due_date": None,
        }

    @property
    def annual_rate(self) -> Decimal:
        return self.price.annual_rate

    @property
    def apr(self) -> Decimal:
        return self.schedule.summary["apr"]

    @property
    def installment(self) -> Decimal:
        """The first regular payment (the largest one for equal principal)."""
        return self.schedule.first_payment

    @property
    def total_interest(self) -> Decimal:
        return self.schedule.summary["total_interest"]

    @property
    def total_fees(self) -> Decimal:
        return self.schedule.summary["total_fees"]

    @property
    def total_cost(self) -> Decimal:
        return self.schedule.total_cost

    @property
    def total_payable(self) -> Decimal:
        return self.schedule.summary["total_payable"]

    @property
    def monthly_payment(self) -> Decimal:
        """The largest payment before the last, spread per month (for debt-to-income; the
        measure the version's `max_installment_ratio` caps at publish time)."""
        return monthly_payment(self.schedule, method=self.method, frequency=self.frequency, term=self.term)


def _between(low, high, code: str) -> str:
    return _("must be between %(min)s and %(max)s for product %(code)s") % {
        "min": low,
        "max": high,
        "code": code,
    }


def _choice_error(errors: dict, name: str, value: str, allowed: list[str], code: str) -> None:
    if value not in allowed:
        errors.setdefault(name, []).append(
            _("must be one of %(allowed)s for product %(code)s")
            % {"allowed": ", ".join(allowed), "code": code}
        )


def grace_type_for(version: ProductVersion, asked: str | None = None) -> str:
    """The grace type of a request that asks for grace: the type asked for; without one, the
    product's only type, or, when it offers several, the first it lists (a product lists its
    grace types in its order of preference). "" when it lists none: the quote refuses the grace.

    The one rule for every caller (quote API, product pages, applications), so a request without
    a type is quoted and offered alike.
    """
    return asked or next(iter(version.grace_types), "")


def grace_requested(
    version: ProductVersion, *, periods: int | None, grace_type: str | None = None
) -> dict | None:
    """Grace as the quote and the engine take it ({"periods", "type"}); None for no grace."""
    if not periods:
        return None
    return {"periods": periods, "type": grace_type_for(version, grace_type)}


def product_quote(
    *,
    version: ProductVersion,
    amount: Decimal,
    term: int,
    method: str | None = None,
    frequency: str | None = None,
    risk_grade: str | None = None,
    segments: Collection[str] = (),
    channel: str | None = None,
    start_date: dt.date | None = None,
    grace: dict | None = None,
    priced_on: dt.date | None = None,
    pinned: bool = False,
    points_discount_bps: int = 0,
) -> Quote:
    """Quote `amount` over `term` months under `version`; raises ProductQuoteError naming each
    broken limit. The version must be active and available on the start date (suspended and
    retired versions quote nothing), unless it is `pinned`: an application's version, checked
    when the application was submitted, which keeps pricing its offer. The price is the one in
    force on `priced_on` (default: the start date); the schedule starts on `start_date`.
    `points_discount_bps` lowers the rate by a discount the customer bought with reward points."""
    code = version.product.code
    amount = quantize_money(amount)
    start_date = start_date or clock.today()
    priced_on = priced_on or start_date
    segments = tuple(sorted(set(segments)))
    grace = grace if grace and grace.get("periods") else None
    method = method or version.default_method
    frequency = frequency or version.default_frequency
    risk_grade = risk_grade or c.DEFAULT_GRADE
    errors: dict[str, list[str]] = {}
    if not pinned and version.status != c.ProductStatus.ACTIVE:
        raise ProductQuoteError(
            {
                "product": [
                    _("product %(code)s is %(status)s and is not offered")
                    % {"code": code, "status": version.get_status_display()}
                ]
            }
        )
    if not pinned and (
        start_date < version.available_from
        or (version.available_until is not None and start_date > version.available_until)
    ):
        raise ProductQuoteError(
            {
                "product": [
                    _("product %(code)s is not offered on %(date)s")
                    % {"code": code, "date": start_date.isoformat()}
                ]
            }
        )
    if not version.amount_min <= amount <= version.amount_max:
        errors["amount"] = [_between(version.amount_min, version.amount_max, code)]
    if not version.term_min <= term <= version.term_max:
        errors["term"] = [_between(version.term_min, version.term_max, code)]
    _choice_error(errors, "method", method, version.repayment_methods, code)
    _choice_error(errors, "frequency", frequency, version.frequencies, code)
    _choice_error(errors, "risk_grade", risk_grade, list(c.RISK_GRADES), code)
    if channel is not None:
        _choice_error(errors, "channel", channel, version.channels, code)
    if "frequency" not in errors and "term" not in errors and installments_for(term, frequency) is None:
        months = c.MONTHS_PER_PERIOD[c.Frequency(frequency)]
        errors["term"] = [
            _("must be a multiple of %(months)s months for %(frequency)s repayment in product %(code)s")
            % {"months": months, "frequency": frequency, "code": code}
        ]
    if grace:
        if grace["periods"] > version.grace_max_periods:
            errors["grace"] = [
                _("at most %(count)s grace periods for product %(code)s")
                % {"count": version.grace_max_periods, "code": code}
            ]
        elif grace.get("type") not in version.grace_types:
            errors["grace"] = [
                _("grace type must be one of %(allowed)s for product %(code)s")
                % {"allowed": ", ".join(version.grace_types) or "-", "code": code}
            ]
    if errors:
        raise ProductQuoteError(errors)

    try:
        price = price_for(
            version,
            grade=risk_grade,
            term=term,
            segments=segments,
            channel=channel,
            on_date=priced_on,
            points_discount_bps=points_discount_bps,
        )
    except PricingError as exc:
        raise ProductQuoteError(exc.errors) from None
    fees = fees_for(version, segments=segments, price=price)
    count = installments_for(term, frequency)
    try:
        schedule = engine_adapter.schedule(
            principal=amount,
            annual_rate=price.annual_rate,
            term=count,
            frequency=frequency,
            method=method,
            start_date=start_date,
            day_count=version.day_count,
            fees=fees,
            grace=grace,
            interest_free_periods=min(price.interest_free_periods, count),
        )
    except engine_adapter.EngineValidationError as exc:
        raise ProductQuoteError(
            {ENGINE_TO_QUOTE_FIELD.get(k, k): v for k, v in engine_adapter.localized(exc.errors).items()}
        ) from None
    return Quote(
        version=version,
        amount=amount,
        term=term,
        installments_count=count,
        method=method,
        frequency=frequency,
        risk_grade=risk_grade,
        segments=segments,
        channel=channel,
        start_date=start_date,
        priced_on=priced_on,
        grace=grace,
        price=price,
        fees=fees,
        schedule=schedule,
    )


def representative_quote(version: ProductVersion, *, grade: str | None = None, on_date=None) -> Quote | None:
    """The quote of the version's representative loan (its 'representative APR'), or None."""
    try:
        return product_quote(
            version=version,
            amount=version.representative_amount,
            term=version.representative_term,
            risk_grade=grade,
            start_date=on_date,
        )
    except ProductQuoteError:
        return None


# --- recommendations ----------------------------------------------------------------------------
@dataclass(frozen=True)
class Profile:
    """What a customer tells us to get recommendations (all optional except amount and term)."""

    amount: Decimal
    term: int
    purpose: str | None = None
    monthly_income: Decimal | None = None
    monthly_debt: Decimal = Decimal("0")
    employment_type: str | None = None
    customer_type: str | None = None
    age: int | None = None
    region: str | None = None
    segments: tuple[str, ...] = ()
    channel: str | None = None


@dataclass
class Recommendation:
    version: ProductVersion
    eligible: bool
    quote: Quote | None = None
    reasons: list[str] = field(default_factory=list)  # why it fits
    exclusions: list[dict] = field(default_factory=list)  # {"rule": ..., "message": ...}
    dti: Decimal | None = None
    affinity: int | None = None  # a personalised ranking's score (marketing.recommendations)


def _eligibility(version: ProductVersion, profile: Profile) -> tuple[list[str], list[dict]]:
    """(reasons it fits, rules that exclude it) for every rule the profile lets us judge."""
    v = version
    fits: list[str] = []
    out: list[dict] = []

    def rule(ok: bool, name: str, yes: str, no: str, values: dict) -> None:
        if ok:
            fits.append(yes % values)
        else:
            out.append({"rule": name, "message": no % values})

    if profile.purpose:
        rule(
            v.category == profile.purpose,
            "purpose",
            _("made for %(category)s"),
            _("a %(category)s product, not %(purpose)s"),
            {"category": v.get_category_display(), "purpose": c.Category(profile.purpose).label},
        )
    money = {"amount": profile.amount, "min": v.amount_min, "max": v.amount_max}
    rule(
        v.amount_min <= profile.amount <= v.amount_max,
        "amount",
        _("lends %(amount)s (from %(min)s to %(max)s)"),
        _("the amount must be between %(min)s and %(max)s"),
        money,
    )
    rule(
        v.term_min <= profile.term <= v.term_max,
        "term",
        _("a %(term)s-month term is offered (%(min)s–%(max)s months)"),
        _("the term must be between %(min)s and %(max)s months"),
        {"term": profile.term, "min": v.term_min, "max": v.term_max},
    )
    if profile.customer_type:
        rule(
            profile.customer_type in v.customer_types,
            "customer_type",
            _("open to %(value)s customers"),
            _("open only to %(allowed)s"),
            {
                "value": c.CustomerType(profile.customer_type).label,
                "allowed": _labels(c.CustomerType, v.customer_types),
            },
        )
    if profile.employment_type and v.employment_types:
        rule(
            profile.employment_type in v.employment_types,
            "employment_type",
            _("open to %(value)s applicants"),
            _("open only to %(allowed)s applicants"),
            {
                "value": c.EmploymentType(profile.employment_type).label,
                "allowed": _labels(c.EmploymentType, v.employment_types),
            },
        )
    if profile.age is not None:
        rule(
            v.age_min <= profile.age <= v.age_max,
            "age",
            _("age %(age)s is within %(min)s–%(max)s"),
            _("age at application must be between %(min)s and %(max)s"),
            {"age": profile.age, "min": v.age_min, "max": v.age_max},
        )
        at_maturity = profile.age + -(-profile.term // 12)
        rule(
            at_maturity <= v.age_max_at_maturity,
            "age_at_maturity",
            _("age at maturity %(age)s is at most %(max)s"),
            _("age at maturity (%(age)s) must be at most %(max)s"),
            {"age": at_maturity, "max": v.age_max_at_maturity},
        )
    if profile.monthly_income is not None:
        rule(
            profile.monthly_income >= v.min_monthly_income,
            "monthly_income",
            _("income meets the minimum of %(min)s a month"),
            _("monthly income must be at least %(min)s"),
            {"min": v.min_monthly_income},
        )
    if profile.region and v.regions:
        rule(
            profile.region in v.regions,
            "region",
            _("offered in %(region)s"),
            _("offered only in %(allowed)s"),
            {"region": profile.region, "allowed": ", ".join(v.regions)},
        )
    if profile.channel:
        rule(
            profile.channel in v.channels,
            "channel",
            _("sold through %(value)s"),
            _("sold only through %(allowed)s"),
            {"value": c.Channel(profile.channel).label, "allowed": _labels(c.Channel, v.channels)},
        )
    return fits, out


def _labels(choices, values) -> str:
    return ", ".join(str(choices(value).label) for value in values if value in choices.values)


def product_recommend(
    *, profile: Profile, versions: list[ProductVersion], on_date: dt.date | None = None
) -> list[Recommendation]:
    """Every offered version judged for `profile`: eligible ones first, ranked by estimated total
    cost (interest + fees) at the grid's middle grade, then by APR; the ineligible after them,
    each with the rules that exclude it."""
    on_date = on_date or clock.today()
    results: list[Recommendation] = []
    for version in versions:
        fits, exclusions = _eligibility(version, profile)
        recommendation = Recommendation(version=version, eligible=False, reasons=fits, exclusions=exclusions)
        if not exclusions:
            try:
                quote = product_quote(
                    version=version,
                    amount=profile.amount,
                    term=profile.term,
                    segments=profile.segments,
                    channel=profile.channel,
                    start_date=on_date,
                )
            except ProductQuoteError as exc:
                for name, messages in exc.errors.items():
                    exclusions.extend({"rule": name, "message": m} for m in messages)
            else:
                recommendation.quote = quote
                if profile.monthly_income:
                    dti = quantize_places(
                        (profile.monthly_debt + quote.monthly_payment) / profile.monthly_income, 4
                    )
                    recommendation.dti = dti
                    values = {"dti": f"{dti * 100:.1f}%", "max": f"{version.max_dti * 100:.0f}%"}
                    if dti > version.max_dti:
                        message = _(
                            "debt-to-income after the loan would be %(dti)s, above the maximum of %(max)s"
                        )
                        exclusions.append({"rule": "dti", "message": message % values})
                    else:
                        fits.append(_("debt-to-income after the loan %(dti)s (maximum %(max)s)") % values)
        recommendation.eligible = not exclusions
        results.append(recommendation)
    eligible = sorted(
        (r for r in results if r.eligible), key=lambda r: (r.quote.total_cost, r.quote.apr, r.version.code)
    )
    ineligible = sorted(
        (r for r in results if not r.eligible), key=lambda r: (len(r.exclusions), r.version.code)
    )
    return eligible + ineligible


@dataclass(frozen=True)
class PreviewRow:
    risk_grade: str
    annual_rate: Decimal | None
    installment: Decimal | None
    total_cost: Decimal | None
    apr: Decimal | None
    error: str = ""


def version_preview(version: ProductVersion, *, on_date: dt.date | None = None) -> list[PreviewRow]:
    """For each risk grade: the rate, installment, total cost and APR of the version's
    representative loan (default method and frequency, mandatory fees, no promotion), in any
    state — what a product manager checks before submitting."""
    on_date = on_date or clock.today()
    rows = []
    count = installments_for(version.representative_term, version.default_frequency)
    fees = [fee.engine_fee() for fee in version.fees.all() if fee.mandatory]
    for grade in c.RISK_GRADES:
        try:
            price = price_for(
                version, grade=grade, term=version.representative_term, on_date=on_date, with_promotions=False
            )
            if count is None:
                raise ProductQuoteError({"term": [_("representative term is not whole installments")]})
            result = engine_adapter.schedule(
                principal=version.representative_amount,
                annual_rate=price.annual_rate,
                term=count,
                frequency=version.default_frequency,
                method=version.default_method,
                start_date=on_date,
                day_count=version.day_count,
                fees=fees,
            )
        except (PricingError, ProductQuoteError) as exc:
            rows.append(PreviewRow(grade, None, None, None, None, error=str(exc)))
            continue
        except engine_adapter.EngineValidationError as exc:  # reported in the panel
            error = engine_adapter.localized_text(exc.errors)
            rows.append(PreviewRow(grade, price.annual_rate, None, None, None, error=error))
            continue
        rows.append(
            PreviewRow(
                grade, price.annual_rate, result.first_payment, result.total_cost, result.summary["apr"]
            )
        )
    return rows


def recommendations_for(
    *, user, profile: Profile, versions: list[ProductVersion], personalised: bool = True
) -> dict:
    """What the recommendations page and API show: the registered recommender's answer for a
    signed-in customer (their profile and history, or the non-personalised list they chose or did
    not consent out of), else the ranking for the details entered. Keys: personalised, basis,
    notice, consent, recommendations."""
    from products import hooks

    answer = hooks.recommend_for(user=user, profile=profile, versions=versions, personalised=personalised)
    if answer is not None:
        return answer
    return {
        "personalised": False,
        "basis": "query",
        "notice": _("Ranked by total cost for the details you entered."),
        "consent": None,
        "recommendations": product_recommend(profile=profile, versions=versions),
    }
