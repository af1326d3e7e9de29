"""One measurement of :mod:`bench.imports`, in its own process: ``bare``, ``bulk`` (the
prospecting bulk path alone) or ``import`` (the import engine's service).

Prints one JSON line: rows, seconds, rate (rows/s), peak_mb (the process's peak resident
memory) and base_mb (the peak before the timed part began).
"""

from __future__ import annotations

import csv
import json
import os
import resource
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

CHUNK = 50_000


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def setup() -> Any:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "traseu.settings")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    from traseu.core.models import Role, Team, User

    user = User.objects.create_user("bench", role=Role.SALES_MANAGER)
    user.teams.add(Team.objects.create(name="Bench"))
    return user


def _cells(path: Path) -> Iterator[list[str]]:
    with path.open(encoding="utf-8-sig", newline="") as handle:
        reader = csv.reader(handle)
        next(reader)
        yield from reader


def bare(path: Path, user: Any) -> tuple[int, float, float]:
    """Insert the rows as they are (what the table requires filled in), timing only the
    database's part: executemany in one transaction (SQLite), COPY (PostgreSQL)."""
    from django.db import connection, transaction
    from django.utils import timezone

    from traseu.prospecting.models import ProspectList

    plist = ProspectList.objects.create(name="Bare", owner=user, created_at=timezone.now())
    columns = (
        *("prospect_list_id", "company_name", "name_key", "domain", "industry", "employees"),
        *("annual_revenue", "country", "contact_first_name", "contact_last_name"),
        *("contact_email", "contact_title", "contact_phone", "source", "external_id", "custom"),
        *("status", "disqualified_reason", "dedupe_key", "fit_explanation", "matched_by"),
        *("created_at", "updated_at"),
    )
    now = timezone.now()
    stamp = connection.ops.adapt_datetimefield_value(now)
    pg = connection.vendor == "postgresql"
    names = ", ".join(columns)
    marks = ", ".join("%s" if pg else "?" for _ in columns)
    sql = f"INSERT INTO prospecting_prospect ({names}) VALUES ({marks})"  # noqa: S608
    count, seconds = 0, 0.0
    cells = _cells(path)
    last_id = ""
    base = peak_mb()
    with transaction.atomic():
        connection.ensure_connection()
        while True:
            chunk: list[tuple[Any, ...]] = []
            for row in cells:
                name, site, industry, staff, revenue, country, first, last, email = row[:9]
                # Keys shaped like the import's (random order in the indexes); the file
                # repeats a company now and then, which the import skips and this cannot.
                repeat = row[11] == last_id
                key = f"d:{site}:{count + len(chunk)}" if repeat else f"d:{site}"
                last_id = row[11]
                chunk.append(
                    (
                        *(plist.pk, name, name.lower(), site, industry),
                        int(staff) if staff else None,
                        *(revenue or None, country, first, last, email, row[9], row[10], ""),
                        *("" if repeat else row[11], "{}", "new", "", key, "[]", ""),
                        *(stamp, stamp),
                    )
                )
                if len(chunk) == CHUNK:
                    break
            if not chunk:
                break
            start = time.perf_counter()
            if pg:
                with connection.cursor() as cursor:
                    copy_sql = f"COPY prospecting_prospect ({names}) FROM STDIN"
                    with cursor.cursor.copy(copy_sql) as copy:
                        for values in chunk:
                            copy.write_row(values)
            else:
                connection.connection.executemany(sql, chunk)
            seconds += time.perf_counter() - start
            count += len(chunk)
        start = time.perf_counter()
    seconds += time.perf_counter() - start  # the commit
    return count, seconds, base


def prepare(user: Any) -> Any:
    """The profile, 1,000 existing accounts (with their keys), and a list scored by it."""
    from django.utils import timezone

    from bench.imports_data import existing_accounts
    from traseu.crm.models import Account
    from traseu.process import icp
    from traseu.prospecting.fit import fits_recompute, icp_apply_file
    from traseu.prospecting.models import ProspectList

    profile = icp_apply_file(path=icp.DOCUMENTS / "software-smb.yaml").profile
    Account.objects.bulk_create(
        Account(name=name, domain=domain, industry="Software", is_customer=n % 4 == 0)
        for n, (name, domain) in enumerate(existing_accounts())
    )
    fits_recompute()
    return ProspectList.objects.create(
        name="Import", owner=user, profile=profile, created_at=timezone.now()
    )


MAPPING = """\
kind: prospects
source: bench
columns:
  name: Company
  website: Website
  industry: Industry
  employees: Employees
  annual_revenue: Annual Revenue
  country: Country
  first_name: First Name
  last_name: Last Name
  email: Email
  job_title: Title
  phone: Phone
  external_id: Prospect ID
"""


def traseu_import(path: Path, plist: Any, user: Any) -> int:
    """Traseu's import of the file into ``plist``: the import engine's service (what
    ``traseu import prospects`` runs: both passes, checking then storing), or, without the
    engine, reading + ``prospect_row`` + ``store_prospects``."""
    try:
        from traseu.imports.engine import ImportParams, run_import
        from traseu.imports.mapping import load_mapping_text
    except ImportError:
        return bulk_only(path, plist, user)
    params = ImportParams(
        kind="prospects",
        path=path,
        mapping=load_mapping_text(MAPPING),
        user=user,
        list_name=plist.name,
        errors_path=path.with_name(f"errors-{os.getpid()}.csv"),
    )
    if size := os.environ.get("TRASEU_BENCH_IMPORT_BATCH"):
        params.batch_size = int(size)
    result = run_import(params)
    assert not result.errors, result.errors[:5]
    return result.rows


def bulk_only(path: Path, plist: Any, user: Any) -> int:
    """The prospecting part alone: the CSV read with the csv module, each row checked by
    ``prospect_row`` and stored by ``store_prospects`` (no mapping document, no job)."""
    from bench.imports_data import COLUMNS, FIELDS
    from traseu.prospecting.bulk import prospect_row, store_prospects

    def rows() -> Iterator[Any]:
        with path.open(encoding="utf-8-sig", newline="") as handle:
            reader = csv.reader(handle)
            header = next(reader)
            where = [header.index(column) for column in COLUMNS]
            for number, cells in enumerate(reader, start=2):
                values = {field: cells[at] for field, at in zip(FIELDS, where, strict=True)}
                yield prospect_row(values, row_number=number)

    size = int(os.environ.get("TRASEU_BENCH_IMPORT_BATCH") or 5000)
    counts = store_prospects(plist, rows(), acting_user=user, batch_size=size)
    return counts.total


def imported(path: Path, user: Any, what: str) -> tuple[int, float, float]:
    plist = prepare(user)
    work = bulk_only if what == "bulk" else traseu_import
    base = peak_mb()
    start = time.perf_counter()
    if os.environ.get("TRASEU_BENCH_IMPORT_PROFILE") == "1":
        import cProfile
        import pstats

        profiler = cProfile.Profile()
        count = profiler.runcall(work, path, plist, user)
        seconds = time.perf_counter() - start
        stats = pstats.Stats(profiler, stream=sys.stderr)
        stats.sort_stats("tottime").print_stats(25)
    else:
        count = work(path, plist, user)
        seconds = time.perf_counter() - start
    return count, seconds, base


def main(argv: list[str]) -> int:
    what, path = argv[1], Path(argv[2])
    user = setup()
    count, seconds, base = bare(path, user) if what == "bare" else imported(path, user, what)
    result = {
        "rows": count,
        "seconds": seconds,
        "rate": count / seconds,
        "peak_mb": peak_mb(),
        "base_mb": base,
    }
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
