"""Who is asking, for the catalogue's entry points (the API and the pages).

The catalogue must not know about customers (see ARCHITECTURE.md), so products' models,
services and selectors never import them; the entry points may, and do it here, inside the
function, so that importing `products` never loads `customers` or `servicing`.
"""

from __future__ import annotations


def caller_segments(user, *, explicit: str | None = None) -> tuple[str, ...]:
    """The segments to price a quote for: those of the signed-in customer (their profile's, and
    `new_customer` while they have no loan: what their application's offer will apply), plus the
    one the request names. Anonymous callers and users without a profile get only the latter."""
    from customers import selectors as customer_selectors
    from servicing import selectors as servicing_selectors

    segments: set[str] = {explicit} if explicit else set()
    customer = customer_selectors.customer_for_user(user)
    if customer is not None:
        segments |= servicing_selectors.customer_segments_now(customer)
    return tuple(sorted(segments))
