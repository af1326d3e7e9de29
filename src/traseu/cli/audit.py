"""``traseu audit export``: the audit trail as CSV or JSON, for the operator."""

from __future__ import annotations

import argparse
import datetime as dt
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TextIO

from traseu.cli.errors import EXIT_OK, CliError
from traseu.cli.runtime import setup_django


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = commands.add_parser("audit", help="export the audit trail")
    sub = parser.add_subparsers(dest="audit_command", metavar="COMMAND", required=True)
    export = sub.add_parser(
        "export",
        help="write audit entries, oldest first, as CSV or JSON",
        description="Write every audit entry (from --since on), oldest first. CSV cells that "
        "a spreadsheet would read as a formula start with an apostrophe.",
    )
    export.add_argument(
        "--since", type=_since, metavar="DATE", help="YYYY-MM-DD (local midnight) or ISO time"
    )
    export.add_argument("--format", choices=("csv", "json"), default="csv")
    export.add_argument(
        "--output", "-o", type=Path, metavar="FILE", help="write to FILE (default: stdout)"
    )
    export.set_defaults(func=export_command)


def _since(value: str) -> dt.date | dt.datetime:
    try:
        if len(value) == len("YYYY-MM-DD"):
            return dt.date.fromisoformat(value)
        return dt.datetime.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"'{value}' is not a date (YYYY-MM-DD) or an ISO time"
        ) from None


def export_command(args: argparse.Namespace) -> int:
    setup_django()
    from django.utils import timezone

    from traseu.audit.export import write_csv, write_json
    from traseu.audit.selectors import day_start, export_entries

    since = args.since
    if isinstance(since, dt.datetime):
        since = since if timezone.is_aware(since) else timezone.make_aware(since)
    elif isinstance(since, dt.date):
        since = day_start(since)
    entries = export_entries(since=since).iterator(chunk_size=2000)
    write = write_csv if args.format == "csv" else write_json
    if args.output is None:
        count = write(entries, sys.stdout)
    else:
        count = _to_file(args.output, lambda out: write(entries, out))
        print(f"exported {count} audit entries to {args.output}", file=sys.stderr)
    return EXIT_OK


def _to_file(path: Path, write: Callable[[TextIO], int]) -> int:
    try:
        with path.open("w", encoding="utf-8", newline="") as out:
            return write(out)
    except OSError as error:
        raise CliError(f"cannot write {path}: {error.strerror}") from error
