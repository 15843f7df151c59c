"""The servicing API: loans (`loans.py`), repayments (`repayments.py`) and the ledger
(`ledger.py`), one view per operation with the serializers of `serializers.py`.

URLs: `loan_urls` under /api/v1/loans/ (names `loans-api:*`), `repayment_urls` under
/api/v1/repayments/ (`repayments-api:*`) and `ledger_urls` under /api/v1/ledger/ (`ledger-api:*`).
"""
