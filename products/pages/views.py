"""Customer catalogue pages: browse, one product with a quote, compare, recommendations.

Server-rendered, GET only, no JavaScript. Each view validates its form and calls one selector
or service; the figures come from the same `product_quote` the API uses, priced for the
signed-in customer's own segments as their application's offer will be.
"""

from __future__ import annotations

import hashlib
from decimal import Decimal
from urllib.parse import urlencode

from django.http import Http404
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_GET

from loanhub import clock, pagecache
from loanhub.formatting import cny_text, percent_text
from products import choices as c
from products import hooks, selectors, services
from products.api.callers import caller_segments
from products.engine.schedule import build_schedule
from products.featured import featured_order
from products.models import Product
from products.pages.forms import CatalogueFilterForm, CompareForm, QuoteForm, RecommendForm
from products.pricing import rate_from
from products.quotes import Profile, representative_quote

EXAMPLE_PRINCIPAL = Decimal("10000")
EXAMPLE_RATE = Decimal("0.06")


def _card(version, on_date, representative=None) -> dict:
    representative = representative or representative_quote(version, on_date=on_date)
    return {
        "version": version,
        "rate_from": percent_text(rate_from(version, on_date=on_date)),
        "representative": representative,
        "representative_apr": percent_text(representative.apr) if representative else "",
        "apply_url": apply_url(version, representative) if representative else None,
        "eligibility": eligibility_words(version),
    }


def apply_url(version, quote) -> str:
    """The application form prefilled with exactly what was quoted (grace included)."""
    asked = {
        "product": version.product.code,
        "amount": quote.amount,
        "term": quote.term,
        "method": quote.method,
        "frequency": quote.frequency,
    }
    if quote.grace:
        asked.update(grace_periods=quote.grace["periods"], grace_type=quote.grace["type"])
    return "/apply/?" + urlencode(asked)


def detail_url(version, quote) -> str:
    """The product's page, quoting the same loan (the comparison's way to read a product in full)."""
    asked = {"amount": quote.amount, "term": quote.term, "method": quote.method, "frequency": quote.frequency}
    return reverse("catalogue:detail", args=[version.product.code]) + "?" + urlencode(asked)


def featured_cards(*, on_date=None, limit: int = 3) -> list[dict]:
    """The home page's featured products (products.featured: the cheapest representative APR of
    each purpose first, then the next cheapest); products without a representative quote are not
    featured."""
    on_date = on_date or clock.today()
    ordered = featured_order(selectors.product_list_active(on_date=on_date), on_date=on_date)
    return [_card(version, on_date, quote) for version, quote in ordered if quote is not None][:limit]


def eligibility_words(version) -> list[str]:
    """Who may apply, in plain words."""
    from django.utils.translation import gettext as _

    words = [
        _("aged %(min)s to %(max)s (at most %(maturity)s when the loan ends)")
        % {"min": version.age_min, "max": version.age_max, "maturity": version.age_max_at_maturity}
    ]
    types = ", ".join(
        str(c.CustomerType(t).label) for t in version.customer_types if t in c.CustomerType.values
    )
    if types:
        words.append(_("for %(types)s") % {"types": types})
    if version.employment_types:
        jobs = ", ".join(
            str(c.EmploymentType(t).label) for t in version.employment_types if t in c.EmploymentType.values
        )
        words.append(_("employment: %(jobs)s") % {"jobs": jobs})
    if version.min_monthly_income:
        words.append(
            _("monthly income from %(income)s") % {"income": cny_text(version.min_monthly_income, places=0)}
        )
    words.append(
        _("repayments up to %(dti)s of income, including other debts")
        % {"dti": f"{version.max_dti * 100:.0f}%"}
    )
    return words


@require_GET
def product_list(request):
    def context() -> dict:
        form = CatalogueFilterForm(request.GET or None)
        versions = selectors.product_list_active()
        if form.is_valid():
            if form.cleaned_data.get("purpose"):
                versions = [v for v in versions if v.category == form.cleaned_data["purpose"]]
            if form.cleaned_data.get("amount"):
                amount = form.cleaned_data["amount"]
                versions = [v for v in versions if v.amount_min <= amount <= v.amount_max]
            if form.cleaned_data.get("term"):
                term = form.cleaned_data["term"]
                versions = [v for v in versions if v.term_min <= term <= v.term_max]
        today = clock.today()
        labels = dict(c.Category.choices)
        groups = []
        for category in c.Category.values:
            cards = [_card(v, today) for v in versions if v.category == category]
            if cards:
                groups.append({"category": category, "label": labels[category], "cards": cards})
        return {"form": form, "groups": groups}

    # The whole catalogue is the same for everyone (cards carry no personal price); filtered
    # views are rendered each time.
    cache_as = None if request.GET else "list"
    return pagecache.render_content(request, "products/catalogue/list.html", context, cache_as=cache_as)


def _offered(code: str):
    try:
        return selectors.product_get_offered(code=code)
    except (Product.DoesNotExist, selectors.ProductNotOffered):
        raise Http404(code) from None


@require_GET
def product_detail(request, code: str):
    bound = any(name in request.GET for name in QuoteForm.base_fields)
    # The product's own example (no query) is priced for the visitor's segments (a signed-in
    # customer's promotions and waivers) and holds nothing else of theirs: kept per segment set,
    # which many customers share, never shown to another set. A quote asked for is rendered each
    # time (it also tells marketing's funnel).
    cache_as = None
    if not bound:
        segments = caller_segments(request.user)
        cache_as = f"product:{code}"
        if segments:
            cache_as += ":" + hashlib.sha256(",".join(segments).encode()).hexdigest()[:32]
    return pagecache.render_content(
        request,
        "products/catalogue/detail.html",
        lambda: _detail_context(request, code, bound),
        cache_as=cache_as,
    )


def _detail_context(request, code: str, bound: bool) -> dict:
    version = _offered(code)
    form = QuoteForm(request.GET if bound else QuoteForm.initial_for(version), version=version)
    quote = None
    if form.is_valid():
        try:
            quote = services.product_quote(
                version=version, segments=caller_segments(request.user), **form.quote_kwargs()
            )
        except services.ProductQuoteError as exc:
            form.add_quote_errors(exc.errors)
    if bound and quote is not None:
        hooks.quote_asked(user=request.user, cookies=request.COOKIES, product_code=code)
    context = {
        "version": version,
        "card": _card(version, clock.today()),
        "form": form,
        "quote": quote,
        "apr": percent_text(quote.apr) if quote else "",
        "annual_rate": percent_text(quote.annual_rate) if quote else "",
        "apply_url": apply_url(version, quote) if quote is not None else None,
        "grid": _grid_table(version),
        "methods": [str(dict(c.RepaymentMethod.choices).get(m, m)) for m in version.repayment_methods],
        "fees": _fee_rows(version),
        "promotions": _promotion_rows(version, request.user),
    }
    return context


def _promotion_rows(version, user) -> list[dict]:
    """The version's promotions as the page lists them. A promotion under a running pilot is said
    to be one, and whether this visitor is in it: listing it plainly would promise everyone a price
    only the pilot's members get."""
    promotions = list(version.promotions.all())
    if not promotions:
        return []
    piloted = {code for (product, code) in hooks.piloted_promotions() if product == version.product.code}
    segments = set(caller_segments(user)) if piloted else set()
    rows = []
    for promotion in promotions:
        pilot = promotion.code in piloted
        member = pilot and c.pilot_member(version.product.code, promotion.code) in segments
        rows.append({"promotion": promotion, "pilot": pilot, "member": member})
    return rows


def _grid_table(version) -> list[dict]:
    rows = []
    for tier in version.pricing_tiers.all():
        if version.rate_type == c.RateType.FLOATING:
            value = f"{version.get_benchmark_display()} {tier.spread_bps:+d} bp"
        else:
            value = percent_text(tier.annual_rate)
        rows.append({"grade": tier.risk_grade, "terms": f"{tier.term_min}–{tier.term_max}", "rate": value})
    return rows


def _fee_rows(version) -> list[dict]:
    """A version's fees in plain words: the amount in yuan or the rate as a percentage, and who
    has it waived by the segments' names (never their codes)."""
    from django.utils.translation import gettext as _

    segments = dict(c.Segment.choices)
    rows = []
    for fee in version.fees.all():
        if fee.amount is not None:
            charge = cny_text(fee.amount)
        else:
            charge = percent_text(fee.rate)
        rows.append(
            {
                "fee": fee,
                "charge": charge,
                "waived_for": [
                    str(
                        _("customers invited by a campaign")
                        if c.is_invitation(code)
                        else segments.get(code, code)
                    )
                    for code in fee.waived_for_segments
                ],
            }
        )
    return rows


def _common(value: int | Decimal, lows, highs) -> int | Decimal | None:
    """`value` moved into the range every product accepts, or None when they share none."""
    low, high = max(lows), min(highs)
    if low > high:
        return None
    return min(max(value, low), high)


def _compare_loan(versions, amount, term) -> tuple:
    """The one loan every column prices: what the customer asked, else the smallest
    representative loan moved into the amounts and terms all the products accept (None where
    they share none: each column then prices its own representative loan)."""
    if amount is None:
        amount = _common(
            min(v.representative_amount for v in versions),
            [v.amount_min for v in versions],
            [v.amount_max for v in versions],
        )
    if term is None:
        term = _common(
            min(v.representative_term for v in versions),
            [v.term_min for v in versions],
            [v.term_max for v in versions],
        )
    return amount, term


@require_GET
def product_compare(request):
    # Ticked boxes send ?codes=A&codes=B; a shared link may say ?codes=A,B. Both are one list.
    data = None
    if request.GET:
        data = request.GET.copy()
        data["codes"] = ",".join(request.GET.getlist("codes"))
    form = CompareForm(data)
    columns, missing, chosen = [], [], set()
    same_loan = False
    if form.is_valid():
        chosen = set(form.cleaned_data["codes"])
        versions = []
        for code in form.cleaned_data["codes"]:
            try:
                versions.append(selectors.product_get_offered(code=code))
            except (Product.DoesNotExist, selectors.ProductNotOffered):
                missing.append(code)
        segments = caller_segments(request.user)
        amount, term = (None, None)
        if versions:
            amount, term = _compare_loan(
                versions, form.cleaned_data.get("amount"), form.cleaned_data.get("term")
            )
        same_loan = amount is not None and term is not None
        for version in versions:
            own_amount = amount if amount is not None else version.representative_amount
            own_term = term if term is not None else version.representative_term
            column = {"version": version, "quote": None, "errors": [], "amount": own_amount, "term": own_term}
            try:
                column["quote"] = services.product_quote(
                    version=version, amount=own_amount, term=own_term, segments=segments
                )
                column["apr"] = percent_text(column["quote"].apr)
                column["annual_rate"] = percent_text(column["quote"].annual_rate)
                column["apply_url"] = apply_url(version, column["quote"])
                column["detail_url"] = detail_url(version, column["quote"])
            except services.ProductQuoteError as exc:
                column["errors"] = [m for messages in exc.errors.values() for m in messages]
            columns.append(column)
        form.amount_used, form.term_used = amount, term
    elif request.GET.getlist("codes"):
        chosen = {code.strip().upper() for value in request.GET.getlist("codes") for code in value.split(",")}
    cheapest = min((col["quote"].total_cost for col in columns if col["quote"]), default=None)
    for column in columns:
        column["cheapest"] = (
            same_loan and column["quote"] is not None and column["quote"].total_cost == cheapest
        )
    return render(
        request,
        "products/catalogue/compare.html",
        {
            "form": form,
            "columns": columns,
            "missing": missing,
            "same_loan": same_loan,
            "chosen": chosen,
            "all_products": selectors.product_list_active(),
        },
    )


@require_GET
def terms_explained(request):
    """Loan words in plain language (APR, 等额本息, 等额本金, grace, prepayment, penalty interest),
    with a worked example the engine computes."""
    return pagecache.render_content(
        request,
        "products/catalogue/glossary.html",
        lambda: {"example": glossary_example()},
        cache_as="glossary",
    )


def glossary_example() -> dict:
    """10,000 yuan over 12 months at 6 % a year, by equal installments (等额本息) and by equal
    principal (等额本金), from the one schedule engine."""
    example = {"principal": EXAMPLE_PRINCIPAL, "rate": percent_text(EXAMPLE_RATE), "term": 12}
    for method in (c.RepaymentMethod.ANNUITY, c.RepaymentMethod.EQUAL_PRINCIPAL):
        schedule = build_schedule(
            principal=EXAMPLE_PRINCIPAL,
            annual_rate=EXAMPLE_RATE,
            term=12,
            frequency=c.Frequency.MONTHLY,
            method=method,
            start_date=clock.today(),
        )
        example[method] = {
            "first": schedule.rows[0].payment,
            "last": schedule.rows[-1].payment,
            "interest": schedule.summary.total_interest,
        }
    return example


@require_GET
def product_recommend(request):
    """Recommendations: for a signed-in customer from their profile and history (marketing's
    recommender) with a link to switch to the non-personalised list, which is also what they
    get without their consent (PIPL art. 24(2)); for anyone else by the details entered."""
    personalised = request.GET.get("personalised", "1") != "0"
    data = request.GET or None
    if data is None and (prefill := hooks.recommend_defaults(user=request.user)):
        data = {name: str(value) for name, value in prefill.items()}
    form = RecommendForm(data)
    answer = None
    if form.is_valid():
        profile = Profile(segments=caller_segments(request.user), **form.profile_kwargs())
        versions = selectors.product_list_active()
        answer = services.recommendations_for(
            user=request.user, profile=profile, versions=versions, personalised=personalised
        )
    context = {"form": form, "eligible": None, "ineligible": None, "answer": answer}
    if answer is not None:
        results = answer["recommendations"]
        context["eligible"] = [
            {"r": r, "apr": percent_text(r.quote.apr), "annual_rate": percent_text(r.quote.annual_rate)}
            for r in results
            if r.eligible
        ]
        context["ineligible"] = [r for r in results if not r.eligible]
        asked = {name: value for name, value in (data or {}).items() if name != "personalised"}
        context["switch_url"] = "?" + urlencode({**asked, "personalised": "1" if not personalised else "0"})
        context["personalised_asked"] = personalised
    return render(request, "products/catalogue/recommend.html", context)


@require_GET
def home(request):
    """The customers' landing page: featured products with an example cost, the calculator and
    the way to apply. The content is the same for everyone (kept with the catalogue's pages)."""
    return pagecache.render_content(
        request, "home.html", lambda: {"featured": featured_cards()}, cache_as="home"
    )
