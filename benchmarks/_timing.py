"""Shared timing helpers: interleaved runs, medians, one BLAS thread."""

from __future__ import annotations

import gc
import os
import statistics
import time
from collections.abc import Callable

# One BLAS thread: two-thread timings on 2-core machines swing too much to quote.
for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")


def interleaved(contenders: dict[str, Callable[[], object]], rounds: int,
                warmup: int = 1) -> dict[str, float]:
    """Median seconds per call of each contender, run A B C A B C ... so drift hits all alike.

    The garbage collector runs (untimed) before each call, so that no contender pays
    for collecting another's garbage (micrograd's graphs are cyclic garbage, for one).
    """
    for fn in contenders.values():
        for _ in range(warmup):
            fn()
    samples: dict[str, list[float]] = {name: [] for name in contenders}
    for _ in range(rounds):
        for name, fn in contenders.items():
            gc.collect()
            start = time.perf_counter()
            fn()
            samples[name].append(time.perf_counter() - start)
    return {name: statistics.median(times) for name, times in samples.items()}


def back_to_back(contenders: dict[str, Callable[[], object]], rounds: int) -> dict[str, float]:
    """Best seconds per call of each contender, interleaved, with no collection between calls.

    For contenders that make no cyclic garbage: each call finds the caches as the
    previous call of the round left them, as in a loop that runs a plan again and again.
    """
    best = {name: float("inf") for name in contenders}
    enabled = gc.isenabled()
    gc.disable()
    try:
        for _ in range(rounds):
            for name, fn in contenders.items():
                start = time.perf_counter()
                fn()
                best[name] = min(best[name], time.perf_counter() - start)
    finally:
        if enabled:
            gc.enable()
    return best


def table(rows: list[list[str]]) -> str:
    """Rows of cells as an aligned text table (first row is the header)."""
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    lines = ["  ".join(c.rjust(w) for c, w in zip(r, widths, strict=True)) for r in rows]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)
