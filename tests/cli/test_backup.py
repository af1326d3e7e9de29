"""`traseu backup FILE` and `traseu restore FILE`: nothing is lost in a round trip, on SQLite
and (when the suite runs on it) PostgreSQL, and a restore that would do harm is refused.

The round trip runs the real command line in separate processes against a scratch database
(a file in a temporary folder; on PostgreSQL a database created for the test and dropped after),
so it never touches the test database or any other.
"""

from __future__ import annotations

import json
import os
import secrets
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from types import SimpleNamespace
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import pytest

from traseu.backup import BackupError, backup_database, restore_database
from traseu.backup import postgres as pg
from traseu.backup import sqlite as lite

SCENARIO = Path(__file__).parent / "backup_scenario.py"
CLI = "import sys; from traseu.cli import main; sys.exit(main(sys.argv[1:]))"
ON_POSTGRES = os.environ.get("DATABASE_URL", "").startswith(("postgres://", "postgresql://"))


class Scratch:
    """A database of its own, driven by separate processes."""

    def __init__(self, env: dict[str, str]) -> None:
        self.env = env

    def run(self, *arguments: str, script: list[str]) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, *script, *arguments],
            capture_output=True,
            text=True,
            env=self.env,
            timeout=180,
            check=False,
        )

    def traseu(self, *arguments: str) -> subprocess.CompletedProcess[str]:
        return self.run(*arguments, script=["-c", CLI])

    def step(self, name: str) -> Any:
        done = self.run(name, script=[str(SCENARIO)])
        assert done.returncode == 0, done.stderr
        return json.loads(done.stdout)


def _base_env(tmp_path: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    env |= {"TRASEU_DATA_DIR": str(tmp_path / "data"), "DJANGO_SETTINGS_MODULE": "traseu.settings"}
    (tmp_path / "data").mkdir()
    return env


@pytest.fixture
def sqlite_scratch(tmp_path: Path) -> Scratch:
    return Scratch(_base_env(tmp_path))


@pytest.fixture
def postgres_scratch(tmp_path: Path) -> Iterator[Scratch]:
    """A database named traseu_backup_test_<random> on the suite's server, dropped after."""
    import psycopg

    url = urlsplit(os.environ["DATABASE_URL"])
    name = f"traseu_backup_test_{secrets.token_hex(4)}"
    admin_url = urlunsplit(url._replace(path="/postgres"))
    with psycopg.connect(admin_url, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        env = _base_env(tmp_path)
        env["DATABASE_URL"] = urlunsplit(url._replace(path=f"/{name}"))
        yield Scratch(env)
    finally:
        with psycopg.connect(admin_url, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def round_trip(scratch: Scratch, tmp_path: Path) -> None:
    migrated = scratch.traseu("migrate")
    assert migrated.returncode == 0, migrated.stderr
    before = scratch.step("fill")
    assert len(before["crm_deal"]) == 3
    assert len(before["audit_auditentry"]) > 20
    backup = tmp_path / "traseu.backup"

    made = scratch.traseu("backup", str(backup))
    assert made.returncode == 0, made.stderr
    assert "users: 2, accounts: 3, deals: 3, processes: 1" in made.stdout
    assert backup.stat().st_mode & 0o777 == 0o600

    spoiled = scratch.step("spoil")
    assert len(spoiled["crm_deal"]) == 2
    assert spoiled != before

    refused = scratch.traseu("restore", str(backup))
    assert refused.returncode == 2
    assert "[restore_needs_force]" in refused.stderr
    assert scratch.step("snapshot") == spoiled, "a refused restore changes nothing"

    restored = scratch.traseu("restore", "--force", str(backup))
    assert restored.returncode == 0, restored.stderr
    after = scratch.step("snapshot")
    assert after == before  # every row of every table, audit trail included
    titles = [row[1] for row in after["crm_deal"]]
    assert titles == ["Deal 0", "Deal 1", "Deal 2"]

    new_id = scratch.step("insert")  # the restored database goes on working
    assert new_id == max(int(row[0]) for row in before["crm_account"]) + 1


def test_sqlite_round_trip_loses_nothing(sqlite_scratch: Scratch, tmp_path: Path) -> None:
    round_trip(sqlite_scratch, tmp_path)


@pytest.mark.skipif(not ON_POSTGRES, reason="the suite runs on SQLite (DATABASE_URL unset)")
def test_postgres_round_trip_loses_nothing(postgres_scratch: Scratch, tmp_path: Path) -> None:
    round_trip(postgres_scratch, tmp_path)


def test_a_backup_made_by_a_newer_traseu_is_refused(
    sqlite_scratch: Scratch, tmp_path: Path
) -> None:
    assert sqlite_scratch.traseu("migrate").returncode == 0
    backup = tmp_path / "newer.backup"
    assert sqlite_scratch.traseu("backup", str(backup)).returncode == 0
    with sqlite3.connect(backup) as db:
        db.execute(
            "INSERT INTO django_migrations (app, name, applied) "
            "VALUES ('crm', '9999_from_the_future', '2030-01-01')"
        )
    refused = sqlite_scratch.traseu("restore", "--force", str(backup))
    assert refused.returncode == 2
    assert "crm.9999_from_the_future" in refused.stderr
    assert "[backup_newer]" in refused.stderr


def test_a_database_migrated_past_the_backup_is_refused(
    sqlite_scratch: Scratch, tmp_path: Path
) -> None:
    assert sqlite_scratch.traseu("migrate").returncode == 0
    backup = tmp_path / "older.backup"
    assert sqlite_scratch.traseu("backup", str(backup)).returncode == 0
    with sqlite3.connect(backup) as db:
        db.execute("DELETE FROM django_migrations WHERE app = 'audit'")
    refused = sqlite_scratch.traseu("restore", "--force", str(backup))
    assert refused.returncode == 2
    assert "[database_newer]" in refused.stderr
    assert "audit.0001_initial" in refused.stderr
    (tmp_path / "data" / "traseu.sqlite3").unlink()  # into an empty database it goes
    restored = sqlite_scratch.traseu("restore", str(backup))
    assert restored.returncode == 0, restored.stderr
    assert "1 migrations behind this Traseu: run traseu migrate" in restored.stdout


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"not a database at all", "is not a Traseu backup (neither SQLite nor a pg_dump"),
        (b"PGDMP\x01\x0e\x00", "is a postgresql backup; this database is sqlite"),
    ],
)
def test_a_file_that_is_not_a_sqlite_backup_is_refused(
    sqlite_scratch: Scratch, tmp_path: Path, content: bytes, message: str
) -> None:
    assert sqlite_scratch.traseu("migrate").returncode == 0
    bogus = tmp_path / "bogus"
    bogus.write_bytes(content)
    refused = sqlite_scratch.traseu("restore", "--force", str(bogus))
    assert (refused.returncode, refused.stdout) == (2, "")
    assert message in refused.stderr
    assert "[not_a_backup]" in refused.stderr


def test_a_sqlite_file_without_our_tables_is_refused(
    sqlite_scratch: Scratch, tmp_path: Path
) -> None:
    other = tmp_path / "other.sqlite3"
    with sqlite3.connect(other) as db:
        db.execute("CREATE TABLE notes (body TEXT)")
    refused = sqlite_scratch.traseu("restore", str(other))
    assert refused.returncode == 2
    assert "it has no tables core_user, crm_deal, django_migrations" in refused.stderr


def test_backup_keeps_an_existing_file_unless_forced(
    sqlite_scratch: Scratch, tmp_path: Path
) -> None:
    assert sqlite_scratch.traseu("migrate").returncode == 0
    target = tmp_path / "kept"
    target.write_text("precious")
    refused = sqlite_scratch.traseu("backup", str(target))
    assert (refused.returncode, target.read_text()) == (2, "precious")
    assert "[backup_exists]" in refused.stderr
    assert sqlite_scratch.traseu("backup", "--force", str(target)).returncode == 0
    assert target.read_bytes().startswith(b"SQLite format 3\x00")
    assert [p.name for p in tmp_path.iterdir() if p.name.endswith(".partial")] == []
    missing = sqlite_scratch.traseu("backup", str(tmp_path / "nowhere" / "file"))
    assert "[backup_folder_missing]" in missing.stderr


def test_backup_of_a_database_that_does_not_exist(sqlite_scratch: Scratch, tmp_path: Path) -> None:
    refused = sqlite_scratch.traseu("backup", str(tmp_path / "file"))
    assert refused.returncode == 2
    assert "run traseu migrate" in refused.stderr
    assert not (tmp_path / "file").exists()


@pytest.mark.skipif(ON_POSTGRES, reason="SQLite's online backup")
@pytest.mark.django_db(transaction=True)
def test_a_sqlite_snapshot_does_not_wait_for_a_writer_nor_see_its_uncommitted_rows(
    tmp_path: Path, make_deal: Callable[..., Any]
) -> None:
    make_deal()
    database = lite.database_path()
    writer = sqlite3.connect(database, timeout=30, isolation_level=None)
    writer.execute("BEGIN IMMEDIATE")  # holds the write lock, like a long transaction
    writer.execute(
        "INSERT INTO crm_account (name, domain, industry, country, is_customer, "
        "custom, created_at, updated_at, version) VALUES "
        "('Uncommitted', '', '', '', 0, '{}', '2026-01-01', '2026-01-01', 1)"
    )
    started = time.monotonic()
    done = backup_database(tmp_path / "online.backup")
    elapsed = time.monotonic() - started
    writer.execute("COMMIT")
    writer.close()
    assert elapsed < 5
    assert done.counts == {"core_user": 6, "crm_account": 1, "crm_deal": 1, "processes_process": 1}
    with sqlite3.connect(tmp_path / "online.backup") as copy:
        names = [row[0] for row in copy.execute("SELECT name FROM crm_account")]
    assert names == ["Acme 0"]


@pytest.mark.skipif(ON_POSTGRES, reason="SQLite's online backup")
@pytest.mark.django_db(transaction=True)
def test_a_sqlite_restore_waits_for_a_running_writer_then_replaces_everything(
    tmp_path: Path, make_deal: Callable[..., Any]
) -> None:
    from traseu.crm.models import Account, Deal

    make_deal()
    backup_database(tmp_path / "one.backup")
    make_deal()
    writer = sqlite3.connect(
        lite.database_path(), timeout=30, isolation_level=None, check_same_thread=False
    )
    writer.execute("BEGIN IMMEDIATE")
    threading.Timer(0.5, lambda: writer.execute("COMMIT")).start()
    started = time.monotonic()
    restore_database(tmp_path / "one.backup", force=True)  # waits for the commit
    assert time.monotonic() - started >= 0.5
    writer.close()
    assert list(Deal.objects.values_list("account__name", flat=True)) == ["Acme 0"]
    assert Account.objects.count() == 1


@pytest.mark.skipif(ON_POSTGRES, reason="SQLite's online backup")
@pytest.mark.django_db(transaction=True)
def test_a_sqlite_restore_gives_up_on_a_writer_that_never_finishes(
    tmp_path: Path, make_deal: Callable[..., Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    from traseu.crm.models import Deal

    make_deal()
    backup_database(tmp_path / "one.backup")
    make_deal()
    monkeypatch.setattr(lite, "TIMEOUT", 0.5)
    writer = sqlite3.connect(lite.database_path(), timeout=30, isolation_level=None)
    writer.execute("BEGIN IMMEDIATE")
    try:
        with pytest.raises(BackupError, match="stayed locked by another writer") as refused:
            restore_database(tmp_path / "one.backup", force=True)
    finally:
        writer.execute("ROLLBACK")
        writer.close()
    assert refused.value.code == "database_locked"
    assert Deal.objects.count() == 2, "nothing was restored"


@pytest.mark.skipif(not ON_POSTGRES, reason="PostgreSQL's tools")
@pytest.mark.django_db
def test_without_pg_dump_the_error_says_what_to_install(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(BackupError, match="pg_dump was not found") as refused:
        backup_database(tmp_path / "file")
    assert refused.value.code == "pg_tool_missing"
    assert not (tmp_path / "file").exists()


def test_the_password_goes_in_the_environment_never_on_the_command_line(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    settings = {
        "NAME": "crm",
        "USER": "traseu",
        "PASSWORD": "s3cret-Pa55",
        "HOST": "db.internal",
        "PORT": 5433,
        "OPTIONS": {"sslmode": "require"},
    }
    monkeypatch.setattr(pg, "connection", SimpleNamespace(settings_dict=settings))
    arguments, environment = pg._connection_arguments()
    assert arguments == [
        "--no-password",
        "--dbname=crm",
        "--host=db.internal",
        "--port=5433",
        "--username=traseu",
    ]
    assert not any("s3cret" in argument for argument in arguments)
    assert (environment["PGPASSWORD"], environment["PGSSLMODE"]) == ("s3cret-Pa55", "require")
