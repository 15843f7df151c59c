"""Customer profiles (individuals, sole proprietors, small and micro enterprises), KYC state,
documents, consents to credit checks, and the one place that masks personal data such as
identity and phone numbers. It knows nothing of applications or risk.
"""
