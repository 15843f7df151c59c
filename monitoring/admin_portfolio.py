"""The portfolio dashboard of the admin console: balance and count over time, the mix by product,
segment (customer type), region, industry and channel, the yield, and disbursements against
repayments over time, with filters (a GET form, no JavaScript) and CSV / XLSX downloads of the
tables the page shows. It reads only `monitoring.portfolio_selectors` (the small aggregates).

It is the change list of `PortfolioMix`: the view permission of the aggregates decides who opens
it (the staff roles that view the business); nothing in it can be added, changed or deleted.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django import forms
from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.template.response import TemplateResponse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from loanhub.admin_readonly import ReadOnlyAdminMixin
from monitoring import charts, exports
from monitoring import portfolio_selectors as selectors
from monitoring.portfolio_models import MIX_DIMENSIONS, PortfolioMix
from products.choices import Channel, CustomerType

CHART_PARTS = 7  # a mix bar names the largest parts and sums the rest as "other"


def dimension_titles() -> dict[str, str]:
    return {
        "product": _("Product"),
        "customer_type": _("Segment (customer type)"),
        "channel": _("Channel"),
        "region": _("Region"),
        "industry": _("Industry"),
    }


def value_label(dimension: str, value: str) -> str:
    """A dimension's value as the page shows it (codes of choices in the page's language)."""
    if value == "":
        return _("not given")
    if dimension == "customer_type":
        return str(dict(CustomerType.choices).get(value, value))
    if dimension == "channel":
        return str(dict(Channel.choices).get(value, value))
    return value


class PortfolioFilterForm(forms.Form):
    start = forms.DateField(label=gettext_lazy("From"), required=False)
    end = forms.DateField(label=gettext_lazy("To"), required=False)

    def __init__(self, *args, values: dict[str, list[str]], **kwargs):
        super().__init__(*args, **kwargs)
        titles = dimension_titles()
        for name in selectors.FILTERS:
            # A value on the book, or "" for the loans without one ("not given").
            choices = [
                (value or selectors.NOT_GIVEN, value_label(name, value)) for value in values.get(name, [])
            ]
            self.fields[name] = forms.ChoiceField(
                label=titles[name], required=False, choices=[("", _("all")), *choices]
            )

    def filters(self) -> dict[str, str | None]:
        self.is_valid()  # the valid fields count; an invalid one is as if not given
        return selectors.portfolio_filters(self.cleaned_data)

    def period(self, latest: dt.date) -> tuple[dt.date, dt.date]:
        self.is_valid()
        data = self.cleaned_data
        return selectors.portfolio_period(latest=latest, start=data.get("start"), end=data.get("end"))


def _period_label(period: dt.date, monthly: bool) -> str:
    return period.strftime("%Y-%m") if monthly else period.isoformat()


def portfolio_tables(figures: dict) -> dict[str, exports.Table]:
    """The page's tables as (headers, rows): what the page shows and the downloads hold."""
    titles = dimension_titles()
    flows = figures["flows"]
    earned = figures["yield"]
    return {
        "balance": (
            [_("Date"), _("Loans"), _("Principal outstanding")],
            [[day["as_of"].isoformat(), day["loans"], day["balance"]] for day in figures["series"]],
        ),
        "mix": (
            [_("Dimension"), _("Value"), _("Loans"), _("Principal outstanding"), _("Share")],
            [
                [titles[name], value_label(name, part["key"]), part["loans"], part["balance"], part["share"]]
                for name in MIX_DIMENSIONS
                for part in figures["mix"].get(name, [])
            ],
        ),
        "flows": (
            [
                _("Month") if flows["monthly"] else _("Date"),
                _("Loans disbursed"),
                _("Principal disbursed"),
                _("Fees withheld at disbursement"),
                _("Repayments"),
                _("Principal repaid"),
                _("Interest received"),
                _("Penalty interest received"),
                _("Fees received"),
                _("Credit line draws"),
                _("Drawn on credit lines"),
                _("Credit line repayments"),
                _("Credit line principal repaid"),
                _("Credit line interest received"),
                _("Credit line penalty interest received"),
            ],
            [
                [_period_label(row["period"], flows["monthly"]), *(row[m] for m in selectors.FLOW_MEASURES)]
                for row in flows["periods"]
            ],
        ),
        "yield": (
            [_("From"), _("To"), _("Days"), _("Average balance"), _("Interest and fees earned"), _("Yield")],
            [
                [
                    earned["first"].isoformat(),
                    earned["last"].isoformat(),
                    earned["days"],
                    earned["average_balance"],
                    earned["earned"],
                    earned["yield"],
                ]
            ]
            if earned
            else [],
        ),
    }


def _money_tick(value: Decimal) -> str:
    return f"{value:,.0f}"


def _mix_chart(name: str, parts: list[dict]) -> str:
    shown = {value_label(name, part["key"]): part["balance"] for part in parts[:CHART_PARTS]}
    rest = sum((part["balance"] for part in parts[CHART_PARTS:]), Decimal("0.00"))
    if rest:
        shown[_("other")] = rest
    title = dimension_titles()[name]
    return charts.share_bar(label=_("Mix by %(dimension)s") % {"dimension": title}, parts=shown)


def portfolio_charts(figures: dict) -> dict:
    series, flows = figures["series"], figures["flows"]
    days = [day["as_of"].strftime("%m-%d") for day in series]
    periods = [_period_label(row["period"], flows["monthly"]) for row in flows["periods"]]
    return {
        "balance_chart": charts.line_chart(
            label=_("Principal outstanding over time"),
            x_labels=days,
            series={_("Principal outstanding"): [day["balance"] for day in series]},
            tick=_money_tick,
        )
        if series
        else "",
        "count_chart": charts.line_chart(
            label=_("Loans on the book over time"),
            x_labels=days,
            series={_("Loans"): [Decimal(day["loans"]) for day in series]},
            tick=_money_tick,
        )
        if series
        else "",
        "mix_charts": [_mix_chart(name, parts) for name, parts in figures["mix"].items() if parts],
        "flows_chart": charts.bar_chart(
            label=_("Disbursements and repayments over time"),
            categories=periods,
            series={
                _("Disbursed and drawn"): [row["disbursed"] + row["drawn"] for row in flows["periods"]],
                _("Repaid: principal, interest and fees"): [
                    row["principal"]
                    + row["interest"]
                    + row["penalty"]
                    + row["fees"]
                    + row["line_principal"]
                    + row["line_interest"]
                    + row["line_penalty"]
                    for row in flows["periods"]
                ],
            },
            tick=_money_tick,
        )
        if periods
        else "",
    }


@admin.register(PortfolioMix)
class PortfolioDashboardAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """`?start=&end=&product=&customer_type=&region=&channel=` filter the page; `export=csv&table=`
    (balance, mix, flows, yield) downloads one table, `export=xlsx` all of them."""

    def changelist_view(self, request, extra_context=None):
        if not self.has_view_permission(request):
            raise PermissionDenied
        latest = selectors.portfolio_latest_date()
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": _("Portfolio: mix, yield and flows"),
            "as_of": latest,
        }
        if latest is None:
            if request.GET.get("export"):
                raise Http404(_("No such export."))
            return TemplateResponse(request, "admin/monitoring/portfolio.html", context)
        form = PortfolioFilterForm(request.GET, values=selectors.portfolio_filter_values(as_of=latest))
        start, end = form.period(latest)
        figures = selectors.portfolio_view(start=start, end=end, filters=form.filters())
        tables = portfolio_tables(figures)
        export = request.GET.get("export")
        if export == "csv":
            name = request.GET.get("table", "")
            if name not in tables:
                raise Http404(_("No such table."))
            return exports.csv_response(f"portfolio-{name}", *tables[name])
        if export == "xlsx":
            return exports.xlsx_response(tables, name="portfolio")
        if export:
            raise Http404(_("No such export."))
        query = request.GET.copy()
        query.pop("export", None)
        query.pop("table", None)
        context.update(
            form=form,
            figures=figures,
            tables=tables,
            query=query.urlencode(),
            **portfolio_charts(figures),
        )
        return TemplateResponse(request, "admin/monitoring/portfolio.html", context)
