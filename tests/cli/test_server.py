"""``serve``, ``worker``, ``migrate``, ``manage`` and ``demo``: the wiring to Django's commands.

The long-running commands (runserver, the worker loop) are replaced by a recorder; the worker
also runs for real in batch mode, which exits when the queue is empty.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from typing import Any, TextIO

import pytest
from django.core import management

from tests.cli.conftest import Result


@pytest.fixture
def commands(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, tuple[Any, ...], dict[str, Any]]]:
    """Django management commands called, recorded instead of run."""
    calls: list[tuple[str, tuple[Any, ...], dict[str, Any]]] = []

    def record(name: str, *args: Any, **options: Any) -> None:
        calls.append((name, args, options))

    monkeypatch.setattr(management, "call_command", record)
    return calls


def test_serve_runs_runserver_without_autoreload_on_localhost(
    traseu: Callable[..., Result], commands: list[Any]
) -> None:
    assert traseu("serve").status == 0
    assert commands == [("runserver", ("127.0.0.1:8000",), {"use_reloader": False})]


@pytest.mark.parametrize(
    ("host", "address"),
    [("0.0.0.0", "0.0.0.0:9000"), ("::1", "[::1]:9000")],  # noqa: S104
)
def test_serve_on_another_address(
    traseu: Callable[..., Result], commands: list[Any], host: str, address: str
) -> None:
    assert traseu("serve", "--host", host, "--port", "9000").status == 0
    assert commands[0][1] == (address,)


@pytest.mark.parametrize("port", ["0", "65536", "http"])
def test_serve_refuses_a_bad_port(
    traseu: Callable[..., Result], commands: list[Any], port: str
) -> None:
    result = traseu("serve", "--port", port)

    assert result.status == 2
    assert f"argument --port: '{port}' is not a port number (1-65535)" in result.err
    assert commands == []


def test_worker_runs_the_task_worker_with_the_scheduler(
    traseu: Callable[..., Result], monkeypatch: pytest.MonkeyPatch
) -> None:
    runs: list[dict[str, Any]] = []
    monkeypatch.setattr("traseu.events.worker.run_worker", lambda **kw: runs.append(kw))
    assert traseu("worker").status == 0
    assert traseu("worker", "--no-scheduler", "--queue-name", "a,b").status == 0
    assert runs == [
        {"queue_names": ["default"], "batch": False, "scheduler": True},
        {"queue_names": ["a", "b"], "batch": False, "scheduler": False},
    ]


@pytest.mark.django_db(transaction=True)
def test_worker_batch_runs_the_queue_and_exits(traseu: Callable[..., Result]) -> None:
    result = traseu("worker", "--batch")

    assert result.status == 0


@pytest.mark.django_db
def test_migrate_on_a_migrated_database_says_it_is_up_to_date(
    traseu: Callable[..., Result],
) -> None:
    result = traseu("migrate")

    assert result.status == 0
    assert result.out.startswith("database sqlite ") or result.out.startswith(
        "database postgresql "
    )
    assert result.out.endswith(": up to date\n")
    assert len(result.out.splitlines()) == 1


@pytest.mark.django_db
def test_manage_passes_everything_to_django(traseu: Callable[..., Result]) -> None:
    result = traseu("manage", "check", "--tag", "models")

    assert result.status == 0
    assert result.out == "System check identified no issues (0 silenced).\n"


@pytest.mark.django_db
def test_manage_help_is_django_help(traseu: Callable[..., Result]) -> None:
    result = traseu("manage", "--help")

    assert result.status == 0
    assert "Type 'traseu manage help <subcommand>'" in result.out


def test_manage_reports_an_unknown_command(traseu: Callable[..., Result]) -> None:
    result = traseu("manage", "fly")

    assert result.status == 1
    assert "Unknown command: 'fly'" in result.err


@pytest.mark.django_db
def test_demo_migrates_loads_the_demo_then_serves(
    traseu: Callable[..., Result], commands: list[Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    loaded: list[TextIO] = []
    monkeypatch.setattr("traseu.demo.run_demo", lambda stdout: loaded.append(stdout))
    worker: list[str] = []

    @contextlib.contextmanager
    def background_worker(out: TextIO) -> Iterator[None]:
        worker.append("started")
        yield
        worker.append(f"stopped after {len(commands)} command")

    monkeypatch.setattr("traseu.events.worker.background_worker", background_worker)

    result = traseu("demo", "--port", "8001")

    assert result.status == 0
    assert len(loaded) == 1
    assert result.out.endswith(": up to date\n")
    assert commands == [("runserver", ("127.0.0.1:8001",), {"use_reloader": False})]
    assert worker == ["started", "stopped after 1 command"], "a worker runs beside the server"


@pytest.mark.django_db
def test_demo_no_serve_stops_after_loading(
    traseu: Callable[..., Result], commands: list[Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("traseu.demo.run_demo", lambda stdout: stdout.write("demo ready\n"))

    result = traseu("demo", "--no-serve")

    assert (result.status, result.out.splitlines()[-1]) == (0, "demo ready")
    assert commands == []
