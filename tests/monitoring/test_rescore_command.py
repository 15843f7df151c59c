"""`manage.py rescore_loans`: the periodic rescore from the command line (what beat runs on the
1st), for a date or the last closed one; run twice, it rescores nothing more."""

from __future__ import annotations

from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from monitoring import early_warning
from monitoring.models import LoanRescore
from risk import services as risk_services
from tests.monitoring.conftest import snap
from tests.monitoring.test_early_warning_sources import champion, decided, today  # noqa: F401

pytestmark = pytest.mark.django_db


def _run(*args) -> str:
    out = StringIO()
    call_command("rescore_loans", *args, stdout=out)
    return out.getvalue()


def test_the_command_rescores_the_book_of_a_date_once(make_loan, today, champion):  # noqa: F811
    """Decided on 'paid duly' (620, A); the bureau now says 'past delays' (540, C): drift."""
    loan, undecided = make_loan(), make_loan()
    decided(loan, champion)
    snap(loan, today)
    snap(undecided, today)
    risk_services.credit_file_upsert(
        id_number=loan.customer.id_number,
        credit_history="past_delays",
        existing_credits=2,
        other_installment_plans="none",
        monthly_debt=Decimal("800.00"),
    )

    # The undecided loan (no application with a risk decision) is skipped, and said so.
    assert _run("--date", today.isoformat()).strip() == (
        f"{today}: 1 loans rescored (2 on the book: 0 rescored for the date before, "
        "1 skipped without a scored application)"
    )
    assert _run("--date", today.isoformat()).strip() == (
        f"{today}: 0 loans rescored (2 on the book: 1 rescored for the date before, "
        "1 skipped without a scored application)"
    )

    assert list(LoanRescore.objects.values_list("loan_id", "as_of", "baseline_score", "score", "grade")) == [
        (loan.pk, today, 620, 540, "C")
    ]
    assert early_warning.signals_on(today) == {loan.pk: [("score_drift", "620 A → 540 C")]}


def test_the_command_defaults_to_the_last_closed_date(make_loan, today, champion, monkeypatch):  # noqa: F811
    loan = make_loan()
    decided(loan, champion)
    snap(loan, today)
    monkeypatch.setattr("monitoring.management.commands.rescore_loans.last_closed_date", lambda: today)

    assert _run().strip().startswith(f"{today}: 1 loans rescored (1 on the book: 0 rescored")


def test_the_command_refuses_without_a_closed_date_or_a_champion(make_loan, today, monkeypatch):  # noqa: F811
    monkeypatch.setattr("monitoring.management.commands.rescore_loans.last_closed_date", lambda: None)
    with pytest.raises(CommandError, match="No business date has been closed"):
        _run()
    with pytest.raises(CommandError, match="not a date"):
        _run("--date", "2026-02-30")
    loan = make_loan()
    snap(loan, today)
    with pytest.raises(CommandError, match="no champion"):
        _run("--date", today.isoformat())
    assert not LoanRescore.objects.exists()
