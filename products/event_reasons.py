"""The reasons the catalogue records on product version events, as codes shown in the reader's
language (loanhub.reasons)."""

from __future__ import annotations

from django.utils.translation import pgettext_lazy

from loanhub.reasons import register

register("products.replaced_by_version", pgettext_lazy("event reason", "replaced by version %(version)s"))
# A new version's first event (products.services.product_new_version writes the English text).
register("products.copied_from", pgettext_lazy("event reason", "copied from %(version)s"))
