"""The officer console's start page: panels per role, contributed by the apps.

The kernel knows no business app, so each app contributes its panels from its own `console.py`
(found by `autodiscover()`, as the admin finds `admin.py`): a panel names the roles that see it,
a template, and a function that returns the template's context from the app's selectors (a few
aggregate queries each). The admin index (`loanhub.admin_site`) shows the panels of the user's
roles and nothing else; a superuser sees every panel.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterable

from django.template.loader import render_to_string
from django.utils.html import format_html, format_html_join
from django.utils.module_loading import autodiscover_modules
from django.utils.safestring import SafeString


@dataclasses.dataclass(frozen=True)
class Panel:
    """One box on the start page."""

    key: str
    title: str
    roles: frozenset[str]
    template: str
    context: Callable[[object], dict]  # request → the template's context
    order: int = 100


_PANELS: dict[str, Panel] = {}
_discovered = False


def register(
    *, key: str, title, roles: Iterable[str], template: str, context: Callable, order: int = 100
) -> Panel:
    """Adds (or replaces, on a reload) the panel `key`."""
    panel = Panel(
        key=key, title=title, roles=frozenset(roles), template=template, context=context, order=order
    )
    _PANELS[key] = panel
    return panel


def autodiscover() -> None:
    global _discovered
    if not _discovered:
        autodiscover_modules("console")
        _discovered = True


def user_roles(user) -> frozenset[str]:
    """The role (group) names of `user`, read once per request."""
    cached = getattr(user, "_loanhub_roles", None)
    if cached is None:
        cached = (
            frozenset(user.groups.values_list("name", flat=True)) if user.is_authenticated else frozenset()
        )
        user._loanhub_roles = cached
    return cached


def panels_for(user) -> list[Panel]:
    autodiscover()
    if not (user.is_active and user.is_staff):
        return []
    if user.is_superuser:
        chosen = list(_PANELS.values())
    else:
        roles = user_roles(user)
        chosen = [panel for panel in _PANELS.values() if panel.roles & roles]
    return sorted(chosen, key=lambda panel: (panel.order, panel.key))


def render_panels(request) -> list[dict]:
    """The user's panels, rendered (each panel's queries run here): key, title and html."""
    return [
        {
            "key": panel.key,
            "title": panel.title,
            "html": render_to_string(panel.template, panel.context(request), request=request),
        }
        for panel in panels_for(request.user)
    ]


# --- a horizontal bar chart (inline SVG) ------------------------------------------------------
BAR_HEIGHT, GAP, LABEL_W, CHART_W = 18, 6, 170, 460


def bar_chart(rows: list[tuple[str, int]], *, label: str, highlight: Iterable[str] = ()) -> SafeString:
    """Labelled horizontal bars for small counts (states, buckets). No style attribute: the
    Content-Security-Policy forbids inline styles, so colours are classes of static/css/admin.css.
    `highlight` names the labels drawn as warnings (e.g. SLA breaches)."""
    highlight = set(highlight)
    top = max((value for _, value in rows), default=0) or 1
    plot = CHART_W - LABEL_W - 50
    height = len(rows) * (BAR_HEIGHT + GAP) + GAP
    bars = format_html_join(
        "",
        '<text class="bar-label" x="{}" y="{}" text-anchor="end">{}</text>'
        '<rect class="{}" x="{}" y="{}" width="{}" height="{}" rx="2"/>'
        '<text class="bar-value" x="{}" y="{}">{}</text>',
        (
            (
                LABEL_W - 6,
                GAP + i * (BAR_HEIGHT + GAP) + BAR_HEIGHT - 5,
                name,
                "bar warn" if name in highlight else "bar",
                LABEL_W,
                GAP + i * (BAR_HEIGHT + GAP),
                f"{max(plot * value / top, 1 if value else 0):.1f}",  # drawing positions, not money
                BAR_HEIGHT,
                f"{LABEL_W + plot * value / top + 4:.1f}",
                GAP + i * (BAR_HEIGHT + GAP) + BAR_HEIGHT - 5,
                value,
            )
            for i, (name, value) in enumerate(rows)
        ),
    )
    return format_html(
        '<svg class="console-chart" width="{}" height="{}" viewBox="0 0 {} {}" role="img" aria-label="{}" '
        'xmlns="http://www.w3.org/2000/svg"><title>{}</title>{}</svg>',
        CHART_W,
        height,
        CHART_W,
        height,
        label,
        label,
        bars,
    )
