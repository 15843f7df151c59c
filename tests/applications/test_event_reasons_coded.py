"""Every reason the services build with variables (an officer's name, a date, a version, a status)
is stored as a code and parameters beside its English audit sentence, and the zh-hans console and
the customer's timeline show it in Chinese; events written before the codes (English text only)
are recognised by their text."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.urls import reverse
from django.utils import translation

from applications import services
from applications.models import ApplicationEvent, State
from loanhub import clock
from loanhub.reasons import PLACEHOLDER, REASONS, coded, reason_text
from loanhub.transitions import record_event
from tests.applications.conftest import in_state
from tests.portal.test_english_on_chinese_pages import english_words, raw_codes

pytestmark = pytest.mark.django_db

# One value per parameter name of the registered reasons, as the services pass them.
WHEN = dt.datetime(2026, 3, 14, 9, 30, tzinfo=dt.UTC)
SAMPLE = {
    "officer": "officer",
    "at": WHEN,
    "since": WHEN,
    "error": "ConnectionError: the bureau timed out",
    "state": "failed",
    "grade": "B",
    "score": 612,
    "version": 3,
    "note": "经营流水稳定",  # an approver's own words, shown as written
    "limit": 7,
    "outcome": "refer",
    "loan": "L90000001",
    "date": dt.date(2026, 6, 30),
    "old": "3.85%",
    "new": "3.60%",
    "status": "broken",
    "dpd": 31,
}
VARIABLE = sorted(code for code, kind in REASONS.items() if PLACEHOLDER.search(kind.english_template))


def _params(code: str) -> dict:
    return {name: SAMPLE[name] for name in PLACEHOLDER.findall(REASONS[code].english_template)}


def _reason_cells(html: str) -> list[str]:
    return re.findall(r'<td class="field-reason_text">(.*?)</td>', html, re.DOTALL)


def test_every_variable_reason_has_a_sample_here():
    """A new reason with a parameter this test does not know fails here, not silently."""
    assert VARIABLE
    for code in VARIABLE:
        assert set(PLACEHOLDER.findall(REASONS[code].english_template)) <= set(SAMPLE), code


def test_the_audit_text_is_the_english_sentence_the_services_wrote_before():
    assert coded("app.offer_expired", at=WHEN).english() == f"offer expired at {WHEN}"
    assert coded("app.assigned", officer="wang").english() == "assigned to wang"
    assert coded("app.decision", outcome="refer", grade="B", score=558).english() == "refer B (558)"
    assert coded("svc.days_past_due", dpd=91).english() == "91 days past due"
    with pytest.raises(KeyError):
        coded("no.such.reason")


def test_a_recorded_reason_keeps_english_and_stores_its_code(customer, product):
    application = in_state(State.REFERRED, customer, product)
    with translation.override("zh-hans"):  # the recording request's language changes nothing
        event = record_event(application, actor=None, reason=coded("app.offer_expired", at=WHEN))
    event.refresh_from_db()
    assert event.reason == f"offer expired at {WHEN}"
    assert event.reason_code == "app.offer_expired"
    assert event.reason_params == {"at": "2026-03-14T09:30:00Z"}
    fixed = record_event(application, actor=None, reason="disbursed")
    assert (fixed.reason, fixed.reason_code, fixed.reason_params) == ("disbursed", "app.disbursed", {})
    typed = record_event(application, actor=None, reason="the customer called")
    assert (typed.reason_code, typed.reason_params) == ("", {})


@pytest.mark.parametrize("code", VARIABLE)
def test_each_variable_reason_reads_in_chinese_from_its_code_and_from_old_english_text(code):
    kind, params = REASONS[code], _params(code)
    new = ApplicationEvent(actor_id=None)
    new.reason, new.reason_code, new.reason_params = _stored(code)
    old = ApplicationEvent(reason=new.reason, reason_code="", reason_params={}, actor_id=None)
    with translation.override("zh-hans"):
        shown_new, shown_old = reason_text(new), reason_text(old)
    assert shown_new == shown_old
    assert shown_new != new.reason
    data = {str(v) for v in params.values()} | {"ConnectionError", "the", "bureau", "timed", "out"}
    leftover = english_words(f"<p>{shown_new}</p>") - {w for d in data for w in re.findall(r"[A-Za-z]+", d)}
    assert leftover == set(), (code, shown_new)
    with translation.override("en"):
        assert reason_text(new) == reason_text(old)
    assert kind.code == code


def test_dates_and_labels_follow_the_page_language():
    event = ApplicationEvent(reason="", actor_id=None)
    event.reason, event.reason_code, event.reason_params = _stored("app.stuck_in_scoring")
    with translation.override("zh-hans"):
        assert reason_text(event) == "自 2026年3月14日 17:30 起一直停留在评分中；评分请求：失败"
    with translation.override("en"):
        assert reason_text(event).startswith("stuck in scoring since March 14, 2026")
        assert reason_text(event).endswith("scoring request failed")


def _stored(code):
    from loanhub.reasons import stored

    return stored(coded(code, **_params(code)))


def test_the_zh_console_shows_every_variable_reason_without_english(client, customer, product, users):
    """Each kind recorded on an application, once with its code and once as an old event with
    only its English text, renders in the console's event table in Chinese. The officer's user
    name, the loan number and a library's error (in <code>) are data, not untranslated words."""
    application = in_state(State.REFERRED, customer, product, assigned_officer=users["officer"])
    for code in VARIABLE:
        event = record_event(application, actor=None, reason=coded(code, **_params(code)))
        ApplicationEvent.objects.create(
            application=application, from_state="referred", to_state="referred", reason=event.reason
        )
    client.force_login(users["officer"])
    url = reverse("admin:applications_loanapplication_change", args=[application.pk])
    html = client.get(url, HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    cells = _reason_cells(html)
    assert len(cells) == 2 * len(VARIABLE)
    for cell in cells:
        assert english_words(cell) - {"officer"} == set(), cell
        assert raw_codes(cell) == set(), cell
    assert "分配给 officer" in html


def test_assignment_and_offer_expiry_from_the_services_read_in_chinese(client, customer, product, users):
    referred = in_state(State.REFERRED, customer, product)
    services.application_assign(application=referred, actor=users["officer"])
    assigned = referred.events.order_by("-id").first()
    assert (assigned.reason, assigned.reason_code) == ("assigned to officer", "app.assigned")

    approved = in_state(
        State.APPROVED,
        customer,
        product,
        offer={"digest": "x"},
        offer_expires_at=clock.now() - dt.timedelta(hours=1),
    )
    with pytest.raises(services.ApplicationStateError):
        services.application_accept_offer(
            application=approved, actor=customer.user, consents={"disclosure": True, "credit_contract": True}
        )
    expired = approved.events.order_by("-id").first()
    assert expired.reason_code == "app.offer_expired"
    assert expired.reason.startswith("offer expired at ")

    # The customer's timeline tells them in their language when the offer expired
    client.force_login(customer.user)
    page = client.get(f"/applications/{approved.pk}/", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    text = re.search(r'<section class="timeline">(.*?)</section>', page, re.DOTALL).group(1)
    assert "报价已于" in text
    assert english_words(text) == set()
    assert "offer expired" not in page


def test_the_console_event_tables_show_states_and_the_actor_header_in_the_page_language():
    from django.contrib import admin as django_admin

    from servicing.admin import LoanEventInline
    from servicing.models import LoanEvent

    inline = LoanEventInline(LoanEvent, django_admin.site)
    event = LoanEvent(from_state="active", to_state="reversed")  # a loan's, then a repayment's
    with translation.override("zh-hans"):
        assert str(inline.from_label(event)) == "还款中"
        assert str(inline.to_label(event)) == "已冲正"
        assert str(LoanEvent._meta.get_field("actor").verbose_name) == "操作人"
    with translation.override("en"):
        assert (str(inline.from_label(event)), str(inline.to_label(event))) == ("Active", "Reversed")
    assert inline._state_label("no_such_state") == "no_such_state"
