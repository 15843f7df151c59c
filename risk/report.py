"""The validation report of a stored model, as one JSON-ready object and as text."""

from __future__ import annotations

from risk import selectors
from risk.models import ScoreModel


def model_report(model: ScoreModel) -> dict:
    report = dict(model.report)
    return {
        "model_version": model.version,
        "status": model.status,
        "shadow": model.shadow,
        "dataset": model.dataset,
        "artifact_sha256": model.artifact_sha256,
        "training_data_sha256": model.training_data_sha256,
        "trained_by": model.trained_by.username if model.trained_by else None,
        "promoted_by": model.promoted_by.username if model.promoted_by else None,
        **report,
        "shadow_comparison": selectors.shadow_comparison(model),
    }


def report_text(data: dict) -> str:
    if not all(key in data for key in ("cv", "holdout", "bands", "targets", "psi")):
        # A model stored without the trainer's validation (loaded by hand, or from an older
        # trainer): say so rather than fail the page that shows it.
        return f"Score model v{data['model_version']} ({data['status']}): no validation report stored"
    cv, hold = data["cv"], data["holdout"]
    lines = [
        f"Score model v{data['model_version']} ({data['status']}{', challenger' if data['shadow'] else ''})"
        f" — data set {data['dataset']} ({data['rows']} rows), binning {data['binner']}, seed {data['seed']}",
        f"artifact SHA-256 {data['artifact_sha256']}",
        f"training data SHA-256 {data['training_data_sha256']}",
        f"features ({len(data['features'])}): {', '.join(data['features'])}",
        "",
        f"{'':<26}{'AUC':>8}{'KS':>8}{'Gini':>8}{'n':>7}",
        f"{'5-fold CV (development)':<26}{cv['auc']:>8.4f}{cv['ks']:>8.4f}{cv['gini']:>8.4f}{cv['n']:>7}"
        f"   AUC sd {cv['auc_std']:.4f}",
        f"{'hold-out 25 %':<26}{hold['auc']:>8.4f}{hold['ks']:>8.4f}{hold['gini']:>8.4f}{hold['n']:>7}",
        f"targets: CV AUC ≥ {data['targets']['cv_auc']}, hold-out AUC ≥ {data['targets']['holdout_auc']}",
        f"PSI development → hold-out: {data['psi']:.4f}",
        "",
        f"Grade bands ({data.get('bands_population', 'hold-out')}):",
        f"{'grade':<7}{'score':>12}{'count':>7}{'bads':>6}{'bad rate':>10}{'cum %':>8}"
        f"{'cum bad %':>11}{'PD':>8}",
    ]
    for band in data["bands"]:
        low = band["min_score"] if band["min_score"] is not None else "…"
        high = band["max_score"] if band["max_score"] is not None else "…"
        rate = f"{band['bad_rate']:.3f}" if band["bad_rate"] is not None else "-"
        lines.append(
            f"{band['grade']:<7}{f'{low}–{high}':>12}{band['count']:>7}{band['bads']:>6}{rate:>10}"
            f"{band['cum_count_share'] * 100:>7.1f}%{band['cum_bad_share'] * 100:>10.1f}%{band['pd']:>8.4f}"
        )
    if data.get("grades"):
        lines += ["", "Grades out of fold (development set; cut-offs and PDs come from these):"]
        lines.append(f"{'grade':<7}{'count':>7}{'bads':>6}{'bad rate':>10}{'PD':>8}")
        for g in data["grades"]:
            rate = f"{g['bad_rate']:.3f}" if g["bad_rate"] is not None else "-"
            lines.append(f"{g['grade']:<7}{g['count']:>7}{g['bads']:>6}{rate:>10}{g['pd']:>8.4f}")
    calibration = data.get("calibration")
    if calibration:
        lines.append("")
        lines.append(f"PD calibration ({calibration['method']}):")
        for label, key in (
            ("out of fold (cross-fitted)", "out_of_fold"),
            ("hold-out", "holdout"),
            ("hold-out, uncalibrated", "holdout_uncalibrated"),
        ):
            f = calibration[key]
            lines.append(
                f"  {label:<28} Brier {f['brier']:.4f}  ECE {f['ece']:.4f}  mean PD {f['mean_pd']:.4f}"
                f"  bad rate {f['bad_rate']:.4f}  n {f['n']}"
            )
    comparison = data.get("shadow_comparison") or {}
    if comparison.get("n"):
        lines += [
            "",
            f"Shadow scoring: {comparison['n']} requests, mean score {comparison['mean_score']} vs "
            f"champion {comparison['mean_champion_score']}, grade agreement "
            f"{comparison['grade_agreement'] * 100:.1f} %",
        ]
    return "\n".join(lines)
