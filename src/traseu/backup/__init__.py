"""Backing up and restoring the whole database, while the application runs.

- SQLite: :mod:`traseu.backup.sqlite` takes a consistent snapshot with SQLite's online backup
  API and restores it the same way, into the live database file.
- PostgreSQL: :mod:`traseu.backup.postgres` runs ``pg_dump --format=custom`` (one consistent
  snapshot) and ``pg_restore --clean --if-exists`` in a single transaction.

Both refuse a file that is not a Traseu backup of the same kind of database, a backup made by a
newer Traseu (migrations this code does not know), a database that is migrated further than the
backup, and a database holding data unless ``force`` is given. See docs/operations.md.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from django.db import connection
from django.utils.translation import gettext as _

from traseu.backup.schema import BackupError


@dataclass(frozen=True)
class BackupDone:
    path: Path
    size: int
    counts: dict[str, int] = field(default_factory=dict)


@dataclass(frozen=True)
class RestoreDone:
    path: Path
    counts: dict[str, int] = field(default_factory=dict)
    pending_migrations: int = 0


def backup_database(path: Path, *, force: bool = False) -> BackupDone:
    """Write a consistent snapshot of the configured database to ``path``.

    Guarantees: ``path`` appears complete or not at all (written beside it, then renamed), only
    readable by its owner; an existing file is kept unless ``force``.
    """
    if connection.vendor == "sqlite":
        from traseu.backup import sqlite

        return sqlite.backup(path, force=force)
    if connection.vendor == "postgresql":
        from traseu.backup import postgres

        return postgres.backup(path, force=force)
    raise _unsupported()


def restore_database(path: Path, *, force: bool = False) -> RestoreDone:
    """Replace the configured database's content with the backup in ``path``.

    Guarantees: all or nothing; refuses (and changes nothing) when the file is not a Traseu
    backup of this kind of database, when it comes from a newer Traseu, when the database is
    migrated further than the backup, and when the database holds data and ``force`` is off.
    """
    if connection.vendor == "sqlite":
        from traseu.backup import sqlite

        return sqlite.restore(path, force=force)
    if connection.vendor == "postgresql":
        from traseu.backup import postgres

        return postgres.restore(path, force=force)
    raise _unsupported()


def _unsupported() -> BackupError:
    return BackupError(
        _("Backups support SQLite and PostgreSQL, not %(vendor)s.") % {"vendor": connection.vendor},
        code="backup_unsupported",
    )


__all__ = ["BackupDone", "BackupError", "RestoreDone", "backup_database", "restore_database"]
