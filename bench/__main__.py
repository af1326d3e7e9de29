"""Run every benchmark and print each figure beside its same-run baseline."""

from __future__ import annotations

import os
import platform
import sys

from bench import analytics, gate, imports, load, moves, pages


def main() -> int:
    print(f"Traseu benchmarks · Python {platform.python_version()} · {platform.machine()}")
    print(f"{'measure':<44} {'traseu':>12} {'baseline':>12} {'ratio':>10}")
    slow = analytics.run() if os.environ.get("TRASEU_BENCH_ANALYTICS") == "1" else []
    measures = [*gate.run(), *moves.run(), *pages.run(), *imports.run(), *load.run(), *slow]
    for name, value, baseline in measures:
        print(f"{name:<44} {value:>12,.1f} {baseline:>12,.3f} {value / baseline:>10,.3f}")
    print("ratio = traseu / baseline, both measured in this run. Baselines: hand-written checks")
    print("of the same facts (gate); a bare ORM update of the same rows (moves); an empty")
    print("template render (pages, in ms: there a lower ratio is better). With")
    print("TRASEU_BENCH_ANALYTICS=1: reports on a large history (ms) beside hand-written SQL.")
    print("Imports: rows/s beside executemany/COPY of the same rows (TRASEU_BENCH_IMPORT_ROWS).")
    print("Load: the API on the production server (gunicorn, PostgreSQL) beside a bare")
    print("JsonResponse view of the same 50 rows on the same server (req/s: higher is better;")
    print("ms: lower is better); the mix's p99 against the 100 ms target, and errors + lost")
    print("writes (0 is the target).")
    return 0


if __name__ == "__main__":
    sys.exit(main())
