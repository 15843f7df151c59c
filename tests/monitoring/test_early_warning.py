"""Early warning: the signals, the weighted score, one warning per loan however often a date is
run, the officers' status flow, and precision/recall against 30+ days past due within 90 days."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.db.models import F

from loanhub import clock, roles
from loanhub.errors import Conflict, Forbidden, Invalid
from monitoring import early_warning, services
from monitoring.models import (
    DelinquencyOnset,
    EarlyWarning,
    EarlyWarningEvent,
    FlaggedSegment,
    Signal,
    SignalWeight,
    WarningStatus,
)
from servicing.models import CreditLineTransaction, LoanInstallment
from tests.monitoring.conftest import snap
from tests.products.factories import UserFactory
from tests.servicing.lines_helpers import open_line

pytestmark = pytest.mark.django_db


def _set_installment(loan, number: int, *, due: dt.date, paid_on: dt.date | None = None, paid: str = "0.00"):
    LoanInstallment.objects.filter(loan=loan, number=number).update(
        due_date=due, paid_on=paid_on, paid_principal=Decimal(paid)
    )


def _paid_in_full(loan, number: int, *, due: dt.date, paid_on: dt.date):
    LoanInstallment.objects.filter(loan=loan, number=number).update(
        due_date=due, paid_on=paid_on, paid_principal=F("principal"), paid_interest=F("interest")
    )


@pytest.fixture
def today() -> dt.date:
    return clock.today()


@pytest.fixture
def warned_loan(make_loan, today):
    """A loan in a flagged region that drifted (#2 paid 5 days late after #1 on time) and then
    paid #3 only in part: 0.60 + 0.40 + 0.30 = 1.30 ≥ 1.00. Its neighbour in the same region shows
    only the flag (0.30) and is not warned."""
    loan = make_loan(region="Wenzhou")
    _paid_in_full(loan, 1, due=today - dt.timedelta(days=70), paid_on=today - dt.timedelta(days=70))
    _paid_in_full(loan, 2, due=today - dt.timedelta(days=30), paid_on=today - dt.timedelta(days=25))
    _set_installment(loan, 3, due=today - dt.timedelta(days=5), paid="50.00")
    neighbour = make_loan(region="Wenzhou")
    FlaggedSegment.objects.create(kind="region", value="Wenzhou", flagged_on=today)
    snap(loan, today, "1-30", dpd=5)
    snap(neighbour, today)
    return loan


def test_signals_are_weighted_into_one_warning_with_its_reasons(warned_loan, today):
    result = services.run_monitoring(today)

    assert (result["warnings_opened"], result["warnings_updated"]) == (1, 0)
    warning = EarlyWarning.objects.get()
    assert warning.loan_id == warned_loan.pk
    assert warning.loan_number == warned_loan.number
    assert warning.score == Decimal("1.30")
    assert [r["signal"] for r in warning.reasons] == ["partial_payment", "repayment_drift", "flagged_segment"]
    assert warning.reasons[1]["detail"] == "#2: +5d"
    assert warning.status == WarningStatus.OPEN
    assert warning.raised_on == warning.last_seen_on == today
    assert list(EarlyWarningEvent.objects.values_list("from_state", "to_state", "reason")) == [
        ("", "open", "raised")
    ]


def test_a_date_run_twice_writes_nothing_twice_and_a_live_warning_is_updated(warned_loan, today):
    services.run_monitoring(today)
    again = services.run_monitoring(today)

    assert (again["warnings_opened"], again["warnings_updated"]) == (0, 0)
    assert EarlyWarning.objects.count() == 1
    assert EarlyWarningEvent.objects.count() == 1

    # An analyst raises a weight: the next run updates the open warning, opens no other.
    SignalWeight.objects.filter(signal=Signal.FLAGGED_SEGMENT).update(weight=Decimal("0.50"))
    tomorrow = today + dt.timedelta(days=1)
    snap(warned_loan, tomorrow, "1-30", dpd=6)
    result = services.run_monitoring(tomorrow)

    assert (result["warnings_opened"], result["warnings_updated"]) == (1 - 1, 1)
    warning = EarlyWarning.objects.get()
    assert (warning.score, warning.raised_on, warning.last_seen_on) == (Decimal("1.50"), today, tomorrow)
    assert EarlyWarningEvent.objects.filter(reason="rescored").count() == 1


def test_a_disabled_signal_counts_nothing(warned_loan, today):
    SignalWeight.objects.filter(signal=Signal.PARTIAL_PAYMENT).update(enabled=False)

    assert services.run_monitoring(today)["warnings_opened"] == 0
    assert not EarlyWarning.objects.exists()


def test_loans_30_days_past_due_belong_to_collections(warned_loan, today):
    warned_loan.snapshots.filter(business_date=today).update(days_past_due=30)

    assert warned_loan.pk not in early_warning.signals_on(today)


def test_grace_repeats_utilisation_spike_and_an_outside_source(make_loan, today, settings):
    loan = make_loan()
    loan.__class__.objects.filter(pk=loan.pk).update(overdue_grace_days=3)
    # Two installments paid 2 days late, inside the 3 grace days (never past due).
    _paid_in_full(loan, 1, due=today - dt.timedelta(days=62), paid_on=today - dt.timedelta(days=60))
    _paid_in_full(loan, 2, due=today - dt.timedelta(days=32), paid_on=today - dt.timedelta(days=30))
    snap(loan, today)
    # The same customer's credit line: 10 % used a month ago, 90 % now (40,000 drawn since).
    line = open_line(customer=loan.customer, opened_on=today - dt.timedelta(days=90))
    line.__class__.objects.filter(pk=line.pk).update(principal=Decimal("45000.00"))
    CreditLineTransaction.objects.create(
        credit_line=line,
        kind="draw",
        amount=Decimal("40000.00"),
        value_date=today - dt.timedelta(days=3),
        channel="portal",
    )
    settings.LOANHUB_EARLY_WARNING_SOURCES = {
        "new_application_elsewhere": "tests.monitoring.test_early_warning.bureau_reports_everyone"
    }
    bureau_reports_everyone.customer_id = loan.customer_id

    found = dict(early_warning.signals_on(today)[loan.pk])

    assert found == {
        "grace_repeat": "2×",
        "utilisation_spike": "10% → 90%",
        "new_application_elsewhere": "2 inquiries",
        # Installment 2 was settled late after 1 was late too: no drift (it was always late).
    }


def bureau_reports_everyone(*, since, until):
    """A stub bureau: one customer applied twice elsewhere on the day."""
    return {bureau_reports_everyone.customer_id: "2 inquiries"}


@pytest.fixture
def officer():
    return UserFactory(username="ews-officer", role=roles.LOAN_OFFICER)


def test_an_early_warning_is_raised_worked_and_closed(warned_loan, today, officer):
    services.run_monitoring(today)
    warning = EarlyWarning.objects.get()

    for action in ("acknowledge", "contact", "action"):
        early_warning.early_warning_transition(
            warning_id=warning.pk, action=action, actor=officer, reason=action
        )
    closed = early_warning.early_warning_transition(
        warning_id=warning.pk, action="close", actor=officer, outcome="cured", reason="paid up"
    )

    assert (closed.status, closed.outcome, closed.closed_on) == ("closed", "cured", today)
    assert list(warning.events.values_list("from_state", "to_state", "actor__username")) == [
        ("", "open", None),
        ("open", "acknowledged", "ews-officer"),
        ("acknowledged", "contacted", "ews-officer"),
        ("contacted", "actioned", "ews-officer"),
        ("actioned", "closed", "ews-officer"),
    ]
    # The signals are still there, but a warning just closed is not raised again the same day
    # nor in the cool-off days after.
    assert services.run_monitoring(today)["warnings_opened"] == 0
    assert EarlyWarning.objects.count() == 1


def test_illegal_steps_and_strangers_are_refused_and_change_nothing(warned_loan, today, officer):
    services.run_monitoring(today)
    warning = EarlyWarning.objects.get()
    auditor = UserFactory(username="ews-auditor", role=roles.AUDITOR)

    with pytest.raises(Conflict):
        early_warning.early_warning_transition(warning_id=warning.pk, action="action", actor=officer)
    with pytest.raises(Invalid):
        early_warning.early_warning_transition(warning_id=warning.pk, action="close", actor=officer)
    with pytest.raises(Forbidden):
        early_warning.early_warning_transition(warning_id=warning.pk, action="acknowledge", actor=auditor)

    warning.refresh_from_db()
    assert (warning.status, warning.outcome, warning.events.count()) == ("open", "", 1)


def test_precision_and_recall_on_a_hand_computed_example(make_loan, today):
    """Four warnings old enough to judge (raised ≥ 90 days ago): loans a and b went 30+ days
    past due within 90 days of theirs, c never did, d only 120 days later → precision 2/4. Of
    the four onsets after the first warning (a, b, d, e), a and b had a warning in the 90 days
    before → recall 2/4. A fresh warning (f, raised 10 days ago) is not judged yet."""
    day = today - dt.timedelta(days=200)
    loans = {name: make_loan() for name in "abcdef"}

    def warn(name, raised_on):
        EarlyWarning.objects.create(
            loan_id=loans[name].pk,
            loan_number=loans[name].number,
            raised_on=raised_on,
            last_seen_on=raised_on,
            score=Decimal("1.00"),
        )

    def onset(name, first):
        DelinquencyOnset.objects.create(loan_id=loans[name].pk, start_date=day, first_dpd30=first)

    for name in "abcd":
        warn(name, day)
    warn("f", today - dt.timedelta(days=10))
    onset("a", day + dt.timedelta(days=30))
    onset("b", day + dt.timedelta(days=90))
    onset("d", day + dt.timedelta(days=120))
    onset("e", day + dt.timedelta(days=60))

    result = early_warning.warning_performance(as_of=today)

    assert result == {
        "as_of": today,
        "horizon_days": 90,
        "warnings_evaluated": 4,
        "true_positives": 2,
        "precision": Decimal("0.5000"),
        "delinquencies": 4,
        "delinquencies_warned": 2,
        "recall": Decimal("0.5000"),
    }


def test_performance_with_no_warnings_is_none(today):
    result = early_warning.warning_performance(as_of=today)

    assert (result["precision"], result["recall"]) == (None, None)


def test_default_weights_are_seeded_for_every_signal():
    assert set(SignalWeight.objects.values_list("signal", flat=True)) == set(Signal.values)


# --- API ---------------------------------------------------------------------------------------
def _client(user=None):
    from rest_framework.test import APIClient

    client = APIClient(HTTP_ACCEPT_LANGUAGE="en")
    if user is not None:
        client.force_authenticate(user)
    return client


URL = "/api/v1/monitoring/early-warnings/"


def test_the_list_is_the_contract(warned_loan, today, officer):
    services.run_monitoring(today)
    warning = EarlyWarning.objects.get()

    body = _client(officer).get(URL).json()

    assert body == [
        {
            "id": warning.pk,
            "loan": warned_loan.pk,
            "credit_line": None,
            "loan_number": warned_loan.number,
            "score": "1.30",
            "reasons": [
                {
                    "signal": "partial_payment",
                    "label": "partial payment",
                    "weight": "0.60",
                    "detail": "#3: 50.00 / " + str(warned_loan.installments.get(number=3).payment),
                },
                {
                    "signal": "repayment_drift",
                    "label": "repayment-day drift",
                    "weight": "0.40",
                    "detail": "#2: +5d",
                },
                {
                    "signal": "flagged_segment",
                    "label": "industry or region flagged by an analyst",
                    "weight": "0.30",
                    "detail": "Wenzhou",
                },
            ],
            "status": "open",
            "outcome": "",
            "raised_on": today.isoformat(),
            "last_seen_on": today.isoformat(),
            "closed_on": None,
        }
    ]
    assert _client(officer).get(URL, {"status": "closed"}).json() == []
    assert _client(officer).get(URL, {"status": "nonsense"}).status_code == 400


@pytest.mark.parametrize(
    ("role", "status"),
    [
        (roles.CUSTOMER, 403),
        (roles.MARKETING_MANAGER, 403),
        (roles.LOAN_OFFICER, 200),
        (roles.RISK_ANALYST, 200),
        (roles.AUDITOR, 200),
    ],
)
def test_who_may_read_the_queue(role, status):
    user = UserFactory(username=f"u-{role}", role=role)

    assert _client(user).get(URL).status_code == status
    assert _client(user).get(URL + "performance/").status_code == status


def test_anonymous_callers_are_401():
    assert _client().get(URL).status_code == 401


def test_officers_move_a_warning_and_readers_may_not(warned_loan, today, officer):
    services.run_monitoring(today)
    warning = EarlyWarning.objects.get()
    step = f"{URL}{warning.pk}/transition/"
    analyst = UserFactory(username="ews-analyst", role=roles.RISK_ANALYST)

    assert _client(analyst).post(step, {"action": "acknowledge"}, format="json").status_code == 403
    assert _client(officer).post(step, {"action": "contact"}, format="json").status_code == 409
    assert _client(officer).post(step, {"action": "fly"}, format="json").status_code == 400
    assert (
        _client(officer).post(f"{URL}999999/transition/", {"action": "close"}, format="json").status_code
        == 404
    )
    warning.refresh_from_db()
    assert warning.status == "open"

    ok = _client(officer).post(step, {"action": "acknowledge", "reason": "on it"}, format="json")
    closed = _client(officer).post(step, {"action": "close", "outcome": "false_alarm"}, format="json")

    assert ok.status_code == 200
    assert ok.json()["status"] == "acknowledged"
    assert closed.json()["status"] == "closed"
    assert closed.json()["outcome"] == "false_alarm"


def test_performance_api(officer, today):
    body = _client(officer).get(URL + "performance/", {"as_of": today.isoformat()}).json()

    assert body == {
        "as_of": today.isoformat(),
        "horizon_days": 90,
        "warnings_evaluated": 0,
        "true_positives": 0,
        "precision": None,
        "delinquencies": 0,
        "delinquencies_warned": 0,
        "recall": None,
    }


# --- The admin console ---------------------------------------------------------------------------
def test_the_risk_page_shows_precision_and_recall(client, today):
    analyst = UserFactory(username="ews-page-analyst", role=roles.RISK_ANALYST)
    client.force_login(analyst)

    page = client.get("/admin/monitoring/modelstability/", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    csv_body = client.get("/admin/monitoring/modelstability/?export=csv&table=early_warning").content.decode()

    assert "风险预警：精确率与召回率" in page
    assert "精确率" in page
    assert "召回率" in page
    assert csv_body.count("\n") == 3  # header, precision, recall


def test_officers_work_the_queue_with_admin_actions(client, warned_loan, today, officer):
    services.run_monitoring(today)
    warning = EarlyWarning.objects.get()
    officer.is_staff = True
    officer.save(update_fields=["is_staff"])
    client.force_login(officer)

    for action in ("warning_acknowledge", "warning_contact", "warning_action", "warning_close_cured"):
        client.post("/admin/monitoring/earlywarning/", {"action": action, "_selected_action": [warning.pk]})

    warning.refresh_from_db()
    assert (warning.status, warning.outcome) == ("closed", "cured")
    assert warning.events.count() == 5
