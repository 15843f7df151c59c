"""Inline SVG charts of a repayment schedule, drawn on the server (no script, no external file).

Two pictures a borrower would rather look at than read: the outstanding balance falling over
the installments, and each installment split into principal and interest. Numbers only reach
the markup through `_n` (a fixed-point float rendering of coordinates) and labels through
Django's escaping, so the output is safe to mark as such.
"""

from __future__ import annotations

from decimal import Decimal

from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

WIDTH, HEIGHT = 640, 260
LEFT, RIGHT, TOP, BOTTOM = 64, 12, 12, 28
PLOT_W, PLOT_H = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM


def _n(value: float) -> str:
    # Coordinates are drawing positions, not money: a float is right here.
    return f"{value:.1f}"


def _nice_max(value: Decimal) -> Decimal:
    """A round axis maximum at or above `value` (1, 2, 2.5 or 5 × a power of ten)."""
    if value <= 0:
        return Decimal(1)
    magnitude = Decimal(10) ** (len(str(int(value))) - 1)
    for step in (1, 2, Decimal("2.5"), 5, 10):
        if value <= step * magnitude:
            return step * magnitude
    return 10 * magnitude


def _axis(maximum: Decimal, title: str) -> SafeString:
    ticks = []
    for i in range(5):
        value = maximum * i / 4
        y = TOP + PLOT_H - PLOT_H * i / 4
        ticks.append(
            format_html(
                '<line class="grid" x1="{}" x2="{}" y1="{}" y2="{}"/>'
                '<text class="tick" x="{}" y="{}" text-anchor="end">{}</text>',
                LEFT,
                WIDTH - RIGHT,
                _n(y),
                _n(y),
                LEFT - 4,
                _n(y + 3),
                f"{value:,.0f}",
            )
        )
    return mark_safe("".join(ticks)) + format_html(
        '<text class="axis-label" x="{}" y="{}" text-anchor="middle">{}</text>',
        LEFT + PLOT_W // 2,
        HEIGHT - 6,
        title,
    )


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


def balance_chart(principal: Decimal, rows: list[dict]) -> SafeString:
    """A line of the balance after each installment, starting from the principal."""
    label = _("Outstanding balance after each installment")
    maximum = _nice_max(max([principal, *(row["balance"] for row in rows)]))
    count = max(len(rows), 1)
    points = [(0, principal)] + [(i + 1, row["balance"]) for i, row in enumerate(rows)]
    path = " ".join(
        f"{_n(LEFT + PLOT_W * i / count)},{_n(TOP + PLOT_H - float(PLOT_H * balance / maximum))}"
        for i, balance in points
    )
    body = _axis(maximum, _("Installment")) + format_html(
        '<polyline class="line-balance" fill="none" points="{}"/>', path
    )
    return _svg(label, body)


def split_chart(rows: list[dict]) -> SafeString:
    """Stacked bars: principal (bottom) and interest (top) of each installment.

    Long schedules are grouped (e.g. 360 months into 120 bars of 3) so bars stay visible.
    """
    label = _("Principal and interest in each installment")
    group = max(1, -(-len(rows) // 120))
    bars = []
    for start in range(0, len(rows), group):
        chunk = rows[start : start + group]
        bars.append(
            (
                sum((row["principal"] for row in chunk), Decimal(0)) / len(chunk),
                sum((row["interest"] for row in chunk), Decimal(0)) / len(chunk),
                chunk[0]["number"],
                chunk[-1]["number"],
            )
        )
    maximum = _nice_max(max([p + i for p, i, _a, _b in bars] or [Decimal(1)]))
    width = PLOT_W / max(len(bars), 1)
    gap = min(2.0, width * 0.2)

    def rect(css: str, x: float, value: Decimal, base: Decimal, title: str) -> SafeString:
        h = float(PLOT_H * value / maximum)
        y = TOP + PLOT_H - float(PLOT_H * base / maximum) - h
        return format_html(
            '<rect class="{}" x="{}" y="{}" width="{}" height="{}"><title>{}</title></rect>',
            css,
            _n(x),
            _n(y),
            _n(max(width - gap, 0.5)),
            _n(h),
            title,
        )

    parts = []
    for index, (principal, interest, first, last) in enumerate(bars):
        x = LEFT + index * width + gap / 2
        span = str(first) if first == last else f"{first}–{last}"
        parts.append(
            rect("bar-principal", x, principal, Decimal(0), f"#{span} {_('Principal')} {principal:,.2f}")
        )
        parts.append(rect("bar-interest", x, interest, principal, f"#{span} {_('Interest')} {interest:,.2f}"))
    body = _axis(maximum, _("Installment")) + format_html_join("", "{}", ((p,) for p in parts))
    return _svg(label, body)
