"""Analytics reports on a large history, each beside a hand-written SQL query for the same figure.

Run by ``make bench`` only with ``TRASEU_BENCH_ANALYTICS=1``. ``TRASEU_BENCH_ANALYTICS_DEALS``
sets the number of deals (default 100,000, about five stage changes each; the issue's target is
1,000,000). Each database runs in its own process: SQLite in a throwaway directory, and
PostgreSQL when ``TRASEU_BENCH_PG_URL`` names a server (a database ``traseu_bench_analytics`` is
created there and dropped afterwards, or kept and reused with ``TRASEU_BENCH_PG_KEEP=1``);
``TRASEU_BENCH_ANALYTICS_SQLITE=0`` skips SQLite.
``TRASEU_BENCH_ANALYTICS_REPEAT`` (default 3) is how many timed runs each median is of.

For every report two rows: *figure* is the ORM query that computes the report's headline figure
against one hand-written SQL statement for the same figure; *report* is the whole report (all
its queries and the Python around them) against the same statement. Times are medians in ms.
"""

from __future__ import annotations

import functools
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from urllib.parse import urlsplit, urlunsplit

from bench import analytics_sql

PG_DATABASE = "traseu_bench_analytics"
DASHBOARD = ("funnel", "time", "kpis", "conformance", "forecast")


def run() -> list[tuple[str, float, float]]:
    rows = []
    if os.environ.get("TRASEU_BENCH_ANALYTICS_SQLITE", "1") != "0":
        rows += _child({"DATABASE_URL": ""}, "SQLite")
    server = os.environ.get("TRASEU_BENCH_PG_URL", "")
    keep = os.environ.get("TRASEU_BENCH_PG_KEEP") == "1"
    if server:
        url = _pg_database(server, create=True, keep=keep)
        try:
            rows += _child({"DATABASE_URL": url}, "PostgreSQL")
        finally:
            if not keep:
                _pg_database(server, create=False, keep=False)
    return rows


def _child(env: dict[str, str], label: str) -> list[tuple[str, float, float]]:
    """Run one database's measurements in a fresh process; each result is echoed to stderr
    as it comes (a million deals take a while)."""
    environment = {**os.environ, **env, "TRASEU_DATA_DIR": tempfile.mkdtemp(prefix="traseu-ab-")}
    if not env["DATABASE_URL"]:
        environment.pop("DATABASE_URL")
    command = [sys.executable, "-m", "bench.analytics", label]
    rows = []
    with subprocess.Popen(command, env=environment, stdout=subprocess.PIPE, text=True) as child:
        assert child.stdout is not None
        for line in child.stdout:
            print(f"  {label}: {line.strip()}", file=sys.stderr, flush=True)
            if line.startswith("{"):
                facts = json.loads(line)
                print(f"  {label}: " + ", ".join(f"{k} {v:,}" for k, v in facts.items()))
            elif line.startswith("["):
                name, value, baseline = json.loads(line)
                rows.append((name, value, baseline))
    if child.returncode:
        raise subprocess.CalledProcessError(child.returncode, command)
    return rows


def _pg_database(server: str, *, create: bool, keep: bool) -> str:
    """Create (or, ``create`` false, drop) the benchmark's own database on ``server``; with
    ``keep`` an existing one is reused, so a large history is generated only once."""
    import psycopg

    parts = urlsplit(server)
    with psycopg.connect(server, autocommit=True) as connection:
        exists = connection.execute(
            "SELECT 1 FROM pg_database WHERE datname = %s", [PG_DATABASE]
        ).fetchone()
        if not (keep and exists):
            connection.execute(f"DROP DATABASE IF EXISTS {PG_DATABASE}")
            if create:
                connection.execute(f"CREATE DATABASE {PG_DATABASE}")
    return urlunsplit(parts._replace(path=f"/{PG_DATABASE}"))


def timed(call: Callable[[], object], repeat: int) -> float:
    """Median milliseconds of ``repeat`` calls, after one warm-up call."""
    call()
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        call()
        samples.append((time.perf_counter() - start) * 1000)
    return statistics.median(samples)


def child(label: str) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "traseu.settings")
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from bench.analytics_data import generate
    from traseu.crm.models import Activity, Deal, StageChange

    call_command("migrate", verbosity=0)
    deals = int(os.environ.get("TRASEU_BENCH_ANALYTICS_DEALS", "100000"))
    start = time.perf_counter()
    if Deal.objects.exists():  # a kept PostgreSQL database: reuse its history
        counts = {
            "deals": Deal.objects.count(),
            "stage changes": StageChange.objects.count(),
            "activities": Activity.objects.count(),
        }
    else:
        counts = generate(deals)
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    counts["load seconds"] = round(time.perf_counter() - start)
    print(json.dumps(counts), flush=True)
    repeat = int(os.environ.get("TRASEU_BENCH_ANALYTICS_REPEAT", "3"))
    totals: dict[str, list[float]] = {"all": [0.0, 0.0, 0], "dashboard": [0.0, 0.0, 0]}
    for name, figure, report, sql in analytics_sql.measures():
        baseline = timed(functools.partial(analytics_sql.execute, sql), repeat)
        whole = timed(report, repeat)
        print(json.dumps([f"analytics {label} {name}: figure", timed(figure, repeat), baseline]))
        print(json.dumps([f"analytics {label} {name}: report", whole, baseline]), flush=True)
        # The dashboard: funnel, time, KPIs, conformance and the forecast.
        parts = ["all", "dashboard"] if name.split()[0] in DASHBOARD else ["all"]
        for part in parts:
            totals[part] = [
                totals[part][0] + whole,
                totals[part][1] + baseline,
                totals[part][2] + 1,
            ]
    for part, (total, total_sql, count) in totals.items():
        title = (
            f"dashboard ({int(count)} reports)"
            if part == "dashboard"
            else f"all {int(count)} reports"
        )
        print(json.dumps([f"analytics {label} {title}", total, total_sql]))


def main(argv: list[str]) -> int:
    if len(argv) > 1:
        child(argv[1])
        return 0
    for name, value, baseline in run():
        print(f"{name:<52} {value:>10,.1f} {baseline:>10,.1f} {value / baseline:>8,.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
