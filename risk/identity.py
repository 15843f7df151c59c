"""Keyed hashes of identifiers (identity number, phone, device) for velocity, blocklist and bureau
look-ups, so risk tables never hold the raw values after scoring.

HMAC-SHA256 keyed by SECRET_KEY: rotating the key starts velocity history afresh and needs the
blocklist and demo credit files re-hashed (`seed_risk` does the latter).
"""

from __future__ import annotations

import hashlib
import hmac

from django.conf import settings


def normalise(kind: str, value: str) -> str:
    value = "".join(str(value).split())
    if kind == "id_number":
        return value.upper()
    if kind == "phone":
        digits = "".join(ch for ch in value if ch.isdigit())
        return digits[-11:] if len(digits) >= 11 else digits
    return value


def identifier_hash(kind: str, value: str | None) -> str:
    if not value:
        return ""
    message = f"{kind}:{normalise(kind, value)}".encode()
    return hmac.new(settings.SECRET_KEY.encode(), message, hashlib.sha256).hexdigest()
