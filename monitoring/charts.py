"""Inline SVG charts of the monitoring dashboard, drawn on the server from the aggregates.

No script, no external file, no style attribute (the Content-Security-Policy forbids inline
styles): colours are SVG presentation attributes. Numbers reach the markup only as formatted
coordinates and labels only through Django's escaping, so the output is safe to mark as such.
"""

from __future__ import annotations

from decimal import Decimal

from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe

WIDTH, HEIGHT = 640, 260
LEFT, RIGHT, TOP, BOTTOM = 72, 140, 12, 28
PLOT_W, PLOT_H = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
PALETTE = ("#1570ef", "#12b76a", "#f79009", "#f04438", "#7a5af8", "#344054", "#06aed4", "#dd2590")
ZERO = Decimal(0)


def _n(value: float) -> str:
    # Drawing positions, not money: a float is right here.
    return f"{value:.1f}"


def nice_max(value: Decimal) -> Decimal:
    """A round axis maximum at or above `value` (1, 2, 2.5 or 5 × a power of ten)."""
    if value <= 0:
        return Decimal(1)
    magnitude = Decimal(10) ** value.adjusted()
    for step in (1, 2, Decimal("2.5"), 5, 10):
        if value <= step * magnitude:
            return step * magnitude
    return 10 * magnitude


def _svg(label: str, body: SafeString) -> SafeString:
    return format_html(
        '<svg class="chart" width="{}" height="{}" viewBox="0 0 {} {}" role="img" aria-label="{}" '
        'xmlns="http://www.w3.org/2000/svg"><title>{}</title>{}</svg>',
        WIDTH,
        HEIGHT,
        WIDTH,
        HEIGHT,
        label,
        label,
        body,
    )


def _axes(maximum: Decimal, tick, x_labels: list[str]) -> SafeString:
    parts = []
    for i in range(5):
        y = TOP + PLOT_H - PLOT_H * i / 4
        parts.append(
            format_html(
                '<line x1="{}" x2="{}" y1="{}" y2="{}" stroke="#e5e9ee"/>'
                '<text x="{}" y="{}" text-anchor="end" font-size="10" fill="#667085">{}</text>',
                LEFT,
                LEFT + PLOT_W,
                _n(y),
                _n(y),
                LEFT - 4,
                _n(y + 3),
                tick(maximum * i / 4),
            )
        )
    if x_labels:
        step = max(1, len(x_labels) // 6)
        for index in range(0, len(x_labels), step):
            x = LEFT + (PLOT_W * index / max(len(x_labels) - 1, 1))
            parts.append(
                format_html(
                    '<text x="{}" y="{}" text-anchor="middle" font-size="10" fill="#667085">{}</text>',
                    _n(x),
                    HEIGHT - 8,
                    x_labels[index],
                )
            )
    return mark_safe("".join(parts))


def _legend(names: list[str]) -> SafeString:
    return format_html_join(
        "",
        '<rect x="{}" y="{}" width="10" height="10" fill="{}"/>'
        '<text x="{}" y="{}" font-size="11" fill="#344054">{}</text>',
        (
            (
                LEFT + PLOT_W + 12,
                TOP + 16 * i,
                PALETTE[i % len(PALETTE)],
                LEFT + PLOT_W + 26,
                TOP + 16 * i + 9,
                name,
            )
            for i, name in enumerate(names)
        ),
    )


def line_chart(
    *, label: str, x_labels: list[str], series: dict[str, list[Decimal | None]], tick
) -> SafeString:
    """One line per series over the x labels (None: no point); `tick` formats an axis value."""
    values = [v for points in series.values() for v in points if v is not None]
    maximum = nice_max(max(values, default=ZERO))
    count = max(len(x_labels) - 1, 1)
    lines = []
    for i, points in enumerate(series.values()):
        coords = [
            f"{_n(LEFT + PLOT_W * index / count)},{_n(TOP + PLOT_H - float(PLOT_H * value / maximum))}"
            for index, value in enumerate(points)
            if value is not None
        ]
        if len(coords) == 1:
            x, y = coords[0].split(",")
            lines.append(
                format_html('<circle cx="{}" cy="{}" r="3" fill="{}"/>', x, y, PALETTE[i % len(PALETTE)])
            )
        elif coords:
            lines.append(
                format_html(
                    '<polyline points="{}" fill="none" stroke="{}" stroke-width="2"/>',
                    " ".join(coords),
                    PALETTE[i % len(PALETTE)],
                )
            )
    body = _axes(maximum, tick, x_labels) + format_html_join("", "{}", ((line,) for line in lines))
    return _svg(label, body + _legend(list(series)))


def share_bar(*, label: str, parts: dict[str, Decimal]) -> SafeString:
    """One horizontal bar split by each part's share of the total (the classification mix)."""
    total = sum(parts.values(), ZERO)
    x = float(LEFT)
    rects = []
    for i, (name, value) in enumerate(parts.items()):
        if total <= 0 or value <= 0:
            continue
        width = float(PLOT_W * value / total)
        rects.append(
            format_html(
                '<rect x="{}" y="{}" width="{}" height="40" fill="{}"><title>{} {}%</title></rect>',
                _n(x),
                TOP + 20,
                _n(width),
                PALETTE[i % len(PALETTE)],
                name,
                f"{100 * value / total:.1f}",
            )
        )
        x += width
    return _svg(label, format_html_join("", "{}", ((r,) for r in rects)) + _legend(list(parts)))


LIGHT_COLOURS = {"green": "#12b76a", "amber": "#f79009", "red": "#f04438"}


def light(name: str) -> SafeString:
    """A traffic light: a coloured dot with its name (in the page's language) for screen readers
    and without colour."""
    from monitoring.models import Light

    shown = dict(Light.choices).get(name, name)
    return format_html(
        '<svg width="12" height="12" viewBox="0 0 12 12" role="img" aria-label="{}" '
        'xmlns="http://www.w3.org/2000/svg"><circle cx="6" cy="6" r="5" fill="{}"/></svg> {}',
        shown,
        LIGHT_COLOURS.get(name, "#667085"),
        shown,
    )


def bar_chart(*, label: str, categories: list[str], series: dict[str, list[Decimal]], tick) -> SafeString:
    """Grouped vertical bars: per category one bar per series (values ≥ 0; negatives drawn as 0)."""
    values = [v for points in series.values() for v in points if v is not None]
    maximum = nice_max(max(values, default=ZERO))
    group = PLOT_W / max(len(categories), 1)
    width = group * 0.8 / max(len(series), 1)
    bars = []
    for i, points in enumerate(series.values()):
        for index, value in enumerate(points):
            value = max(value or ZERO, ZERO)
            height = float(PLOT_H * value / maximum)
            bars.append(
                format_html(
                    '<rect x="{}" y="{}" width="{}" height="{}" fill="{}"><title>{}</title></rect>',
                    _n(LEFT + group * index + group * 0.1 + width * i),
                    _n(TOP + PLOT_H - height),
                    _n(width),
                    _n(height),
                    PALETTE[i % len(PALETTE)],
                    tick(value),
                )
            )
    labels = format_html_join(
        "",
        '<text x="{}" y="{}" text-anchor="middle" font-size="10" fill="#667085">{}</text>',
        ((_n(LEFT + group * index + group / 2), HEIGHT - 8, name) for index, name in enumerate(categories)),
    )
    body = _axes(maximum, tick, []) + format_html_join("", "{}", ((bar,) for bar in bars)) + labels
    return _svg(label, body + _legend(list(series)))


def interval_chart(*, label: str, rows: list[dict], tick, legend: tuple[str, str]) -> SafeString:
    """Calibration: per grade the realised rate (dot) with its interval (whisker) and the
    predicted PD (a short line), on one share axis; `legend` names the two."""
    values = [v for row in rows for v in (row["ci_high"], row["predicted"]) if v is not None]
    maximum = nice_max(max(values, default=ZERO))
    group = PLOT_W / max(len(rows), 1)
    marks = []

    def y(value):
        return _n(TOP + PLOT_H - float(PLOT_H * value / maximum))

    for index, row in enumerate(rows):
        x = LEFT + group * index + group / 2
        if row["ci_low"] is not None:
            marks.append(
                format_html(
                    '<line x1="{}" x2="{}" y1="{}" y2="{}" stroke="{}" stroke-width="2"/>'
                    '<circle cx="{}" cy="{}" r="4" fill="{}"/>',
                    _n(x),
                    _n(x),
                    y(row["ci_low"]),
                    y(row["ci_high"]),
                    PALETTE[0],
                    _n(x),
                    y(row["rate"]),
                    PALETTE[0],
                )
            )
        marks.append(
            format_html(
                '<line x1="{}" x2="{}" y1="{}" y2="{}" stroke="{}" stroke-width="3"/>'
                '<text x="{}" y="{}" text-anchor="middle" font-size="10" fill="#667085">{}</text>',
                _n(x - 12),
                _n(x + 12),
                y(row["predicted"]),
                y(row["predicted"]),
                PALETTE[1],
                _n(x),
                HEIGHT - 8,
                row["name"],
            )
        )
    body = _axes(maximum, tick, []) + format_html_join("", "{}", ((m,) for m in marks))
    return _svg(label, body + _legend(list(legend)))


def heat_map(
    *,
    label: str,
    rows: list[str],
    columns: list[str],
    cells: dict[tuple[int, int], tuple[Decimal, str]],
    column_width: int = 96,
    separator: str = " → ",
) -> SafeString:
    """A matrix as a heat map: row i, column j shaded by its share (0–1) with its text written in
    it; `cells` maps (i, j) to (share, text), a missing cell is blank (the migration matrix). A
    cell's tooltip is "row{separator}column: text"."""
    head, left, row_h = 40, 130, 28
    width = max(WIDTH, left + column_width * len(columns) + 8)
    col_w = (width - left - 8) / max(len(columns), 1)
    height = head + row_h * len(rows) + 8
    parts = []
    for j, name in enumerate(columns):
        # "Special mention (关注)": the name over its bracket, so the columns stay narrow.
        first, bracket, rest = name.partition(" (")
        lines = [first, bracket.strip() + rest] if bracket else [name]
        for k, line in enumerate(lines):
            parts.append(
                format_html(
                    '<text x="{}" y="{}" text-anchor="middle" font-size="10" fill="#344054">{}</text>',
                    _n(left + col_w * j + col_w / 2),
                    head - 8 - 12 * (len(lines) - 1 - k),
                    line,
                )
            )
    for i, name in enumerate(rows):
        y = head + row_h * i
        parts.append(
            format_html(
                '<text x="{}" y="{}" text-anchor="end" font-size="10" fill="#344054">{}</text>',
                left - 6,
                _n(y + row_h / 2 + 3),
                name,
            )
        )
        for j in range(len(columns)):
            share, text = cells.get((i, j), (None, ""))
            opacity = float(min(max(share, ZERO), Decimal(1))) if share is not None else 0.0
            parts.append(
                format_html(
                    '<rect x="{}" y="{}" width="{}" height="{}" fill="{}" fill-opacity="{}" '
                    'stroke="#e5e9ee"><title>{}{}{}: {}</title></rect>'
                    '<text x="{}" y="{}" text-anchor="middle" font-size="10" fill="{}">{}</text>',
                    _n(left + col_w * j),
                    _n(y),
                    _n(col_w),
                    row_h,
                    PALETTE[0],
                    f"{0.08 + 0.92 * opacity:.2f}" if share is not None else "0",
                    name,
                    separator,
                    columns[j],
                    text,
                    _n(left + col_w * j + col_w / 2),
                    _n(y + row_h / 2 + 3),
                    "#ffffff" if opacity > 0.55 else "#101828",
                    text,
                )
            )
    return format_html(
        '<svg class="chart" width="{}" height="{}" viewBox="0 0 {} {}" role="img" aria-label="{}" '
        'xmlns="http://www.w3.org/2000/svg"><title>{}</title>{}</svg>',
        width,
        height,
        width,
        height,
        label,
        label,
        mark_safe("".join(parts)),
    )
