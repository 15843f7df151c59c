"""The catalogue's featured order: the same for everyone, so it is also the non-personalised
ranking of recommendations (PIPL art. 24(2))."""

from __future__ import annotations

import datetime as dt

from products.models import ProductVersion
from products.quotes import representative_quote


def featured_order(versions, *, on_date: dt.date) -> list[tuple[ProductVersion, object]]:
    """(version, representative quote) in the featured order: the cheapest representative APR of
    each purpose first (so a range of purposes leads), then the next cheapest; versions without a
    representative quote last (by code, quote None)."""
    quoted, unquoted = [], []
    for version in versions:
        quote = representative_quote(version, on_date=on_date)
        (quoted if quote is not None else unquoted).append((version, quote))
    quoted.sort(key=lambda pair: (pair[1].apr, pair[0].product.code))
    chosen, seen = [], set()
    for pair in quoted:
        if pair[0].category not in seen:
            seen.add(pair[0].category)
            chosen.append(pair)
    chosen += [pair for pair in quoted if not any(pair is kept for kept in chosen)]
    return chosen + sorted(unquoted, key=lambda pair: pair[0].product.code)
