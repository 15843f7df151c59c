"""`manage.py close_business_day`, the nightly schedule and queue of close of business, and the
runs in the admin console (officers and auditors see them; customers are refused)."""

from __future__ import annotations

import datetime as dt
import io
import re
from decimal import Decimal

import pytest
from celery.schedules import crontab
from django.core.management import CommandError, call_command
from django.utils import translation

from loanhub import clock
from loanhub.celery import app as celery_app
from servicing import cob
from servicing.choices import CobStatus
from servicing.models import CobRun, Loan, LoanSnapshot
from tests.servicing.factories import ApplicationFactory, open_loan

pytestmark = pytest.mark.django_db


def _command(*args: str) -> list[str]:
    out = io.StringIO()
    call_command("close_business_day", *args, stdout=out)
    return out.getvalue().splitlines()


def test_the_command_closes_each_date_from_from_through_through_and_prints_progress(people):
    start = clock.today() - dt.timedelta(days=3)
    through = start + dt.timedelta(days=2)

    lines = _command("--from", start.isoformat(), "--through", through.isoformat())

    assert len(lines) == 4
    for line, n in zip(lines, range(3), strict=False):
        assert re.fullmatch(rf"{start + dt.timedelta(days=n)} done: 1/1 chunks, 2 loans in \d+\.\d\d s", line)
    assert re.fullmatch(r"Closed 3 business date\(s\) in \d+\.\d\d s", lines[3])
    assert list(CobRun.objects.order_by("business_date").values_list("business_date", "status")) == [
        (start + dt.timedelta(days=n), CobStatus.DONE) for n in range(3)
    ]
    assert LoanSnapshot.objects.count() == 6
    # Again: the open date is after --through; nothing closed twice.
    assert _command("--through", through.isoformat()) == [
        "Nothing to close: the open business date is after --through."
    ]
    assert CobRun.objects.count() == 3


def test_through_after_today_is_refused_in_production(people, settings):
    settings.LOANHUB_COB_AHEAD_OF_CLOCK = False
    tomorrow = clock.today() + dt.timedelta(days=1)

    with pytest.raises(CommandError) as refused:
        _command("--through", tomorrow.isoformat())

    assert (
        str(refused.value)
        == f"through: Business dates after today ({clock.today()}) cannot be closed in production."
    )
    assert not CobRun.objects.exists()
    assert set(Loan.objects.values_list("position_date", flat=True)) == {people["owner_loan"].position_date}
    # Up to today is allowed.
    assert _command("--through", clock.today().isoformat())[-1].startswith("Closed 1 business date(s)")


def test_through_after_today_is_allowed_outside_production(people, settings):
    settings.LOANHUB_COB_AHEAD_OF_CLOCK = True
    ahead = clock.today() + dt.timedelta(days=2)

    lines = _command("--through", ahead.isoformat())

    assert lines[-1].startswith("Closed 3 business date(s)")
    assert CobRun.objects.order_by("business_date").last().business_date == ahead


@pytest.mark.parametrize("value", ["2024-02-30", "tomorrow", "06/12/2026"])
def test_a_bad_date_is_a_command_error(people, value):
    with pytest.raises(CommandError, match="not a date"):
        _command("--through", value)
    assert not CobRun.objects.exists()


def test_beat_closes_business_days_at_half_past_midnight_on_the_monitoring_queue():
    schedule = celery_app.conf.beat_schedule["servicing-close-business-days"]
    assert schedule["task"] == "servicing.tasks.close_business_days"
    assert schedule["schedule"] == crontab(hour=0, minute=30)
    celery_app.loader.import_default_modules()
    for name in ("close_business_days", "cob_chunk", "cob_finish"):
        assert f"servicing.tasks.{name}" in celery_app.tasks
        assert celery_app.amqp.router.route({}, f"servicing.tasks.{name}")["queue"].name == "monitoring"


# --- admin -----------------------------------------------------------------------------------


@pytest.fixture
def closed(people, version):
    """Two dates closed over two equal loans ten days old; on the second one of them is
    substandard (non-performing). The people's own loans (disbursed on a fixed date, so of any
    age when the clock moves) are set aside."""
    Loan.objects.update(status="closed")  # test data: out of the runs, whatever their age
    start = clock.today() - dt.timedelta(days=2)
    young = [
        open_loan(ApplicationFactory(product_version=version), disbursed_on=start - dt.timedelta(days=10))
        for _ in range(2)
    ]
    cob.close_through(start, start=start)
    Loan.objects.filter(pk=young[1].pk).update(classification_override="substandard")
    [run] = cob.close_through(start + dt.timedelta(days=1))
    return run


@pytest.mark.parametrize("who", ["officer", "auditor"])
def test_runs_listed_with_progress_duration_loans_provision_and_npl(client, people, closed, who):
    client.force_login(people[who])

    response = client.get("/admin/servicing/cobrun/")

    assert response.status_code == 200
    rows = list(response.context["cl"].result_list)
    assert [run.business_date for run in rows] == [
        closed.business_date,
        closed.business_date - dt.timedelta(1),
    ]
    admin = response.context["cl"].model_admin
    assert admin.progress(closed) == "1/1"
    with translation.override("en"):
        assert re.fullmatch(r"\d+\.\d s", str(admin.duration(closed)))
    assert admin.npl(closed) == Decimal(closed.counts["npl"]) > 0
    assert admin.provision(closed) == Decimal(closed.counts["provision"]) > 0
    html = response.content.decode()
    assert "1/1" in html
    assert closed.counts["npl"] in html
    assert "50.00%" in html  # one of two equal loans non-performing
    assert 'href="/admin/servicing/cobrun/add/"' not in html


def test_run_page_shows_chunks_and_counts_and_cannot_be_changed(client, people, closed):
    client.force_login(people["officer"])
    url = f"/admin/servicing/cobrun/{closed.pk}/change/"

    with translation.override("zh-hans"):
        response = client.get(url, HTTP_ACCEPT_LANGUAGE="zh-hans")

    assert response.status_code == 200
    html = response.content.decode()
    assert response.context["has_change_permission"] is False
    assert 'name="_save"' not in html
    for label in ("按五级分类", "按逾期区间", "不良贷款余额", "进度", "耗时"):
        assert label in html
    assert "次级" in html  # the substandard class by its label
    chunk = closed.chunks.get()
    assert response.context["inline_admin_formsets"][0].formset.queryset.get() == chunk
    assert client.post(url, {"status": "failed"}).status_code == 403
    assert client.post(f"/admin/servicing/cobrun/{closed.pk}/delete/", {"post": "yes"}).status_code == 403
    assert client.get("/admin/servicing/cobrun/add/").status_code == 403
    closed.refresh_from_db()
    assert closed.status == CobStatus.DONE


def test_a_customer_is_refused_the_runs(client, people, closed):
    client.force_login(people["owner"])

    for url in ("/admin/servicing/cobrun/", f"/admin/servicing/cobrun/{closed.pk}/change/"):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith("/admin/login/")


def test_following_workers_gives_up_when_no_chunk_finishes(people, monkeypatch, settings):
    """No worker consumes the queue: the command says so instead of waiting forever, and the
    run stays for a worker (or the next command) to finish."""
    from servicing import tasks

    monkeypatch.setattr(tasks.cob_chunk, "apply_async", lambda *a, **k: None)  # nobody listens
    settings.LOANHUB_COB_STALL_SECONDS = 0
    start = clock.today() - dt.timedelta(days=2)
    previous = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = False  # the chunks would go through the broker
    try:
        with translation.override("en"), pytest.raises(CommandError, match="is a worker consuming the"):
            _command("--from", start.isoformat(), "--through", start.isoformat())
    finally:
        celery_app.conf.task_always_eager = previous
    run = CobRun.objects.get(business_date=start)
    assert run.status == CobStatus.RUNNING
    assert run.chunks_done == 0
    _command("--through", start.isoformat())  # in-process again: the run is resumed and closed
    assert CobRun.objects.get(business_date=start).status == CobStatus.DONE
