"""Loans after disbursement: pinned schedules, the disbursement itself, repayments, the double-
entry ledger, close of business, delinquency and collections. It never imports marketing.
"""
