"""The score distribution's aggregate (imported by `monitoring.models`): the scoring engine's
decisions of a month counted per product and score band (`monitoring.score_bands` writes it inside
`run_monitoring`; the risk dashboard and `GET /api/v1/monitoring/score-distribution/` read it)."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class DecisionScoreBand(models.Model):
    """The scoring engine's credit decisions of one month (by the time they were made, in
    LoanHub's time zone) whose score fell in one band of `LOANHUB_SCORE_BAND_WIDTH` points, per
    product. `band` is the band's lowest score (a multiple of the width: 600 holds 600–619 at 20
    points); `through` is the last day counted, as in `DecisionMonth`."""

    month = models.DateField(_("month"), help_text=_("the first day of the month"))
    product = models.CharField(_("product"), max_length=32)
    band = models.IntegerField(_("score band"), help_text=_("the band's lowest score"))
    decisions = models.PositiveIntegerField(_("decisions"))
    through = models.DateField(_("counted through"))

    class Meta:
        verbose_name = _("decisions of a month by score band")
        verbose_name_plural = _("decisions by month and score band")
        constraints = [
            models.UniqueConstraint(fields=("month", "product", "band"), name="decision_score_band_unique")
        ]

    def __str__(self) -> str:
        return f"{self.month:%Y-%m} {self.product} {self.band}: {self.decisions}"
