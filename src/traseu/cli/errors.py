"""The one place where the command line turns an error into words on stderr and an exit status.

Exit statuses: 0 done; 1 a process document has problems; 2 the command was called wrongly or the
service refused it (a Traseu error); 3 a stage gate refused a move; 4 the environment is not
usable (database unreachable or not migrated, settings malformed); 70 a bug; 130 interrupted.

Django is imported here only once an error needs classifying, so ``traseu process validate``
stays free of it.
"""

from __future__ import annotations

import argparse
import os
import sys
import traceback
from collections.abc import Callable
from typing import Any

from traseu.core.errors import TraseuError
from traseu.process.errors import ProcessDocumentError

EXIT_OK = 0
EXIT_DOCUMENT = 1
EXIT_USAGE = 2
EXIT_GATE = 3
EXIT_ENVIRONMENT = 4
EXIT_INTERNAL = 70
EXIT_INTERRUPTED = 130

GATE_REJECTED = "gate_rejected"  # traseu.crm.transitions.GateRejected.code

Command = Callable[[argparse.Namespace], int]


class CliError(Exception):
    """A problem the command line itself detects (a missing option, an unusable environment)."""

    def __init__(self, message: str, *, exit_code: int = EXIT_USAGE) -> None:
        super().__init__(message)
        self.message = message
        self.exit_code = exit_code


def run(command: Command, args: argparse.Namespace) -> int:
    """Run one command; whatever it raises becomes a message and an exit status, never a trace."""
    try:
        return command(args)
    except SystemExit as stop:  # Django's command line and runserver exit this way
        if isinstance(stop.code, str):
            say(stop.code)
        return exit_status(stop)
    except KeyboardInterrupt:
        say("interrupted")
        return EXIT_INTERRUPTED
    except Exception as error:
        return report(error)


def exit_status(stop: SystemExit) -> int:
    """The status a SystemExit carries (a message instead of a number means failure)."""
    if isinstance(stop.code, int):
        return stop.code
    return EXIT_USAGE if stop.code else EXIT_OK


def say(message: str, *, prefix: str = "traseu: error: ") -> None:
    print(f"{prefix}{message}", file=sys.stderr)


def report(error: Exception) -> int:
    """Describe ``error`` on stderr and return its exit status."""
    if isinstance(error, ProcessDocumentError):
        print_problems(error)
        return EXIT_DOCUMENT
    if isinstance(error, TraseuError):
        say(f"{error.message} [{error.code}]")
        if error.code == GATE_REJECTED:
            print_gate(error.details)
            return EXIT_GATE
        return EXIT_USAGE
    if isinstance(error, CliError):
        say(error.message)
        return error.exit_code
    database_message = _database_problem(error)
    if database_message:
        say(database_message)
        return EXIT_ENVIRONMENT
    if _is_command_error(error):
        say(str(error))
        return EXIT_USAGE
    return _internal(error)


def print_problems(error: ProcessDocumentError) -> None:
    """One line per problem: ``FILE:LINE: PATH: message [code]``."""
    for problem in error.problems:
        print(problem, file=sys.stderr)


def print_gate(details: Any) -> None:
    """One line per unmet criterion and per broken route rule of a gate rejection."""
    for item in details.get("unmet", []):
        line = f"unmet: {item['criterion']} [{item['code']}]: {item['message']}"
        print(f"{line} — {item['help']}" if item.get("help") else line, file=sys.stderr)
    for item in details.get("violations", []):
        line = f"rule: [{item['code']}] {item['message']}"
        print(f"{line} — {item['help']}" if item.get("help") else line, file=sys.stderr)


def _database_problem(error: Exception) -> str:
    """The message for a database that cannot be reached or has no tables yet ('' otherwise)."""
    if "django.db" not in sys.modules:
        return ""
    from django.db import OperationalError, ProgrammingError

    text = _first_line(error, default=type(error).__name__)
    missing_table = "no such table" in text or ("relation" in text and "does not exist" in text)
    if missing_table and isinstance(error, OperationalError | ProgrammingError):
        return f"the database is not ready ({text}); run traseu migrate"
    if isinstance(error, OperationalError):
        return f"cannot use the database: {text} (check DATABASE_URL)"
    return ""


def _is_command_error(error: Exception) -> bool:
    """A Django management command refused its arguments (runserver without ALLOWED_HOSTS...)."""
    module = sys.modules.get("django.core.management.base")
    return module is not None and isinstance(error, module.CommandError)


def _internal(error: Exception) -> int:
    if os.environ.get("TRASEU_DEBUG", "").strip().lower() in ("1", "true", "yes", "on"):
        traceback.print_exception(error, file=sys.stderr)
    name, message = type(error).__name__, _first_line(error, default="")
    say(f"{name}: {message}" if message else name, prefix="traseu: internal error: ")
    return EXIT_INTERNAL


def _first_line(error: Exception, *, default: str) -> str:
    text = str(error).strip()
    return text.splitlines()[0] if text else default
