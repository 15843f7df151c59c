"""Servicing models: loans with their pinned schedules and positions, repayments, the
double-entry ledger and close-of-business runs (one module each)."""

from servicing.models.classification import ClassificationChange
from servicing.models.cob import CobChunk, CobRun, LoanSnapshot
from servicing.models.collateral import LoanCollateral
from servicing.models.collections import (
    CollectionCase,
    CollectionCaseEvent,
    CollectionQueue,
    ContactAttempt,
    DunningNotice,
    DunningStep,
    PromiseToPay,
)
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
from servicing.models.recoveries import Recovery
from servicing.models.repayments import Repayment
from servicing.models.schedule_changes import ScheduleChange
from servicing.models.statements import StatementImport, StatementLine, StatementLineEvent

__all__ = (
    "ClassificationChange",
    "CobChunk",
    "CobRun",
    "CollectionCase",
    "CollectionCaseEvent",
    "CollectionQueue",
    "ContactAttempt",
    "CreditLine",
    "CreditLineEvent",
    "CreditLineStatement",
    "CreditLineStatus",
    "CreditLineTransaction",
    "CreditLineTransactionKind",
    "DunningNotice",
    "DunningStep",
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
    "Recovery",
    "PromiseToPay",
    "Repayment",
    "ScheduleChange",
    "StatementImport",
    "StatementLine",
    "StatementLineEvent",
)
