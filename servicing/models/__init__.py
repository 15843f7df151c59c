"""Servicing models: loans with their pinned schedules and positions, repayments, the
double-entry ledger and close-of-business runs (one module each)."""

from servicing.models.classification import ClassificationChange
from servicing.models.cob import CobChunk, CobRun, LoanSnapshot
from servicing.models.collateral import LoanCollateral
from servicing.models.ledger import ImmutableModel, ImmutableQuerySet, JournalEntry, LedgerAccount, Posting
from servicing.models.limits import LimitProposal, LimitProposalEvent, LimitProposalKind, LimitProposalStatus
from servicing.models.lines import (
    CreditLine,
    CreditLineEvent,
    CreditLineStatement,
    CreditLineStatus,
    CreditLineTransaction,
    CreditLineTransactionKind,
)
from servicing.models.loans import Loan, LoanEvent, LoanInstallment
from servicing.models.repayments import Repayment
from servicing.models.schedule_changes import ScheduleChange
from servicing.models.statements import StatementImport, StatementLine, StatementLineEvent

__all__ = (
    "ClassificationChange",
    "CobChunk",
    "CobRun",
    "CreditLine",
    "CreditLineEvent",
    "CreditLineStatement",
    "CreditLineStatus",
    "CreditLineTransaction",
    "CreditLineTransactionKind",
    "ImmutableModel",
    "ImmutableQuerySet",
    "JournalEntry",
    "LedgerAccount",
    "LimitProposal",
    "LimitProposalEvent",
    "LimitProposalKind",
    "LimitProposalStatus",
    "Loan",
    "LoanCollateral",
    "LoanEvent",
    "LoanInstallment",
    "LoanSnapshot",
    "Posting",
    "Repayment",
    "ScheduleChange",
    "StatementImport",
    "StatementLine",
    "StatementLineEvent",
)
