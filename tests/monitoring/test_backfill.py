"""`run_monitoring --since`: every closed business date of a range monitored again, oldest first,
restoring exactly the rows the close wrote; run twice, it writes nothing twice."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command

from monitoring import early_warning
from monitoring.models import (
    ClassificationMigration,
    DecisionMonth,
    EarlyWarning,
    EarlyWarningEvent,
    FlaggedSegment,
    LiquidityBucket,
    PortfolioDay,
    PortfolioTotal,
    RollRate,
    Signal,
    SignalWeight,
    VintagePoint,
)
from monitoring.portfolio_models import (
    PortfolioFlow,
    PortfolioFlowByDimension,
    PortfolioMix,
    PortfolioMixByDimension,
)
from monitoring.score_band_models import DecisionScoreBand
from servicing import cob
from tests.monitoring.conftest import month_end, snap

pytestmark = pytest.mark.django_db

AGGREGATES = (
    PortfolioDay,
    PortfolioTotal,
    PortfolioMix,
    PortfolioFlow,
    PortfolioMixByDimension,
    PortfolioFlowByDimension,
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
    for name in (
        "PortfolioDay",
        "PortfolioMix",
        "PortfolioFlow",
        "PortfolioMixByDimension",
        "PortfolioFlowByDimension",
    ):
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


def _warnings(**only) -> list[tuple]:
    """The warnings (`only`: of a filter) with their events, every column."""
    rows = EarlyWarning.objects.filter(**only).order_by("pk")
    events = EarlyWarningEvent.objects.filter(warning__in=rows).order_by("pk")
    return [*rows.values_list(), *events.values_list()]


def test_backfill_opens_no_warning_for_a_past_date_and_leaves_the_queue_as_it_was(
    two_closed_dates, make_loan, settings
):
    """Two current loans (北京, 上海) on the book on both dates; a region flagged today weighs
    enough to open a warning. The nightly job of the last closed date opened one for the 北京 loan;
    then 上海 is flagged too. A backfill of the past date opens no warning "raised" on it (the
    build would, from today's flags) and changes no warning; one that reaches the last closed date
    builds that date's warnings only, as the nightly job does."""
    first, last = two_closed_dates
    for region in ("北京", "上海"):
        loan = make_loan(first - dt.timedelta(days=5), region=region)
        snap(loan, first)
        snap(loan, last)
    SignalWeight.objects.filter(signal=Signal.FLAGGED_SEGMENT).update(
        weight=Decimal(settings.LOANHUB_EARLY_WARNING_THRESHOLD), enabled=True
    )
    FlaggedSegment.objects.create(kind="region", value="北京")
    early_warning.early_warnings_build(as_of=last)
    beijing = EarlyWarning.objects.get()
    assert (beijing.raised_on, beijing.status) == (last, "open")
    FlaggedSegment.objects.create(kind="region", value="上海")
    queue, beijing_rows = _warnings(), _warnings(pk=beijing.pk)

    out = _run("--since", first.isoformat(), "--date", first.isoformat())

    assert _warnings() == queue
    assert out.strip().splitlines()[0].endswith("early warnings left as they are")

    # Through the last closed date: only that date's build, the 上海 loan's warning raised on it.
    _run("--since", first.isoformat())
    assert set(EarlyWarning.objects.values_list("raised_on", flat=True)) == {last}
    assert EarlyWarning.objects.count() == 2
    assert _warnings(pk=beijing.pk) == beijing_rows
