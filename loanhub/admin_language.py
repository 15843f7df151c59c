"""Text the console shows in English on purpose, marked as such.

The console edits the English name, description or template beside the Chinese one; on a
Chinese page that text is English by design. It is shown inside `lang="en"`, which tells screen
readers (and the zh-hans scan of tests/portal/test_console_chinese.py) that it is English.
"""

from __future__ import annotations

from django.contrib import admin
from django.utils.html import format_html


def in_english(value) -> str:
    """`value` marked as English text ("-" when empty)."""
    if value in (None, ""):
        return "-"
    return format_html('<span lang="en">{}</span>', value)


def english_column(model, name: str, *, ordering: str | None = None):
    """An admin column (or read-only field) showing `model`'s field `name` marked as English."""

    def shown(self, obj):
        return in_english(getattr(obj, name))

    field = model._meta.get_field(name)
    return admin.display(description=field.verbose_name, ordering=ordering or name)(shown)
