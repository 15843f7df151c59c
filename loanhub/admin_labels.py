"""Stored codes and JSON on the console's read-only pages, shown as labels in the page's language.

Rows keep codes (states, reasons, feature names) and JSON documents as the audit record; a reader
sees their labels. What has no label is an identifier and is shown as one, in <code> (the zh-hans
scan of tests/portal/test_console_chinese.py reads <code> as an identifier shown on purpose).
"""

from __future__ import annotations

import json
from decimal import Decimal

from django.contrib import admin
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _

from loanhub.formatting import cny_text, percent_text
from loanhub.refs import ref_text  # noqa: F401  (the console's name for a reference)

# The keys of the events' payloads and of the counts the apps store as JSON, and their labels.
PAYLOAD_LABELS = {
    "members": _("members"),
    "recipients": _("recipients"),
    "no_consent": _("no marketing consent"),
    "frequency_cap": _("over the frequency cap"),
    "outcome": _("outcome"),
    "pilot": _("pilot"),
    "control": _("control"),
}


def code(value) -> str:
    """An identifier shown as one ("-" when empty)."""
    if value in (None, ""):
        return "-"
    return format_html("<code>{}</code>", value)


def json_code(value) -> str:
    """A stored JSON document shown as it is kept: an identifier-level record, not text to read."""
    if value in (None, "", {}, []):
        return "-"
    return format_html("<pre><code>{}</code></pre>", json.dumps(value, indent=1, ensure_ascii=False))


def labelled_pairs(pairs, labels: dict | None = None, value_labels: dict | None = None) -> str:
    """`key: value` pairs as "label：value" lines; a key or a string value without a label is shown
    as the code it is."""
    labels = {**PAYLOAD_LABELS, **(labels or {})}
    value_labels = value_labels or {}

    def value_html(value):
        if isinstance(value, str):
            label = value_labels.get(value)
            return format_html("{}", label) if label is not None else code(value)
        if isinstance(value, (dict, list)):
            return code(json.dumps(value, ensure_ascii=False))
        return format_html("{}", "-" if value is None else value)

    rows = [
        (labels[key] if key in labels else code(key), value_html(value))
        for key, value in (pairs.items() if isinstance(pairs, dict) else pairs)
    ]
    if not rows:
        return "-"
    return format_html_join(mark_safe("<br>"), "{}：{}", rows)


def labelled_codes(values, labels: dict) -> str:
    """A list of codes as their labels joined by "、" (a code without a label shown as code)."""
    if not values:
        return "-"
    return format_html_join("、", "{}", ((labels[v] if v in labels else code(v),) for v in values))


class PayloadColumn:
    """Mixin of an event inline: `payload_text` shows the event's payload as labelled values."""

    payload_value_labels: dict = {}

    @admin.display(description=_("payload"))
    def payload_text(self, obj):
        return labelled_pairs(obj.payload or {}, value_labels=self.payload_value_labels)


def rate_percent(value) -> str:
    """A stored rate (a fraction) as a percentage ("-" when empty)."""
    return "-" if value is None else percent_text(Decimal(value))


def money(value) -> str:
    """An amount in yuan as the page's language writes it ("-" when empty)."""
    return "-" if value is None else cny_text(Decimal(value))


DISPLAYS = {
    "code": code,
    "json": json_code,
    "percent": rate_percent,
    "money": money,
    "pairs": lambda value: labelled_pairs(value or {}),
}


class LabelledFieldsMixin:
    """Mixin of a model admin: on a read-only page, the fields named in `field_display` are shown
    through a display ("code", "json", "percent", "money", "pairs" or a function of the value
    returning HTML) as `<field>__shown`, under the field's own label."""

    field_display: dict = {}

    def _shown(self, names):
        if isinstance(names, (list, tuple)):
            return type(names)(self._shown(n) for n in names)
        return f"{names}__shown" if names in type(self).field_display else names

    def _read_only(self, request, obj) -> bool:
        return obj is not None and not self.has_change_permission(request, obj)

    def get_fields(self, request, obj=None):
        fields = super().get_fields(request, obj)
        if not self._read_only(request, obj):
            return fields
        return list(dict.fromkeys(self._shown(list(fields))))

    def get_fieldsets(self, request, obj=None):
        fieldsets = super().get_fieldsets(request, obj)
        if not self._read_only(request, obj) or self.fieldsets is None:
            return fieldsets
        return [(title, {**opts, "fields": self._shown(opts["fields"])}) for title, opts in fieldsets]

    def __getattr__(self, name):
        if not name.endswith("__shown"):
            raise AttributeError(name)
        field = name.removesuffix("__shown")
        display = type(self).field_display.get(field)
        if display is None:
            raise AttributeError(name)
        show = DISPLAYS[display] if isinstance(display, str) else display

        def shown(obj):
            return show(getattr(obj, field))

        shown.short_description = self.model._meta.get_field(field).verbose_name
        return shown


def code_column(model, name: str):
    """An admin column (or read-only field) showing `model`'s field `name` as an identifier."""

    def shown(self, obj):
        return code(getattr(obj, name))

    return admin.display(description=model._meta.get_field(name).verbose_name, ordering=name)(shown)
