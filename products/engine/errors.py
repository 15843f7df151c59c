"""The one exception type the engine raises for inputs it refuses."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from decimal import Decimal

__all__ = ["CreditLimitExceededError", "EngineValidationError"]


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
        super().__init__(
            {field: [f"draw of {requested} on {on.isoformat()} exceeds the available limit {available}"]}
        )


class ErrorCollector:
    """Gathers every field error of one request so the caller sees them all at once, not one per try."""

    __slots__ = ("errors",)

    def __init__(self) -> None:
        self.errors: dict[str, list[str]] = {}

    def add(self, field: str, message: str) -> None:
        self.errors.setdefault(field, []).append(message)

    def __contains__(self, field: str) -> bool:
        return field in self.errors

    def raise_if_any(self) -> None:
        if self.errors:
            raise EngineValidationError(self.errors)
