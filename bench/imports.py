"""Importing a large prospects CSV, against a bare insert of the same rows into the same table.

Run by ``make bench`` with 100,000 rows; ``TRASEU_BENCH_IMPORT_ROWS=1000000`` for the issue's
million (``0`` skips the benchmark). The CSV (twelve columns, :mod:`bench.imports_data`) is
written once to a temporary file; each measurement then runs in a fresh process on a fresh
database, so each peak memory figure (``ru_maxrss``) is that measurement's own:

* *bare*: the rows read from the CSV in chunks of 50,000 (not timed), then inserted into
  ``prospecting_prospect``, timed: ``executemany`` in one transaction on SQLite, ``COPY`` on
  PostgreSQL. Only what the table requires is filled in besides the twelve columns.
* *import (engine)*: ``traseu import prospects`` as a service call (``run_import``: a
  mapping document, both passes of the engine, its job row) into a prospect list scored
  against the shipped ``software-smb`` profile, with 1,000 existing accounts to recognise:
  reading, mapping, checking, scoring, de-duplicating and storing, timed from opening the
  file to the last commit;
* *bulk path*: the prospecting part alone (``csv`` reader, ``prospect_row``,
  ``store_prospects``), same list and accounts, to tell the two parts' costs apart.

SQLite always; PostgreSQL too when ``TRASEU_BENCH_PG_URL`` names a server (each process gets
its own database there, dropped afterwards). ``TRASEU_BENCH_IMPORT_PROFILE=1`` prints a
cProfile summary of the import; ``TRASEU_BENCH_IMPORT_BATCH`` sets the batch size of both
measured paths (default: theirs). Figures: docs/imports-performance.md.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import uuid
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

DEFAULT_ROWS = 100_000


def run() -> list[tuple[str, float, float]]:
    count = int(os.environ.get("TRASEU_BENCH_IMPORT_ROWS", str(DEFAULT_ROWS)))
    if count <= 0:
        return []
    from bench.imports_data import write_csv

    folder = Path(tempfile.mkdtemp(prefix="traseu-bench-import-"))
    csv_path = folder / "prospects.csv"
    size = write_csv(csv_path, count)
    print(f"  imports: {count:,} rows, {size / 1e6:,.1f} MB of CSV", file=sys.stderr)
    targets = [("SQLite", "")]
    if server := os.environ.get("TRASEU_BENCH_PG_URL", ""):
        targets.append(("PostgreSQL", server))
    results = []
    try:
        for label, server in targets:
            bare = _measure("bare", label, server, csv_path)
            bulk = _measure("bulk", label, server, csv_path)
            engine = _measure("import", label, server, csv_path)
            rows = f"{count // 1000:,}k" if count < 1_000_000 else f"{count / 1e6:g}M"
            results += [
                (f"import prospects/s {label} {rows} (engine)", engine["rate"], bare["rate"]),
                (f"  bulk path rows/s {label} {rows}", bulk["rate"], bare["rate"]),
                (f"  peak MB {label} {rows} engine (bare)", engine["peak_mb"], bare["peak_mb"]),
                (f"  peak MB {label} {rows} bulk (bare)", bulk["peak_mb"], bare["peak_mb"]),
            ]
    finally:
        csv_path.unlink(missing_ok=True)
        folder.rmdir()
    return results


def _measure(what: str, label: str, server: str, csv_path: Path) -> dict[str, float]:
    """One measurement in a fresh process on a fresh database; its JSON result line."""
    env = {**os.environ, "TRASEU_DATA_DIR": tempfile.mkdtemp(prefix="traseu-bi-")}
    env.pop("DATABASE_URL", None)
    database = ""
    if server:
        database = f"traseu_bench_import_{uuid.uuid4().hex[:8]}"
        _pg(server, f"CREATE DATABASE {database}")
        env["DATABASE_URL"] = urlunsplit(urlsplit(server)._replace(path=f"/{database}"))
    command = [sys.executable, "-m", "bench.imports_child", what, str(csv_path)]
    try:
        output = subprocess.run(command, env=env, check=True, stdout=subprocess.PIPE, text=True)
    finally:
        if database:
            _pg(server, f"DROP DATABASE IF EXISTS {database}")
    result: dict[str, float] = json.loads(output.stdout.strip().splitlines()[-1])
    print(
        f"  imports {label} {what}: {result['rows']:,.0f} rows in {result['seconds']:.1f} s, "
        f"{result['rate']:,.0f} rows/s, peak {result['peak_mb']:,.0f} MB "
        f"({result['base_mb']:,.0f} MB before)",
        file=sys.stderr,
        flush=True,
    )
    return result


def _pg(server: str, statement: str) -> None:
    import psycopg

    with psycopg.connect(server, autocommit=True) as connection:
        connection.execute(statement)


if __name__ == "__main__":
    for name, value, baseline in run():
        print(f"{name:<52} {value:>12,.1f} {baseline:>12,.1f} {value / baseline:>8,.3f}")
