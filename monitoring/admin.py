"""The monitoring dashboard in the admin console: the portfolio's buckets over time, its
classification mix, roll rates, cure rates, the five-tier class migration and the vintage curves,
read only from the aggregates (never the loans).

It is the change list of `PortfolioDay` (so the console lists it, and the view permission of the
aggregates decides who sees it); nothing in it can be added, changed or deleted.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from dateutil.relativedelta import relativedelta
from django.conf import settings
from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.template.response import TemplateResponse
from django.utils.translation import gettext as _

from loanhub import clock
from loanhub.admin_readonly import ReadOnlyAdminMixin
from monitoring import charts, early_warning, exports, liquidity, model_monitoring, score_bands, selectors
from monitoring.admin_portfolio_day import PortfolioDayFields
from monitoring.models import (
    WARNING_LIVE,
    EarlyWarning,
    ModelStability,
    PortfolioDay,
    RollRate,
)
from risk.choices import GRADES
from servicing.choices import Classification

HISTORY_DAYS = 90
CURE_MONTHS = 12  # months of cure rates on the dashboard
DECISION_MONTHS = 24  # months of approval rates and score distribution on the risk page
ZERO = Decimal("0.00")


def _money_tick(value: Decimal) -> str:
    return f"{value:,.0f}"


def _share_tick(value: Decimal) -> str:
    return f"{100 * value:.0f}%"


# Codes of the delinquency buckets and the maturity ladder that are words (the others are day
# and month ranges, "1-30", "0-1m"), in the page's language.
CODE_WORDS = {"current": _("current (not overdue)"), "overdue": _("overdue")}


def bucket_label(code: str) -> str:
    return str(CODE_WORDS.get(code, code))


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
            series={bucket_label(name): [day["buckets"].get(name) for day in series] for name in buckets},
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
        **cure_context(roll_month),
        **migration_context(),
    }


def left_book_labels() -> dict[str, str]:
    return {RollRate.CLOSED: _("closed (paid off)"), RollRate.WRITTEN_OFF: _("written off")}


def cure_context(roll_month: dt.date | None) -> dict:
    """The cure rates of the last months (one query over the roll rates): a line per delinquent
    bucket and for all delinquent loans by count, and all by balance; the last month's table."""
    if roll_month is None:
        return {"cure_chart": "", "cure_rows": []}
    series = selectors.cure_rate_series(since=roll_month - relativedelta(months=CURE_MONTHS - 1))
    names = [name for name in selectors.bucket_names() if name != selectors.current_bucket()]
    everyone = _("all delinquent")
    lines = {
        name: [month["from_buckets"].get(name, {}).get("loans_share") for month in series] for name in names
    }
    by_count, by_balance = (
        _("%(who)s by count") % {"who": everyone},
        _("%(who)s by balance") % {"who": everyone},
    )
    lines[by_count] = [
        month["from_buckets"].get(selectors.DELINQUENT, {}).get("loans_share") for month in series
    ]
    lines[by_balance] = [
        month["from_buckets"].get(selectors.DELINQUENT, {}).get("balance_share") for month in series
    ]
    last = series[-1] if series and series[-1]["month"] == roll_month else None
    return {
        "cure_month": roll_month,
        "cure_chart": charts.line_chart(
            label=_("Cure rate: share of delinquent loans current or paid off a month later"),
            x_labels=[month["month"].strftime("%Y-%m") for month in series],
            series=lines,
            tick=_share_tick,
        )
        if series
        else "",
        "cure_rows": [
            (everyone if name == selectors.DELINQUENT else name, cell)
            for name, cell in (last["from_buckets"].items() if last else [])
        ],
    }


def migration_context() -> dict:
    """The last month's five-tier class migration as a heat map (shares by count) and a table."""
    migration = selectors.classification_migration()
    if migration is None:
        return {"migration": None}
    labels = {**dict(Classification.choices), **left_book_labels()}
    sources = [klass for klass in Classification.values if klass in migration["from_classes"]]
    targets = migration["targets"]
    cells = {}
    for i, source in enumerate(sources):
        for j, target in enumerate(targets):
            cell = migration["from_classes"][source].get(target)
            if cell:
                cells[(i, j)] = (cell["loans_share"], f"{100 * cell['loans_share']:.1f}%")
    return {
        "migration": migration,
        "migration_chart": charts.heat_map(
            label=_("Five-tier classification migration (share of loans, previous month end → month end)"),
            rows=[str(labels[source]) for source in sources],
            columns=[str(labels[target]) for target in targets],
            cells=cells,
        ),
        "migration_targets": [labels[target] for target in targets],
        "migration_rows": [
            (
                labels[source],
                migration["totals"][source],
                [migration["from_classes"][source].get(target) for target in targets],
            )
            for source in sources
        ],
    }


@admin.register(PortfolioDay)
class MonitoringDashboardAdmin(PortfolioDayFields, ReadOnlyAdminMixin, admin.ModelAdmin):
    def changelist_view(self, request, extra_context=None):
        if not self.has_view_permission(request):
            raise PermissionDenied
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": _("Portfolio monitoring"),
            **dashboard_context(),
        }
        return TemplateResponse(request, "admin/monitoring/dashboard.html", context)


# --- Risk monitoring: models, provisions, concentration, liquidity ------------------------------
def _fraction_tick(value: Decimal) -> str:
    return f"{100 * value:.1f}%"


def risk_figures(*, product: str | None = None) -> dict:
    """Every figure of the risk page, each read once from the aggregates (the page, its tables
    and the exports share them); the approval figures of one product when `product` is given."""
    as_of = selectors.latest_portfolio_date()
    decisions_since = (as_of or clock.today()).replace(day=1) - relativedelta(months=DECISION_MONTHS - 1)
    stability_date = selectors.latest_stability_date()
    versions = selectors.stability_versions(stability_date) if stability_date else []
    stabilities = {
        version: selectors.stability(as_of=stability_date, version=version) for version in versions
    }
    ladder_date = liquidity.latest_date()
    return {
        "as_of": as_of,
        "stability_date": stability_date,
        "versions": versions,
        "stabilities": stabilities,
        "calibration": selectors.calibration(),
        "discrimination": model_monitoring.discrimination_latest(),
        "provisions": selectors.provisions_on(as_of) if as_of else None,
        "concentration": selectors.concentration(),
        "ladder": liquidity.ladder(ladder_date) if ladder_date else None,
        "sensitivity": liquidity.sensitivity(ladder_date) if ladder_date else None,
        "performance": early_warning.warning_performance(as_of=as_of or clock.today()),
        "product": product or "",
        "products": selectors.decision_products(),
        "decisions": selectors.decision_series(since=decisions_since, product=product),
        "score_bands": score_bands.score_distribution(since=decisions_since, product=product),
    }


def risk_tables(figures: dict) -> dict[str, tuple[list[str], list[list]]]:
    """The dashboard's tables as (headers, rows): what the page shows and the exports hold."""
    tables: dict[str, tuple[list[str], list[list]]] = {}
    psi_rows = []
    if figures["stability_date"]:
        for version, stability in figures["stabilities"].items():
            if stability is None:
                continue
            psi_rows.append(
                [
                    version,
                    _("score"),
                    stability["score"]["psi"],
                    stability["score"]["light"],
                    stability["decisions"],
                ]
            )
            for name, psi in stability["features"].items():
                psi_rows.append(
                    [version, name, psi, stability["feature_lights"][name], stability["decisions"]]
                )
    tables["decisions"] = (
        [
            _("Month"),
            _("Product"),
            _("Decisions"),
            _("Approved"),
            _("Referred"),
            _("Declined"),
            _("Approval rate"),
            _("Mean score"),
            *(_("Grade %(grade)s") % {"grade": grade} for grade in GRADES),
        ],
        [
            [
                month["month"].strftime("%Y-%m"),
                figures["product"] or _("all"),
                month["decisions"],
                month["approved"],
                month["referred"],
                month["declined"],
                month["approval_rate"],
                month["mean_score"],
                *(month["grades"][grade] for grade in GRADES),
            ]
            for month in figures["decisions"]
        ],
    )
    tables["score_bands"] = score_bands.score_band_table(figures["score_bands"], product=figures["product"])
    tables["psi"] = ([_("Model"), _("Score or feature"), "PSI", _("Light"), _("Decisions")], psi_rows)
    tables["calibration"] = (
        [
            _("Grade"),
            _("Predicted PD"),
            _("Loans"),
            _("Bad"),
            _("Realised bad rate"),
            _("Interval low"),
            _("Interval high"),
            _("Light"),
        ],
        [
            [g.grade, g.predicted_pd, g.loans, g.bads, g.bad_rate, g.ci_low, g.ci_high, g.light]
            for g in figures["calibration"]
        ],
    )
    discrimination = figures["discrimination"]
    tables["discrimination"] = (
        [_("As of"), _("Model"), _("Loans"), _("Bad"), "AUC", "Gini", "KS"],
        [
            [d.as_of, d.model_version, d.loans, d.bads, d.auc, d.gini, d.ks]
            for d in ([discrimination] if discrimination else [])
        ],
    )
    provisions = figures["provisions"]
    provision_rows = []
    if provisions:
        classes = dict(Classification.choices)
        for row in provisions["classes"]:
            for stage, cell in row["stages"].items():
                provision_rows.append(
                    [
                        classes.get(row["classification"], row["classification"]),
                        stage,
                        cell["loans"],
                        cell["balance"],
                        cell["reserve"],
                    ]
                )
    tables["provisions"] = (
        [_("Classification"), _("Stage"), _("Loans"), _("Principal outstanding"), _("Reserve")],
        provision_rows,
    )
    tables["concentration"] = (
        [
            _("Dimension"),
            _("Key"),
            _("Severity"),
            _("Basis"),
            _("Limit"),
            _("Exposure"),
            _("Book"),
            _("Share or amount"),
            _("Breached"),
        ],
        [
            [r.dimension, r.key, r.severity, r.basis, r.threshold, r.exposure, r.book, r.value, r.breached]
            for r in figures["concentration"]
        ],
    )
    ladder_rows = []
    if figures["ladder"]:
        for row in figures["ladder"]["buckets"]:
            ladder_rows.append(
                [
                    row["bucket"],
                    row["fixed"]["principal"],
                    row["fixed"]["interest"],
                    row["floating"]["principal"],
                    row["floating"]["interest"],
                    row["total"],
                ]
            )
    tables["liquidity"] = (
        [
            _("Bucket"),
            _("Fixed principal"),
            _("Fixed interest"),
            _("Floating principal"),
            _("Floating interest"),
            _("Total"),
        ],
        ladder_rows,
    )
    performance = figures["performance"]
    tables["early_warning"] = (
        [_("Measure"), _("Value"), _("Counted"), _("Of")],
        [
            [
                _("Precision"),
                performance["precision"],
                performance["true_positives"],
                performance["warnings_evaluated"],
            ],
            [
                _("Recall"),
                performance["recall"],
                performance["delinquencies_warned"],
                performance["delinquencies"],
            ],
        ],
    )
    sensitivity = figures["sensitivity"]
    tables["rate_sensitivity"] = (
        [_("LPR move (bp)"), _("Floating book: change of 12-month interest"), _("Fixed book")],
        [[s["bp"], s["floating_change"], s["fixed_change"]] for s in sensitivity["shocks"]]
        if sensitivity
        else [],
    )
    return tables


def risk_dashboard_context(figures: dict, tables: dict) -> dict:
    as_of, provisions = figures["as_of"], figures["provisions"]
    classes = dict(Classification.choices)
    stability_date = figures["stability_date"]
    version = selectors.default_version(figures["versions"])
    psi = figures["stabilities"].get(version) if version else None
    history = (
        selectors.stability_history(version=version, since=stability_date - dt.timedelta(days=HISTORY_DAYS))
        if version
        else []
    )
    calibration = figures["calibration"]
    ladder = figures["ladder"]
    exposures = figures["concentration"]
    decisions = figures["decisions"]
    months = [month["month"].strftime("%Y-%m") for month in decisions]
    return {
        "as_of": as_of,
        "product": figures["product"],
        "products": figures["products"],
        "decisions": decisions,
        "grades": GRADES,
        "approval_chart": charts.line_chart(
            label=_("Decisions by outcome over time (share of the month's decisions)"),
            x_labels=months,
            series={
                _("approved"): [m["approval_rate"] for m in decisions],
                _("referred"): [m["referral_rate"] for m in decisions],
                _("declined"): [m["decline_rate"] for m in decisions],
            },
            tick=_share_tick,
        )
        if decisions
        else "",
        "grades_chart": charts.line_chart(
            label=_("Score distribution over time: share of the month's decisions per risk grade"),
            x_labels=months,
            series={
                _("grade %(grade)s") % {"grade": grade}: [m["grade_shares"][grade] for m in decisions]
                for grade in GRADES
            },
            tick=_share_tick,
        )
        if decisions
        else "",
        "score_band_chart": charts.heat_map(
            label=_("Score distribution over time: share of the month's decisions per score band"),
            **score_bands.score_band_cells(figures["score_bands"]),
            column_width=44,
            separator=", ",
        )
        if figures["score_bands"]
        else "",
        "score_band_width": settings.LOANHUB_SCORE_BAND_WIDTH,
        "discrimination": figures["discrimination"],
        "warning_performance": figures["performance"],
        "live_warnings": EarlyWarning.objects.filter(status__in=WARNING_LIVE).count(),
        "tables": tables,
        "psi": psi,
        "psi_lights": {
            name: charts.light(light) for name, light in (psi or {}).get("feature_lights", {}).items()
        },
        "psi_score_light": charts.light(psi["score"]["light"]) if psi else "",
        "psi_chart": charts.line_chart(
            label=_("PSI of the score over time"),
            x_labels=[day.strftime("%m-%d") for day, _psi in history],
            series={"PSI": [value for _day, value in history]},
            tick=lambda v: f"{v:.2f}",
        )
        if history
        else "",
        "psi_bins_chart": charts.bar_chart(
            label=_("Score distribution: development sample and recent decisions"),
            categories=[b["bin"] for b in psi["score"]["bins"]],
            series={
                _("development"): [Decimal(b["expected_share"]) for b in psi["score"]["bins"]],
                _("recent"): [Decimal(b["actual_share"]) for b in psi["score"]["bins"]],
            },
            tick=_fraction_tick,
        )
        if psi
        else "",
        "calibration": [(g, charts.light(g.light)) for g in calibration],
        "calibration_chart": charts.interval_chart(
            label=_("Realised bad rate (95 % Wilson interval) and predicted PD by grade"),
            rows=[
                {
                    "name": g.grade,
                    "rate": g.bad_rate,
                    "ci_low": g.ci_low,
                    "ci_high": g.ci_high,
                    "predicted": g.predicted_pd,
                }
                for g in calibration
            ],
            tick=_fraction_tick,
            legend=(_("realised"), _("predicted")),
        )
        if calibration
        else "",
        "provisions": provisions,
        "provision_rows": [
            (classes.get(row["classification"], row["classification"]), row)
            for row in (provisions or {}).get("classes", [])
        ],
        "provisions_chart": charts.bar_chart(
            label=_("Reserve by class and stage"),
            categories=[classes[key] for key in Classification.values],
            series={
                _("stage %(n)s") % {"n": stage}: [
                    next(r for r in provisions["classes"] if r["classification"] == key)["stages"]
                    .get(stage, {})
                    .get("reserve", ZERO)
                    for key in Classification.values
                ]
                for stage in provisions["stages"]
            },
            tick=_money_tick,
        )
        if provisions
        else "",
        "exposures": [(r, charts.light("red" if r.breached else "green")) for r in exposures],
        "ladder": ladder,
        "ladder_chart": charts.bar_chart(
            label=_("Contractual inflows by maturity bucket"),
            categories=[bucket_label(row["bucket"]) for row in ladder["buckets"]],
            series={
                _("fixed"): [row["fixed"]["total"] for row in ladder["buckets"]],
                _("floating"): [row["floating"]["total"] for row in ladder["buckets"]],
            },
            tick=_money_tick,
        )
        if ladder
        else "",
        "sensitivity": figures["sensitivity"],
    }


@admin.register(ModelStability)
class RiskDashboardAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """The risk analysts' page: model monitoring, provisions, concentration, liquidity; CSV of any
    table (`?export=csv&table=psi`) or XLSX of all (`?export=xlsx`)."""

    def changelist_view(self, request, extra_context=None):
        if not self.has_view_permission(request):
            raise PermissionDenied
        product = request.GET.get("product") or None
        figures = risk_figures(product=product)
        tables = risk_tables(figures)
        export = request.GET.get("export")
        if export == "csv":
            name = request.GET.get("table", "")
            if name not in tables:
                raise Http404(_("No such table."))
            return exports.csv_response(name, *tables[name])
        if export == "xlsx":
            return exports.xlsx_response(tables, name="risk")
        if export:
            raise Http404(_("No such export."))
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": _("Risk monitoring"),
            **risk_dashboard_context(figures, tables),
        }
        return TemplateResponse(request, "admin/monitoring/risk_dashboard.html", context)


# The portfolio dashboard, and the early warnings' queue with the analysts' weights and flags
# (registered in their own modules: this one's length).
from monitoring import admin_portfolio, admin_warnings  # noqa: E402, F401
