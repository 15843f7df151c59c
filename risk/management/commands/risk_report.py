"""python manage.py risk_report [--version N] [--json] — a model's validation report."""

from __future__ import annotations

import json

from django.core.management.base import BaseCommand, CommandError

from risk import selectors
from risk.models import ScoreModel
from risk.report import model_report, report_text


class Command(BaseCommand):
    help = "Print a score model's validation report (default: the champion, else the latest version)."

    def create_parser(self, prog_name, subcommand, **kwargs):
        # `--version N` selects a model here; it replaces Django's --version (the Django version).
        return super().create_parser(prog_name, subcommand, conflict_handler="resolve", **kwargs)

    def add_arguments(self, parser):
        parser.add_argument("--version", type=int, dest="model_version")
        parser.add_argument("--json", action="store_true", help="one JSON object (hold-out scores included)")

    def handle(self, *args, model_version=None, json: bool = False, **options):
        try:
            model = selectors.model_get(version=model_version)
        except ScoreModel.DoesNotExist:
            raise CommandError(
                f"no score model v{model_version}" if model_version else "no score model: run train_scorecard"
            ) from None
        data = model_report(model)
        if json:
            self.stdout.write(_json.dumps(data, ensure_ascii=False, default=str))
        else:
            self.stdout.write(report_text(data))


_json = json
