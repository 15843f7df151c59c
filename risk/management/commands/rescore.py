"""python manage.py rescore --since DATE — batch-score past decisions with every model, with pandas."""

from __future__ import annotations

import datetime as dt
import time

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from risk import batch, choices, selectors
from risk.models import Decision, ScoreModel


class Command(BaseCommand):
    help = (
        "Re-score the feature snapshots of decisions made since DATE with the champion and the "
        "challengers (or --model N …) in one pandas pass per model, and compare grades. Writes nothing."
    )

    def add_arguments(self, parser):
        parser.add_argument("--since", required=True, help="YYYY-MM-DD (Asia/Shanghai)")
        parser.add_argument(
            "--model", type=int, action="append", dest="versions", help="model version (repeatable)"
        )

    def handle(self, *args, since, versions=None, **options):
        try:
            day = dt.date.fromisoformat(since)
        except ValueError:
            raise CommandError("--since must be a date YYYY-MM-DD") from None
        start = timezone.make_aware(dt.datetime.combine(day, dt.time.min))
        rows = list(
            Decision.objects.filter(created_at__gte=start).values_list("features", "grade", "model__version")
        )
        if not rows:
            self.stdout.write(f"No decisions since {day}.")
            return
        if versions:
            models = list(ScoreModel.objects.filter(version__in=versions).order_by("version"))
        else:
            models = (
                list(ScoreModel.objects.filter(status=choices.ModelStatus.CHAMPION))
                + selectors.challengers_list()
            )
        if not models:
            raise CommandError("no model to score with")
        frame = batch.features_frame([r[0] for r in rows])
        decided = [r[1] for r in rows]
        self.stdout.write(f"{len(rows)} decisions since {day}")
        for model in models:
            card = selectors.scorecard_load(model)
            started = time.perf_counter()
            scored = batch.score_frame(card, frame)
            seconds = time.perf_counter() - started
            agreement = float((scored["grade"].to_numpy() == decided).mean())
            dist = scored["grade"].value_counts().reindex(list(choices.GRADES), fill_value=0)
            self.stdout.write(
                f"v{model.version} ({model.status}{', challenger' if model.shadow else ''}): "
                f"mean score {scored['score'].mean():.1f}, grades "
                + " ".join(f"{g}={n}" for g, n in dist.items())
                + f", same grade as decided {agreement * 100:.1f} %"
                + f", {len(rows) / max(seconds, 1e-9):,.0f} records/s"
            )
