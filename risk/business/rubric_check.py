"""The whole check of a rubric definition (see `risk.business.scorecard` for its shape), run when a
draft is written and again when it is published, so that a version that reaches the ratings rates
every business profile without an error and gives a grade A–E.

`check_definition` returns field errors keyed by the path in the document, e.g.
`definition.quantitative[0].bands[1].min` or `definition.grades[2].pd`; an empty dict means the
rubric is sound. It never raises, whatever it is given (JSON from the admin).

What it asks of a definition:

- exactly the known top-level keys; `quantitative_share` and `personal_weight` decimals 0 to 1
  (written as strings or whole numbers, never binary floats);
- quantitative indicators: distinct known codes (those `services.indicator_values` computes),
  Chinese and English labels, a weight ≥ 0, the weights summing to 100; `tax_rating` scored by
  `choices` (code → points), every other one by `bands`: sorted, contiguous (each band's `max` is
  the next one's `min`: no gap, no overlap), open below (first `min` null) and above (last `max`
  null), each `min` < `max`; `missing` points (optional);
- qualitative indicators: distinct codes, labels, a weight ≥ 0 (summing to 100), distinct choices
  each with a code, labels and points;
- all points whole numbers 0 to 100;
- `personal_grade_points`: points for each grade A–E;
- `grades`: A–E best first, `min_score` 0–100 falling strictly, E's 0 (every score has a grade),
  `pd` strictly between 0 and 1 with at most six decimal places, rising strictly with worse grades.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from django.utils.translation import gettext as _

from products.choices import RISK_GRADES

# The quantitative indicators `services.indicator_values` computes, and how each is scored.
QUANTITATIVE_KINDS = {
    "debt_ratio": "bands",
    "revenue_growth": "bands",
    "profit_margin": "bands",
    "loan_to_revenue": "bands",
    "dscr": "bands",
    "tax_rating": "choices",
    "years_trading": "bands",
}
TOP_LEVEL = (
    "quantitative",
    "qualitative",
    "quantitative_share",
    "personal_weight",
    "personal_grade_points",
    "grades",
)
WEIGHT_TOTAL = Decimal(100)
PD_PLACES = 6  # risk.BusinessRating.pd


class _Errors(dict):
    def add(self, path: str, message: str) -> None:
        self.setdefault(f"definition{path}", []).append(message)


def _decimal(value) -> Decimal | None:
    """A finite Decimal from a string or a whole number; None for anything else (floats included:
    a binary fraction is not the number the analyst wrote)."""
    if isinstance(value, bool) or not isinstance(value, str | int):
        return None
    try:
        number = Decimal(value.strip() if isinstance(value, str) else value)
    except (InvalidOperation, ValueError):
        return None
    return number if number.is_finite() else None


def _points(errors: _Errors, path: str, value) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 100:
        errors.add(path, _("must be a whole number of points from 0 to 100"))


def _label(errors: _Errors, path: str, item: dict) -> None:
    for key in ("label_zh", "label_en"):
        if not isinstance(item.get(key), str) or not item[key].strip():
            errors.add(f"{path}.{key}", _("needs a label"))


def _code(errors: _Errors, path: str, item: dict, seen: set) -> str | None:
    code = item.get("code")
    if not isinstance(code, str) or not code.strip():
        errors.add(f"{path}.code", _("needs a code"))
        return None
    if code in seen:
        errors.add(f"{path}.code", _("code %(code)s appears twice") % {"code": code})
    seen.add(code)
    return code


def _weights(errors: _Errors, path: str, items: list) -> None:
    total = Decimal(0)
    for i, item in enumerate(items):
        weight = _decimal(item.get("weight")) if isinstance(item, dict) else None
        if weight is None or weight < 0:
            errors.add(f"{path}[{i}].weight", _("must be a number, 0 or more"))
            return
        total += weight
    if total != WEIGHT_TOTAL:
        errors.add(path, _("the weights must add up to 100 (they add up to %(total)s)") % {"total": total})


def _list(errors: _Errors, path: str, value) -> list:
    if not isinstance(value, list) or not value:
        errors.add(path, _("must be a non-empty list"))
        return []
    return value


def _bands(errors: _Errors, path: str, bands) -> None:
    bands = _list(errors, path, bands)
    previous_max: Decimal | None = None
    for i, band in enumerate(bands):
        here = f"{path}[{i}]"
        if not isinstance(band, dict):
            errors.add(here, _("must be an object"))
            return
        _points(errors, f"{here}.points", band.get("points"))
        bounds = {}
        for key in ("min", "max"):
            raw = band.get(key)
            open_end = (key == "min" and i == 0) or (key == "max" and i == len(bands) - 1)
            if open_end:
                if raw is not None:
                    errors.add(f"{here}.{key}", _("the outer bands must be open: leave it null"))
                continue
            bounds[key] = _decimal(raw)
            if bounds[key] is None:
                errors.add(f"{here}.{key}", _('must be a number written as a string, e.g. "0.4"'))
        low, high = bounds.get("min"), bounds.get("max")
        if low is not None and high is not None and not low < high:
            errors.add(here, _("min must be below max"))
        if i > 0 and low is not None and previous_max is not None and low != previous_max:
            errors.add(
                f"{here}.min",
                _("must equal the previous band's max (%(max)s): no gap, no overlap") % {"max": previous_max},
            )
        previous_max = high


def _quantitative(errors: _Errors, items) -> set:
    path = ".quantitative"
    seen: set = set()
    for i, spec in enumerate(_list(errors, path, items)):
        here = f"{path}[{i}]"
        if not isinstance(spec, dict):
            errors.add(here, _("must be an object"))
            continue
        code = _code(errors, here, spec, seen)
        _label(errors, here, spec)
        if "missing" in spec:
            _points(errors, f"{here}.missing", spec["missing"])
        kind = QUANTITATIVE_KINDS.get(code)
        if code is not None and kind is None:
            errors.add(
                f"{here}.code",
                _("no such indicator; choose one of: %(codes)s") % {"codes": ", ".join(QUANTITATIVE_KINDS)},
            )
            continue
        other = "choices" if kind == "bands" else "bands"
        if other in spec:
            errors.add(f"{here}.{other}", _("this indicator is scored by %(kind)s") % {"kind": kind})
        if kind == "bands":
            _bands(errors, f"{here}.bands", spec.get("bands"))
        elif kind == "choices":
            choices = spec.get("choices")
            if not isinstance(choices, dict) or not choices:
                errors.add(f"{here}.choices", _("must map each code to its points"))
            else:
                for value, points in choices.items():
                    _points(errors, f"{here}.choices.{value}", points)
    if not errors:
        _weights(errors, path, items)
    return seen


def _qualitative(errors: _Errors, items, quantitative_codes: set) -> None:
    path = ".qualitative"
    seen = set(quantitative_codes)
    clean = True
    for i, spec in enumerate(_list(errors, path, items)):
        here = f"{path}[{i}]"
        if not isinstance(spec, dict):
            errors.add(here, _("must be an object"))
            clean = False
            continue
        before = len(errors)
        _code(errors, here, spec, seen)
        _label(errors, here, spec)
        choice_codes: set = set()
        for j, choice in enumerate(_list(errors, f"{here}.choices", spec.get("choices"))):
            there = f"{here}.choices[{j}]"
            if not isinstance(choice, dict):
                errors.add(there, _("must be an object"))
                continue
            _code(errors, there, choice, choice_codes)
            _label(errors, there, choice)
            _points(errors, f"{there}.points", choice.get("points"))
        clean = clean and len(errors) == before
    if clean and isinstance(items, list) and items:
        _weights(errors, path, items)


def _share(errors: _Errors, key: str, value) -> None:
    number = _decimal(value)
    if number is None or not 0 <= number <= 1:
        errors.add(f".{key}", _('must be a number from 0 to 1, written as a string, e.g. "0.6"'))


def _grades(errors: _Errors, rows) -> None:
    path = ".grades"
    rows = _list(errors, path, rows)
    if [r.get("grade") if isinstance(r, dict) else None for r in rows] != list(RISK_GRADES):
        errors.add(path, _("grades must be %(grades)s, best first") % {"grades": ", ".join(RISK_GRADES)})
        return
    scores, pds = [], []
    for i, row in enumerate(rows):
        here = f"{path}[{i}]"
        score = _decimal(row.get("min_score"))
        if score is None or not 0 <= score <= 100:
            errors.add(f"{here}.min_score", _("must be a number from 0 to 100"))
        scores.append(score)
        pd = _decimal(row.get("pd"))
        if pd is None or not 0 < pd < 1 or pd.as_tuple().exponent < -PD_PLACES:
            errors.add(f"{here}.pd", _("must be between 0 and 1 (exclusive), at most six decimal places"))
        pds.append(pd)
    for i in range(1, len(rows)):
        if scores[i] is not None and scores[i - 1] is not None and not scores[i] < scores[i - 1]:
            errors.add(f"{path}[{i}].min_score", _("must be below the better grade's min_score"))
        if pds[i] is not None and pds[i - 1] is not None and not pds[i] > pds[i - 1]:
            errors.add(f"{path}[{i}].pd", _("must be above the better grade's PD"))
    if scores[-1] is not None and scores[-1] != 0:
        errors.add(f"{path}[{len(rows) - 1}].min_score", _("the worst grade must start at 0"))


def check_definition(definition) -> dict[str, list[str]]:
    """Field errors of a rubric definition, keyed by their path in the document ({} when sound)."""
    errors = _Errors()
    if not isinstance(definition, dict):
        errors.add("", _("must be an object"))
        return dict(errors)
    for key in TOP_LEVEL:
        if key not in definition:
            errors.add(f".{key}", _("is missing"))
    for key in definition:
        if key not in TOP_LEVEL:
            errors.add(f".{key}", _("unknown key"))
    if errors:
        return dict(errors)
    quantitative = _Errors()
    codes = _quantitative(quantitative, definition["quantitative"])
    errors.update(quantitative)
    _qualitative(errors, definition["qualitative"], codes)
    _share(errors, "quantitative_share", definition["quantitative_share"])
    _share(errors, "personal_weight", definition["personal_weight"])
    points = definition["personal_grade_points"]
    if not isinstance(points, dict) or set(points) != set(RISK_GRADES):
        errors.add(
            ".personal_grade_points",
            _("must give points for each grade %(grades)s") % {"grades": ", ".join(RISK_GRADES)},
        )
    else:
        for grade, value in points.items():
            _points(errors, f".personal_grade_points.{grade}", value)
    _grades(errors, definition["grades"])
    return dict(errors)
