"""``traseu worker`` as a real process: it schedules and runs the periodic jobs, and stops
cleanly on SIGTERM; the demo's background worker is a child process stopped with the server.

Runs against a fresh SQLite database in a temporary directory (the worker is another process,
so it cannot see the test database's transaction); skipped on PostgreSQL, where the same code
runs and the concurrency tests cover the claims.
"""

from __future__ import annotations

import io
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.db import connection

from traseu.events.worker import WORKER_SCRIPT, background_worker

pytestmark = [
    pytest.mark.concurrency,
    pytest.mark.django_db,
    pytest.mark.skipif(bool(os.environ.get("DATABASE_URL")), reason="uses its own SQLite database"),
]


@pytest.fixture(scope="module")
def migrated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A data directory with a migrated SQLite database, made once for this module."""
    template = tmp_path_factory.mktemp("migrated")
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    env["TRASEU_DATA_DIR"] = str(template)
    migrate = [sys.executable, "-c", WORKER_SCRIPT.replace("'worker'", "'migrate'")]
    subprocess.run(migrate, env=env, check=True, capture_output=True, timeout=300)
    return template


def _environment(migrated: Path, tmp_path: Path) -> dict[str, str]:
    """The environment of a Traseu process working on its own copy of the migrated data."""
    for file in migrated.iterdir():
        shutil.copy(file, tmp_path / file.name)
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    env["TRASEU_DATA_DIR"] = str(tmp_path)
    return env


def _finished_runs(database: Path) -> list[tuple[str, int | None]]:
    with sqlite3.connect(database, timeout=30) as db:
        rows = db.execute(
            "SELECT job, result FROM events_scheduledrun WHERE finished_at IS NOT NULL"
        )
        return [(job, result) for job, result in rows]


def _wait_for_runs(database: Path, jobs: set[str], timeout: float = 60) -> set[str]:
    deadline = time.monotonic() + timeout
    done: set[str] = set()
    while time.monotonic() < deadline and not jobs <= done:
        time.sleep(0.5)
        done = {job for job, _ in _finished_runs(database)}
    return done


def test_the_worker_runs_the_periodic_jobs_and_stops_on_sigterm(
    migrated: Path, tmp_path: Path
) -> None:
    assert connection.vendor == "sqlite"
    env = _environment(migrated, tmp_path)
    worker = subprocess.Popen(
        [sys.executable, "-c", WORKER_SCRIPT],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        wanted = {"events.webhook_sweep", "events.stalled_deal_alerts", "events.prune"}
        assert wanted <= _wait_for_runs(tmp_path / "traseu.sqlite3", wanted)
        started = time.monotonic()
        worker.send_signal(signal.SIGTERM)
        assert worker.wait(timeout=20) == 0
        assert time.monotonic() - started < 15, "it stops promptly"
    finally:
        if worker.poll() is None:
            worker.kill()
            worker.wait()
    output = worker.stdout.read().decode() if worker.stdout else ""
    assert "worker stopped" in output


def test_the_demo_worker_is_a_child_process_stopped_with_the_block(
    migrated: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    env = _environment(migrated, tmp_path)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("DATABASE_URL", raising=False)
    out = io.StringIO()
    with background_worker(out) as child:
        assert child.poll() is None
        assert _wait_for_runs(tmp_path / "traseu.sqlite3", {"events.webhook_sweep"})
    assert child.returncode == 0
    assert f"process {child.pid}" in out.getvalue()


DEMO_LIKE = """
import sys, time, django
django.setup()
from traseu.events.worker import background_worker
try:
    with background_worker(sys.stdout) as child:
        print("child", child.pid, flush=True)
        time.sleep(600)
finally:  # SIGTERM ends the block with SystemExit, as it ends the demo's server
    print("child exit", child.returncode, flush=True)
"""


def _gone(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/status").read_text()
    except FileNotFoundError:
        return True
    return "\nState:\tZ" in state  # exited, waiting for a parent to collect it


def _start_demo_like(migrated: Path, tmp_path: Path) -> tuple[subprocess.Popen[str], int]:
    env = _environment(migrated, tmp_path)
    env["DJANGO_SETTINGS_MODULE"] = "traseu.settings"
    parent = subprocess.Popen(
        [sys.executable, "-c", DEMO_LIKE], env=env, stdout=subprocess.PIPE, text=True
    )
    assert parent.stdout is not None
    for line in parent.stdout:
        if line.startswith("child "):
            return parent, int(line.split()[1])
    raise AssertionError("the demo-like parent did not start its worker")


def test_sigterm_to_the_demo_stops_its_worker(migrated: Path, tmp_path: Path) -> None:
    parent, child = _start_demo_like(migrated, tmp_path)
    _wait_for_runs(tmp_path / "traseu.sqlite3", {"events.webhook_sweep"})
    parent.send_signal(signal.SIGTERM)
    out, _ = parent.communicate(timeout=30)
    assert "child exit 0" in out
    assert _gone(child)


def test_a_worker_whose_demo_was_killed_stops_by_itself(migrated: Path, tmp_path: Path) -> None:
    parent, child = _start_demo_like(migrated, tmp_path)
    _wait_for_runs(tmp_path / "traseu.sqlite3", {"events.webhook_sweep"})
    parent.kill()  # SIGKILL: no chance to stop the child
    parent.wait(timeout=10)
    deadline = time.monotonic() + 30
    while not _gone(child) and time.monotonic() < deadline:
        time.sleep(0.5)
    assert _gone(child), "the orphaned worker noticed and stopped"
