"""Marketing — reserved, nothing built yet: no models, services or tasks.

The marketing issue builds segments, campaigns, attribution, experiments, rewards and follow-ups
here, on top of the other apps (read through their selectors). Today the catalogue's target
segments and promotions live in `products`, and the applicant's segments come from
`customers.selectors.customer_segments`.
"""
