"""The ``traseu`` command line.

Each command group lives in its own module with a ``register`` function that adds its parsers
and points them at a handler ``(args) -> exit status``. Handlers that need Django set it up
themselves, so ``traseu process validate`` runs on the pure core alone. Every error is turned
into one line and an exit status in :mod:`traseu.cli.errors`.
"""

from __future__ import annotations

import argparse

from traseu import __version__
from traseu.audit.context import audit_context
from traseu.cli import (
    audit,
    backup,
    deal,
    errors,
    exports,
    forecast,
    imports,
    process,
    prospecting,
    report,
    server,
    token,
    user,
    webhooks,
)

EPILOG = (
    "Settings come from the environment: DATABASE_URL (default: SQLite in TRASEU_DATA_DIR), "
    "SECRET_KEY, DEBUG, ALLOWED_HOSTS; TRASEU_USER names who acts; TRASEU_DEBUG=1 shows "
    "tracebacks of internal errors. Exit status: 0 ok, 1 document problems, 2 usage or refused, "
    "3 gate rejected, 4 database or settings unusable, 70 internal error."
)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="traseu",
        description="Traseu: run every deal along the route you designed.",
        epilog=EPILOG,
    )
    parser.add_argument("--version", action="version", version=f"traseu {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for group in (
        server,
        process,
        deal,
        user,
        audit,
        backup,
        forecast,
        prospecting,
        report,
        imports,
        exports,
        webhooks,
        token,
    ):
        group.register(commands)
    return parser


@audit_context(via="cli")  # what the commands change is recorded as done through the CLI
def main(argv: list[str] | None = None) -> int:
    """Run one command; return its exit status (usage errors: 2, as argparse has them)."""
    try:
        args = build_parser().parse_args(argv)
    except SystemExit as stop:  # --help, --version and usage errors
        return errors.exit_status(stop)
    status: int = errors.run(args.func, args)
    return status
