"""Limits on uploaded files: size and kind, checked before anything reads the file.

``UPLOAD_MAX_BYTES`` (settings) is the largest file accepted. A kind is accepted by its file
name's extension *and* by its first bytes (a renamed binary is not a CSV), never by the
Content-Type the browser sends, which the client chooses. Request bodies other than files are
limited by Django's ``DATA_UPLOAD_MAX_MEMORY_SIZE`` (see docs/security.md).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import PurePath

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _

from traseu.core.errors import InvalidInput

SNIFF_BYTES = 8192


def _is_text(head: bytes) -> bool:
    """UTF-8 (or its BOM) text without NUL bytes; a cut multi-byte character at the end is
    allowed."""
    if b"\x00" in head:
        return False
    try:
        head.decode("utf-8")
    except UnicodeDecodeError as error:
        return error.start >= len(head) - 3
    return True


def _is_zip(head: bytes) -> bool:
    return head.startswith(b"PK\x03\x04")


@dataclass(frozen=True)
class UploadKind:
    extensions: tuple[str, ...]
    looks_right: Callable[[bytes], bool]


KINDS: dict[str, UploadKind] = {
    "csv": UploadKind((".csv", ".txt"), _is_text),
    "xlsx": UploadKind((".xlsx",), _is_zip),
    "yaml": UploadKind((".yaml", ".yml"), _is_text),
    "json": UploadKind((".json",), _is_text),
}


def check_upload(file: UploadedFile, *, kinds: Iterable[str]) -> str:
    """The kind of ``file`` among ``kinds``; ``InvalidInput`` if it is too large
    (``upload_too_large``) or of no accepted kind (``upload_type``). Leaves the file at its
    start."""
    allowed = {kind: KINDS[kind] for kind in kinds}
    limit = int(settings.UPLOAD_MAX_BYTES)
    if file.size is None or file.size > limit:
        raise InvalidInput(
            _("The file is larger than %(limit)s.") % {"limit": filesizeformat(limit)},
            code="upload_too_large",
            details={"field": "file", "max_bytes": limit},
        )
    extension = PurePath(file.name or "").suffix.lower()
    file.seek(0)
    head = file.read(SNIFF_BYTES)
    file.seek(0)
    for name, kind in allowed.items():
        if extension in kind.extensions and kind.looks_right(head):
            return name
    accepted = ", ".join(ext for kind in allowed.values() for ext in kind.extensions)
    raise InvalidInput(
        _("This file is not one Traseu can read here; accepted: %(accepted)s.")
        % {"accepted": accepted},
        code="upload_type",
        details={"field": "file", "accepted": accepted},
    )
