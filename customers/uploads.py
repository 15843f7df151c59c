"""What an uploaded file really is, from its first bytes (magic numbers), not its name.

Signatures: PDF `%PDF-` (ISO 32000-1 §7.5.2), JPEG SOI marker `FF D8 FF` (ITU-T T.81 / JFIF),
PNG the 8-byte signature `89 50 4E 47 0D 0A 1A 0A` (RFC 2083 §3.1 / ISO 15948).
"""

from __future__ import annotations

from pathlib import PurePath

SIGNATURES: tuple[tuple[bytes, str], ...] = (
    (b"%PDF-", "application/pdf"),
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"\x89PNG\r\n\x1a\n", "image/png"),
)
EXTENSIONS = {".pdf": "application/pdf", ".jpg": "image/jpeg", ".jpeg": "image/jpeg", ".png": "image/png"}
STORED_EXTENSION = {"application/pdf": ".pdf", "image/jpeg": ".jpg", "image/png": ".png"}
HEAD_BYTES = 16


def sniff(head: bytes) -> str | None:
    """The content type the bytes start with, or None when it is none we accept."""
    for signature, content_type in SIGNATURES:
        if head.startswith(signature):
            return content_type
    return None


def content_type_for_name(name: str) -> str | None:
    return EXTENSIONS.get(PurePath(name or "").suffix.lower())
