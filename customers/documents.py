"""Documents a customer uploads (identity card, income proof …): a PDF, JPEG or PNG checked by its
content and extension, at most LOANHUB_UPLOAD_MAX_BYTES, stored privately with its SHA-256."""

from __future__ import annotations

import hashlib
import logging
import uuid
from pathlib import PurePath

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _

from customers import uploads
from customers.errors import CustomerPermissionError, CustomerValidationError
from customers.masking import mask_text
from customers.models import Customer, Document, DocumentKind
from loanhub.permissions import is_user, may
from loanhub.text import printable

logger = logging.getLogger("customers.services")


def upload_max_bytes() -> int:
    return settings.LOANHUB_UPLOAD_MAX_BYTES


def document_upload(*, customer: Customer, kind: str, file: UploadedFile, actor) -> Document:
    """Store a PDF, JPEG or PNG (checked by content and extension) of at most the upload limit."""
    if not (is_user(actor, customer.user_id) or may(actor, "customers.add_document")):
        raise CustomerPermissionError({"actor": [_("You may upload documents only to your own profile.")]})
    errors: dict[str, list[str]] = {}
    if kind not in DocumentKind.values:
        errors["kind"] = [_("Choose one of: %(values)s.") % {"values": ", ".join(DocumentKind.values)}]
    if file is None:
        errors["file"] = [_("Choose a file.")]
        raise CustomerValidationError(errors)
    limit = upload_max_bytes()
    if not file.size:
        errors["file"] = [_("The file is empty.")]
    elif file.size > limit:
        errors["file"] = [_("The file is larger than %(limit)s.") % {"limit": filesizeformat(limit)}]
    else:
        file.seek(0)
        detected = uploads.sniff(file.read(uploads.HEAD_BYTES))
        file.seek(0)
        claimed = uploads.content_type_for_name(file.name)
        if detected is None or claimed is None:
            errors["file"] = [_("Upload a PDF, JPEG or PNG file.")]
        elif detected != claimed:
            errors["file"] = [_("The file's content does not match its extension.")]
    if errors:
        raise CustomerValidationError(errors)

    digest = hashlib.sha256()
    for chunk in file.chunks():
        digest.update(chunk)
    file.seek(0)
    document = Document(
        customer=customer,
        kind=kind,
        original_name=mask_text(printable(PurePath(file.name).name))[:200],
        content_type=detected,
        size=file.size,
        sha256=digest.hexdigest(),
        uploaded_by=actor,
    )
    stored_name = f"{customer.pk}/{uuid.uuid4().hex}{uploads.STORED_EXTENSION[detected]}"
    document.file.save(stored_name, file, save=False)
    try:
        document.save()
    except Exception:
        document.file.storage.delete(document.file.name)
        raise
    logger.info("document uploaded customer=%s document=%s kind=%s", customer, document.pk, kind)
    return document
