"""Rewards (积分奖励) and referrals: the customer's points ledger, its lots and expiry,
redemption for a rate discount at offer acceptance, and referral codes rewarded on the referred
customer's first disbursement. App label `rewards`; it sits with marketing at the top of the
import order and hears from servicing and applications through their hook registries."""
