"""Scoring requests, credit scorecard models and their registry, policy and fraud rules, immutable
decisions with their explanations, and the credit-bureau interface. It calls back to the
requester through a registered hook instead of importing the applications app.

What other apps use: `risk.services` (scoring_request_create / _requeue / _retry, the model
registry), `risk.selectors` (decision_for_request, requests_for,
decision_declined_only_for_identity, decision_customer_reasons: what a customer may be told,
from `risk.reasons`), `risk.choices` (the vocabulary: RequestState, Outcome,
RuleOutcome, GRADES), `risk.features.FeatureValidationError` (an `Invalid` with field errors)
and `risk.hooks.register_decision_hook`. Tasks, product terms and the decision internals are
risk's own.
"""
