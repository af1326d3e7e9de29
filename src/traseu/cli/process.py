"""``traseu process``: validate, apply, list and export process documents.

``validate`` uses the pure core only (no Django, no database); the others store or read versions.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from traseu.cli.errors import EXIT_DOCUMENT, EXIT_OK, print_problems
from traseu.cli.runtime import optional_user, setup_django, table
from traseu.process.definition import ProcessDefinition
from traseu.process.errors import DocumentProblem, ProcessDocumentError
from traseu.process.loader import load_file
from traseu.process.techniques import load_library


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = commands.add_parser(
        "process", help="validate, apply, list and export process documents"
    )
    sub = parser.add_subparsers(dest="process_command", metavar="COMMAND", required=True)

    validate = sub.add_parser(
        "validate",
        help="check process documents (YAML) without touching the database",
        description="Check process documents, and technique libraries (techniques.*.yaml). "
        "Prints one line per file, or one line per problem (FILE:LINE: PATH: message [code]).",
    )
    validate.add_argument("files", nargs="+", metavar="FILE")
    validate.set_defaults(func=validate_command)

    apply = sub.add_parser("apply", help="store a new version of a process if its document changed")
    apply.add_argument("file", metavar="FILE")
    apply.add_argument(
        "--as", dest="user", metavar="USER", help="who applies (default: $TRASEU_USER)"
    )
    apply.set_defaults(func=apply_command)

    listing = sub.add_parser("list", help="the stored processes with their latest version")
    listing.set_defaults(func=list_command)

    export = sub.add_parser("export", help="print the stored canonical document of a process")
    export.add_argument("key", metavar="KEY")
    export.add_argument("--version", type=int, metavar="N", help="a version (default: the latest)")
    export.set_defaults(func=export_command)


def summary(definition: ProcessDefinition) -> str:
    return (
        f"{definition.key} '{definition.name}', "
        f"{len(definition.working_stages)} working stages ({definition.language})"
    )


def validate_command(args: argparse.Namespace) -> int:
    """Check every file (keep going after a bad one); exit 1 when any has a problem."""
    status = EXIT_OK
    for path in args.files:
        try:
            print(f"{path}: ok: {_check(path)}")
        except ProcessDocumentError as error:
            print_problems(error)
            status = EXIT_DOCUMENT
    return status


def _check(path: str) -> str:
    """Load a process document, or a technique library (``techniques.*.yaml``), or raise."""
    if not Path(path).name.startswith("techniques."):
        return summary(load_file(path))
    try:
        library = load_library(path)
    except (OSError, UnicodeDecodeError) as error:
        problem = DocumentProblem("unreadable", "", f"cannot read the file: {error}", 0, path)
        raise ProcessDocumentError([problem]) from error
    return f"technique library, {len(library)} techniques"


def apply_command(args: argparse.Namespace) -> int:
    load_file(args.file)  # document problems first, before any database is needed
    setup_django()
    from traseu.processes.services import process_apply_file

    result = process_apply_file(path=args.file, acting_user=optional_user(args.user))
    state = "applied" if result.created else "unchanged"
    print(f"{state} {result.version.process.key} v{result.version.number}")
    return EXIT_OK


def list_command(args: argparse.Namespace) -> int:
    setup_django()
    from traseu.processes.selectors import process_definition, process_versions_latest

    versions = process_versions_latest()
    if not versions:
        print("no processes yet; store one with: traseu process apply FILE")
        return EXIT_OK
    deals = _deal_counts()
    rows = [
        (
            version.process.key,
            f"v{version.number}",
            version.name,
            version.language,
            len(process_definition(version).working_stages),
            deals.get(version.process_id, 0),
        )
        for version in versions
    ]
    headers = ("KEY", "VERSION", "NAME", "LANGUAGE", "WORKING STAGES", "DEALS")
    print("\n".join(table(headers, rows)))
    return EXIT_OK


def _deal_counts() -> dict[int, int]:
    from traseu.crm.selectors import deal_counts_by_process

    return deal_counts_by_process()


def export_command(args: argparse.Namespace) -> int:
    setup_django()
    from traseu.process.document import to_yaml
    from traseu.processes.selectors import process_definition, process_version_get

    version = process_version_get(key=args.key, number=args.version)
    sys.stdout.write(to_yaml(process_definition(version)))
    return EXIT_OK
