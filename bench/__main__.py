"""Run every benchmark and print each figure beside its same-run baseline."""

from __future__ import annotations

import platform
import sys

from bench import gate, moves


def main() -> int:
    print(f"Traseu benchmarks · Python {platform.python_version()} · {platform.machine()}")
    print(f"{'measure':<44} {'traseu':>12} {'baseline':>12} {'ratio':>8}")
    for name, value, baseline in [*gate.run(), *moves.run()]:
        print(f"{name:<44} {value:>12,.0f} {baseline:>12,.0f} {value / baseline:>8.3f}")
    print("ratio = traseu / baseline (same run); baselines: hand-written checks of the same")
    print("facts for the gate; a bare ORM update of the same rows for moves.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
