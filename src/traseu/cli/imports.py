"""``traseu import KIND FILE``: bring accounts, contacts, deals and their history in from a CSV
or XLSX file, through a mapping document or a shipped preset (see docs/imports.md).

The work is done by :func:`traseu.imports.engine.run_import`; this module parses the options,
draws the progress bar and prints the summary and the bad rows.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING, TextIO, TypeAlias

from traseu.cli.errors import EXIT_OK, EXIT_USAGE, CliError
from traseu.cli.runtime import acting_user, setup_django

if TYPE_CHECKING:
    from traseu.imports.engine import ImportResult
    from traseu.imports.mapping import Mapping

Parsers: TypeAlias = "argparse._SubParsersAction[argparse.ArgumentParser]"
KINDS = ("accounts", "contacts", "deals", "deal-history", "prospects", "products")
SHOWN_ERRORS = 20


def register(commands: Parsers) -> None:
    parser = commands.add_parser(
        "import",
        help="import accounts, contacts, deals, deal history, prospects or products from CSV/XLSX",
        description="Every row is checked first; a file with a bad row stores nothing unless "
        "--skip-invalid. Re-running the same file creates no duplicates. Exit status 2 when "
        "rows were refused.",
    )
    parser.add_argument("kind", choices=KINDS, metavar="KIND", help=", ".join(KINDS))
    parser.add_argument("file", metavar="FILE", help="a .csv (any of , ; TAB |) or .xlsx file")
    how = parser.add_mutually_exclusive_group(required=True)
    how.add_argument("--mapping", metavar="FILE.yaml", help="a mapping document")
    how.add_argument("--preset", metavar="NAME", help="salesforce, hubspot or pipedrive")
    parser.add_argument("--dry-run", action="store_true", help="change nothing; say what would")
    parser.add_argument(
        "--skip-invalid", action="store_true", help="store the good rows even if some are bad"
    )
    parser.add_argument("--encoding", metavar="ENC", help="CSV encoding (default: UTF-8)")
    parser.add_argument("--sheet", metavar="NAME", help="XLSX sheet (default: the first)")
    parser.add_argument("--errors", metavar="FILE", help="where to write the bad rows (CSV)")
    parser.add_argument("--as", dest="user", metavar="USERNAME", help="default: $TRASEU_USER")
    parser.add_argument("--process", metavar="KEY", help="the process deals run on")
    parser.add_argument("--list", dest="list_name", metavar="NAME", help="prospect list")
    parser.set_defaults(func=import_file)


def _mapping(args: argparse.Namespace) -> Mapping:
    from traseu.imports.mapping import load_mapping_file, load_preset, preset_kind_for_file

    if args.mapping:
        return load_mapping_file(args.mapping)
    preset = args.preset.strip().lower()
    meant = preset_kind_for_file(preset, args.file)
    if meant is not None and meant != args.kind:
        raise CliError(
            f"{Path(args.file).name} is the {preset} export of {meant}: "
            f"traseu import {meant} {args.file} --preset {preset}"
        )
    return load_preset(preset, args.kind)


def import_file(args: argparse.Namespace) -> int:
    setup_django()
    from traseu.imports.engine import ImportParams, run_import

    mapping = _mapping(args)
    user = acting_user(args.user, missing="name who imports: --as USERNAME or $TRASEU_USER")
    path = Path(args.file)
    if not path.is_file():
        raise CliError(f"no file {path}")
    params = ImportParams(
        kind=args.kind,
        path=path,
        mapping=mapping,
        user=user,
        dry_run=args.dry_run,
        skip_invalid=args.skip_invalid,
        encoding=args.encoding,
        sheet=args.sheet,
        errors_path=Path(args.errors) if args.errors else None,
        process_key=args.process,
        list_name=args.list_name,
    )
    bar = ProgressBar(sys.stderr)
    try:
        result = run_import(params, progress=bar.update)
    finally:
        bar.close()
    return _summary(result, dry_run=args.dry_run)


def _summary(result: ImportResult, *, dry_run: bool) -> int:
    for error in result.errors[:SHOWN_ERRORS]:
        print(f"traseu: {error}", file=sys.stderr)
    if len(result.errors) > SHOWN_ERRORS:
        print(f"traseu: ... and {len(result.errors) - SHOWN_ERRORS} more", file=sys.stderr)
    c = result.counts
    verb = "would import" if dry_run else "imported"
    if result.errors and not result.stored and not dry_run and result.job.status == "rejected":
        verb = "refused (nothing stored; fix the rows or use --skip-invalid)"
    print(
        f"{verb}: {result.rows} rows: {c['created']} created, {c['updated']} updated, "
        f"{c['unchanged']} unchanged, {c['rejected']} rejected (job {result.job.pk})"
    )
    if result.error_file:
        print(f"bad rows written to {result.error_file}")
    return EXIT_USAGE if result.errors else EXIT_OK


class ProgressBar:
    """A one-line progress bar with rows per second and time left, only on a terminal."""

    WIDTH = 30

    def __init__(self, stream: TextIO, *, force: bool = False) -> None:
        self.stream = stream
        self.enabled = force or stream.isatty()
        self.started = time.monotonic()
        self.phase = ""
        self.drawn = 0.0

    def update(self, phase: str, done: int, total: int | None) -> None:
        if not self.enabled:
            return
        now = time.monotonic()
        if phase != self.phase:
            self.phase, self.started = phase, now
        elif now - self.drawn < 0.1 and done != total:
            return
        self.drawn = now
        self.stream.write("\r" + self.line(phase, done, total, now - self.started))
        self.stream.flush()

    def line(self, phase: str, done: int, total: int | None, seconds: float) -> str:
        rate = done / seconds if seconds > 0 else 0.0
        label = "checking" if phase == "check" else "storing "
        if not total:
            return f"{label} {done:>9,} rows  {rate:,.0f} rows/s"
        share = min(done / total, 1.0)
        filled = int(share * self.WIDTH)
        eta = (total - done) / rate if rate > 0 else 0.0
        bar = "#" * filled + "-" * (self.WIDTH - filled)
        return (
            f"{label} [{bar}] {share:4.0%} {done:,}/{total:,}  {rate:,.0f} rows/s  "
            f"ETA {int(eta // 60)}:{int(eta % 60):02d}"
        )

    def close(self) -> None:
        if self.enabled and self.drawn:
            self.stream.write("\n")
            self.stream.flush()
