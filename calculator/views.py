"""The customer cost calculator page (/calculator/) and its schedule downloads.

GET only and server-rendered: the form reads the query string, so a result is a link that can be
shared, and the CSV/Excel links carry the same query. Figures come from `calculator.services`,
the same service the public API uses.
"""

from __future__ import annotations

from django.http import HttpResponse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from calculator import charts, exports, services
from calculator.forms import CalculatorForm
from loanhub import clock, pagecache
from loanhub.formatting import percent_text
from products import selectors
from products.choices import RepaymentMethod
from products.pricing import rate_from

# Catalogue fee type → the calculator field it fills.
PRODUCT_FEE_FIELDS = {
    "upfront": "upfront_fee",
    "upfront_percent": "upfront_fee_percent",
    "periodic": "periodic_fee",
    "periodic_percent": "periodic_fee_percent",
}
COMPARED = (RepaymentMethod.ANNUITY, RepaymentMethod.EQUAL_PRINCIPAL, RepaymentMethod.INTEREST_ONLY)


def _compute(form: CalculatorForm) -> dict | None:
    """The schedule for a valid form, or None with the engine's errors put on the form."""
    if not form.is_valid():
        return None
    try:
        return services.schedule_result(form.terms())
    except services.CalculationError as exc:
        form.add_engine_errors(exc.errors)
        return None


def _comparison(form: CalculatorForm) -> list[dict]:
    rows = []
    for method in COMPARED:
        try:
            result = services.schedule_result(form.terms(method=method))
        except services.CalculationError:
            continue  # a combination the engine refuses (it is shown for the chosen method)
        summary, installments = result["summary"], result["installments"]
        rows.append(
            {
                "method": method.label,
                "chosen": method == form.cleaned_data["method"],
                "first": installments[0]["payment"],
                "last": installments[-1]["payment"],
                "total_interest": summary["total_interest"],
                "total_cost": summary["total_interest"] + summary["total_fees"],
                "apr": percent_text(summary["apr"]),
            }
        )
    return rows


def _product_data(data, versions: dict) -> tuple[dict, object | None]:
    """The query with a chosen product's terms filled in where the visitor typed nothing."""
    version = versions.get(data.get("product") or "")
    if version is None:
        return data, None
    data = data.copy()
    lowest = rate_from(version, on_date=clock.today())
    if not data.get("annual_rate") and lowest is not None:
        data["annual_rate"] = format((lowest * 100).normalize(), "f")
    data.setdefault("day_count", version.day_count)
    if not data.get("method"):
        data["method"] = version.default_method
    if not data.get("frequency"):
        data["frequency"] = version.default_frequency
    for fee in version.fees.all():
        if not fee.mandatory:
            continue
        field = PRODUCT_FEE_FIELDS[fee.fee_type]
        if not data.get(field):
            value = fee.rate * 100 if fee.fee_type.endswith("_percent") else fee.amount
            data[field] = format(value.normalize(), "f")
    return data, version


@require_GET
def calculator_page(request):
    bound = any(name in request.GET for name in CalculatorForm.base_fields)
    # Without a query the page shows the default loan, the same for everyone: kept in the cache.
    return pagecache.render_content(
        request,
        "calculator/calculator.html",
        lambda: _page_context(request, bound),
        cache_as=None if bound else "calculator",
    )


def _page_context(request, bound: bool) -> dict:
    versions = {version.product.code: version for version in selectors.product_list_active()}
    defaults = {
        name: field.initial for name, field in CalculatorForm.base_fields.items() if field.initial is not None
    }
    data, version = _product_data(request.GET if bound else defaults, versions)
    form = CalculatorForm(data, products=versions.values())
    result = _compute(form)
    context = {"form": form, "result": None, "query": request.GET.urlencode(), "version": version}
    if result is not None:
        summary, rows = result["summary"], result["installments"]
        context.update(
            result=result,
            summary=summary,
            rows=rows,
            first=rows[0]["payment"],
            last=rows[-1]["payment"],
            total_cost=summary["total_interest"] + summary["total_fees"],
            apr=percent_text(summary["apr"]),
            nominal=percent_text(form.terms()["annual_rate"]),
            varying=form.cleaned_data["method"] != RepaymentMethod.ANNUITY,
            comparison=_comparison(form),
            balance_chart=charts.balance_chart(summary["total_principal"], rows),
            split_chart=charts.split_chart(rows),
            query=request.GET.urlencode() if bound else "",
        )
    return context


@require_GET
def calculator_download(request, fmt: str):
    versions = {version.product.code: version for version in selectors.product_list_active()}
    data, _version = _product_data(request.GET, versions)
    form = CalculatorForm(data, products=versions.values())
    result = _compute(form)
    if result is None:
        return HttpResponse(
            _("The loan terms in this link are not valid; open the calculator to correct them."),
            status=400,
            content_type="text/plain; charset=utf-8",
        )
    if fmt == "csv":
        body = exports.schedule_csv(result["installments"], result["summary"])
        content_type = "text/csv; charset=utf-8"
    else:
        body = exports.schedule_xlsx(result["installments"], result["summary"])
        content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    response = HttpResponse(body, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="loanhub-schedule.{fmt}"'
    return response
