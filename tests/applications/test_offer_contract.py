"""The offer's contract (HTML and PDF, from the stored offer), its expiry date on the offer page,
and the status page's next step and expected wait. Applications are put straight into their
state with an offer built by the one quote (no scoring), so these tests stay fast."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

import pytest
from django.utils import translation

from applications.models import State
from applications.services.offers import _set_offer, offer_build
from loanhub import clock, pdf
from loanhub.formatting import cny_text, date_text, percent_text
from tests.applications.conftest import in_state

pytestmark = pytest.mark.django_db

RAW_STATES = ("draft", "submitted", "scoring", "scored", "approved", "referred", "declined", "offer_accepted")


@pytest.fixture
def offered(customer, product):
    """An approved application with its offer stored as it was shown, valid for a week."""
    application = in_state(State.APPROVED, customer, product, risk_grade="B")
    offer = offer_build(application, amount=Decimal("50000.00"), term=12, grade="B")
    expires = clock.now() + dt.timedelta(days=7)
    application.save(update_fields=_set_offer(application, offer, expires_at=expires))
    return application


def _lang(body: str) -> str:
    """The page's language (the customer's own, set by the portal)."""
    return re.search(r'<html lang="([^"]+)"', body).group(1)


def _login(client, user):
    client.force_login(user)
    return client


# --- who may read the contract ------------------------------------------------------------------
@pytest.mark.parametrize("suffix", ["contract/", "contract.pdf"])
def test_only_the_owner_and_staff_who_view_applications_get_the_contract(
    client, offered, other_customer, users, suffix
):
    url = f"/applications/{offered.pk}/{suffix}"
    anonymous = client.get(url)
    assert anonymous.status_code == 302
    assert "/customers/login/" in anonymous["Location"]
    assert _login(client, offered.customer.user).get(url).status_code == 200
    assert _login(client, other_customer.user).get(url).status_code == 404
    assert _login(client, users["officer"]).get(url).status_code == 200
    assert _login(client, users["marketing"]).get(url).status_code == 404  # no view permission
    assert client.post(url).status_code in (404, 405)


def test_no_offer_no_contract(client, customer, product):
    referred = in_state(State.REFERRED, customer, product)
    _login(client, customer.user)
    assert client.get(f"/applications/{referred.pk}/contract/").status_code == 404
    assert client.get(f"/applications/{referred.pk}/contract.pdf").status_code == 404
    assert client.get("/applications/999999/contract/").status_code == 404


# --- what it says --------------------------------------------------------------------------------
def test_contract_figures_are_the_stored_offer_to_the_cent(client, offered):
    offer = offered.offer
    body = _login(client, offered.customer.user).get(f"/applications/{offered.pk}/contract/").content.decode()
    lang = _lang(body)
    for key in (
        "amount",
        "net_proceeds",
        "installment",
        "total_interest",
        "total_fees",
        "total_cost",
        "total_payable",
    ):
        assert cny_text(Decimal(offer[key]), language=lang) in body, key
    assert percent_text(Decimal(offer["annual_rate"])) in body
    assert percent_text(Decimal(offer["apr"])) in body
    # every schedule row, to the cent
    for row in offer["schedule"]:
        assert cny_text(Decimal(row["payment"]), language=lang) in body
        assert cny_text(Decimal(row["balance"]), language=lang) in body
    assert offer["digest"] in body
    # the customer reads their own full name; the identity number is masked
    assert offered.customer.legal_name in body
    assert offered.customer.id_number not in body
    assert offered.customer.id_number[-4:] in body
    assert date_text(offered.offer_expires_at, language=lang) in body


def test_staff_see_the_borrowers_name_masked(client, offered, users):
    body = _login(client, users["officer"]).get(f"/applications/{offered.pk}/contract/").content.decode()
    assert offered.customer.legal_name not in body
    assert offered.customer.id_number not in body


def test_contract_pdf_is_a_pdf_with_the_figures(client, offered):
    response = _login(client, offered.customer.user).get(f"/applications/{offered.pk}/contract.pdf")
    assert response["Content-Type"] == "application/pdf"
    data = response.content
    assert data.startswith(b"%PDF-1.4")
    assert data.rstrip().endswith(b"%%EOF")
    # the amount as the PDF writes it: UCS-2 hex in the Chinese font
    amounts = [cny_text(Decimal(offered.offer["amount"]), language=lang) for lang in ("en", "zh-hans")]
    assert any(pdf._hex(amount)[1:-1].encode() in data for amount in amounts)
    assert b"/STSong-Light" in data
    assert b"/UniGB-UCS2-H" in data


def test_chinese_contract_and_pdf_have_no_raw_codes(client, offered):
    _login(client, offered.customer.user)
    with translation.override("zh-hans"):
        body = client.get(
            f"/applications/{offered.pk}/contract/", HTTP_ACCEPT_LANGUAGE="zh-hans"
        ).content.decode()
    text = re.sub(r"<[^>]+>", " ", body)
    assert "贷款合同" in text
    assert "annuity" not in text
    assert "monthly" not in text
    assert "CNY" not in text
    assert "¥" in text
    assert "年" in text


# --- the PDF writer ------------------------------------------------------------------------------
def test_pdf_writer_xref_points_at_every_object_and_pages_break():
    lines = [pdf.Line("贷款合同", size=18, bold=True)] + [pdf.Line(f"第{n}行 line {n}") for n in range(120)]
    data = pdf.render(lines, title="合同")
    start = int(data.rsplit(b"startxref\n", 1)[1].split(b"\n")[0])
    assert data[start:].startswith(b"xref\n")
    offsets = re.findall(rb"(\d{10}) 00000 n ", data)
    for number, offset in enumerate(offsets, start=1):
        assert data[int(offset) :].startswith(b"%d 0 obj\n" % number)
    assert data.count(b"/Type /Page ") >= 2  # 121 lines do not fit on one A4 page
    assert pdf._hex("你好A") == "<4F60597D0041>"
    assert pdf._hex("😀") == "<003F>"  # outside UCS-2


def test_pdf_wrap_breaks_long_lines_within_the_width():
    text = "借款人应按期足额偿还本息。" * 20
    parts = pdf.wrap(text, 10, 200)
    assert "".join(parts) == text
    assert all(pdf.text_width(part, 10) <= 200 for part in parts)
    english = pdf.wrap("one two three four five six seven", 10, 60)
    assert all(" " not in part[:1] for part in english)
    assert " ".join(english) == "one two three four five six seven"


# --- the offer page and the status page ----------------------------------------------------------
def test_offer_page_shows_the_expiry_date_and_links_the_contract(client, offered):
    body = _login(client, offered.customer.user).get(f"/applications/{offered.pk}/offer/").content.decode()
    assert date_text(offered.offer_expires_at, language=_lang(body)) in body
    assert f"/applications/{offered.pk}/contract/" in body
    assert f"/applications/{offered.pk}/contract.pdf" in body


def test_offer_page_in_chinese_writes_the_expiry_the_chinese_way(client, offered):
    _login(client, offered.customer.user)
    with translation.override("zh-hans"):
        body = client.get(
            f"/applications/{offered.pk}/offer/", HTTP_ACCEPT_LANGUAGE="zh-hans"
        ).content.decode()
    assert date_text(offered.offer_expires_at, language="zh-hans") in body
    main = body.split('<main class="content">', 1)[1].split("</main>", 1)[0]
    assert "CNY" not in main  # the amount as the Chinese page writes it: ¥
    assert cny_text(Decimal(offered.offer["amount"]), language="zh-hans") in main


@pytest.mark.parametrize(
    ("state", "hours"),
    [(State.SCORED, 4), (State.REFERRED, 24), (State.OFFER_ACCEPTED, 24), (State.DECLINED, None)],
)
def test_status_page_says_the_next_step_and_the_expected_wait(client, customer, product, state, hours):
    from applications import selectors, views

    assert selectors.SLA_HOURS.get(state) == hours
    application = in_state(state, customer, product)
    body = _login(client, customer.user).get(f"/applications/{application.pk}/").content.decode()
    assert 'id="next-step"' in body
    if hours:
        with translation.override(_lang(body)):
            assert views.expected_wait(hours) in body
    else:
        assert 'id="expected-wait"' not in body


def test_status_page_in_chinese_has_no_raw_state_codes(client, customer, product):
    from applications import services

    application = in_state(State.REFERRED, customer, product)
    services.application_withdraw(application=application, actor=customer.user, reason="")
    assert application.events.filter(to_state=State.WITHDRAWN).exists()
    _login(client, customer.user)
    with translation.override("zh-hans"):
        body = client.get(f"/applications/{application.pk}/", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    main = re.sub(r"<[^>]+>", " ", body.split('<main class="content">', 1)[1].split("</main>", 1)[0])
    assert "撤回" in main  # the timeline's step, in words
    assert "下一步" in main  # the next step
    for code in RAW_STATES + ("withdrawn",):
        assert not re.search(rf"\b{code}\b", main), code


def test_expected_wait_in_words():
    from applications import views

    assert views.expected_wait(None) == ""
    assert views.expected_wait(1) == "Usually within 1 hour."
    assert views.expected_wait(48) == "Usually within 2 days."


def test_timeline_shows_the_customers_own_reason_but_not_the_services_audit_notes(
    client, customer, product, users
):
    from applications import services

    first = in_state(State.REFERRED, customer, product)
    services.application_withdraw(application=first, actor=customer.user, reason="found a cheaper loan")
    second = in_state(State.REFERRED, customer, product)
    services.application_withdraw(application=second, actor=customer.user, reason="")
    _login(client, customer.user)
    assert "found a cheaper loan" in client.get(f"/applications/{first.pk}/").content.decode()
    assert "withdrawn by the customer" not in client.get(f"/applications/{second.pk}/").content.decode()
    # An officer's reason is internal: the customer sees the step, not the note
    third = in_state(State.REFERRED, customer, product)
    services.application_decline(application=third, actor=users["officer"], reason="shared phone with L123")
    page = client.get(f"/applications/{third.pk}/").content.decode()
    assert "shared phone with L123" not in page
