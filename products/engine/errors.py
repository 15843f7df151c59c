"""The one exception type the engine raises for inputs it refuses."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from decimal import Decimal

__all__ = ["CreditLimitExceededError", "EngineValidationError", "Message", "gettext_noop"]


def gettext_noop(template: str) -> str:
    """Mark a message template for the translation catalogues and return it unchanged.

    Django's `makemessages` extracts the arguments of calls by this name, so the engine's messages
    reach the zh-hans catalogue while the engine itself imports nothing from Django.
    """
    return template


class Message(str):
    """An error message: the English text, and the template and values it was made from.

    A `str`, so it prints, compares and serialises as the English text; a caller with translation
    catalogues says it in the user's language from `template` and `params` (products.engine_adapter).
    """

    template: str
    params: dict[str, object]

    def __new__(cls, template: str, params: Mapping[str, object] | None = None) -> Message:
        values = dict(params or {})
        message = super().__new__(cls, template.format(**values) if values else template)
        message.template = template
        message.params = values
        return message

    def __getnewargs__(self) -> tuple[str, dict[str, object]]:  # type: ignore[override]
        return self.template, self.params


class EngineValidationError(ValueError):
    """Inputs the engine refuses, grouped by the request field they came from.

    `errors` maps a field name (the same names as the API request: ``principal``, ``annual_rate``,
    ``term`` ...) to a list of human-readable messages, so the API layer can turn it into an HTTP 400
    body field by field without parsing message text.
    """

    def __init__(self, errors: Mapping[str, Sequence[str]]) -> None:
        self.errors: dict[str, list[str]] = {field: list(messages) for field, messages in errors.items()}
        super().__init__(
            "; ".join(f"{field}: {' '.join(messages)}" for field, messages in self.errors.items())
        )


class CreditLimitExceededError(EngineValidationError):
    """A draw on a revolving line asked for more than the limit left available on that date.

    A subclass, so callers that handle `EngineValidationError` handle it too, while a service that
    wants to offer a smaller draw can read `requested` and `available`.
    """

    def __init__(self, *, field: str, on: date, requested: Decimal, available: Decimal) -> None:
        self.on = on
        self.requested = requested
        self.available = available
        template = gettext_noop("draw of {requested} on {on} exceeds the available limit {available}")
        params = {"requested": requested, "on": on.isoformat(), "available": available}
        super().__init__({field: [Message(template, params)]})


class ErrorCollector:
    """Gathers every field error of one request so the caller sees them all at once, not one per try."""

    __slots__ = ("errors",)

    def __init__(self) -> None:
        self.errors: dict[str, list[str]] = {}

    def add(self, field: str, template: str, /, **params: object) -> None:
        """Record a message under `field`: a template marked with `gettext_noop` and its values, or a
        `Message` passed on from another collector."""
        message = template if isinstance(template, Message) and not params else Message(template, params)
        self.errors.setdefault(field, []).append(message)

    def __contains__(self, field: str) -> bool:
        return field in self.errors

    def raise_if_any(self) -> None:
        if self.errors:
            raise EngineValidationError(self.errors)
