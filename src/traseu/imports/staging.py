"""Uploaded import files, kept under ``TRASEU_DATA_DIR/imports/uploads/<token>/`` between the
wizard's steps and while the background import runs.

An upload is checked whole before it is kept: size and type (``traseu.core.uploads``), the
encoding of every line, the header and the CSV structure. A file that fails any check leaves
nothing behind. What the wizard shows (headers, sample values, the distinct values of each
column) is read once, here, and kept beside the file in ``upload.json``.

Who may see an upload: the person who sent it, and administrators; anyone else gets the same
404 as for a token that does not exist.
"""

from __future__ import annotations

import codecs
import json
import re
import secrets
import shutil
from dataclasses import dataclass
from pathlib import Path, PurePath
from typing import Any

from django.core.files.uploadedfile import UploadedFile
from django.utils import timezone
from django.utils.translation import gettext as _

from traseu.core.env import data_dir
from traseu.core.errors import InvalidInput, NotFound
from traseu.core.models import User
from traseu.core.uploads import SNIFF_BYTES, check_upload
from traseu.crm.access import require_writer, sees_everything
from traseu.imports.mapping import KINDS
from traseu.imports.reading import DEFAULT_ENCODING, check_encoding, open_table

SAMPLES = 3  # sample values shown per column
DISTINCT_MAX = 60  # distinct values remembered per column (stage names, choices)
_TOKEN = re.compile(r"^[A-Za-z0-9_-]{16,64}$")
UTF8 = ("utf-8", "utf-8-sig", "utf8")


def uploads_root() -> Path:
    return data_dir() / "imports" / "uploads"


@dataclass(frozen=True)
class Staged:
    """One kept upload: its folder and what was read from it."""

    token: str
    root: Path
    meta: dict[str, Any]

    @property
    def kind(self) -> str:
        return str(self.meta["kind"])

    @property
    def name(self) -> str:
        return str(self.meta["name"])

    @property
    def encoding(self) -> str | None:
        return self.meta.get("encoding") or None

    @property
    def path(self) -> Path:
        return self.root / str(self.meta["stored"])

    @property
    def headers(self) -> list[str]:
        return list(self.meta["headers"])

    @property
    def rows(self) -> int:
        return int(self.meta["rows"])

    def samples(self, header: str) -> list[str]:
        return list(self.meta["samples"].get(header, []))

    def distinct(self, header: str) -> list[str] | None:
        """Every distinct non-blank value of the column, or None when there are too many."""
        found = self.meta["distinct"].get(header)
        return None if found is None else list(found)

    @property
    def mapping_path(self) -> Path:
        return self.root / "mapping.yaml"

    def mapping_text(self) -> str:
        path = self.mapping_path
        return path.read_text(encoding="utf-8") if path.is_file() else ""

    def save_mapping(self, text: str) -> None:
        self.mapping_path.write_text(text, encoding="utf-8")

    def save_draft(self, document: dict[str, Any]) -> None:
        """A mapping still waiting for its stage names (deals), between two wizard steps."""
        (self.root / "draft.json").write_text(json.dumps(document, ensure_ascii=False), "utf-8")

    def draft(self) -> dict[str, Any] | None:
        try:
            found = json.loads((self.root / "draft.json").read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        return found if isinstance(found, dict) else None

    def errors_path(self, job_id: int) -> Path:
        return self.root / f"errors-{job_id}.csv"


def _refuse(message: str, code: str, field: str = "file") -> InvalidInput:
    return InvalidInput(message, code=code, details={"field": field})


def _check_type(file: UploadedFile, encoding: str) -> str:
    """``csv`` or ``xlsx``. A CSV in an 8-bit encoding (cp1250...) is not UTF-8, which the
    shared upload check requires of text: such a file passes if its start decodes in the
    encoding chosen and holds no NUL byte."""
    try:
        return check_upload(file, kinds=("csv", "xlsx"))
    except InvalidInput as error:
        suffix = PurePath(file.name or "").suffix.lower()
        if error.code != "upload_type" or suffix not in (".csv", ".txt"):
            raise
        file.seek(0)
        head = file.read(SNIFF_BYTES)
        file.seek(0)
        if b"\x00" in head:
            raise
        if encoding.lower() in UTF8:
            raise _refuse(
                _(
                    "The file is not UTF-8 text. Choose its encoding (Windows-1250 for a "
                    "Romanian Excel export) and upload it again."
                ),
                "undecodable",
                "encoding",
            ) from error
        try:
            codecs.getincrementaldecoder(encoding)().decode(head)
        except UnicodeDecodeError:
            raise error from None
        return "csv"


def _profile(path: Path, encoding: str | None) -> dict[str, Any]:
    """Headers, sample values and distinct values, from one full pass over the file (which
    also proves every line decodes and every row parses)."""
    samples: dict[str, list[str]] = {}
    distinct: dict[str, dict[str, None] | None] = {}
    rows = 0
    with open_table(path, encoding=encoding) as table:
        headers = [h for h in table.headers if h]
        keys = {h: " ".join(h.split()).casefold() for h in headers}
        for header in headers:
            samples[header], distinct[header] = [], {}
        for row in table.rows:
            rows += 1
            for header in headers:
                value = row.values.get(keys[header], "")
                text = "" if value is None else str(value).strip()
                if not text:
                    continue
                if len(samples[header]) < SAMPLES:
                    samples[header].append(text[:80])
                seen = distinct[header]
                if seen is not None and text not in seen:
                    seen[text] = None
                    if len(seen) > DISTINCT_MAX:
                        distinct[header] = None
    if not headers:
        raise _refuse(_("The file has no column headers in its first row."), "import_file_empty")
    return {
        "headers": headers,
        "samples": samples,
        "distinct": {h: (None if v is None else list(v)) for h, v in distinct.items()},
        "rows": rows,
    }


def staged_create(*, file: UploadedFile, kind: str, encoding: str | None, user: User) -> Staged:
    """Keep ``file`` for an import of ``kind`` by ``user``, after checking it whole.

    Raises InvalidInput (``details.field`` names the form field) for a kind that does not
    exist, a file too large or of the wrong type, an unknown encoding, an undecodable line, an
    empty or broken header; nothing is kept then."""
    require_writer(user)
    if kind not in KINDS:
        raise _refuse(
            _("Choose what the file holds: %(kinds)s.") % {"kinds": ", ".join(KINDS)},
            "import_kind_unknown",
            "kind",
        )
    try:
        chosen = check_encoding(encoding or DEFAULT_ENCODING)
    except InvalidInput as error:
        raise _refuse(error.message, error.code, "encoding") from error
    fmt = _check_type(file, chosen)
    token = secrets.token_urlsafe(18)
    root = uploads_root()
    partial = root / f".partial-{token}"
    partial.mkdir(parents=True)
    stored = "source.xlsx" if fmt == "xlsx" else "source.csv"
    try:
        with (partial / stored).open("wb") as out:
            for chunk in file.chunks():
                out.write(chunk)
        profile = _profile(partial / stored, None if fmt == "xlsx" else chosen)
    except InvalidInput as error:
        shutil.rmtree(partial, ignore_errors=True)
        raise _refuse(error.message, error.code) from error
    except BaseException:
        shutil.rmtree(partial, ignore_errors=True)
        raise
    meta = {
        "user": user.pk,
        "kind": kind,
        "name": PurePath(file.name or stored).name[:200],
        "format": fmt,
        "encoding": "" if fmt == "xlsx" else chosen,
        "stored": stored,
        "size": file.size,
        "created": timezone.now().isoformat(),
        **profile,
    }
    (partial / "upload.json").write_text(json.dumps(meta, ensure_ascii=False), encoding="utf-8")
    partial.rename(root / token)
    return Staged(token, root / token, meta)


def staged_discard(staged: Staged) -> None:
    """Forget an upload (one the request that sent it could not use)."""
    shutil.rmtree(staged.root, ignore_errors=True)


def staged_get(*, token: str, user: User) -> Staged:
    """The upload ``token`` if ``user`` sent it or is an administrator; else NotFound."""
    missing = NotFound(_("No such upload."), code="upload_not_found")
    if not _TOKEN.match(token):
        raise missing
    root = uploads_root() / token
    try:
        meta = json.loads((root / "upload.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        raise missing from None
    if meta.get("user") != user.pk and not sees_everything(user):
        raise missing
    return Staged(token, root, meta)


def _job_link(job_id: int) -> Path:
    return data_dir() / "imports" / "jobs" / f"{int(job_id)}.upload"


def staged_link_job(staged: Staged, job_id: int) -> None:
    """Remember which upload a job reads (the job row has no field for it)."""
    link = _job_link(job_id)
    link.parent.mkdir(parents=True, exist_ok=True)
    link.write_text(staged.token, encoding="ascii")


def staged_token_for_job(job_id: int) -> str | None:
    try:
        return _job_link(job_id).read_text(encoding="ascii").strip() or None
    except OSError:
        return None
