"""A score model's validation report on its console page, in the page's language: the figures of
`risk.report.model_report` in tables (the command line prints the same figures as English text,
`risk.report.report_text`)."""

from __future__ import annotations

from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _

from loanhub.admin_labels import code
from risk.admin_labels import dataset_html, feature_labels

CALIBRATION_METHODS = {"isotonic": _("isotonic regression"), "sigmoid": _("logistic (Platt) scaling")}


def _table(head, rows) -> str:
    return format_html(
        "<table><tr>{}</tr>{}</table>",
        format_html_join("", "<th>{}</th>", ((h,) for h in head)),
        format_html_join(
            "", "<tr>{}</tr>", ((format_html_join("", "<td>{}</td>", ((v,) for v in row)),) for row in rows)
        ),
    )


def _f(value, places: int = 4) -> str:
    return "-" if value is None else f"{value:.{places}f}"


def report_html(data: dict) -> str:
    if not all(key in data for key in ("cv", "holdout", "bands", "targets", "psi")):
        return format_html("<p>{}</p>", _("No validation report is stored with this model."))
    labels = feature_labels()
    cv, hold = data["cv"], data["holdout"]
    parts = [
        format_html(
            "<p>{}: {} ({} {}) · {}: {} · {}: {}</p>",
            _("data set"),
            dataset_html(data.get("dataset")),
            data.get("rows"),
            _("rows"),
            _("binning"),
            code(data.get("binner")),
            _("random seed"),
            data.get("seed"),
        ),
        format_html(
            "<p>{}: {}</p>",
            _("features"),
            format_html_join("、", "{}", ((labels.get(f) or code(f),) for f in data.get("features", []))),
        ),
        _table(
            ("", "AUC", "KS", _("Gini coefficient"), _("count"), _("AUC standard deviation")),
            (
                (
                    _("5-fold cross-validation (development)"),
                    _f(cv["auc"]),
                    _f(cv["ks"]),
                    _f(cv["gini"]),
                    cv["n"],
                    _f(cv.get("auc_std")),
                ),
                (_("hold-out (25%)"), _f(hold["auc"]), _f(hold["ks"]), _f(hold["gini"]), hold["n"], "-"),
            ),
        ),
        format_html(
            "<p>{}: {} ≥ {}, {} ≥ {} · PSI: {}</p>",
            _("targets"),
            _("cross-validation AUC"),
            data["targets"].get("cv_auc"),
            _("hold-out AUC"),
            data["targets"].get("holdout_auc"),
            _f(data["psi"]),
        ),
        format_html("<h4>{}</h4>", _("grade bands")),
        _table(
            (
                _("grade"),
                _("score"),
                _("count"),
                _("bads"),
                _("bad rate"),
                _("cumulative share"),
                _("cumulative share of bads"),
                "PD",
            ),
            (
                (
                    band["grade"],
                    f"{'…' if band['min_score'] is None else band['min_score']}–"
                    f"{'…' if band['max_score'] is None else band['max_score']}",
                    band["count"],
                    band["bads"],
                    _f(band["bad_rate"], 3),
                    f"{band['cum_count_share'] * 100:.1f}%",
                    f"{band['cum_bad_share'] * 100:.1f}%",
                    _f(band["pd"]),
                )
                for band in data["bands"]
            ),
        ),
    ]
    if data.get("grades"):
        parts.append(format_html("<h4>{}</h4>", _("grades out of fold (development set)")))
        parts.append(
            _table(
                (_("grade"), _("count"), _("bads"), _("bad rate"), "PD"),
                (
                    (g["grade"], g["count"], g["bads"], _f(g["bad_rate"], 3), _f(g["pd"]))
                    for g in data["grades"]
                ),
            )
        )
    calibration = data.get("calibration")
    if calibration:
        method = calibration.get("method")
        parts.append(
            format_html(
                "<h4>{}（{}）</h4>", _("PD calibration"), CALIBRATION_METHODS.get(method) or code(method)
            )
        )
        rows = []
        for label, key in (
            (_("out of fold (cross-fitted)"), "out_of_fold"),
            (_("hold-out"), "holdout"),
            (_("hold-out, uncalibrated"), "holdout_uncalibrated"),
        ):
            f = calibration.get(key) or {}
            rows.append(
                (
                    label,
                    _f(f.get("brier")),
                    _f(f.get("ece")),
                    _f(f.get("mean_pd")),
                    _f(f.get("bad_rate")),
                    f.get("n"),
                )
            )
        parts.append(
            _table(
                (
                    "",
                    _("Brier score"),
                    _("expected calibration error (ECE)"),
                    _("mean PD"),
                    _("bad rate"),
                    _("count"),
                ),
                rows,
            )
        )
    comparison = data.get("shadow_comparison") or {}
    if comparison.get("n"):
        parts.append(
            format_html(
                "<p>{}: {} {} · {} {} · {} {} · {} {:.1f}%</p>",
                _("shadow scoring"),
                comparison["n"],
                _("requests"),
                _("mean score"),
                comparison["mean_score"],
                _("champion's mean score"),
                comparison["mean_champion_score"],
                _("grade agreement"),
                comparison["grade_agreement"] * 100,
            )
        )
    return format_html_join("", "{}", ((part,) for part in parts))
