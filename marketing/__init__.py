"""Marketing: segments, campaigns (delivered through notifications), touches and attribution,
the funnel and experiments, with the customers' marketing consent honoured at every send.

Rewards points and referrals live in their own app (`marketing/rewards`, label `rewards`).
It reads the other apps through their selectors and learns of submitted applications through
`applications.hooks` (registered in `MarketingConfig.ready`).
"""
