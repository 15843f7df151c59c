"""Customer catalogue pages: browse, one product with a quote, compare, recommendations.

Server-rendered, GET only, no JavaScript. Each view validates its form and calls one selector
or service; the figures come from the same `product_quote` the API uses, priced for the
signed-in customer's own segments as their application's offer will be.
"""

from __future__ import annotations

from urllib.parse import urlencode

from django.http import Http404
from django.shortcuts import render
from django.views.decorators.http import require_GET

from loanhub import clock, pagecache
from loanhub.formatting import percent_text
from products import choices as c
from products import selectors, services
from products.api.callers import caller_segments
from products.models import Product
from products.pages.forms import CatalogueFilterForm, CompareForm, QuoteForm, RecommendForm
from products.pricing import rate_from
from products.quotes import Profile, representative_quote


def _card(version, on_date) -> dict:
    representative = representative_quote(version, on_date=on_date)
    return {
        "version": version,
        "rate_from": percent_text(rate_from(version, on_date=on_date)),
        "representative": representative,
        "representative_apr": percent_text(representative.apr) if representative else "",
        "eligibility": eligibility_words(version),
    }


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
            _("monthly income from %(income)s CNY") % {"income": f"{version.min_monthly_income:,.0f}"}
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
    # A signed-in customer's quote is priced for their segments: kept only for anonymous visitors
    # on the product's own example (no query).
    public = not bound and not request.user.is_authenticated
    return pagecache.render_content(
        request,
        "products/catalogue/detail.html",
        lambda: _detail_context(request, code, bound),
        cache_as=f"product:{code}" if public else None,
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
    apply_url = None
    if quote is not None:
        # The application starts from exactly what was quoted (grace included).
        asked = {
            "product": version.product.code,
            "amount": quote.amount,
            "term": quote.term,
            "method": quote.method,
            "frequency": quote.frequency,
        }
        if quote.grace:
            asked.update(grace_periods=quote.grace["periods"], grace_type=quote.grace["type"])
        apply_url = "/apply/?" + urlencode(asked)
    context = {
        "version": version,
        "card": _card(version, clock.today()),
        "form": form,
        "quote": quote,
        "apr": percent_text(quote.apr) if quote else "",
        "annual_rate": percent_text(quote.annual_rate) if quote else "",
        "apply_url": apply_url,
        "grid": _grid_table(version),
    }
    return context


def _grid_table(version) -> list[dict]:
    rows = []
    for tier in version.pricing_tiers.all():
        if version.rate_type == c.RateType.FLOATING:
            value = f"{version.get_benchmark_display()} {tier.spread_bps:+d} bp"
        else:
            value = percent_text(tier.annual_rate)
        rows.append({"grade": tier.risk_grade, "terms": f"{tier.term_min}–{tier.term_max}", "rate": value})
    return rows


@require_GET
def product_compare(request):
    form = CompareForm(request.GET or None)
    columns, missing = [], []
    if form.is_valid():
        versions = []
        for code in form.cleaned_data["codes"]:
            try:
                versions.append(selectors.product_get_offered(code=code))
            except (Product.DoesNotExist, selectors.ProductNotOffered):
                missing.append(code)
        amount = form.cleaned_data.get("amount")
        term = form.cleaned_data.get("term")
        segments = caller_segments(request.user)
        if versions and amount is None:
            amount = max(min(v.representative_amount for v in versions), max(v.amount_min for v in versions))
        if versions and term is None:
            term = max(min(v.representative_term for v in versions), max(v.term_min for v in versions))
        for version in versions:
            column = {"version": version, "quote": None, "errors": []}
            try:
                column["quote"] = services.product_quote(
                    version=version, amount=amount, term=term, segments=segments
                )
                column["apr"] = percent_text(column["quote"].apr)
                column["annual_rate"] = percent_text(column["quote"].annual_rate)
            except services.ProductQuoteError as exc:
                column["errors"] = [m for messages in exc.errors.values() for m in messages]
            columns.append(column)
        form.amount_used, form.term_used = amount, term
    return render(
        request,
        "products/catalogue/compare.html",
        {
            "form": form,
            "columns": columns,
            "missing": missing,
            "all_products": selectors.product_list_active(),
        },
    )


@require_GET
def product_recommend(request):
    form = RecommendForm(request.GET or None)
    eligible = ineligible = None
    if form.is_valid():
        results = services.product_recommend(
            profile=Profile(segments=caller_segments(request.user), **form.profile_kwargs()),
            versions=selectors.product_list_active(),
        )
        eligible = [
            {"r": r, "apr": percent_text(r.quote.apr), "annual_rate": percent_text(r.quote.annual_rate)}
            for r in results
            if r.eligible
        ]
        ineligible = [r for r in results if not r.eligible]
    return render(
        request,
        "products/catalogue/recommend.html",
        {"form": form, "eligible": eligible, "ineligible": ineligible},
    )
