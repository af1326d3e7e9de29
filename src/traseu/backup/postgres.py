"""PostgreSQL: ``pg_dump --format=custom`` and ``pg_restore --clean --if-exists``.

pg_dump reads one snapshot (a repeatable-read transaction), so the dump is consistent while the
application writes. pg_restore runs in a single transaction: a failed restore changes nothing.
The connection comes from the configured database (``DATABASE_URL``); the password is handed to
the tools in the ``PGPASSWORD`` environment variable, never on the command line.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
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

LISTED_TABLE = re.compile(r"^\d+; \d+ \d+ TABLE (\S+) (\S+) ", re.MULTILINE)
COPY_MIGRATIONS = re.compile(r"^COPY \S*django_migrations \(([^)]*)\) FROM stdin;$")


def tool(name: str) -> str:
    found = shutil.which(name)
    if found is None:
        raise BackupError(
            _(
                "%(tool)s was not found; install the PostgreSQL client programs (the same major "
                "version as the server, or newer) and put them on the PATH."
            )
            % {"tool": name},
            code="pg_tool_missing",
        )
    return found


def _connection_arguments() -> tuple[list[str], dict[str, str]]:
    """Command-line options naming the database, and the environment with the password."""
    settings = connection.settings_dict
    arguments = ["--no-password", f"--dbname={settings['NAME']}"]
    for option, key in (("--host", "HOST"), ("--port", "PORT"), ("--username", "USER")):
        if settings.get(key):
            arguments.append(f"{option}={settings[key]}")
    environment = dict(os.environ)
    if settings.get("PASSWORD"):
        environment["PGPASSWORD"] = str(settings["PASSWORD"])
    sslmode = (settings.get("OPTIONS") or {}).get("sslmode")
    if sslmode:
        environment["PGSSLMODE"] = str(sslmode)
    return arguments, environment


def _run(arguments: list[str], environment: dict[str, str] | None = None) -> str:
    result = subprocess.run(  # noqa: S603 - a fixed tool with our own arguments, no shell
        arguments, capture_output=True, text=True, env=environment, check=False
    )
    if result.returncode != 0:
        problem = (result.stderr or result.stdout).strip().splitlines()
        raise BackupError(
            _("%(tool)s failed: %(problem)s")
            % {"tool": Path(arguments[0]).name, "problem": problem[-1] if problem else "?"},
            code="backup_failed",
        )
    return result.stdout


def backup(path: Path, *, force: bool = False) -> BackupDone:
    """Dump the database into ``path`` (pg_dump's custom format)."""
    refuse_existing(path, force=force)
    pg_dump = tool("pg_dump")
    require_tables(path, connection.introspection.table_names())
    found = database_counts()
    arguments, environment = _connection_arguments()
    with private_file_beside(path) as partial:
        _run([pg_dump, "--format=custom", f"--file={partial}", *arguments], environment)
    return BackupDone(path=path, size=path.stat().st_size, counts=found)


def restore(path: Path, *, force: bool = False) -> RestoreDone:
    """Restore the dump in ``path`` over the database, in one transaction."""
    require_kind(path, "postgresql")
    pg_restore = tool("pg_restore")
    listing = _run([pg_restore, "--list", str(path)])
    require_tables(path, {name for _schema, name in LISTED_TABLE.findall(listing)})
    in_backup = backup_migrations(pg_restore, path)
    pending = check_versions(
        path=path,
        in_backup=in_backup,
        in_database=database_migrations(),
        has_data=any(database_counts().values()),
        force=force,
    )
    arguments, environment = _connection_arguments()
    connection.close()  # hold nothing the restore would wait for
    _run(
        [pg_restore, "--clean", "--if-exists", "--single-transaction", *arguments, str(path)],
        environment,
    )
    return RestoreDone(path=path, counts=database_counts(), pending_migrations=pending)


def backup_migrations(pg_restore: str, path: Path) -> set[Migration]:
    """The migrations recorded in the dump (its django_migrations rows, read as COPY text)."""
    text = _run([pg_restore, "--data-only", "--table=django_migrations", "--file=-", str(path)])
    found: set[Migration] = set()
    columns: list[str] = []
    for line in text.splitlines():
        header = COPY_MIGRATIONS.match(line)
        if header:
            columns = [c.strip().strip('"') for c in header.group(1).split(",")]
        elif columns and line == "\\.":
            columns = []
        elif columns:
            row = dict(zip(columns, line.split("\t"), strict=False))
            found.add((row["app"], row["name"]))
    return found


def database_migrations() -> set[Migration]:
    if "django_migrations" not in connection.introspection.table_names():
        return set()
    with connection.cursor() as cursor:
        cursor.execute("SELECT app, name FROM django_migrations")
        return {(app, name) for app, name in cursor.fetchall()}


def database_counts() -> dict[str, int]:
    present = set(connection.introspection.table_names())
    found = dict.fromkeys(DATA_TABLES, 0)
    with connection.cursor() as cursor:
        for table in DATA_TABLES:
            if table in present:
                cursor.execute(f'SELECT count(*) FROM "{table}"')  # noqa: S608 - fixed names
                found[table] = cursor.fetchone()[0]
    return found
