"""The loan application state machine (submitted, scored, approved, disbursed, referred, declined,
withdrawn, expired), its event timeline, offers, the officer workflow and maker-checker
approvals. It reaches servicing only through servicing's services.
"""
