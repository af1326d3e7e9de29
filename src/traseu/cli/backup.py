"""``traseu backup FILE`` and ``traseu restore FILE``: the whole database, while it runs."""

from __future__ import annotations

import argparse
from pathlib import Path

from traseu.cli.errors import EXIT_OK
from traseu.cli.runtime import setup_django

BACKUP_DESCRIPTION = (
    "Write a consistent snapshot of the database to FILE while Traseu keeps running: SQLite's "
    "online backup for the embedded database, pg_dump (custom format) for PostgreSQL. The file "
    "is readable only by you; it holds every record, password hashes included."
)
RESTORE_DESCRIPTION = (
    "Replace the database's content with the backup in FILE (all or nothing). Refuses a file "
    "that is not a Traseu backup of this kind of database, a backup from a newer Traseu, and a "
    "database migrated further than the backup; a database that holds data needs --force."
)


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    backup = commands.add_parser(
        "backup", help="snapshot the database into a file", description=BACKUP_DESCRIPTION
    )
    backup.add_argument("file", type=Path, metavar="FILE")
    backup.add_argument("--force", action="store_true", help="overwrite FILE if it exists")
    backup.set_defaults(func=backup_command)
    restore = commands.add_parser(
        "restore", help="restore the database from a backup", description=RESTORE_DESCRIPTION
    )
    restore.add_argument("file", type=Path, metavar="FILE")
    restore.add_argument("--force", action="store_true", help="replace a database that holds data")
    restore.set_defaults(func=restore_command)


COUNTED = {
    "core_user": "users",
    "crm_account": "accounts",
    "crm_deal": "deals",
    "processes_process": "processes",
}


def _counts(counts: dict[str, int]) -> str:
    return ", ".join(f"{COUNTED.get(table, table)}: {n}" for table, n in counts.items())


def backup_command(args: argparse.Namespace) -> int:
    setup_django()
    from traseu.backup import backup_database
    from traseu.cli.server import database_label

    done = backup_database(args.file, force=args.force)
    print(f"backed up {database_label()} to {done.path} ({done.size:,} bytes)")
    print(f"  {_counts(done.counts)}")
    return EXIT_OK


def restore_command(args: argparse.Namespace) -> int:
    setup_django()
    from traseu.backup import restore_database
    from traseu.cli.server import database_label

    done = restore_database(args.file, force=args.force)
    print(f"restored {database_label()} from {done.path}")
    print(f"  {_counts(done.counts)}")
    if done.pending_migrations:
        print(
            f"the backup is {done.pending_migrations} migrations behind this Traseu: "
            "run traseu migrate"
        )
    return EXIT_OK
