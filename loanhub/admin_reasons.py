"""The console's reason column of an event table, in the page's language (loanhub.reasons)."""

from django.apps import apps
from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from loanhub.reasons import reason_html


class EventReasonColumn:
    """Mixin of an event inline or list: `reason_text` shows the reason in the reader's
    language (a system reason rendered from its code, a typed one as written)."""

    @admin.display(description=_("reason"))
    def reason_text(self, obj):
        return reason_html(obj)


class EventStateColumns:
    """Mixin of an event inline: `from_label` / `to_label` show the states as their labels in the
    page's language (the event stores codes), from the state fields of `state_models` (the
    models whose transitions write this event table)."""

    state_models: tuple[str, ...] = ()  # "app_label.Model"

    def _state_label(self, value: str):
        for label in self.state_models:
            model = apps.get_model(label)
            field = model._meta.get_field(model.state_field_name)
            label = dict(field.flatchoices).get(value)
            if label is not None:
                return label
        return value or "-"

    @admin.display(description=_("from state"))
    def from_label(self, obj):
        return self._state_label(obj.from_state)

    @admin.display(description=_("to state"))
    def to_label(self, obj):
        return self._state_label(obj.to_state)
