"""Write-off of loss-classified loans (issue 14): maker-checker, posted against the loan-loss
reserve (the shortfall to provision expense), the loan written off by its transition with an
event and kept with its history; recoveries afterwards as recovery income."""

from __future__ import annotations

from decimal import Decimal as D

import pytest
from dateutil.relativedelta import relativedelta
from django.db.models import Sum

from loanhub import clock, roles
from loanhub.errors import Conflict, Forbidden, Invalid, KeyReused
from servicing import repayments, subledger, write_offs
from servicing.calendar import open_business_date
from servicing.choices import Account, ChangeStatus, Classification, EntryKind, LoanStatus
from servicing.models import JournalEntry, Loan, LoanEvent, Posting
from tests.products.factories import UserFactory
from tests.servicing.factories import open_loan
from tests.servicing.test_prepayments import _ledger_balanced

pytestmark = pytest.mark.django_db


@pytest.fixture
def checker():
    return UserFactory(username="checker", role=roles.LOAN_OFFICER)


def _loss_loan(people, *, provisioned=True):
    """A 12-month loan disbursed 14 months ago and never paid: more than 360 days past due
    (loss), its provision booked as close of business books it (or not yet)."""
    loan = open_loan(
        None, actor=people["officer"], disbursed_on=clock.today() - relativedelta(months=14), fees=[]
    )
    Loan.objects.filter(pk=loan.pk).update(customer=people["owner_loan"].customer)
    loan = repayments.loan_refresh(loan, provision=provisioned)
    assert loan.classification == Classification.LOSS
    assert loan.non_accrual
    assert (loan.sl_reserve > 0) == provisioned
    return loan


def _account(code, loan=None):
    rows = Posting.objects.filter(account__code=code)
    if loan is not None:
        rows = rows.filter(entry__loan=loan)
    t = rows.aggregate(d=Sum("debit"), c=Sum("credit"))
    return (t["d"] or D(0)) - (t["c"] or D(0))


@pytest.mark.parametrize("provisioned", [True, False])
def test_write_off_closes_the_loans_accounts_against_the_reserve(people, checker, provisioned):
    loan = _loss_loan(people, provisioned=provisioned)
    before = subledger.balances(loan)
    change = write_offs.write_off_request(loan=loan, reason="no recovery expected", actor=people["officer"])
    assert change.status == ChangeStatus.PENDING
    assert D(change.quote["reserve"]) == loan.sl_reserve
    with pytest.raises(Forbidden):  # the maker is not the checker
        write_offs.write_off_approve(change_id=change.pk, actor=people["officer"])
    approved = write_offs.write_off_approve(change_id=change.pk, actor=checker)
    assert approved.status == ChangeStatus.APPROVED
    loan.refresh_from_db()
    assert loan.status == LoanStatus.WRITTEN_OFF
    assert loan.written_off_on == open_business_date()
    entry = JournalEntry.objects.get(loan=loan, kind=EntryKind.WRITE_OFF)
    legs = {p.account.code: p.debit - p.credit for p in entry.postings.select_related("account")}
    # Receivables credited, reserve and suspense debited, the uncovered rest to provision expense.
    assert legs[Account.LOANS_RECEIVABLE] == -before[Account.LOANS_RECEIVABLE] == -loan.principal_outstanding
    assert legs.get(Account.LOAN_LOSS_RESERVE, 0) == loan.sl_reserve
    assert legs[Account.INTEREST_IN_SUSPENSE] == loan.sl_suspense_interest > 0
    # A loss loan is provisioned in full (principal), its interest in suspense: nothing is left to
    # charge; unprovisioned, the whole principal is charged to provision expense now.
    assert legs.get(Account.PROVISION_EXPENSE, 0) == sum(before.values())
    assert sum(before.values()) == (0 if provisioned else loan.principal_outstanding)
    assert sum(legs.values()) == 0
    # Every account of the loan is nil in the ledger, and the ledger stays balanced.
    for code in subledger.LOAN_ACCOUNTS:
        assert _account(code, loan) == 0, code
    _ledger_balanced()
    # The transition with its event; the loan keeps its schedule and history.
    assert LoanEvent.objects.filter(
        loan=loan, from_state="active", to_state="written_off", actor=checker
    ).exists()
    assert loan.installments.count() == 12
    # No more repayments, and a write-off happens once.
    with pytest.raises(Conflict):
        repayments.repayment_post(loan=loan, amount=D("100.00"), actor=people["officer"])
    with pytest.raises(Conflict):
        write_offs.write_off_request(loan=loan, reason="again", actor=people["officer"])


def test_only_loss_loans_by_officers(people, checker):
    loan = people["owner_loan"]
    with pytest.raises(Conflict):
        write_offs.write_off_request(loan=loan, reason="r", actor=people["officer"])
    lost = _loss_loan(people)
    with pytest.raises(Forbidden):
        write_offs.write_off_request(loan=lost, reason="r", actor=people["owner"])
    with pytest.raises(Invalid):
        write_offs.write_off_request(loan=lost, reason=" ", actor=people["officer"])
    change = write_offs.write_off_request(loan=lost, reason="r", actor=people["officer"])
    rejected = write_offs.write_off_reject(change_id=change.pk, actor=checker, reason="collateral")
    assert rejected.status == ChangeStatus.REJECTED
    lost.refresh_from_db()
    assert lost.status == LoanStatus.ACTIVE


def test_recovery_is_recovery_income_not_an_allocation(people, checker):
    loan = _loss_loan(people)
    change = write_offs.write_off_request(loan=loan, reason="r", actor=people["officer"])
    write_offs.write_off_approve(change_id=change.pk, actor=checker)
    loan.refresh_from_db()
    position = (loan.principal_outstanding, loan.interest_due, loan.penalty_due, loan.sl_cash)
    income_before = _account(Account.RECOVERY_INCOME)
    recovery = write_offs.recovery_post(
        loan=loan, amount=D("1500.00"), actor=people["officer"], idempotency_key="k1", request_hash="h1"
    )
    legs = {p.account.code: (p.debit, p.credit) for p in recovery.entry.postings.select_related("account")}
    assert legs == {
        Account.REPAYMENT_CLEARING: (D("1500.00"), D("0.00")),
        Account.RECOVERY_INCOME: (D("0.00"), D("1500.00")),
    }
    assert _account(Account.RECOVERY_INCOME) - income_before == D("-1500.00")
    loan.refresh_from_db()
    assert (loan.principal_outstanding, loan.interest_due, loan.penalty_due, loan.sl_cash) == position
    assert not loan.repayments.exists()
    assert LoanEvent.objects.filter(loan=loan, payload__recovery=recovery.pk).exists()
    _ledger_balanced()
    # The same key and request: the first recovery; another request with it: the key is reused.
    again = write_offs.recovery_post(
        loan=loan, amount=D("1500.00"), actor=people["officer"], idempotency_key="k1", request_hash="h1"
    )
    assert again.pk == recovery.pk
    with pytest.raises(KeyReused):
        write_offs.recovery_post(
            loan=loan, amount=D("99.00"), actor=people["officer"], idempotency_key="k1", request_hash="h2"
        )
    with pytest.raises(Invalid) as bad:
        write_offs.recovery_post(loan=loan, amount=D("-1"), actor=people["officer"], idempotency_key="k2")
    assert "amount" in bad.value.errors
    with pytest.raises(Forbidden):
        write_offs.recovery_post(loan=loan, amount=D("1"), actor=people["owner"], idempotency_key="k3")
    # An active loan takes repayments, not recoveries.
    with pytest.raises(Conflict):
        write_offs.recovery_post(
            loan=people["owner_loan"], amount=D("1"), actor=people["officer"], idempotency_key="k4"
        )


def _client(user):
    from rest_framework.test import APIClient

    client = APIClient()
    client.force_authenticate(user)
    return client


def test_api_write_off_and_recovery(people, checker):
    loan = _loss_loan(people)
    url = f"/api/v1/loans/{loan.pk}"
    assert (
        _client(people["owner"]).post(f"{url}/write-offs/", {"reason": "r"}, format="json").status_code == 403
    )
    assert (
        _client(people["other"]).post(f"{url}/write-offs/", {"reason": "r"}, format="json").status_code == 404
    )
    made = _client(people["officer"]).post(f"{url}/write-offs/", {"reason": "lost"}, format="json")
    assert made.status_code == 201, made.json()
    cid = made.json()["id"]
    assert D(made.json()["quote"]["reserve"]) == loan.sl_reserve
    same = _client(people["officer"]).post(f"{url}/write-offs/{cid}/approve/", {}, format="json")
    assert same.status_code == 403
    done = _client(checker).post(f"{url}/write-offs/{cid}/approve/", {}, format="json")
    assert done.status_code == 200, done.json()
    assert done.json()["loan_status"] == "written_off"
    assert _client(checker).post(f"{url}/write-offs/{cid}/approve/", {}, format="json").status_code == 409
    # The loan stays visible to its owner, written off.
    shown = _client(people["owner"]).get(f"{url}/")
    assert shown.status_code == 200
    assert shown.json()["status"] == "written_off"
    # Recoveries: officers, with an Idempotency-Key.
    body = {"amount": "800.00"}
    officer = _client(people["officer"])
    assert officer.post(f"{url}/recoveries/", body, format="json").status_code == 400
    first = officer.post(f"{url}/recoveries/", body, format="json", HTTP_IDEMPOTENCY_KEY="r-1")
    assert first.status_code == 201, first.json()
    again = officer.post(f"{url}/recoveries/", body, format="json", HTTP_IDEMPOTENCY_KEY="r-1")
    assert again.status_code == 201
    assert again["Idempotent-Replayed"] == "true"
    assert again.json()["id"] == first.json()["id"]
    other = officer.post(f"{url}/recoveries/", {"amount": "1.00"}, format="json", HTTP_IDEMPOTENCY_KEY="r-1")
    assert other.status_code == 422
    assert other.json()["code"] == "idempotency_key_reused"
    assert loan.recoveries.count() == 1
    bad = officer.post(f"{url}/recoveries/", {"amount": "0.001"}, format="json", HTTP_IDEMPOTENCY_KEY="r-2")
    assert bad.status_code == 400
    assert "amount" in bad.json()["errors"]
    owner = _client(people["owner"]).post(
        f"{url}/recoveries/", body, format="json", HTTP_IDEMPOTENCY_KEY="r-3"
    )
    assert owner.status_code == 403
