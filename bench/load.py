"""Load on the real server: the REST API beside a bare Django view, served by the same process.

The server is what ``traseu serve`` runs (or, with ``TRASEU_BENCH_LOAD_SERVER=gunicorn``,
gunicorn with ``TRASEU_BENCH_LOAD_WORKERS`` workers, if it is installed), on 127.0.0.1, with
``DEBUG=false``, the API rate limits off and bench/load_settings.py, which adds one route:
``/bench/bare-deals/`` returns the same 50 deal rows as ``GET /api/v1/deals/?limit=50`` with
``.values()`` and ``JsonResponse``, no authentication: the baseline.

Phases, each ``TRASEU_BENCH_LOAD_SECONDS`` (default 5) with ``TRASEU_BENCH_LOAD_CONNECTIONS``
(default 8) keep-alive connections, one client process each (so the client's GIL is not the
limit): the bare view, the API list (a page of 50, with a write token), the API's one deal, and
writes (``POST /deals/{id}/activities``), after which every acknowledged write must be in the
database. The database is SQLite in a temporary folder, or ``TRASEU_BENCH_LOAD_DATABASE_URL``
(e.g. PostgreSQL). The load generator only ever connects to 127.0.0.1.
"""

from __future__ import annotations

import http.client
import json
import os
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

HOST = "127.0.0.1"  # loopback only: this is a bounded load generator, not a stress tool
PORT = int(os.environ.get("TRASEU_BENCH_LOAD_PORT", "8151"))
ROOT = Path(__file__).resolve().parent.parent


@dataclass
class Phase:
    name: str
    method: str
    path: str
    auth: bool = True
    body: str | None = None


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


def _drive(
    phase: Phase, token: str, start: float, warmup: float, seconds: float
) -> tuple[list[float], int, dict[int, int]]:
    """One connection: requests back to back until the deadline; latencies after the warm-up."""
    headers = {"Authorization": f"Bearer {token}"} if phase.auth else {}
    if phase.body is not None:
        headers["Content-Type"] = "application/json"
    connection = http.client.HTTPConnection(HOST, PORT, timeout=30)
    latencies: list[float] = []
    statuses: dict[int, int] = {}
    errors = 0
    measure_from, deadline = start + warmup, start + warmup + seconds
    while (now := time.perf_counter()) < deadline:
        try:
            connection.request(phase.method, phase.path, body=phase.body, headers=headers)
            response = connection.getresponse()
            response.read()
        except (OSError, http.client.HTTPException):
            errors += 1
            connection.close()
            connection = http.client.HTTPConnection(HOST, PORT, timeout=30)
            continue
        elapsed = (time.perf_counter() - now) * 1000
        statuses[response.status] = statuses.get(response.status, 0) + 1
        if now >= measure_from:
            if 200 <= response.status < 300:
                latencies.append(elapsed)
            else:
                errors += 1
        if response.getheader("Connection", "").lower() == "close":
            connection.close()
            connection = http.client.HTTPConnection(HOST, PORT, timeout=30)
    connection.close()
    return latencies, errors, statuses


def _load(phase: Phase, token: str, connections: int, seconds: float) -> Result:
    warmup = 1.0
    context = get_context("fork")
    with ProcessPoolExecutor(max_workers=connections, mp_context=context) as pool:
        start = time.perf_counter() + 0.5  # every client process ready before the clock
        futures = [
            pool.submit(_drive, phase, token, start, warmup, seconds) for _ in range(connections)
        ]
        result = Result(name=phase.name, seconds=seconds)
        for future in futures:
            latencies, errors, statuses = future.result()
            result.latencies += latencies
            result.errors += errors
            for status, count in statuses.items():
                result.statuses[status] = result.statuses.get(status, 0) + count
    return result


def _environment(data_dir: str) -> dict[str, str]:
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
    if os.environ.get("TRASEU_BENCH_LOAD_DATABASE_URL"):
        env["DATABASE_URL"] = os.environ["TRASEU_BENCH_LOAD_DATABASE_URL"]
    return env


def _server_command() -> tuple[list[str], str]:
    kind = os.environ.get("TRASEU_BENCH_LOAD_SERVER", "serve")
    if kind == "gunicorn":
        workers = os.environ.get("TRASEU_BENCH_LOAD_WORKERS", "2")
        command = [sys.executable, "-m", "gunicorn", "--workers", workers]
        command += ["--bind", f"{HOST}:{PORT}", "--access-logfile", "-", "traseu.wsgi:application"]
        return command, f"gunicorn, {workers} sync workers"
    serve = f"from traseu.cli import main; main(['serve', '--host', '{HOST}', '--port', '{PORT}'])"
    return [sys.executable, "-c", serve], "traseu serve (Django runserver, threaded)"


def _wait_ready(server: subprocess.Popen[bytes], timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"the server exited with status {server.returncode}")
        try:
            connection = http.client.HTTPConnection(HOST, PORT, timeout=2)
            connection.request("GET", "/bench/bare-deals/")
            if connection.getresponse().status == 200:
                return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError("the server did not answer within a minute")


def _child(env: dict[str, str], *args: str) -> str:
    command = [sys.executable, "-m", "bench.load_seed", *args]
    done = subprocess.run(command, env=env, cwd=ROOT, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"bench.load_seed {args[0]} failed:\n{done.stderr}")
    return done.stdout.strip().splitlines()[-1]


def measure(connections: int, seconds: float) -> tuple[str, list[Result], dict[str, int]]:
    data_dir = tempfile.mkdtemp(prefix="traseu-bench-load-")
    env = _environment(data_dir)
    try:
        seeded = json.loads(_child(env, "seed", "2000"))
        token, deal = str(seeded["token"]), int(seeded["deal"])
        before = int(_child(env, "count", str(deal)))
        command, label = _server_command()
        server = subprocess.Popen(
            command, env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        try:
            _wait_ready(server)
            write = json.dumps({"type": "call", "subject": "Load"})
            phases = [
                Phase("bare view, 50 rows", "GET", "/bench/bare-deals/", auth=False),
                Phase("API list, 50 deals", "GET", "/api/v1/deals/?limit=50"),
                Phase("API one deal", "GET", f"/api/v1/deals/{deal}"),
                Phase("API log activity", "POST", f"/api/v1/deals/{deal}/activities", body=write),
            ]
            results = [_load(phase, token, connections, seconds) for phase in phases]
        finally:
            server.terminate()
            server.wait(timeout=30)
        after = int(_child(env, "count", str(deal)))
        written = results[-1].statuses.get(201, 0)
        return label, results, {"acknowledged": written, "stored": after - before}
    finally:
        shutil.rmtree(data_dir, ignore_errors=True)


def run() -> list[tuple[str, float, float]]:
    connections = int(os.environ.get("TRASEU_BENCH_LOAD_CONNECTIONS", "8"))
    seconds = float(os.environ.get("TRASEU_BENCH_LOAD_SECONDS", "5"))
    label, results, writes = measure(connections, seconds)
    bare = results[0]
    print(f"load: {label}, {connections} connections, {seconds:g} s a phase, on {HOST}:{PORT}")
    print(f"  {'phase':<22} {'req/s':>8} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} {'errors':>7}")
    for r in results:
        p50, p95, p99 = (r.percentile(q) for q in (0.5, 0.95, 0.99))
        print(f"  {r.name:<22} {r.rate:>8.1f} {p50:>8.1f} {p95:>8.1f} {p99:>8.1f} {r.errors:>7}")
    lost = writes["acknowledged"] - writes["stored"]
    print(f"  writes acknowledged {writes['acknowledged']}, stored {writes['stored']}, lost {lost}")
    rows = []
    for r in results[1:3]:
        rows.append((f"load {r.name} req/s", r.rate, bare.rate))
        rows.append((f"load {r.name} p50 ms", r.percentile(0.5), bare.percentile(0.5)))
        rows.append((f"load {r.name} p95 ms", r.percentile(0.95), bare.percentile(0.95)))
    return rows


if __name__ == "__main__":
    for name, value, baseline in run():
        ratio = value / baseline if baseline else float("nan")
        print(f"{name:<44} {value:>12,.1f} {baseline:>12,.3f} {ratio:>10,.3f}")
