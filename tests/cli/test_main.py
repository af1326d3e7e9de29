"""The top of the command line: help, version, usage errors (no database needed)."""

from __future__ import annotations

from collections.abc import Callable

from tests.cli.conftest import Result
from traseu import __version__


def test_help_lists_every_command_and_the_exit_statuses(traseu: Callable[..., Result]) -> None:
    result = traseu("--help")

    assert result.status == 0
    for command in ("demo", "serve", "worker", "migrate", "manage", "process", "deal", "user"):
        assert f"    {command} " in result.out
    assert "3 gate rejected" in result.out


def test_version(traseu: Callable[..., Result]) -> None:
    result = traseu("--version")

    assert (result.status, result.out.strip()) == (0, f"traseu {__version__}")


def test_no_command_is_a_usage_error(traseu: Callable[..., Result]) -> None:
    result = traseu()

    assert result.status == 2
    assert "the following arguments are required: COMMAND" in result.err


def test_unknown_command_is_a_usage_error(traseu: Callable[..., Result]) -> None:
    result = traseu("fly")

    assert result.status == 2
    assert "invalid choice: 'fly'" in result.err


def test_serve_help_names_the_production_wsgi_entry(traseu: Callable[..., Result]) -> None:
    result = traseu("serve", "--help")

    assert result.status == 0
    assert "traseu.wsgi:application" in " ".join(result.out.split())
