"""The database settings read from the environment (each case in a fresh interpreter, since
settings are read once)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

PRINT_OPTIONS = (
    "import json, os; os.environ.setdefault('DJANGO_SETTINGS_MODULE', 'traseu.settings');"
    "from django.conf import settings;"
    "db = settings.DATABASES['default'];"
    "print(json.dumps({'options': db.get('OPTIONS', {}), 'age': db['CONN_MAX_AGE']}))"
)


def database_settings(tmp_path: Path, **env: str) -> dict[str, object]:
    environment = {k: v for k, v in os.environ.items() if not k.startswith("DATABASE_")}
    environment |= {"TRASEU_DATA_DIR": str(tmp_path), **env}
    done = subprocess.run(
        [sys.executable, "-c", PRINT_OPTIONS],
        env=environment,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    result: dict[str, object] = json.loads(done.stdout)
    return result


PG = "postgres://traseu@127.0.0.1:5432/traseu"  # parsed only: nothing connects


def test_postgresql_prepares_statements_and_keeps_connections(tmp_path: Path) -> None:
    assert database_settings(tmp_path, DATABASE_URL=PG) == {
        "options": {"server_side_binding": True, "prepare_threshold": 2},
        "age": 60,
    }


@pytest.mark.parametrize("off", ["false", "0", "no"])
def test_prepared_statements_can_be_turned_off_for_pgbouncer(tmp_path: Path, off: str) -> None:
    found = database_settings(tmp_path, DATABASE_URL=PG, DATABASE_PREPARED_STATEMENTS=off)
    assert found == {"options": {}, "age": 60}


def test_sqlite_takes_the_write_lock_up_front_and_ignores_the_postgresql_option(
    tmp_path: Path,
) -> None:
    found = database_settings(tmp_path, DATABASE_PREPARED_STATEMENTS="true")
    assert found["age"] == 0
    assert found["options"] == {
        "transaction_mode": "IMMEDIATE",
        "timeout": 30,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
