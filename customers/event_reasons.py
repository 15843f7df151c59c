"""The reasons customers records on customer events, as codes shown in the reader's language
(loanhub.reasons)."""

from __future__ import annotations

from django.utils.translation import pgettext_lazy

from loanhub.reasons import register

FIXED = {
    "customers.claimed": pgettext_lazy("event reason", "claimed by another account"),
    "customers.corrected": pgettext_lazy("event reason", "identity data corrected by the customer"),
    "customers.matched": pgettext_lazy("event reason", "matched by an exact search"),
}
for _code, _text in FIXED.items():
    register(_code, _text)
