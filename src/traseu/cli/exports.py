"""``traseu export KIND``: accounts, contacts, prospects, deals, deal history or products as CSV
or XLSX, seen as one user sees them (see docs/exports.md)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TypeAlias

from traseu.cli.errors import EXIT_OK, CliError
from traseu.cli.runtime import acting_user, setup_django

Parsers: TypeAlias = "argparse._SubParsersAction[argparse.ArgumentParser]"
KINDS = ("accounts", "contacts", "prospects", "deals", "deal-history", "products")


def register(commands: Parsers) -> None:
    parser = commands.add_parser(
        "export",
        help="export accounts, contacts, prospects, deals, deal history or products (CSV/XLSX)",
        description="Write the records the acting user may see, in the columns the import "
        "reads (custom attributes as extra columns). Text a spreadsheet would run as a formula "
        "starts with an apostrophe.",
    )
    parser.add_argument("kind", choices=KINDS, metavar="KIND", help=", ".join(KINDS))
    parser.add_argument(
        "--format", choices=("csv", "xlsx"), help="default: from --output, else csv"
    )
    parser.add_argument(
        "--output", "-o", type=Path, metavar="FILE", help="write to FILE (default: stdout, CSV)"
    )
    parser.add_argument("--as", dest="user", metavar="USERNAME", help="default: $TRASEU_USER")
    parser.add_argument("--list", dest="list_id", type=int, metavar="ID", help="one prospect list")
    parser.add_argument(
        "--mapping",
        type=Path,
        metavar="FILE.yaml",
        help="also write the mapping document that imports the file back",
    )
    parser.set_defaults(func=export_command)


def _format(args: argparse.Namespace) -> str:
    if args.format:
        return str(args.format)
    if args.output is not None and args.output.suffix.lower() == ".xlsx":
        return "xlsx"
    return "csv"


def export_command(args: argparse.Namespace) -> int:
    setup_django()
    from traseu.exports.kinds import Filters
    from traseu.exports.tables import export_table, import_mapping
    from traseu.exports.writers import write_csv, write_xlsx

    user = acting_user(args.user, missing="name who exports: --as USERNAME or $TRASEU_USER")
    table = export_table(
        kind=args.kind, acting_user=user, filters=Filters(prospect_list=args.list_id)
    )
    fmt = _format(args)
    if fmt == "xlsx" and args.output is None:
        raise CliError("an XLSX export needs --output FILE")
    try:
        if args.output is None:
            count = write_csv(table, sys.stdout)
        elif fmt == "xlsx":
            with args.output.open("wb") as binary:
                count = write_xlsx(table, binary)
        else:
            with args.output.open("w", encoding="utf-8", newline="") as text:
                count = write_csv(table, text)
        if args.mapping is not None:
            args.mapping.write_text(import_mapping(table), encoding="utf-8")
    except OSError as error:
        raise CliError(f"cannot write {error.filename}: {error.strerror}") from error
    if args.output is not None:
        print(f"exported {count} {args.kind} to {args.output}", file=sys.stderr)
    return EXIT_OK
