"""python manage.py train_scorecard — train a scorecard reproducibly and register a candidate."""

from __future__ import annotations

import json

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from risk import services
from risk.report import model_report, report_text
from risk.scorecard import datasets, training
from risk.scorecard.binning import BINNERS


class Command(BaseCommand):
    help = (
        "Train a credit scorecard on a shipped real data set (checksum verified) with a fixed seed and "
        "register it as a candidate. credit_data is an out-of-sample check: its report is printed, "
        "never registered (its features and currency differ from LoanHub's)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--dataset", default="german_credit", choices=sorted(datasets.DATASETS))
        parser.add_argument("--binner", default="optbinning", choices=sorted(BINNERS))
        parser.add_argument("--seed", type=int, default=training.DEFAULT_SEED)
        parser.add_argument("--user", help="username of the Risk Analyst who trains (cannot promote it)")
        parser.add_argument("--json", action="store_true", help="print the report as JSON")

    def handle(self, *args, dataset, binner, seed, user, json: bool = False, **options):
        actor = None
        if user:
            actor = get_user_model().objects.filter(username=user).first()
            if actor is None:
                raise CommandError(f"no user {user!r}")
        try:
            if dataset != "german_credit":
                data = datasets.load(dataset)
                result = training.train(
                    data.features,
                    data.is_bad,
                    data.inputs,
                    dataset=data.name,
                    data_sha256=data.sha256,
                    binner=binner,
                    seed=seed,
                )
                summary = {k: v for k, v in result.report.items() if k != "holdout"}
                summary["holdout"] = {k: v for k, v in result.report["holdout"].items() if k != "scores"}
                summary["training_seconds"] = round(result.seconds, 3)
                self._print(summary, json, registered=False)
                return
            model = services.model_train(dataset=dataset, binner=binner, seed=seed, actor=actor)
        except datasets.DatasetChecksumError as exc:
            raise CommandError(str(exc)) from exc
        data = model_report(model)
        if json:
            self.stdout.write(_dumps(data))
        else:
            self.stdout.write(report_text(data))
            self.stdout.write(
                self.style.SUCCESS(
                    f"\nRegistered candidate v{model.version} in {model.training_seconds:.1f} s. "
                    "Another Risk Analyst promotes it (admin: Score models)."
                )
            )

    def _print(self, summary: dict, as_json: bool, *, registered: bool) -> None:
        if as_json:
            self.stdout.write(_dumps(summary))
            return
        cv, hold = summary["cv"], summary["holdout"]
        self.stdout.write(
            f"{summary['dataset']} ({summary['rows']} rows), features {', '.join(summary['features'])}\n"
            f"CV AUC {cv['auc']:.4f} ± {cv['auc_std']:.4f}, KS {cv['ks']:.4f}, Gini {cv['gini']:.4f}\n"
            f"hold-out AUC {hold['auc']:.4f}, KS {hold['ks']:.4f}, Gini {hold['gini']:.4f} (n={hold['n']})\n"
            f"PSI {summary['psi']:.4f}; trained in {summary['training_seconds']} s; not registered."
        )


def _dumps(data) -> str:
    return json.dumps(data, ensure_ascii=False, indent=1, default=str)
