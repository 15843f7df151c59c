"""The reasons monitoring records on early-warning events, as codes shown in the reader's
language (loanhub.reasons)."""

from __future__ import annotations

from django.utils.translation import pgettext_lazy

from loanhub.reasons import register

register("monitoring.raised", pgettext_lazy("event reason", "raised"))
register("monitoring.rescored", pgettext_lazy("event reason", "rescored"))
