"""Risk's stored codes and JSON on the console's read-only pages, in the page's language: feature
names by the schema's labels (risk.mapping), rule codes and a decision's reasons beside their
text, the bureau's history codes as words; what has no label is shown as the code it is."""

from __future__ import annotations

from django.conf import settings
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe
from django.utils.translation import get_language, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from loanhub.admin_labels import code, labelled_pairs
from loanhub.refs import ref_text

# The bureau file's codes (risk.mapping: German Credit A3 and A14), as words.
CREDIT_HISTORY = {
    "no_credits": _("no credits taken"),
    "all_paid": _("all credits at this bank paid back duly"),
    "paid_duly": _("existing credits paid back duly"),
    "past_delays": _("delays in paying off in the past"),
    "critical": _("critical account or credits elsewhere"),
}
# The training data sets (risk.scorecard.datasets), by name.
DATASETS = {
    "german_credit": _("German Credit data set (UCI Statlog)"),
    "credit_data": _("credit_data data set (modeldata, Spanish credit scoring)"),
}
OTHER_PLANS = {"none": _("none"), "bank": _("at a bank"), "stores": _("at stores")}


def _chinese() -> bool:
    return (get_language() or "").lower().startswith("zh")


def feature_labels() -> dict[str, str]:
    """Each feature of the schema by its label in the page's language."""
    from risk.mapping import DERIVED, FEATURES

    specs = {**FEATURES, **DERIVED}
    return {name: spec.label_zh if _chinese() else spec.label_en for name, spec in specs.items()}


def features_html(values) -> str:
    """A features (or points) document: each feature by its label, coded values as code."""
    labels = feature_labels()
    return labelled_pairs(values or {}, labels=labels, value_labels={**CREDIT_HISTORY, **OTHER_PLANS})


def feature_list_html(names) -> str:
    """A list of features by their labels."""
    labels = feature_labels()
    return format_html_join("、", "{}", ((labels.get(n) or code(n),) for n in names)) if names else "-"


def reasons_html(reasons) -> str:
    """A decision's reasons: the code, the text in the page's language, the scorer's detail."""
    if not reasons:
        return "-"
    key = "zh" if _chinese() else "en"
    return format_html_join(
        mark_safe("<br>"),
        "{} {} {}",
        (
            (code(r.get("code")), r.get(key) or r.get("en", ""), code(r["detail"]) if r.get("detail") else "")
            for r in reasons
        ),
    )


def codes_html(values) -> str:
    return format_html_join("、", "{}", ((code(v),) for v in values)) if values else "-"


def language_name(value: str) -> str:
    return str(dict(settings.LANGUAGES).get(value, value))


def ref_html(value: str) -> str:
    return format_html("{}", ref_text(value))


# --- business rubrics and ratings ----------------------------------------------------------------
RUBRIC_KEYS = {
    "quantitative_share": _("share of the quantitative score"),
    "personal_weight": _("weight of the owner's personal grade"),
    "personal_grade_points": _("points per personal grade"),
}


def _label(item: dict) -> str:
    return item.get("label_zh" if _chinese() else "label_en") or item.get("label_en") or item.get("code", "")


def _choices(criterion: dict) -> list[dict]:
    """A criterion's answers as dicts (a quantitative criterion maps a value to its points)."""
    choices = criterion.get("choices") or []
    if isinstance(choices, dict):
        return [
            {"code": value, "label_en": value, "label_zh": value, "points": points}
            for value, points in choices.items()
        ]
    return [c for c in choices if isinstance(c, dict)]


def _criteria(definition: dict) -> dict[str, dict]:
    return {
        c["code"]: c for part in ("quantitative", "qualitative") for c in (definition or {}).get(part, [])
    }


def _band_text(band: dict) -> str:
    low = "…" if band.get("min") is None else band["min"]
    high = "…" if band.get("max") is None else band["max"]
    return f"{low}–{high}: {band.get('points')}"


def rubric_html(definition: dict) -> str:
    """A rubric's definition: each criterion by its label with its weight and its bands or answers
    and their points, then the weights and the grades."""
    rows = []
    for part, title in (("quantitative", _("quantitative score")), ("qualitative", _("qualitative score"))):
        rows.append(format_html("<strong>{}</strong>", title))
        for criterion in (definition or {}).get(part, []):
            if "bands" in criterion:
                steps = "；".join(_band_text(b) for b in criterion["bands"])
            else:
                steps = "；".join(f"{_label(c)}: {c.get('points')}" for c in _choices(criterion))
            rows.append(
                format_html(
                    "{} {}（{} {}）：{}",
                    _label(criterion),
                    code(criterion.get("code")),
                    _("weight"),
                    criterion.get("weight"),
                    steps,
                )
            )
    for key, label in RUBRIC_KEYS.items():
        if key in (definition or {}):
            value = definition[key]
            shown = "、".join(f"{k} {v}" for k, v in value.items()) if isinstance(value, dict) else value
            rows.append(format_html("{}：{}", label, shown))
    grades = (definition or {}).get("grades") or []
    if grades:
        rows.append(
            format_html(
                "{}：{}",
                _("grades (minimum score, PD)"),
                "；".join(f"{g.get('grade')} ≥ {g.get('min_score')}, {g.get('pd')}" for g in grades),
            )
        )
    return format_html_join(mark_safe("<br>"), "{}", ((row,) for row in rows))


def facts_html(facts: dict) -> str:
    """The business data as rated, each by the business profile's label."""
    from customers.models import BusinessProfile

    labels = {"first_year_debt_service": _("first-year debt service")}
    for key in facts or {}:
        try:
            labels.setdefault(key, BusinessProfile._meta.get_field(key).verbose_name)
        except Exception:  # noqa: BLE001  (a key that is no field: shown as the code it is)
            pass
    return labelled_pairs(facts or {}, labels=labels)


def answers_html(answers: dict, definition: dict) -> str:
    """The assessment's answers: each criterion and the answer by their labels."""
    criteria = _criteria(definition)
    labels = {name: _label(c) for name, c in criteria.items()}
    choices = {
        f"{name}:{choice['code']}": _label(choice) for name, c in criteria.items() for choice in _choices(c)
    }
    pairs = [(name, choices.get(f"{name}:{value}", value)) for name, value in (answers or {}).items()]
    return labelled_pairs(
        pairs, labels=labels, value_labels={v: v for _n, v in pairs if v in choices.values()}
    )


def _indicator_value(indicator: dict, criterion: dict):
    value = indicator.get("value")
    if value is None:
        return "-"
    for choice in _choices(criterion):
        if choice.get("code") == value and choice.get("label_en") != value:
            return _label(choice)
    number = isinstance(value, str) and value.replace(".", "").lstrip("-").isdigit()
    return code(value) if isinstance(value, str) and not number else value


def indicators_html(indicators: list, definition: dict) -> str:
    """The indicators and points: each criterion by its label, its value, points and weight."""
    criteria = _criteria(definition)
    if not indicators:
        return "-"
    return format_html_join(
        mark_safe("<br>"),
        "{}：{} → {} {}（{} {}）",
        (
            (
                _label(criteria[i["code"]]) if i.get("code") in criteria else code(i.get("code")),
                _indicator_value(i, criteria.get(i.get("code"), {})),
                i.get("points"),
                pgettext_lazy("scorecard", "points"),
                _("weight"),
                i.get("weight"),
            )
            for i in indicators
        ),
    )


def dataset_html(value: str) -> str:
    return format_html("{}", DATASETS[value]) if value in DATASETS else code(value)
