"""Benchmark rates (the LPR fixings): importing new fixings from a CSV file.

The file has the columns of products/data/lpr_history.csv, which the seed (migration
0002_lpr_history) loads; `manage.py import_lpr FILE` calls `benchmark_rates_import`. Officers can
also add a fixing in the admin (Products → Benchmark rates). Floating-rate loans take a new fixing
at their next reset (`servicing.rate_resets`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from django.db import transaction
from django.utils.translation import gettext as _

from loanhub.errors import Invalid
from products import choices as c
from products.models import BenchmarkRate
from products.services import catalogue_changed

# The columns of products/data/lpr_history.csv (the seed, migration 0002_lpr_history, reads the same
# file): one row per monthly fixing, both tenors, percentages.
LPR_COLUMNS = ((c.Benchmark.LPR_1Y, "lpr_1y_pct"), (c.Benchmark.LPR_5Y, "lpr_5y_plus_pct"))


@dataclass
class BenchmarkImport:
    """What an import of fixings did: rows added, rows whose rate or source changed, rows as they were."""

    created: int = 0
    updated: int = 0
    unchanged: int = 0


def _fixing_rows(rows: Iterable[Mapping[str, str]]) -> list[tuple[str, dt.date, object, str]]:
    parsed, errors = [], {}
    for line, row in enumerate(rows, start=2):  # line 1 is the header
        try:
            day = dt.date.fromisoformat((row.get("valid_from") or row.get("publish_date") or "").strip())
        except ValueError:
            errors[f"line {line}"] = [_("valid_from or publish_date must be a date (YYYY-MM-DD)")]
            continue
        source = (row.get("source") or "").strip()
        if (row.get("corroboration") or "").strip():
            source = f"{source}; {row['corroboration'].strip()}"
        for benchmark, column in LPR_COLUMNS:
            try:
                pct = Decimal((row.get(column) or "").strip())
            except InvalidOperation:
                pct = None
            if pct is None or not pct.is_finite() or not 0 <= pct < 100 or pct.as_tuple().exponent < -4:
                errors.setdefault(f"line {line}", []).append(
                    _("%(column)s must be a percentage such as 3.45") % {"column": column}
                )
                continue
            parsed.append((benchmark, day, pct / 100, source[:300]))
    if errors:
        raise Invalid(errors)
    return parsed


def benchmark_rates_import(*, rows: Iterable[Mapping[str, str]]) -> BenchmarkImport:
    """Add (or correct) LPR fixings from rows shaped like products/data/lpr_history.csv.

    All or nothing: any bad row is an Invalid keyed by line and nothing is written. A fixing
    already stored with the same rate and source is left as it is, so importing the same file
    again changes nothing; floating-rate loans take a new fixing at their next reset.
    """
    parsed = _fixing_rows(rows)
    result = BenchmarkImport()
    with transaction.atomic():
        for benchmark, day, rate, source in parsed:
            existing = BenchmarkRate.objects.select_for_update().filter(
                benchmark=benchmark, effective_date=day
            )
            row = existing.first()
            if row is None:
                BenchmarkRate.objects.create(
                    benchmark=benchmark, effective_date=day, rate=rate, source=source
                )
                result.created += 1
            elif row.rate != rate or row.source != source:
                row.rate, row.source = rate, source
                row.save(update_fields=["rate", "source"])
                result.updated += 1
            else:
                result.unchanged += 1
        if result.created or result.updated:
            catalogue_changed()
    return result
