"""The one error mapping: each kind of failure becomes a short message and its exit status."""

from __future__ import annotations

import argparse

import pytest
from django.core.management import CommandError
from django.db import OperationalError, ProgrammingError

from traseu.cli import errors
from traseu.cli.errors import CliError, run
from traseu.core.errors import Conflict, InvalidInput, NotFound, PermissionDenied, TraseuError
from traseu.process.errors import DocumentProblem, ProcessDocumentError


def raising(error: BaseException) -> errors.Command:
    def command(args: argparse.Namespace) -> int:
        raise error

    return command


def outcome(error: BaseException, capsys: pytest.CaptureFixture[str]) -> tuple[int, list[str]]:
    status = run(raising(error), argparse.Namespace())
    captured = capsys.readouterr()
    assert captured.out == ""
    return status, captured.err.splitlines()


def test_a_command_returns_its_own_status() -> None:
    assert run(lambda args: 0, argparse.Namespace()) == 0


def test_document_problems_exit_1_one_line_each(capsys: pytest.CaptureFixture[str]) -> None:
    error = ProcessDocumentError(
        [
            DocumentProblem("required", "name", "'name' is required", 3, "p.yaml"),
            DocumentProblem("unreadable", "", "cannot read the file", 0, "q.yaml"),
        ]
    )

    assert outcome(error, capsys) == (
        1,
        [
            "p.yaml:3: name: 'name' is required [required]",
            "q.yaml: (document): cannot read the file [unreadable]",
        ],
    )


@pytest.mark.parametrize(
    "error",
    [
        NotFound("No deal 9."),
        PermissionDenied("No."),
        InvalidInput("Bad.", code="bad_amount"),
        Conflict("Stale."),
    ],
)
def test_traseu_errors_exit_2_with_their_code(
    error: TraseuError, capsys: pytest.CaptureFixture[str]
) -> None:
    assert outcome(error, capsys) == (2, [f"traseu: error: {error.message} [{error.code}]"])


def test_a_gate_rejection_exits_3_listing_every_unmet_criterion_and_rule(
    capsys: pytest.CaptureFixture[str],
) -> None:
    details = {
        "unmet": [
            {
                "criterion": "a.exit.x",
                "code": "field_missing",
                "message": "X is set",
                "help": "Set X.",
            },
            {"criterion": "a.exit.y", "code": "task_not_done", "message": "Y done", "help": ""},
        ],
        "violations": [{"code": "skip_not_allowed", "message": "No skipping.", "help": ""}],
    }
    error = Conflict("The deal cannot move from a to c.", code="gate_rejected", details=details)

    assert outcome(error, capsys) == (
        3,
        [
            "traseu: error: The deal cannot move from a to c. [gate_rejected]",
            "unmet: a.exit.x [field_missing]: X is set — Set X.",
            "unmet: a.exit.y [task_not_done]: Y done",
            "rule: [skip_not_allowed] No skipping.",
        ],
    )


def test_cli_errors_carry_their_status(capsys: pytest.CaptureFixture[str]) -> None:
    assert outcome(CliError("say who"), capsys) == (2, ["traseu: error: say who"])
    assert outcome(CliError("settings: bad", exit_code=4), capsys) == (
        4,
        ["traseu: error: settings: bad"],
    )


@pytest.mark.parametrize(
    "error",
    [
        OperationalError("no such table: processes_processversion"),
        ProgrammingError('relation "processes_processversion" does not exist\nLINE 1: SELECT'),
    ],
)
def test_missing_tables_exit_4_and_say_migrate(
    error: Exception, capsys: pytest.CaptureFixture[str]
) -> None:
    status, lines = outcome(error, capsys)

    assert status == 4
    assert len(lines) == 1
    assert lines[0].startswith("traseu: error: the database is not ready (")
    assert lines[0].endswith("); run traseu migrate")


def test_an_unreachable_database_exits_4_and_names_database_url(
    capsys: pytest.CaptureFixture[str],
) -> None:
    error = OperationalError('connection to server at "db" (10.0.0.9), port 5432 failed\nmore')

    assert outcome(error, capsys) == (
        4,
        [
            'traseu: error: cannot use the database: connection to server at "db" (10.0.0.9), '
            "port 5432 failed (check DATABASE_URL)"
        ],
    )


def test_other_programming_errors_are_internal(capsys: pytest.CaptureFixture[str]) -> None:
    status, lines = outcome(ProgrammingError("syntax error at or near"), capsys)

    assert (status, lines) == (
        70,
        ["traseu: internal error: ProgrammingError: syntax error at or near"],
    )


def test_a_refused_management_command_exits_2(capsys: pytest.CaptureFixture[str]) -> None:
    error = CommandError("You must set settings.ALLOWED_HOSTS if DEBUG is False.")

    assert outcome(error, capsys) == (2, [f"traseu: error: {error}"])


def test_anything_else_is_one_line_internal_error_without_traceback(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("TRASEU_DEBUG", raising=False)

    assert outcome(KeyError("stage"), capsys) == (70, ["traseu: internal error: KeyError: 'stage'"])
    assert outcome(RuntimeError(), capsys) == (70, ["traseu: internal error: RuntimeError"])


def test_traseu_debug_adds_the_traceback(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TRASEU_DEBUG", "1")

    status, lines = outcome(ValueError("boom"), capsys)

    assert status == 70
    assert lines[0] == "Traceback (most recent call last):"
    assert lines[-1] == "traseu: internal error: ValueError: boom"


def test_interrupt_and_exit(capsys: pytest.CaptureFixture[str]) -> None:
    assert outcome(KeyboardInterrupt(), capsys) == (130, ["traseu: error: interrupted"])
    assert outcome(SystemExit(0), capsys) == (0, [])
    assert outcome(SystemExit(1), capsys) == (1, [])
    assert outcome(SystemExit("a message"), capsys) == (2, ["traseu: error: a message"])
