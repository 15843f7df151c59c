"""Segment rules: a small JSON vocabulary over customer attributes and behaviour.

    {"customer_types": ["individual"], "employment_types": ["salaried"], "regions": ["上海"],
     "industries": ["retail"], "income_min": "5000", "income_max": "20000", "age_min": 22,
     "age_max": 35, "tags": ["payroll", "loyal"], "has_loan": true, "applied_within_days": 90,
     "products": ["CONSUMER"], "months_on_book_min": 12, "months_on_book_max": 60,
     "on_time_ratio_min": "0.95", "channels": ["branch", "sms"],
     "rfm": {"recency_min": 4, "frequency_min": 3, "monetary_min": 2}}

Every key is optional and they all must hold (AND); list values match any of their items (OR).

Profile: `customer_types`, `employment_types`, `regions`, `industries`, `income_min`/`_max`
(monthly income), `age_min`/`_max` (on the day).

Behaviour (read from the other apps through their selectors, a few grouped queries whatever the
number of customers):

* `has_loan`: a loan was ever opened for the customer (true) or never (false);
  `applied_within_days`: an application submitted in the last N days.
* `products`: product codes the customer holds now — a disbursed loan not closed (written-off
  ones are not held) or an open (active or frozen) credit line.
* `months_on_book_min`/`_max`: full months since their first disbursement (first loan disbursed
  or first draw on a credit line); a customer never disbursed to matches neither.
* `on_time_ratio_min` (0–1): of their loans' installments due so far, the share settled by the
  due date plus the loan's grace days (servicing.selectors.customer_on_time_counts); a customer
  with no installment due yet matches none.
* `channels`: the channel of any of their submitted applications (web, app, branch, partner,
  hotline) or of their first marketing touch (email, sms, portal, web, partner, branch).
* `rfm`: minimum recency, frequency and monetary scores 1–5 (marketing.rfm: quintiles among all
  customers who repay); a customer who never repaid matches none.
* `tags`: the catalogue's target segments a profile puts a customer in (customers.selectors.
  customer_segments) and the behaviour tags: `new_customer` (no loan ever opened, as
  servicing.selectors.customer_segments_now says), `loyal`
  (on-time ratio at least 0.95 and at least 12 months on book), `repeat_borrower` (two loans or
  more opened), `lapsed` (every loan closed, the last more than 6 months ago, nothing held now).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation

from dateutil.relativedelta import relativedelta
from django.db.models import OuterRef, Q, Subquery
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from customers.models import Customer, CustomerType, EmploymentType
from loanhub import clock
from marketing import rfm
from marketing.models import MarketingChannel, Touch
from products.choices import Channel as ApplicationChannel
from products.choices import Segment as Tag

# Behaviour tags: catalogue segments too (a promotion can target them), computed by servicing.
LOYAL = Tag.LOYAL
REPEAT_BORROWER = Tag.REPEAT_BORROWER
LAPSED = Tag.LAPSED
BEHAVIOUR_TAGS = (LOYAL, REPEAT_BORROWER, LAPSED)
# The segments a customer's profile gives (customers.selectors.customer_segments) and new_customer.
PROFILE_TAGS = frozenset(Tag.values) - set(BEHAVIOUR_TAGS)

LIST_KEYS = {
    "customer_types": set(CustomerType.values),
    "employment_types": set(EmploymentType.values),
    "regions": None,
    "industries": None,
    "tags": set(Tag.values) | set(BEHAVIOUR_TAGS),
    "products": None,  # checked against the catalogue
    "channels": set(ApplicationChannel.values) | set(MarketingChannel.values),
}
MONEY_KEYS = ("income_min", "income_max")
INT_KEYS = ("age_min", "age_max", "applied_within_days", "months_on_book_min", "months_on_book_max")
BOOL_KEYS = ("has_loan",)
RATIO_KEYS = ("on_time_ratio_min",)
RFM_KEYS = tuple(f"{name}_min" for name in rfm.SCORES)
# (minimum, maximum): the maximum may not be below the minimum.
RANGES = (("income_min", "income_max"), ("age_min", "age_max"), ("months_on_book_min", "months_on_book_max"))

# The brief's segments and three on behaviour, shipped as presets (services.presets_ensure, after
# every migrate). The stored name is the English one; a preset still under its shipped name is
# shown translated (`preset_name`), one a manager renamed is shown as typed.
PRESETS: dict[str, tuple[str, dict]] = {
    "sme": (gettext_noop("Small and micro enterprises"), {"customer_types": [CustomerType.SMALL_BUSINESS]}),
    "sole_proprietors": (
        gettext_noop("Sole proprietors"),
        {"customer_types": [CustomerType.SOLE_PROPRIETOR]},
    ),
    "salaried": (gettext_noop("Salaried workers"), {"employment_types": [EmploymentType.SALARIED]}),
    # Investors: business owners and the self-employed with a high monthly income.
    "investors": (
        gettext_noop("Investors"),
        {
            "employment_types": [EmploymentType.BUSINESS_OWNER, EmploymentType.SELF_EMPLOYED],
            "income_min": "30000",
        },
    ),
    "young_professionals": (
        gettext_noop("Young professionals"),
        {"employment_types": [EmploymentType.SALARIED], "age_min": 22, "age_max": 35},
    ),
    "high_net_worth": (gettext_noop("High-net-worth customers"), {"tags": [Tag.HIGH_NET_WORTH]}),
    # On behaviour: loyal customers who borrowed again (loyal, and two loans or more), former
    # borrowers to win back, and the best recent repayers.
    "loyal_repeat_borrowers": (
        gettext_noop("Loyal repeat borrowers"),
        {"tags": [REPEAT_BORROWER], "on_time_ratio_min": "0.95", "months_on_book_min": 12},
    ),
    "lapsed_borrowers": (gettext_noop("Lapsed borrowers"), {"tags": [LAPSED]}),
    "best_repayers": (
        gettext_noop("Best repayers (RFM)"),
        {"rfm": {"recency_min": 4, "frequency_min": 4, "monetary_min": 4}},
    ),
}


def preset_name(preset: str, name: str) -> str:
    """A segment's name in the active language: a preset under its shipped (English) name is
    translated; any other name is shown as stored."""
    shipped = PRESETS.get(preset)
    if shipped is not None and shipped[0] == name:
        return _(name)
    return name


def _number(value) -> Decimal | None:
    if isinstance(value, bool) or not isinstance(value, int | float | str | Decimal):
        return None
    try:
        number = Decimal(str(value))
    except InvalidOperation:
        return None
    return number if number.is_finite() else None


def _list_errors(key: str, value) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
        return [_("A list of texts.")]
    allowed = LIST_KEYS[key]
    if key == "products":
        from products.selectors import product_codes_known

        allowed = product_codes_known(codes=value)
    if allowed is not None and not set(value) <= allowed:
        return [_("Unknown value: %(values)s.") % {"values": ", ".join(sorted(set(value) - allowed))}]
    return []


def _rfm_errors(value) -> list[str]:
    if not isinstance(value, dict) or not value:
        return [_("An object with recency_min, frequency_min or monetary_min.")]
    errors = []
    for key, score in value.items():
        if key not in RFM_KEYS:
            errors.append(_("%(key)s: unknown score.") % {"key": key})
        elif isinstance(score, bool) or not isinstance(score, int) or not 1 <= score <= 5:
            errors.append(_("%(key)s: a whole number from 1 to 5.") % {"key": key})
    return errors


def rules_errors(rules) -> dict[str, list[str]]:
    """Field errors of a rules object (empty when valid)."""
    if not isinstance(rules, dict):
        return {"rules": [_("Rules must be an object.")]}
    errors: dict[str, list[str]] = {}
    known = set(LIST_KEYS) | set(MONEY_KEYS) | set(INT_KEYS) | set(BOOL_KEYS) | set(RATIO_KEYS) | {"rfm"}
    for key, value in rules.items():
        if key not in known:
            errors[key] = [_("Unknown rule.")]
        elif key in LIST_KEYS:
            errors[key] = _list_errors(key, value)
        elif key in MONEY_KEYS:
            number = _number(value)
            if number is None:
                errors[key] = [_("A number.")]
            elif number < 0:
                errors[key] = [_("Must not be negative.")]
        elif key in INT_KEYS:
            if isinstance(value, bool) or not isinstance(value, int) or value < 0:
                errors[key] = [_("A whole number, not negative.")]
        elif key in BOOL_KEYS:
            if not isinstance(value, bool):
                errors[key] = [_("true or false.")]
        elif key in RATIO_KEYS:
            number = _number(value)
            if number is None or not 0 <= number <= 1:
                errors[key] = [_("A number from 0 to 1.")]
        elif key == "rfm":
            errors[key] = _rfm_errors(value)
    errors = {key: messages for key, messages in errors.items() if messages}
    for low, high in RANGES:
        if low in rules and high in rules and not errors.keys() & {low, high}:
            if Decimal(str(rules[high])) < Decimal(str(rules[low])):
                errors[high] = [_("Must not be below %(key)s.") % {"key": low}]
    return errors


def _attributes(rules: dict, on_date: dt.date):
    """The customers the profile rules and the behaviour kept in the database select (a queryset)."""
    from applications.selectors import customers_with_applications
    from servicing.selectors import customers_holding_products, customers_with_loans

    queryset = Customer.objects.all()
    if rules.get("customer_types"):
        queryset = queryset.filter(customer_type__in=rules["customer_types"])
    if rules.get("employment_types"):
        queryset = queryset.filter(employment_type__in=rules["employment_types"])
    if rules.get("regions"):
        queryset = queryset.filter(region__in=rules["regions"])
    if rules.get("industries"):
        queryset = queryset.filter(industry__in=rules["industries"])
    if rules.get("income_min") is not None:
        queryset = queryset.filter(monthly_income__gte=Decimal(str(rules["income_min"])))
    if rules.get("income_max") is not None:
        queryset = queryset.filter(monthly_income__lte=Decimal(str(rules["income_max"])))
    # Age a on `on_date`: born after (on_date - (a+1) years) and on or before (on_date - a years).
    if rules.get("age_min") is not None:
        queryset = queryset.filter(date_of_birth__lte=on_date - relativedelta(years=rules["age_min"]))
    if rules.get("age_max") is not None:
        queryset = queryset.filter(date_of_birth__gt=on_date - relativedelta(years=rules["age_max"] + 1))
    if "has_loan" in rules:
        borrowed = Q(pk__in=customers_with_loans())
        queryset = queryset.filter(borrowed if rules["has_loan"] else ~borrowed)
    if rules.get("applied_within_days") is not None:
        since = clock.now() - dt.timedelta(days=rules["applied_within_days"])
        queryset = queryset.filter(pk__in=customers_with_applications(since=since))
    if rules.get("products"):
        queryset = queryset.filter(pk__in=customers_holding_products(product_codes=rules["products"]))
    if rules.get("channels"):
        channels = set(rules["channels"])
        first_touch = Touch.objects.filter(customer_id=OuterRef("pk")).order_by("occurred_at", "id")
        applied_through = customers_with_applications(channels=channels & set(ApplicationChannel.values))
        queryset = queryset.annotate(first_touch_channel=Subquery(first_touch.values("channel")[:1])).filter(
            Q(pk__in=applied_through) | Q(first_touch_channel__in=channels & set(MarketingChannel.values))
        )
    return queryset


def _behaviour_tags(tags: set[str], customers, on_date: dt.date) -> dict[str, set[int]]:
    """For each behaviour tag asked, the customer ids (of `customers`) that carry it: the same
    definition a quote's segments use (servicing.behaviour), a few grouped queries."""
    from servicing.behaviour import customer_behaviour_tags

    return customer_behaviour_tags(customers=customers, as_of=on_date, tags=tags & set(BEHAVIOUR_TAGS))


def _on_time_ratio_at_least(customers, minimum: Decimal, on_date: dt.date) -> set[int]:
    from servicing.selectors import customer_on_time_counts

    counts = customer_on_time_counts(customers=customers, as_of=on_date)
    # on_time / due >= minimum, without dividing (exact for any decimal minimum)
    return {cid for cid, (due, on_time) in counts.items() if due and on_time >= minimum * due}


def _months_on_book_within(customers, low: int | None, high: int | None, on_date: dt.date) -> set[int]:
    from servicing.selectors import customer_months_on_book

    months = customer_months_on_book(customers=customers, as_of=on_date)
    return {cid for cid, n in months.items() if (low is None or n >= low) and (high is None or n <= high)}


def evaluate(rules: dict, *, on_date: dt.date | None = None) -> list[int]:
    """The ids of the customers the rules select now, ascending.

    The profile rules and `has_loan`, `applied_within_days`, `products` and `channels` filter in
    the database (one query); months on book, the on-time ratio, RFM scores and tags are a few
    grouped queries over those customers, combined in Python: the number of queries does not grow
    with the number of customers."""
    on_date = on_date or clock.today()
    queryset = _attributes(rules, on_date)
    candidates = queryset.order_by().values("pk")
    keep: set[int] | None = None  # None: no behaviour rule narrowed the selection yet

    def narrow(ids: set[int]) -> None:
        nonlocal keep
        keep = ids if keep is None else keep & ids

    low, high = rules.get("months_on_book_min"), rules.get("months_on_book_max")
    if low is not None or high is not None:
        narrow(_months_on_book_within(candidates, low, high, on_date))
    if rules.get("on_time_ratio_min") is not None:
        narrow(_on_time_ratio_at_least(candidates, Decimal(str(rules["on_time_ratio_min"])), on_date))
    if rules.get("rfm"):
        narrow(rfm.customers_scoring_at_least(rfm.customer_rfm(as_of=on_date), rules["rfm"]))
    if rules.get("tags"):
        # Any of the tags (OR): behaviour tags are id sets; profile tags need the customer's row.
        wanted = set(rules["tags"])
        tagged = _behaviour_tags(wanted, candidates, on_date)
        if wanted & PROFILE_TAGS:
            return _with_profile_tags(queryset, wanted, tagged, keep, on_date)
        narrow(set().union(*tagged.values()))
    ids = list(queryset.order_by("id").values_list("id", flat=True))
    return ids if keep is None else [pk for pk in ids if pk in keep]


def _with_profile_tags(queryset, wanted: set[str], tagged: dict[str, set[int]], keep, on_date) -> list[int]:
    """The customers of `queryset` (and of `keep`, unless None) carrying one of the `wanted` tags."""
    from customers.selectors import customer_segments

    with_loan: set[int] = set()
    if Tag.NEW_CUSTOMER in wanted:
        from servicing.selectors import customers_with_loans

        with_loan = set(queryset.filter(pk__in=customers_with_loans()).values_list("pk", flat=True))
    selected = []
    for customer in queryset.order_by("id"):
        if keep is not None and customer.pk not in keep:
            continue
        tags = {tag for tag, ids in tagged.items() if customer.pk in ids}
        tags |= customer_segments(customer, on_date=on_date)
        if customer.pk not in with_loan:
            tags.add(Tag.NEW_CUSTOMER)
        if tags & wanted:
            selected.append(customer.pk)
    return selected
