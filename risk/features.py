"""Validation of a LoanHub risk feature record: clear field errors, never a silent default."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from django.utils.translation import gettext as _

from loanhub.errors import Invalid
from risk.mapping import BUREAU_FEATURES, FEATURES


class FeatureValidationError(Invalid):
    """The feature record is incomplete or out of range; `errors` maps field → [message, …]."""

    def __init__(self, errors: dict[str, str | list[str]]):
        super().__init__(dict(sorted(errors.items())))


def _number(name: str, value, errors: dict[str, str]) -> Decimal | None:
    spec = FEATURES[name]
    if isinstance(value, bool) or not isinstance(value, int | float | Decimal | str):
        errors[name] = _("must be a number")
        return None
    try:
        number = Decimal(str(value).strip())
    except InvalidOperation:
        errors[name] = _("must be a number")
        return None
    if not number.is_finite():
        errors[name] = _("must be a finite number")
        return None
    if spec.integer and number != number.to_integral_value():
        errors[name] = _("must be a whole number")
        return None
    if spec.min_value is not None and number < spec.min_value:
        errors[name] = _("must be at least %(min)s") % {"min": spec.min_value}
        return None
    if spec.max_value is not None and number > spec.max_value:
        errors[name] = _("must be at most %(max)s") % {"max": spec.max_value}
        return None
    return int(number) if spec.integer else number


def validate_features(raw: dict, *, require_bureau: bool = True) -> dict:
    """Check every feature and return a clean copy (ints, Decimals, choice strings).

    Every feature of the schema is required: the scorecard and the policy rules need them all,
    and a missing value must be asked for, not guessed. Bureau features are required for a
    decision; `require_bureau=False` validates what an application supplies before the bureau
    lookup. Unknown keys are refused too, so a misspelt field cannot be silently ignored.
    """
    if not isinstance(raw, dict):
        raise FeatureValidationError({"__all__": _("features must be an object")})
    errors: dict[str, str] = {}
    clean: dict = {}
    for name in sorted(set(raw) - set(FEATURES)):
        errors[name] = _("unknown feature")
    for name, spec in FEATURES.items():
        if name not in raw or raw[name] is None or raw[name] == "":
            if name in BUREAU_FEATURES and not require_bureau:
                continue
            errors[name] = _("this feature is required")
            continue
        value = raw[name]
        if spec.kind == "categorical":
            if value not in spec.choices:
                errors[name] = _("%(value)s is not one of: %(allowed)s") % {
                    "value": repr(value),
                    "allowed": ", ".join(spec.choices),
                }
                continue
            clean[name] = value
        else:
            number = _number(name, value, errors)
            if number is not None:
                clean[name] = number
    if errors:
        raise FeatureValidationError(errors)
    return clean


def to_json(features: dict) -> dict:
    """A feature record as JSON-safe values (Decimals as strings, exact)."""
    return {key: str(value) if isinstance(value, Decimal) else value for key, value in features.items()}
