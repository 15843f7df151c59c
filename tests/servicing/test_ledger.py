"""The posting function: balanced entries only, idempotent by key, immutable legs."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction

from servicing import ledger
from servicing.choices import Account, EntryKind
from servicing.models import JournalEntry, LedgerAccount, Posting
from servicing.selectors import ledger_accounts_with_balances

pytestmark = pytest.mark.django_db
D = Decimal
Z = D("0.00")


def _post(lines, key="k-1", **kwargs):
    return ledger.post(kind=EntryKind.DISBURSEMENT, lines=lines, memo="test", idempotency_key=key, **kwargs)


def test_chart_of_accounts_is_seeded_by_the_data_migrations():
    chart = {a.code: (a.name_zh, a.name_en, a.kind) for a in LedgerAccount.objects.all()}
    assert chart == {
        "1010": ("还款清算（银行存款）", "Repayment clearing (cash at bank)", "asset"),
        "1100": ("贷款应收", "Loans receivable", "asset"),
        "1200": ("应收利息", "Interest receivable", "asset"),
        "1210": ("应收罚息", "Penalty interest receivable", "asset"),
        "1130": ("循环额度贷款应收", "Credit lines receivable", "asset"),
        "1220": ("应收手续费", "Fees receivable", "asset"),
        "1230": ("循环额度应收利息", "Credit line interest receivable", "asset"),
        "1240": ("循环额度应收罚息", "Credit line penalty interest receivable", "asset"),
        "1290": ("贷款损失准备", "Loan-loss reserve", "asset"),
        "1291": ("循环额度贷款损失准备", "Credit line loss reserve", "asset"),
        "2100": ("放款清算", "Disbursement clearing", "liability"),
        "2200": ("客户溢缴款", "Overpayment liability", "liability"),
        "2310": ("应收未收利息挂账", "Interest in suspense", "liability"),
        "2320": ("应收未收罚息挂账", "Penalty interest in suspense", "liability"),
        "2311": ("循环额度应收未收利息挂账", "Credit line interest in suspense", "liability"),
        "2321": ("循环额度应收未收罚息挂账", "Credit line penalty interest in suspense", "liability"),
        "2400": ("待查明来款（银行流水挂账）", "Unidentified receipts (statement suspense)", "liability"),
        "4100": ("手续费收入", "Fee income", "income"),
        "4200": ("利息收入", "Interest income", "income"),
        "4300": ("罚息收入", "Penalty interest income", "income"),
        "4400": ("已核销贷款收回", "Recoveries of written-off loans", "income"),
        "5100": ("资产减值损失（贷款）", "Loan-loss provision expense", "expense"),
    }


def test_a_balanced_entry_is_written_with_every_leg():
    entry = _post([("1100", D("1000.00"), Z), ("2100", Z, D("980.00")), ("4100", Z, D("20.00"))])
    legs = list(entry.postings.order_by("id").values_list("account__code", "debit", "credit"))
    assert legs == [("1100", D("1000.00"), Z), ("2100", Z, D("980.00")), ("4100", Z, D("20.00"))]
    assert entry.idempotency_key == "k-1"
    assert entry.kind == "disbursement"
    balances = {a.code: a.balance for a in ledger_accounts_with_balances()}
    assert {code: amount for code, amount in balances.items() if amount} == {
        "1100": D("1000.00"),
        "2100": D("-980.00"),
        "4100": D("-20.00"),
    }


@pytest.mark.parametrize(
    ("lines", "error"),
    [
        ([("1100", D("1000.00"), Z), ("2100", Z, D("999.99"))], ledger.UnbalancedEntry),
        ([("1100", D("1000.00"), Z)], ledger.UnbalancedEntry),
        ([], ledger.UnbalancedEntry),
        ([("1100", Z, Z), ("2100", Z, Z)], ledger.InvalidPosting),
        ([("1100", D("5.00"), D("5.00"))], ledger.InvalidPosting),
        ([("1100", D("-5.00"), Z), ("2100", Z, D("-5.00"))], ledger.InvalidPosting),
        ([("1100", D("0.005"), Z), ("2100", Z, D("0.005"))], ledger.InvalidPosting),
        ([("1100", 10.0, Z), ("2100", Z, 10.0)], ledger.InvalidPosting),
        ([("9999", D("1.00"), Z), ("2100", Z, D("1.00"))], ledger.InvalidPosting),
    ],
    ids=["unbalanced", "one-leg", "empty", "zero", "two-sided", "negative", "sub-cent", "float", "unknown"],
)
def test_a_malformed_or_unbalanced_entry_is_refused_and_nothing_is_written(lines, error):
    with pytest.raises(error):
        _post(lines)
    assert JournalEntry.objects.count() == 0
    assert Posting.objects.count() == 0


def test_unbalanced_entry_is_a_ledger_error():
    assert issubclass(ledger.UnbalancedEntry, ledger.LedgerError)
    with pytest.raises(ledger.LedgerError, match="debits 10.00 differ from credits 9.00"):
        _post([("1100", D("10.00"), Z), ("2100", Z, D("9.00"))])


def test_a_repeated_idempotency_key_returns_the_first_entry_and_books_nothing_more():
    lines = [("1100", D("500.00"), Z), ("2100", Z, D("500.00"))]
    first = _post(lines, key="disburse-7")
    again = _post(lines, key="disburse-7")
    assert again.pk == first.pk
    assert JournalEntry.objects.count() == 1
    assert Posting.objects.count() == 2


def test_a_key_reused_for_other_lines_is_a_conflict():
    _post([("1100", D("500.00"), Z), ("2100", Z, D("500.00"))], key="disburse-8")
    with pytest.raises(ledger.IdempotencyConflict):
        _post([("1100", D("600.00"), Z), ("2100", Z, D("600.00"))], key="disburse-8")
    assert list(Posting.objects.values_list("debit", flat=True).order_by("id")) == [D("500.00"), Z]


def test_a_repeat_inside_an_outer_transaction_leaves_it_usable():
    lines = [("1100", D("1.00"), Z), ("2100", Z, D("1.00"))]
    with transaction.atomic():
        first = _post(lines, key="outer")
        assert _post(lines, key="outer").pk == first.pk
        assert JournalEntry.objects.filter(idempotency_key="outer").count() == 1


def test_postings_and_entries_cannot_be_changed_or_deleted():
    entry = _post([("1100", D("10.00"), Z), ("2100", Z, D("10.00"))])
    posting = entry.postings.first()
    posting.debit = D("11.00")
    with pytest.raises(TypeError, match="immutable"):
        posting.save()
    with pytest.raises(TypeError, match="immutable"):
        posting.delete()
    with pytest.raises(TypeError, match="immutable"):
        Posting.objects.filter(entry=entry).update(debit=D("1.00"))
    with pytest.raises(TypeError, match="immutable"):
        JournalEntry.objects.all().delete()
    entry.memo = "rewritten"
    with pytest.raises(TypeError, match="immutable"):
        entry.save()
    assert sorted(Posting.objects.values_list("debit", "credit")) == [(Z, D("10.00")), (D("10.00"), Z)]


@pytest.mark.parametrize(
    ("debit", "credit"), [(D("1.00"), D("1.00")), (Z, Z), (D("-1.00"), Z), (Z, D("-1.00"))]
)
def test_the_database_refuses_a_leg_that_is_not_one_positive_side(debit, credit):
    entry = _post([("1100", D("10.00"), Z), ("2100", Z, D("10.00"))])
    account = LedgerAccount.objects.get(code=Account.FEE_INCOME)
    with pytest.raises(IntegrityError), transaction.atomic():
        Posting.objects.bulk_create([Posting(entry=entry, account=account, debit=debit, credit=credit)])
