"""References across apps ("applications.LoanApplication:42", "loan:L9000001"), as a reader sees
them: the object's name in the page's language and its number."""

from __future__ import annotations

from django.apps import apps


def ref_text(ref: str) -> str:
    """A cross-app reference ("applications.LoanApplication:42", "loan:L9000001") as the object's
    name in the page's language and its number."""
    kind, _sep, number = (ref or "").rpartition(":")
    if not kind:
        return ref or "-"
    names = {"application": "applications.LoanApplication", "loan": "servicing.Loan"}
    try:
        model = apps.get_model(names.get(kind, kind))
    except (LookupError, ValueError):
        return ref
    return f"{model._meta.verbose_name} {'#' if number.isdigit() else ''}{number}"
