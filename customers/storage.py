"""Private file storage for customer documents: a directory under VAR_DIR that no URL serves.

Files have no public URL (`url()` raises): they are read back only by
`customers.views.document_download`, which checks the permission first.
"""

from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.core.files.storage import FileSystemStorage
from django.utils.functional import cached_property


def private_root() -> Path:
    return Path(settings.LOANHUB_PRIVATE_ROOT)


class PrivateStorage(FileSystemStorage):
    """FileSystemStorage rooted at settings.LOANHUB_PRIVATE_ROOT (by default VAR_DIR/private).

    The root is read lazily and re-read when the setting changes (tests point it at tmp_path).
    """

    def __init__(self):
        super().__init__(file_permissions_mode=0o600, directory_permissions_mode=0o700)

    @cached_property
    def base_location(self):
        return private_root()

    def _clear_cached_properties(self, setting, **kwargs):
        if setting in ("LOANHUB_PRIVATE_ROOT", "VAR_DIR"):
            self.__dict__.pop("base_location", None)
            self.__dict__.pop("location", None)
        super()._clear_cached_properties(setting, **kwargs)

    def url(self, name):
        raise ValueError("private documents have no URL; they are served by the customers document view")


def private_storage() -> PrivateStorage:
    """The storage of `Document.file`: a callable, so migrations do not freeze a path."""
    return PrivateStorage()
