"""The score distribution over time: the scoring engine's decisions of each month counted by
score band (`DecisionScoreBand`), for model monitoring next to the approval rate.

The bands are fixed: `LOANHUB_SCORE_BAND_WIDTH` points wide (20, the scorecards' points to double
the odds, so each band up is about half the odds of bad), aligned on multiples of the width, and
shown from `LOANHUB_SCORE_BANDS_FROM` to `LOANHUB_SCORE_BANDS_TO` with one open band below and one
above (`< 420`, `420–439`, …, `600–619`, `≥ 620` by default). The table keeps each width-aligned
band as counted, so the shown range can change without a recount.

`score_bands_build(as_of)` runs inside `run_monitoring` with the same months as the approval
counts (`monitoring.approvals`): from the previous month (or the first decision's, on the first
run) through the date, each month replaced unless a later date counted it further; a date run
twice writes the same rows once. It reads risk's decisions through one GROUP BY
(`risk.selectors.decision_score_bands_by_month`), never on page load.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings
from django.db.models import Sum
from django.utils.translation import gettext as _

from monitoring.approvals import decision_window, product_code, stale_months
from monitoring.score_band_models import DecisionScoreBand
from risk import selectors as risk

SHARE = Decimal("0.0001")


def score_bands_build(*, as_of: dt.date) -> int:
    """Recount the stale months' decisions by product and score band; the rows written."""
    stale = stale_months(DecisionScoreBand, as_of=as_of)
    if not stale:
        return 0
    wanted = dict(stale)
    counts: dict[tuple, int] = defaultdict(int)
    rows = risk.decision_score_bands_by_month(
        **decision_window(stale, as_of), width=settings.LOANHUB_SCORE_BAND_WIDTH
    )
    for row in rows:
        if row["month"] in wanted:
            counts[(row["month"], product_code(row["request__product_ref"]), row["band"])] += row["decisions"]
    DecisionScoreBand.objects.filter(month__in=list(wanted)).delete()
    DecisionScoreBand.objects.bulk_create(
        [
            DecisionScoreBand(month=month, product=product, band=band, decisions=n, through=wanted[month])
            for (month, product, band), n in sorted(counts.items())
        ]
    )
    return len(counts)


def bands() -> list[dict]:
    """The shown bands, lowest first: {key, low, high (inclusive; None when open)}; the key is
    the label ("< 420", "420–439", "≥ 620")."""
    width = settings.LOANHUB_SCORE_BAND_WIDTH
    low, high = settings.LOANHUB_SCORE_BANDS_FROM, settings.LOANHUB_SCORE_BANDS_TO
    shown = [{"key": f"< {low}", "low": None, "high": low - 1}]
    shown += [
        {"key": f"{b}–{b + width - 1}", "low": b, "high": b + width - 1} for b in range(low, high, width)
    ]
    shown.append({"key": f"≥ {high}", "low": high, "high": None})
    return shown


def _band_index(band: int) -> int:
    """Where a stored band floor falls among `bands()`."""
    low, high = settings.LOANHUB_SCORE_BANDS_FROM, settings.LOANHUB_SCORE_BANDS_TO
    if band < low:
        return 0
    if band >= high:
        return len(range(low, high, settings.LOANHUB_SCORE_BAND_WIDTH)) + 1
    return 1 + (band - low) // settings.LOANHUB_SCORE_BAND_WIDTH


def _share(part: int, whole: int) -> Decimal | None:
    return (Decimal(part) / whole).quantize(SHARE, ROUND_HALF_UP) if whole else None


def score_distribution(*, since: dt.date | None = None, product: str | None = None) -> list[dict]:
    """Per decision month (from `since`, of one product or all), oldest first: {month,
    decisions, bands: [{band, low, high, decisions, share}]} with every shown band, empty ones at
    0 (the share is of the month's decisions). One query over the aggregate."""
    rows = DecisionScoreBand.objects.order_by()
    if since is not None:
        rows = rows.filter(month__gte=since)
    if product:
        rows = rows.filter(product=product)
    shown = bands()
    months: dict[dt.date, list[int]] = {}
    for row in rows.values("month", "band").annotate(n=Sum("decisions")):
        months.setdefault(row["month"], [0] * len(shown))[_band_index(row["band"])] += row["n"]
    series = []
    for month in sorted(months):
        counts = months[month]
        total = sum(counts)
        series.append(
            {
                "month": month,
                "decisions": total,
                "bands": [
                    {
                        "band": band["key"],
                        "low": band["low"],
                        "high": band["high"],
                        "decisions": n,
                        "share": _share(n, total),
                    }
                    for band, n in zip(shown, counts, strict=True)
                ],
            }
        )
    return series


def score_band_table(series: list[dict], *, product: str) -> tuple[list[str], list[list]]:
    """The CSV/XLSX table: one row per month and band."""
    headers = [_("Month"), _("Product"), _("Score band"), _("Decisions"), _("Share of the month")]
    rows = [
        [
            month["month"].strftime("%Y-%m"),
            product or _("all"),
            band["band"],
            band["decisions"],
            band["share"],
        ]
        for month in series
        for band in month["bands"]
    ]
    return headers, rows


def score_band_cells(series: list[dict]) -> dict:
    """The dashboard's heat map (`charts.heat_map`'s rows, columns and cells): rows the bands
    (highest score first), columns the months, each cell the band's share of the month written
    in it and shaded against the largest share (so a spread-out distribution shows its shape)."""
    shown = list(reversed(bands()))
    columns = [month["month"].strftime("%Y-%m") for month in series]
    top = max((b["share"] for m in series for b in m["bands"] if b["share"]), default=Decimal(1))
    cells = {}
    for j, month in enumerate(series):
        for i, band in enumerate(reversed(month["bands"])):
            if band["decisions"]:
                cells[(i, j)] = (band["share"] / top, f"{100 * band['share']:.0f}%")
    return {"rows": [band["key"] for band in shown], "columns": columns, "cells": cells}
