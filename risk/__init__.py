"""Scoring requests, credit scorecard models and their registry, policy and fraud rules, immutable
decisions with their explanations, the credit-bureau interface, and later portfolio monitoring.
It calls back to the requester through a registered hook instead of importing the applications
app.
"""
