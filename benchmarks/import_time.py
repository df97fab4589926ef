"""Import time of gates and graph against numpy alone.

Run:  python benchmarks/import_time.py [ROUNDS]     (default 20)

Each measurement is a fresh interpreter timing one import statement with
perf_counter (interpreter start-up excluded); the two statements alternate.
"import gates, graph" includes numpy, so the ratio is the whole cost a user pays.
"""

from __future__ import annotations

import statistics
import subprocess
import sys

STATEMENTS = {"numpy": "import numpy", "gates + graph": "import gates, graph"}
PROBE = "import time; t = time.perf_counter(); {stmt}; print(time.perf_counter() - t)"


def measure(stmt: str) -> float:
    done = subprocess.run([sys.executable, "-c", PROBE.format(stmt=stmt)], capture_output=True, text=True,
                          check=True)
    return float(done.stdout)


def main(rounds: int) -> None:
    samples: dict[str, list[float]] = {name: [] for name in STATEMENTS}
    for _ in range(rounds):
        for name, stmt in STATEMENTS.items():
            samples[name].append(measure(stmt))
    medians = {name: statistics.median(s) for name, s in samples.items()}
    for name, t in medians.items():
        print(f"{name:>14}: {t * 1e3:6.1f} ms (median of {rounds})")
    print(f"{'ratio':>14}: {medians['gates + graph'] / medians['numpy']:.2f}x numpy alone")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 20)
