"""Load on the production server: the REST API beside a bare Django view, served the same way.

The server is gunicorn (``traseu[server]``) with ``TRASEU_BENCH_LOAD_WORKERS`` sync workers
(default one per core: PostgreSQL and the load generator share the cores; or
``TRASEU_BENCH_LOAD_THREADS`` threads each) on 127.0.0.1 with ``DEBUG=false``, the API rate
limits off and bench/load_settings.py, which adds one route: ``/bench/bare-deals/`` returns
the same 50 deal rows as ``GET /api/v1/deals/?limit=50`` with ``.values()`` and
``JsonResponse``, no authentication: the baseline. Without gunicorn, or with
``TRASEU_BENCH_LOAD_SERVER=serve``, it is ``traseu serve``.

The database is PostgreSQL: ``TRASEU_BENCH_LOAD_DATABASE_URL``, else a fresh database
``traseu_bench_load`` on the server ``TRASEU_BENCH_PG_URL`` names (default the local one); if
no server answers, SQLite in a temporary folder (the output says which).

``TRASEU_BENCH_LOAD_CONNECTIONS`` (default 16) connections, one client process each (so the
client's GIL is not the limit), drive, in turn: the bare view, the API list (a page of 50, with
a write token) and the API's one deal, ``TRASEU_BENCH_LOAD_SECONDS`` (default 10) each, for
the throughput ratios; then the mix, ``TRASEU_BENCH_LOAD_MIX_SECONDS`` (default 60): list 40%,
one deal 30%, move a deal 15% (each connection moves its own deal back and forth between the
first two stages, an override with a reason), log an activity 15%. Afterwards every
acknowledged write (201 activity, 200 move) must be in the database. The load generator only
ever connects to 127.0.0.1.
"""

from __future__ import annotations

import json
import os
import random
import secrets
import shutil
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from multiprocessing import get_context
from pathlib import Path

from bench.load_client import HOST, Client, ProtocolError

PORT = int(os.environ.get("TRASEU_BENCH_LOAD_PORT", "8151"))
ROOT = Path(__file__).resolve().parent.parent
PG_DATABASE = "traseu_bench_load"
WARMUP = 1.0  # seconds of each phase not measured
WARMUP_SECONDS = float(os.environ.get("TRASEU_BENCH_LOAD_WARMUP_SECONDS", "5"))


@dataclass(frozen=True)
class Op:
    name: str
    method: str
    path: str
    auth: bool = True
    body: str | None = None
    weight: int = 1
    ok: int = 200


@dataclass(frozen=True)
class Phase:
    name: str
    ops: tuple[Op, ...]
    seconds: float


@dataclass
class Result:
    name: str
    seconds: float
    latencies: list[float] = field(default_factory=list)  # ms of the successful requests
    errors: int = 0
    statuses: dict[int, int] = field(default_factory=dict)

    @property
    def rate(self) -> float:
        return len(self.latencies) / self.seconds

    def percentile(self, q: float) -> float:
        if not self.latencies:
            return float("nan")
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, int(q * len(ordered)))]

    def add(self, other: Result) -> None:
        self.latencies += other.latencies
        self.errors += other.errors
        for status, count in other.statuses.items():
            self.statuses[status] = self.statuses.get(status, 0) + count


def _drive(phase: Phase, token: str, mover: tuple[int, list[str]], start: float) -> list[Result]:
    """One connection: requests back to back until the deadline; latencies after the warm-up.

    Each request picks an operation by weight; a move goes to the other of the two stages.
    """
    chooser = random.Random(mover[0])
    weights = [op.weight for op in phase.ops]
    results = [Result(op.name, phase.seconds) for op in phase.ops]
    deal, stages = mover
    at = 0
    client = Client(PORT)
    measure_from, deadline = start + WARMUP, start + WARMUP + phase.seconds
    while (now := time.perf_counter()) < deadline:
        index = chooser.choices(range(len(phase.ops)), weights)[0]
        op, result = phase.ops[index], results[index]
        headers = {"Authorization": f"Bearer {token}"} if op.auth else {}
        body = op.body
        path = op.path.replace("{mover}", str(deal))
        if op.name == "move deal":
            at = 1 - at
            body = json.dumps({"to": stages[at], "override": True, "reason": "Load benchmark"})
        if body is not None:
            headers["Content-Type"] = "application/json"
        try:
            status = client.request(op.method, path, headers, body.encode() if body else None)
        except (OSError, ProtocolError):
            result.errors += 1
            continue
        elapsed = (time.perf_counter() - now) * 1000
        result.statuses[status] = result.statuses.get(status, 0) + 1
        if status != op.ok and op.name == "move deal":
            at = 1 - at  # not moved: the next move tries the same stage again
        if now >= measure_from:
            if status == op.ok:
                result.latencies.append(elapsed)
            else:
                result.errors += 1
    client.close()
    return results


def _load(phase: Phase, token: str, movers: list[tuple[int, list[str]]]) -> list[Result]:
    context = get_context("fork")
    with ProcessPoolExecutor(max_workers=len(movers), mp_context=context) as pool:
        start = time.perf_counter() + 0.5  # every client process ready before the clock
        futures = [pool.submit(_drive, phase, token, mover, start) for mover in movers]
        totals = [Result(op.name, phase.seconds) for op in phase.ops]
        for future in futures:
            for total, part in zip(totals, future.result(), strict=True):
                total.add(part)
    return totals


def _pg_database() -> str | None:
    """A fresh PostgreSQL database for the run, or None when no server answers."""
    server = os.environ.get("TRASEU_BENCH_PG_URL", "postgres://postgres@127.0.0.1:5432/postgres")
    try:
        import psycopg

        with psycopg.connect(server, autocommit=True, connect_timeout=3) as connection:
            connection.execute(f"DROP DATABASE IF EXISTS {PG_DATABASE} WITH (FORCE)")
            connection.execute(f"CREATE DATABASE {PG_DATABASE}")
    except Exception:  # any failure means: no PostgreSQL for this run
        return None
    return server.rsplit("/", 1)[0] + f"/{PG_DATABASE}"


def _environment(data_dir: str, database: str | None) -> dict[str, str]:
    env = {
        **os.environ,
        "TRASEU_DATA_DIR": data_dir,
        "DJANGO_SETTINGS_MODULE": "bench.load_settings",
        "PYTHONPATH": os.pathsep.join(
            p for p in [str(ROOT), str(ROOT / "src"), os.environ.get("PYTHONPATH", "")] if p
        ),
        "DEBUG": "false",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": HOST,
        "SECURE_SSL_REDIRECT": "false",
        "API_RATE_LIMIT_PER_IP": "0",
        "API_RATE_LIMIT_PER_CREDENTIAL": "0",
    }
    env.pop("DATABASE_URL", None)
    if database:
        env["DATABASE_URL"] = database
    return env


def _server_command() -> tuple[list[str], str]:
    kind = os.environ.get("TRASEU_BENCH_LOAD_SERVER", "gunicorn")
    if kind == "gunicorn":
        try:
            import gunicorn  # noqa: F401
        except ImportError:
            kind = "serve"
    if kind == "gunicorn":
        workers = os.environ.get("TRASEU_BENCH_LOAD_WORKERS", str(os.cpu_count() or 1))
        threads = os.environ.get("TRASEU_BENCH_LOAD_THREADS", "1")
        command = [sys.executable, "-m", "gunicorn", "--workers", workers, "--threads", threads]
        command += ["--bind", f"{HOST}:{PORT}", "--backlog", "256", "traseu.wsgi:application"]
        how = "sync workers" if threads == "1" else f"workers x {threads} threads"
        return command, f"gunicorn, {workers} {how}"
    serve = f"from traseu.cli import main; main(['serve', '--host', '{HOST}', '--port', '{PORT}'])"
    return [sys.executable, "-c", serve], "traseu serve (Django runserver, threaded)"


def _wait_ready(server: subprocess.Popen[bytes], timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"the server exited with status {server.returncode}")
        client = Client(PORT, timeout=2)
        try:
            if client.request("GET", "/bench/bare-deals/", {}, None) == 200:
                return
        except (OSError, ProtocolError):
            time.sleep(0.2)
        finally:
            client.close()
    raise RuntimeError("the server did not answer within a minute")


def _child(env: dict[str, str], *args: str) -> str:
    command = [sys.executable, "-m", "bench.load_seed", *args]
    done = subprocess.run(command, env=env, cwd=ROOT, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"bench.load_seed {args[0]} failed:\n{done.stderr}")
    return done.stdout.strip().splitlines()[-1]


@dataclass
class Run:
    server: str
    database: str
    connections: int
    phases: list[tuple[str, list[Result]]]
    writes: dict[str, int]


def measure(connections: int, seconds: float, mix_seconds: float) -> Run:
    data_dir = tempfile.mkdtemp(prefix="traseu-bench-load-")
    database = os.environ.get("TRASEU_BENCH_LOAD_DATABASE_URL") or _pg_database()
    env = _environment(data_dir, database)
    try:
        seeded = json.loads(_child(env, "seed", "2000"))
        token, deal = str(seeded["token"]), int(seeded["deal"])
        mover_ids = [int(pk) for pk in seeded["movers"]]
        movers = [(mover_ids[n % len(mover_ids)], seeded["stages"]) for n in range(connections)]
        counts = [str(deal), *map(str, mover_ids)]
        before = json.loads(_child(env, "count", *counts))
        command, label = _server_command()
        server = subprocess.Popen(
            command, env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        bare = Op("bare view, 50 rows", "GET", "/bench/bare-deals/", auth=False)
        listing = Op("API list, 50 deals", "GET", "/api/v1/deals/?limit=50", weight=40)
        one = Op("API one deal", "GET", f"/api/v1/deals/{deal}", weight=30)
        move = Op("move deal", "POST", "/api/v1/deals/{mover}/move", weight=15)
        write = json.dumps({"type": "call", "subject": "Load"})
        log = Op(
            "log activity",
            "POST",
            f"/api/v1/deals/{deal}/activities",
            body=write,
            weight=15,
            ok=201,
        )
        phases = [
            Phase("bare", (bare,), seconds),
            Phase("list", (listing,), seconds),
            Phase("one", (one,), seconds),
            Phase(f"mix, {mix_seconds:g} s", (listing, one, move, log), mix_seconds),
        ]
        try:
            _wait_ready(server)
            # Every worker imports and warms up (URL patterns, catalogues, connections) on its
            # first requests: that is not what the phases measure.
            _load(Phase("warm-up", (bare, listing, one), WARMUP_SECONDS), token, movers)
            done = [(phase.name, _load(phase, token, movers)) for phase in phases]
        finally:
            server.terminate()
            server.wait(timeout=30)
        after = json.loads(_child(env, "count", *counts))
        mix = done[-1][1]
        writes = {
            "activities acknowledged": mix[3].statuses.get(201, 0),
            "activities stored": after["activities"] - before["activities"],
            "moves acknowledged": mix[2].statuses.get(200, 0),
            "moves stored": after["moves"] - before["moves"],
        }
        where = "PostgreSQL" if database else "SQLite (no PostgreSQL answered)"
        return Run(label, where, connections, done, writes)
    finally:
        shutil.rmtree(data_dir, ignore_errors=True)


def run() -> list[tuple[str, float, float]]:
    connections = int(os.environ.get("TRASEU_BENCH_LOAD_CONNECTIONS", "16"))
    seconds = float(os.environ.get("TRASEU_BENCH_LOAD_SECONDS", "10"))
    mix_seconds = float(os.environ.get("TRASEU_BENCH_LOAD_MIX_SECONDS", "60"))
    done = measure(connections, seconds, mix_seconds)
    print(f"load: {done.server}, {done.database}, {done.connections} connections, {HOST}:{PORT}")
    print(f"  {'phase / operation':<30} {'req/s':>8} {'p50 ms':>8} {'p99 ms':>8} {'errors':>7}")
    for phase, results in done.phases:
        for r in results:
            p50, p99 = r.percentile(0.5), r.percentile(0.99)
            label = f"{phase}: {r.name}"
            print(f"  {label:<30} {r.rate:>8.1f} {p50:>8.1f} {p99:>8.1f} {r.errors:>7}")
    mix = [r for _, results in done.phases[-1:] for r in results]
    every = Result("mix", mix[0].seconds)
    for r in mix:
        every.add(r)
    print(f"  mix, all operations: p99 {every.percentile(0.99):.1f} ms, errors {every.errors}")
    print("  " + ", ".join(f"{name} {count}" for name, count in done.writes.items()))
    bare = done.phases[0][1][0]
    rows = []
    for _, (r,) in done.phases[1:3]:
        rows.append((f"load {r.name} req/s", r.rate, bare.rate))
        rows.append((f"load {r.name} p50 ms", r.percentile(0.5), bare.percentile(0.5)))
    rows.append(("load mix p99 ms (target < 100)", every.percentile(0.99), 100.0))
    lost = done.writes["activities acknowledged"] - done.writes["activities stored"]
    lost += done.writes["moves acknowledged"] - done.writes["moves stored"]
    rows.append(("load mix errors + lost writes", every.errors + lost, 1.0))
    return rows


if __name__ == "__main__":
    for name, value, baseline in run():
        ratio = value / baseline if baseline else float("nan")
        print(f"{name:<44} {value:>12,.1f} {baseline:>12,.3f} {ratio:>10,.3f}")
