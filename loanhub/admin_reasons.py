"""The console's reason column of an event table, in the page's language (loanhub.reasons)."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from loanhub.reasons import reason_html


class EventReasonColumn:
    """Mixin of an event inline or list: `reason_text` shows the reason in the reader's
    language (a system reason rendered from its code, a typed one as written)."""

    @admin.display(description=_("reason"))
    def reason_text(self, obj):
        return reason_html(obj)
