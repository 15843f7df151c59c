"""Loan products and their versions, pricing grids, benchmark rates (LPR), fees, promotions,
eligibility rules and quotes. Its `engine/` package is the pure loan mathematics (schedules, day
counts, fees, APR, prepayment, revolving lines) with no Django import; everything else in
LoanHub that needs a schedule or a price asks this app.
"""
