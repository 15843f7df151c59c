"""Customer loan pages: login required, own loans only, the full schedule."""

from __future__ import annotations

import pytest

IDLE_SCRIPT = '<script src="/static/js/idle.js" defer></script>'
pytestmark = pytest.mark.django_db


def test_pages_require_login(client, people, settings):
    for url in ("/loans/", f"/loans/{people['owner_loan'].pk}/"):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith(settings.LOGIN_URL)


def test_my_loans_lists_only_my_own(client, people):
    client.force_login(people["owner"])
    html = client.get("/loans/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert people["owner_loan"].number in html
    assert people["other_loan"].number not in html
    assert "My loans" in html


def test_my_loans_without_loans(client, people):
    client.force_login(people["idle"])
    response = client.get("/loans/", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    assert "You have no loans yet." in response.content.decode()


def test_loan_page_shows_summary_and_every_installment(client, people):
    loan = people["owner_loan"]
    client.force_login(people["owner"])
    response = client.get(f"/loans/{loan.pk}/", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    html = response.content.decode()
    assert f"Loan {loan.number}" in html
    assert html.count('<td class="payment">') == 12
    assert '<td class="payment">8,606.64</td>' in html
    assert '<dd class="net-proceeds">98,800.00</dd>' in html
    assert '<dd class="principal">100,000.00</dd>' in html
    # No script but the idle-timeout warning, which the page does not need to work.
    assert "<script" not in html.replace(IDLE_SCRIPT, "")
    assert 'name="viewport"' in html


def test_loan_page_in_chinese(client, people):
    client.force_login(people["owner"])
    response = client.get(f"/loans/{people['owner_loan'].pk}/", HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert response.status_code == 200
    assert '<html lang="zh-hans">' in response.content.decode()


@pytest.mark.parametrize("who", ["other", "idle", "officer"])
def test_someone_elses_loan_is_404(client, people, who):
    client.force_login(people[who])
    assert client.get(f"/loans/{people['owner_loan'].pk}/").status_code == 404
