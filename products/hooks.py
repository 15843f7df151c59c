"""Who was invited to a promotion: a callback registry higher apps fill (no signals).

A promotion (or a fee waiver) can be limited to the customers a marketing campaign reached: its
`segments` (a fee's `waived_for_segments`) then name the invitation `invited:<promotion code>`
(`products.choices.invitation`). The catalogue must not know about marketing, so marketing
registers a provider in its AppConfig.ready():

    from products.hooks import register_invitations
    register_invitations(marketing.selectors.customer_invitations)

`provider(customer_id=…)` returns the promotion codes the customer was invited to. The customer's
segments for a quote and for an offer (servicing.selectors.customer_segments_now) carry them as
`invited:<code>` entries, so the one pricing path applies the offer and an application records
it with its segments at submission (what the offer was priced with stays provable).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from loanhub import pagecache
from products.choices import invitation, pilot_member

Provider = Callable[..., Iterable[str]]
_providers: list[Provider] = []


def register_invitations(provider: Provider) -> Provider:
    """Register `provider` (once; registering it again is a no-op)."""
    if provider not in _providers:
        _providers.append(provider)
    return provider


def unregister_invitations(provider: Provider) -> None:
    if provider in _providers:
        _providers.remove(provider)


def invitations(*, customer_id: int) -> frozenset[str]:
    """The customer's invitation segments (`invited:<promotion code>`) from every provider."""
    return frozenset(
        invitation(code) for provider in _providers for code in provider(customer_id=customer_id)
    )


# --- pilots of a promotion (试点) -------------------------------------------------------------------
# Marketing may pilot a product's promotion: limit it to regions, sales channels or a stable share
# of the eligible customers, the others being the control. The catalogue asks, without knowing why:
#
#     running() -> {(product code, promotion code): (channels…)}   the promotions under a pilot now
#                                                                   (empty channels: any channel)
#     memberships(customer_id=…) -> [(product code, promotion code), …]  the pilots a customer is in
#
# A promotion under a pilot applies only to a customer whose segments carry
# `pilot:<PRODUCT>/<code>` (servicing.selectors.customer_segments_now adds them), through one of
# the pilot's channels; everyone else — the control, anonymous visitors — is priced without it.
_pilots: list[tuple[Callable[..., dict], Callable[..., Iterable]]] = []


def register_promotion_pilots(*, running: Callable[..., dict], memberships: Callable[..., Iterable]) -> None:
    """Register the one pilot provider (registering again replaces it)."""
    _pilots[:] = [(running, memberships)]


def unregister_promotion_pilots() -> None:
    _pilots.clear()


def piloted_promotions() -> dict[tuple[str, str], tuple[str, ...]]:
    """The promotions under a running pilot, with the sales channels the pilot is limited to.
    Kept in the catalogue's generation (starting or ending a pilot starts a new one), so pricing
    a page of products asks the provider once, not once a product."""
    if not _pilots:
        return {}
    computed_in, kept = pagecache.lookup(pagecache.CATALOGUE, "piloted-promotions")
    if kept is not None:
        return dict(kept)
    found = dict(_pilots[0][0]())
    pagecache.keep(pagecache.CATALOGUE, "piloted-promotions", found, computed_in=computed_in)
    return found


def pilot_memberships(*, customer_id: int) -> frozenset[str]:
    """The customer's pilot segments (`pilot:<PRODUCT>/<promotion code>`)."""
    if not _pilots:
        return frozenset()
    return frozenset(pilot_member(product, code) for product, code in _pilots[0][1](customer_id=customer_id))


# --- quotes asked ---------------------------------------------------------------------------------
# Marketing's funnel has a "quoted" stage: the catalogue tells whoever listens that someone asked
# for a quote (the product page's form or the quote API), without knowing who listens or why.
QuoteListener = Callable[..., None]
_quote_listeners: list[QuoteListener] = []


def register_quote_asked(listener: QuoteListener) -> QuoteListener:
    """Register `listener(user=…, cookies=…, product_code=…)` (once; again is a no-op)."""
    if listener not in _quote_listeners:
        _quote_listeners.append(listener)
    return listener


def quote_asked(*, user, cookies, product_code: str) -> None:
    """A quote was given for `product_code` to `user` (maybe anonymous) with these cookies."""
    for listener in _quote_listeners:
        listener(user=user, cookies=cookies, product_code=product_code)


# --- recommendations for a signed-in customer -------------------------------------------------------
# The catalogue ranks what a caller tells it (products.quotes.product_recommend). Ranking from a
# customer's own profile and history (智能推荐) needs what the catalogue must not know, so marketing
# registers a recommender:
#
#     recommender(user=…, profile=…, versions=…, personalised=…) -> dict | None
#
# None when `user` is not a customer (the caller then ranks `profile` as given). Otherwise
# {"personalised": bool, "basis": str, "notice": str, "consent": bool,
#  "recommendations": [Recommendation, …]} — eligible first in the recommender's order, with the
# reasons in the active language. `personalised=False` is the customer's choice of the
# non-personalised ranking (PIPL art. 24(2)); the recommender also falls back to it without the
# customer's consent. `recommender.defaults(user=…)` may prefill the page's amount and term.
Recommender = Callable[..., dict | None]
_recommender: list[Recommender] = []


def register_recommender(recommender: Recommender) -> Recommender:
    """Register the one recommender (registering again replaces it)."""
    _recommender[:] = [recommender]
    return recommender


def unregister_recommender(recommender: Recommender) -> None:
    if recommender in _recommender:
        _recommender.remove(recommender)


def recommend_for(*, user, profile, versions, personalised: bool = True) -> dict | None:
    """The registered recommender's answer for `user`, or None (no recommender, not a customer)."""
    if not _recommender or not getattr(user, "is_authenticated", False):
        return None
    return _recommender[0](user=user, profile=profile, versions=versions, personalised=personalised)


def recommend_defaults(*, user) -> dict:
    """Prefill for the recommendations page (amount, term) from the recommender, or {}."""
    if not _recommender or not getattr(user, "is_authenticated", False):
        return {}
    defaults = getattr(_recommender[0], "defaults", None)
    return defaults(user=user) if defaults else {}
