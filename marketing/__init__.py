"""Customer segments, campaigns, attribution of applications to channels and campaigns,
experiments, rewards and CRM follow-ups. It reads the other apps through their selectors.
"""
