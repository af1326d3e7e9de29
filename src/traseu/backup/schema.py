"""What the two kinds of backup share: the checks before a restore, and writing files safely."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path

from django.db.migrations.loader import MigrationLoader
from django.utils.translation import gettext as _

from traseu.core.errors import TraseuError

Migration = tuple[str, str]
# A Traseu database has these tables; a backup without them is something else.
REQUIRED_TABLES = ("django_migrations", "core_user", "crm_deal", "processes_processversion")
# Rows in these tables mean the database holds someone's data.
DATA_TABLES = ("core_user", "crm_account", "crm_deal", "processes_process")
SQLITE_HEADER = b"SQLite format 3\x00"
PGDUMP_HEADER = b"PGDMP"


class BackupError(TraseuError):
    """A backup or a restore was refused or failed; nothing was changed."""

    code = "backup_failed"
    status = 409


def file_kind(path: Path) -> str:
    """``sqlite``, ``postgresql`` (a pg_dump custom archive), or ``''`` (something else)."""
    try:
        with path.open("rb") as handle:
            head = handle.read(len(SQLITE_HEADER))
    except FileNotFoundError as error:
        raise BackupError(
            _("There is no file %(path)s.") % {"path": path}, code="backup_not_found"
        ) from error
    except OSError as error:
        raise BackupError(
            _("Cannot read %(path)s: %(error)s") % {"path": path, "error": error.strerror},
            code="backup_unreadable",
        ) from error
    if head == SQLITE_HEADER:
        return "sqlite"
    if head.startswith(PGDUMP_HEADER):
        return "postgresql"
    return ""


def require_kind(path: Path, expected: str) -> None:
    kind = file_kind(path)
    if kind == expected:
        return
    if kind:
        message = _("%(path)s is a %(kind)s backup; this database is %(expected)s.")
    else:
        message = _("%(path)s is not a Traseu backup (neither SQLite nor a pg_dump archive).")
    raise BackupError(
        message % {"path": path, "kind": kind, "expected": expected}, code="not_a_backup"
    )


def require_tables(path: Path, tables: Iterable[str]) -> None:
    missing = sorted(set(REQUIRED_TABLES) - set(tables))
    if missing:
        raise BackupError(
            _("%(path)s is not a Traseu backup: it has no tables %(tables)s.")
            % {"path": path, "tables": ", ".join(missing)},
            code="not_a_backup",
        )


def known_migrations() -> set[Migration]:
    """Every migration this version of Traseu ships (Django's and the apps')."""
    return set(MigrationLoader(None, ignore_no_migrations=True).disk_migrations)


def check_versions(
    *,
    path: Path,
    in_backup: set[Migration],
    in_database: set[Migration],
    has_data: bool,
    force: bool,
) -> int:
    """Refuse a restore that would lose or break something; return the migrations the restored
    database will still need (``traseu migrate`` applies them)."""
    newer = sorted(in_backup - known_migrations())
    if newer:
        raise BackupError(
            _(
                "%(path)s was made by a newer Traseu (it has migrations this version does not "
                "know, such as %(migration)s); upgrade Traseu first."
            )
            % {"path": path, "migration": ".".join(newer[0])},
            code="backup_newer",
        )
    ahead = sorted(in_database - in_backup)
    if ahead:
        raise BackupError(
            _(
                "The database is migrated further than the backup (for example %(migration)s). "
                "Restore into an empty database, then run traseu migrate."
            )
            % {"migration": ".".join(ahead[0])},
            code="database_newer",
        )
    if has_data and not force:
        raise BackupError(
            _("The database holds data that the restore would replace; add --force to replace it."),
            code="restore_needs_force",
        )
    return len(known_migrations() - in_backup)


def refuse_existing(path: Path, *, force: bool) -> None:
    if path.exists() and not force:
        raise BackupError(
            _("%(path)s exists; add --force to overwrite it.") % {"path": path},
            code="backup_exists",
        )
    if not path.parent.is_dir():
        raise BackupError(
            _("The folder %(folder)s does not exist.") % {"folder": path.parent},
            code="backup_folder_missing",
        )


@contextmanager
def private_file_beside(path: Path) -> Iterator[Path]:
    """A new empty file (mode 0600) in ``path``'s folder; renamed to ``path`` if the block
    succeeds, removed if it fails."""
    handle, name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".partial", dir=path.parent)
    os.close(handle)
    partial = Path(name)
    try:
        yield partial
        os.replace(partial, path)
    finally:
        partial.unlink(missing_ok=True)
