"""`run_monitoring --since`: every closed business date of a range monitored again, oldest first,
restoring exactly the rows the close wrote; run twice, it writes nothing twice."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core.management import CommandError, call_command

from monitoring.models import (
    ClassificationMigration,
    DecisionMonth,
    LiquidityBucket,
    PortfolioDay,
    PortfolioTotal,
    RollRate,
    VintagePoint,
)
from monitoring.portfolio_models import PortfolioFlow, PortfolioMix
from monitoring.score_band_models import DecisionScoreBand
from servicing import cob
from tests.monitoring.conftest import month_end, snap

pytestmark = pytest.mark.django_db

AGGREGATES = (
    PortfolioDay,
    PortfolioTotal,
    PortfolioMix,
    PortfolioFlow,
    RollRate,
    ClassificationMigration,
    DecisionMonth,
    DecisionScoreBand,
    VintagePoint,
    LiquidityBucket,
)


def _rows() -> dict[str, list]:
    """Every aggregate row without its id (a rebuilt row has a new one)."""
    return {
        model.__name__: sorted(
            repr(sorted((k, v) for k, v in row.items() if k != "id")) for row in model.objects.values()
        )
        for model in AGGREGATES
    }


def _run(*args) -> str:
    out = io.StringIO()
    call_command("run_monitoring", *args, stdout=out)
    return out.getvalue()


@pytest.fixture
def two_closed_dates(make_loan, django_capture_on_commit_callbacks):
    """A month end and the day before, closed (and monitored after the commit) over two loans of
    two regions, with their snapshots of the month end before (the roll rates' starting point)."""
    last = month_end(1)
    first = last - dt.timedelta(days=1)
    for region in ("上海", "北京"):
        snap(make_loan(month_end(2) - dt.timedelta(days=40), region=region), month_end(2))
    with django_capture_on_commit_callbacks(execute=True):
        runs = cob.close_through(last, start=first)
    assert [run.business_date for run in runs] == [first, last]
    return first, last


def test_backfill_restores_the_deleted_aggregates_of_each_closed_date(two_closed_dates):
    first, last = two_closed_dates
    written = _rows()
    for name in ("PortfolioDay", "PortfolioMix", "PortfolioFlow"):
        assert written[name], name
    assert written["RollRate"]  # the month end's, and its class migration
    assert written["ClassificationMigration"]
    assert len(written["PortfolioDay"]) == 4  # two regions, two dates
    for model in AGGREGATES:
        model.objects.all().delete()
    assert not any(_rows().values())

    out = _run("--since", first.isoformat(), "--date", last.isoformat())

    assert _rows() == written
    lines = out.strip().splitlines()
    assert [line.split(":")[0] for line in lines[:2]] == [f"[1] {first}", f"[2] {last}"]
    assert lines[-1] == f"2 closed dates monitored from {first} through {last}."

    # Again (the default end: the last closed date): every date replaces its rows, none twice.
    again = _run("--since", (first - dt.timedelta(days=30)).isoformat())
    assert _rows() == written
    assert again.strip().splitlines()[-1].startswith("2 closed dates monitored")


def test_backfill_refuses_an_empty_or_reversed_range(two_closed_dates):
    first, last = two_closed_dates
    rows = _rows()
    with pytest.raises(CommandError, match="after"):
        _run("--since", (last + dt.timedelta(days=1)).isoformat(), "--date", last.isoformat())
    with pytest.raises(CommandError, match="has been closed"):
        _run(
            "--since",
            (first - dt.timedelta(days=9)).isoformat(),
            "--date",
            (first - dt.timedelta(days=1)).isoformat(),
        )
    assert _rows() == rows


def test_without_since_the_command_still_runs_one_date(two_closed_dates):
    first, _last = two_closed_dates
    assert _run("--date", first.isoformat()).startswith(f"{first}: ")
