"""A campaign message's placeholders, filled for each recipient when it is sent, in their language.

    {{ name }}              the name the customer is greeted by (customers.masking.greeting_name:
                            a given name, or a Chinese name's first character and a star)
    {{ offer }}             the campaign's offer (its promotion's name)
    {{ link }}              the landing link (UTM codes and the signed recipient id)
    {{ unsubscribe }}       the one-click unsubscribe link
    {{ product }}           the product for this customer: the first eligible product the portal's
                            recommender (marketing.recommendations) ranks for them — only with their
                            `personalised_recommendations` consent; when the campaign carries an
                            offer, the first eligible among the products the offer applies to, other
                            products only when none of those is — else the campaign's product (of
                            its offer), else the catalogue's first featured product (the same for all)
    {{ amount }}, {{ term }}            that product's representative example: amount, months
    {{ total_repayable }}, {{ apr }}    what the example costs this customer: the catalogue's one
                            quote (products.services.product_quote) with their segments now — the
                            price the quote API gives them, the campaign's offer included when it
                            applies to the product (`invited:<code>`, the launch recorded it)
    {{ cost }}              the example in one sentence

Texts naming anything else are refused when the campaign is saved (`unknown_placeholders`). The
product and its cost are worked out only for a text that uses them.
"""

from __future__ import annotations

from django.template import TemplateSyntaxError
from django.utils import translation
from django.utils.translation import gettext as _

from customers import selectors as customer_selectors
from customers.masking import greeting_name
from loanhub import clock
from loanhub.formatting import cny_text, percent_text
from notifications.services import template_variables

PLACEHOLDERS = (
    "name",
    "offer",
    "link",
    "unsubscribe",
    "product",
    "amount",
    "term",
    "total_repayable",
    "apr",
    "cost",
)
PRODUCT_PLACEHOLDERS = frozenset(("product", "amount", "term", "total_repayable", "apr", "cost"))


def unknown_placeholders(text: str) -> list[str]:
    """The names a text uses that no message fills (sorted); raises TemplateSyntaxError."""
    return sorted(template_variables(text) - set(PLACEHOLDERS))


def placeholder_errors(text: str) -> list[str]:
    """The field errors of a message text's placeholders (none for a valid text)."""
    try:
        unknown = unknown_placeholders(text)
    except TemplateSyntaxError:
        return [_("The placeholders are not valid (use {{ name }}, {{ offer }}, {{ link }}).")]
    if unknown:
        return [
            _("Unknown placeholders: %(unknown)s. A message may use: %(known)s.")
            % {
                "unknown": ", ".join("{{ " + name + " }}" for name in unknown),
                "known": ", ".join("{{ " + name + " }}" for name in PLACEHOLDERS),
            }
        ]
    return []


def uses_product(*texts: str) -> bool:
    """Whether any of the texts needs the personalised product or its cost."""
    return any(template_variables(text) & PRODUCT_PLACEHOLDERS for text in texts if text)


def campaign_product(campaign):
    """The version offered now of the campaign's offer's product, or None."""
    from products import selectors as product_selectors
    from products.models import Product
    from products.selectors import ProductNotOffered

    if campaign.promotion is None:
        return None
    try:
        return product_selectors.product_get_offered(code=campaign.promotion.version.product.code)
    except (Product.DoesNotExist, ProductNotOffered):
        return None


def featured_product():
    """The catalogue's first featured product now (the home page's order, the same for everyone)."""
    from products import selectors as product_selectors
    from products.featured import featured_order

    order = featured_order(product_selectors.product_list_active(), on_date=clock.today())
    return order[0][0] if order else None


def recommended_product(
    customer, *, segments: tuple[str, ...], fallback, versions=None, offer_ids: frozenset[int] = frozenset()
):
    """The first eligible product the portal's recommender ranks for the customer, with their
    consent to personalised recommendations only (PIPL art. 24); None otherwise. Among the
    `offer_ids` (ids: the products the campaign's offer applies to) first, when one is
    eligible. The profile is
    their last application's amount and term, else the fallback product's representative loan.
    `versions`: the catalogue's offered versions when the caller holds them."""
    from marketing.recommendations import recommend_for_customer, recommendation_defaults
    from products import selectors as product_selectors
    from products.quotes import Profile

    if not customer_selectors.marketing_consent_get(customer=customer)["personalised_recommendations"]:
        return None
    versions = product_selectors.product_list_active() if versions is None else versions
    asked = recommendation_defaults(user=customer.user)
    if not asked:
        model = fallback or (versions[0] if versions else None)
        if model is None:
            return None
        asked = {"amount": model.representative_amount, "term": model.representative_term}
    answer = recommend_for_customer(
        user=customer.user,
        profile=Profile(amount=asked["amount"], term=asked["term"], segments=segments),
        versions=versions,
        personalised=True,
    )
    eligible = [r.version for r in (answer or {}).get("recommendations", []) if r.eligible]
    # The campaign's offer first: the recommender's first eligible product it applies to; other
    # products only when none of the offer's is eligible for the customer.
    preferred = [version for version in eligible if version.pk in offer_ids]
    return (preferred or eligible or [None])[0]


def offer_versions(campaign, versions) -> frozenset[int]:
    """The ids of the `versions` (offered now, promotions prefetched) the campaign's offer applies
    to: its promotion's own version, and any version with a promotion for the campaign's invitation
    (`invited:<code>`, products.hooks). Empty for a campaign without an offer."""
    from products.choices import invitation

    promotion = campaign.promotion
    if promotion is None:
        return frozenset()
    invited = invitation(promotion.code)
    return frozenset(
        version.pk
        for version in versions
        if version.pk == promotion.version_id
        or any(invited in (p.segments or ()) for p in version.promotions.all())
    )


class ProductChooser:
    """The personalised product and example of each recipient of one send (the campaign's product,
    the featured one, the offer's products and the recipients' behaviour tags, `customer_ids`, are
    looked up once)."""

    def __init__(self, campaign, *, customer_ids=()):
        self.campaign = campaign
        self._campaign_product = self._featured = self._versions = None
        self._offer_versions = None
        self._looked_up = set()
        # The recipients' behaviour tags, read for all of them at once when first needed.
        self._customer_ids, self._behaviour = frozenset(customer_ids), None

    def _behaviour_of(self, customer_id: int) -> frozenset[str] | None:
        if customer_id not in self._customer_ids:
            return None  # customer_segments_now reads it for them
        if self._behaviour is None:
            from servicing.behaviour import customers_behaviour_segments

            today = clock.today()
            self._behaviour = customers_behaviour_segments(customer_ids=self._customer_ids, as_of=today)
        return self._behaviour[customer_id]

    def _offered(self):
        if self._versions is None:
            from products import selectors as product_selectors

            self._versions = product_selectors.product_list_active()
        return self._versions

    def _offer(self) -> frozenset[int]:
        if self._offer_versions is None:
            self._offer_versions = offer_versions(self.campaign, self._offered())
        return self._offer_versions

    def _fallback(self):
        if "campaign" not in self._looked_up:
            self._looked_up.add("campaign")
            self._campaign_product = campaign_product(self.campaign)
        if self._campaign_product is not None:
            return self._campaign_product
        if "featured" not in self._looked_up:
            self._looked_up.add("featured")
            self._featured = featured_product()
        return self._featured

    def context(self, customer, *, language: str) -> dict:
        """The product placeholders for the customer, in `language` (empty when no product fits)."""
        from products.quotes import ProductQuoteError
        from products.services import product_quote
        from servicing.selectors import customer_segments_now

        segments = tuple(sorted(customer_segments_now(customer, behaviour=self._behaviour_of(customer.pk))))
        fallback = self._fallback()
        version = (
            recommended_product(
                customer,
                segments=segments,
                fallback=fallback,
                versions=self._offered(),
                offer_ids=self._offer(),
            )
            or fallback
        )
        empty = dict.fromkeys(PRODUCT_PLACEHOLDERS, "")
        if version is None:
            return empty
        try:
            quote = product_quote(
                version=version,
                amount=version.representative_amount,
                term=version.representative_term,
                segments=segments,
                start_date=clock.today(),
            )
        except ProductQuoteError:
            return empty
        with translation.override(language):
            values = {
                "product": version.name_en if language == "en" else version.name_zh,
                "amount": cny_text(quote.amount, language=language),
                "term": str(quote.term),
                "total_repayable": cny_text(quote.total_payable, language=language),
                "apr": percent_text(quote.apr),
            }
            values["cost"] = _("%(amount)s over %(term)s months: %(total)s to repay in all, APR %(apr)s") % {
                "amount": values["amount"],
                "term": values["term"],
                "total": values["total_repayable"],
                "apr": values["apr"],
            }
        return values


def recipient_name(customer) -> str:
    return greeting_name(customer.legal_name)
