"""SQLite: snapshots with SQLite's online backup API (``sqlite3.Connection.backup``).

The backup copies every page in one step inside one read transaction, so the snapshot is
consistent even while the application writes (in WAL mode writers do not wait for it). The
restore runs the same API the other way, into the live database: SQLite takes the database's
write lock for the copy, so running processes wait and then read the restored content.
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Callable, Iterator
from contextlib import closing, contextmanager
from pathlib import Path

from django.db import connection
from django.utils.translation import gettext as _

from traseu.backup import BackupDone, RestoreDone
from traseu.backup.schema import (
    DATA_TABLES,
    BackupError,
    Migration,
    check_versions,
    private_file_beside,
    refuse_existing,
    require_kind,
    require_tables,
)

TIMEOUT = 30.0  # seconds to wait for another writer's lock before giving up


def database_path() -> Path:
    return Path(str(connection.settings_dict["NAME"]))


def _open(path: Path, mode: str) -> sqlite3.Connection:
    return sqlite3.connect(f"{path.resolve().as_uri()}?mode={mode}", uri=True, timeout=TIMEOUT)


def tables(db: sqlite3.Connection) -> set[str]:
    rows = db.execute("SELECT name FROM sqlite_master WHERE type = 'table'").fetchall()
    return {row[0] for row in rows}


def migrations(db: sqlite3.Connection) -> set[Migration]:
    if "django_migrations" not in tables(db):
        return set()
    return {(app, name) for app, name in db.execute("SELECT app, name FROM django_migrations")}


def counts(db: sqlite3.Connection) -> dict[str, int]:
    """Rows per data table (0 for a table that does not exist)."""
    present = tables(db)
    return {
        table: db.execute(f'SELECT count(*) FROM "{table}"').fetchone()[0]  # noqa: S608 - fixed names
        if table in present
        else 0
        for table in DATA_TABLES
    }


def backup(path: Path, *, force: bool = False) -> BackupDone:
    """Snapshot the database into ``path`` (a self-contained SQLite file, not in WAL mode)."""
    refuse_existing(path, force=force)
    source_path = database_path()
    if not source_path.is_file():
        raise BackupError(
            _("There is no database at %(path)s; run traseu migrate.") % {"path": source_path},
            code="database_missing",
        )
    with (
        _sqlite_errors(source_path),
        closing(_open(source_path, "rw")) as source,
        private_file_beside(path) as partial,
    ):
        require_tables(source_path, tables(source))
        with closing(sqlite3.connect(partial)) as target:
            source.backup(target)  # pages=-1: every page in one step, one consistent snapshot
            target.execute("PRAGMA journal_mode=DELETE")
            _check_integrity(target, partial)
            found = counts(target)
    return BackupDone(path=path, size=path.stat().st_size, counts=found)


def restore(path: Path, *, force: bool = False) -> RestoreDone:
    """Copy the backup in ``path`` into the configured database (created if missing)."""
    require_kind(path, "sqlite")
    with _sqlite_errors(path), closing(_open(path, "ro")) as source:
        _check_integrity(source, path)
        require_tables(path, tables(source))
        target_path = database_path()
        with closing(_open(target_path, "rwc")) as target:
            pending = check_versions(
                path=path,
                in_backup=migrations(source),
                in_database=migrations(target),
                has_data=any(counts(target).values()),
                force=force,
            )
            source.backup(target, progress=_give_up_after(TIMEOUT))
            found = counts(target)
    return RestoreDone(path=path, counts=found, pending_migrations=pending)


def _give_up_after(seconds: float) -> Callable[[int, int, int], None]:
    """A progress callback that aborts the copy when the database stayed locked too long.

    (Python retries a busy step forever; a writer holding its transaction for minutes must
    make the restore fail, not hang.)"""
    deadline = time.monotonic() + seconds

    def progress(status: int, remaining: int, total: int) -> None:
        if status in (sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED) and time.monotonic() > deadline:
            raise BackupError(
                _(
                    "The database stayed locked by another writer for %(seconds)s seconds; "
                    "nothing was restored. Try again."
                )
                % {"seconds": int(seconds)},
                code="database_locked",
            )

    return progress


def _check_integrity(db: sqlite3.Connection, path: Path) -> None:
    try:
        result = db.execute("PRAGMA quick_check").fetchone()[0]
    except sqlite3.DatabaseError as error:
        result = str(error)
    if result != "ok":
        raise BackupError(
            _("%(path)s is damaged: %(problem)s") % {"path": path, "problem": result},
            code="backup_damaged",
        )


@contextmanager
def _sqlite_errors(path: Path) -> Iterator[None]:
    """SQLite's own errors (a locked or unreadable file) become a BackupError naming the file."""
    try:
        yield
    except sqlite3.Error as error:
        raise BackupError(
            _("SQLite refused %(path)s: %(error)s") % {"path": path, "error": error},
            code="backup_failed",
        ) from error
