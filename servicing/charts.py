"""An inline SVG chart of a loan's schedule on the borrower's page: each installment's principal and
interest, the part already paid drawn solid and the part still to pay drawn light.

Drawn on the server like the calculator's charts (`calculator.charts`): no script, no external
file, classes styled by the one stylesheet. Numbers reach the markup only through `_n` and
labels through Django's escaping, so the output is safe to mark as such.
"""

from __future__ import annotations

from decimal import Decimal

from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

WIDTH, HEIGHT = 640, 240
LEFT, RIGHT, TOP, BOTTOM = 64, 12, 12, 28
PLOT_W, PLOT_H = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
MAX_BARS = 120
ZERO = Decimal(0)


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


def _grid(maximum: Decimal) -> SafeString:
    parts = []
    for i in range(5):
        y = TOP + PLOT_H - PLOT_H * i / 4
        parts.append(
            format_html(
                '<line class="grid" x1="{}" x2="{}" y1="{}" y2="{}"/>'
                '<text class="tick" x="{}" y="{}" text-anchor="end">{}</text>',
                LEFT,
                WIDTH - RIGHT,
                _n(y),
                _n(y),
                LEFT - 4,
                _n(y + 3),
                f"{maximum * i / 4:,.0f}",
            )
        )
    parts.append(
        format_html(
            '<text class="axis-label" x="{}" y="{}" text-anchor="middle">{}</text>',
            LEFT + PLOT_W // 2,
            HEIGHT - 6,
            _("Installment"),
        )
    )
    return mark_safe("".join(parts))


def paid_chart(rows) -> SafeString:
    """Stacked bars per installment (grouped when there are more than 120): principal paid,
    principal to pay, interest paid, interest to pay. `rows` have number, principal, interest,
    paid_principal and paid_interest."""
    label = _("Principal and interest of each installment: paid and still to pay")
    rows = list(rows)
    group = max(1, -(-len(rows) // MAX_BARS))
    bars = []
    for start in range(0, len(rows), group):
        chunk = rows[start : start + group]
        principal = sum((max(r.principal, ZERO) for r in chunk), ZERO) / len(chunk)
        interest = sum((r.interest for r in chunk), ZERO) / len(chunk)
        paid_p = min(sum((r.paid_principal for r in chunk), ZERO) / len(chunk), principal)
        paid_i = min(sum((r.paid_interest for r in chunk), ZERO) / len(chunk), interest)
        span = str(chunk[0].number) if len(chunk) == 1 else f"{chunk[0].number}–{chunk[-1].number}"
        bars.append((span, paid_p, principal - paid_p, paid_i, interest - paid_i))
    maximum = _nice_max(max([sum(b[1:], ZERO) for b in bars] or [Decimal(1)]))
    width = PLOT_W / max(len(bars), 1)
    gap = min(2.0, width * 0.2)
    names = (_("Principal paid"), _("Principal to pay"), _("Interest paid"), _("Interest to pay"))
    classes = ("bar-principal-paid", "bar-principal-due", "bar-interest-paid", "bar-interest-due")
    parts = []
    for index, (span, *values) in enumerate(bars):
        x = LEFT + index * width + gap / 2
        base = ZERO
        for css, name, value in zip(classes, names, values, strict=True):
            if value <= 0:
                continue
            h = float(PLOT_H * value / maximum)
            y = TOP + PLOT_H - float(PLOT_H * base / maximum) - h
            parts.append(
                format_html(
                    '<rect class="{}" x="{}" y="{}" width="{}" height="{}"><title>#{} {} {}</title></rect>',
                    css,
                    _n(x),
                    _n(y),
                    _n(max(width - gap, 0.5)),
                    _n(h),
                    span,
                    name,
                    f"{value:,.2f}",
                )
            )
            base += value
    body = _grid(maximum) + format_html_join("", "{}", ((p,) for p in parts))
    return format_html(
        '<svg class="chart" viewBox="0 0 {} {}" role="img" aria-label="{}" xmlns="http://www.w3.org/2000/svg">'
        "<title>{}</title>{}</svg>",
        WIDTH,
        HEIGHT,
        label,
        label,
        body,
    )
