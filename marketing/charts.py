"""Inline SVG charts of the NPS page in the admin: the monthly trend and the score per product.

Drawn on the server like servicing.charts (no script, no external file); numbers reach the
markup only through `_n` and labels through Django's escaping, so the output is safe.
"""

from __future__ import annotations

from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

WIDTH, HEIGHT = 640, 220
LEFT, RIGHT, TOP, BOTTOM = 48, 12, 12, 28
PLOT_W, PLOT_H = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM


def _n(value: float) -> str:
    # Drawing positions, not money: a float is right here.
    return f"{value:.1f}"


def _y(nps) -> float:
    """NPS runs from −100 to 100: top to bottom of the plot."""
    return TOP + PLOT_H * (100 - float(nps)) / 200


def _svg(label: str, body: SafeString) -> SafeString:
    return format_html(
        '<svg class="chart" viewBox="0 0 {} {}" role="img" aria-label="{}" xmlns="http://www.w3.org/2000/svg">'
        "<title>{}</title>{}</svg>",
        WIDTH,
        HEIGHT,
        label,
        label,
        body,
    )


def _axis() -> SafeString:
    return format_html_join(
        "",
        '<line class="grid" x1="{}" x2="{}" y1="{}" y2="{}"/>'
        '<text class="tick" x="{}" y="{}" text-anchor="end">{}</text>',
        (
            (LEFT, WIDTH - RIGHT, _n(_y(v)), _n(_y(v)), LEFT - 4, _n(_y(v) + 3), v)
            for v in (100, 50, 0, -50, -100)
        ),
    )


def trend_chart(rows: list[dict]) -> SafeString:
    """The NPS of each month answered, as a line with a dot per month (`rows`: month, nps,
    responses)."""
    label = _("Net Promoter Score by month")
    points = [r for r in rows if r["nps"] is not None]
    step = PLOT_W / max(len(points), 1)
    coords = [(LEFT + step * (i + 0.5), _y(r["nps"])) for i, r in enumerate(points)]
    parts = [_axis()]
    if len(coords) > 1:
        parts.append(
            format_html(
                '<polyline class="line" fill="none" points="{}"/>',
                " ".join(f"{_n(x)},{_n(y)}" for x, y in coords),
            )
        )
    for (x, y), row in zip(coords, points, strict=True):
        parts.append(
            format_html(
                '<circle class="dot" cx="{}" cy="{}" r="3"><title>{}: {} ({} {})</title></circle>'
                '<text class="tick" x="{}" y="{}" text-anchor="middle">{}</text>',
                _n(x),
                _n(y),
                row["month"],
                row["nps"],
                row["responses"],
                _("answers"),
                _n(x),
                HEIGHT - 8,
                row["month"],
            )
        )
    return _svg(label, mark_safe("".join(parts)))


def product_chart(rows: list[dict]) -> SafeString:
    """One bar per product from zero to its NPS (up for positive, down for negative)."""
    label = _("Net Promoter Score by product")
    points = [r for r in rows if r["nps"] is not None]
    width = PLOT_W / max(len(points), 1)
    zero = _y(0)
    parts = [_axis()]
    for i, row in enumerate(points):
        y = _y(row["nps"])
        x = LEFT + i * width + width * 0.15
        parts.append(
            format_html(
                '<rect class="{}" x="{}" y="{}" width="{}" height="{}"><title>{}: {}</title></rect>'
                '<text class="tick" x="{}" y="{}" text-anchor="middle">{}</text>',
                "bar-positive" if row["nps"] >= 0 else "bar-negative",
                _n(x),
                _n(min(y, zero)),
                _n(width * 0.7),
                _n(max(abs(zero - y), 0.5)),
                row["product"],
                row["nps"],
                _n(x + width * 0.35),
                HEIGHT - 8,
                row["product"],
            )
        )
    return _svg(label, mark_safe("".join(parts)))
