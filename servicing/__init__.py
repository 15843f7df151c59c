"""Loans after disbursement. Today: opening a loan at disbursement (`loan_open`, called by
applications inside its own transaction), its pinned schedule, the double-entry ledger with the
disbursement posting, and the customer's and officers' read-only views of loans. Repayments,
overdue handling, close of business and collections are the servicing issue's to build.

Sits below applications: a loan keeps only its `origin_ref`, never a foreign key to the
application; it never imports applications or marketing.
"""
