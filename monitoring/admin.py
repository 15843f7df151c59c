"""The monitoring dashboard in the admin console: the portfolio's buckets over time, its
classification mix and the vintage curves, read only from the aggregates (never the loans).

It is the change list of `PortfolioDay` (so the console lists it, and the view permission of the
aggregates decides who sees it); nothing in it can be added, changed or deleted.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.contrib import admin
from django.template.response import TemplateResponse
from django.utils.translation import gettext as _

from loanhub.admin_readonly import ReadOnlyAdminMixin
from monitoring import charts, selectors
from monitoring.models import PortfolioDay
from servicing.choices import Classification

HISTORY_DAYS = 90


def _money_tick(value: Decimal) -> str:
    return f"{value:,.0f}"


def _share_tick(value: Decimal) -> str:
    return f"{100 * value:.0f}%"


def dashboard_context() -> dict:
    as_of = selectors.latest_portfolio_date()
    if as_of is None:
        return {"as_of": None}
    portfolio = selectors.portfolio_on(as_of)
    series = selectors.portfolio_series(since=as_of - dt.timedelta(days=HISTORY_DAYS))
    buckets = selectors.bucket_names()
    classes = dict(Classification.choices)
    vintages = selectors.vintages()
    longest = max((len(v["points"]) for v in vintages), default=0)
    roll_month = selectors.latest_roll_month()
    return {
        "as_of": as_of,
        "portfolio": portfolio,
        "classes": [(classes[key], value) for key, value in portfolio["classification"].items()],
        "buckets_chart": charts.line_chart(
            label=_("Principal outstanding by delinquency bucket"),
            x_labels=[day["as_of"].strftime("%m-%d") for day in series],
            series={name: [day["buckets"].get(name) for day in series] for name in buckets},
            tick=_money_tick,
        ),
        "classes_chart": charts.share_bar(
            label=_("Classification mix of the principal outstanding"),
            parts={classes[key]: value for key, value in portfolio["classification"].items()},
        ),
        "vintage_chart": charts.line_chart(
            label=_("Share of loans ever 30+ days past due by months on book"),
            x_labels=[str(k) for k in range(1, longest + 1)],
            series={
                v["month"].strftime("%Y-%m"): [p["dpd30_share"] for p in v["points"]] for v in vintages[-8:]
            },
            tick=_share_tick,
        ),
        "roll_rates": selectors.roll_rates(roll_month) if roll_month else None,
    }


@admin.register(PortfolioDay)
class MonitoringDashboardAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    def changelist_view(self, request, extra_context=None):
        if not self.has_view_permission(request):
            from django.core.exceptions import PermissionDenied

            raise PermissionDenied
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": _("Portfolio monitoring"),
            **dashboard_context(),
        }
        return TemplateResponse(request, "admin/monitoring/dashboard.html", context)
