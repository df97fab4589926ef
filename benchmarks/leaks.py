"""Leaks: many ``train()`` and ``compile()`` calls leave neither memory nor ``linecache`` entries behind.

Run:  python benchmarks/leaks.py [CALLS]      (default: 1000)

Each case runs in a fresh subprocess. A case makes a network (or a graph), calls
``train()`` (or ``compile()`` and one compiled step) CALLS times, dropping each
result, and reports after each quarter of the calls: the number of blocks
Python's allocator holds (``sys.getallocatedblocks()``: every live object), the
process's resident set (``/proc/self/statm``) and the number of ``linecache``
entries.
What the first calls make (caches, numpy's and the allocator's arenas) shows
in the first column; a leak shows as growth from there to the last.
"""

from __future__ import annotations

import gc
import linecache
import os
import subprocess
import sys
from collections.abc import Callable


def _train_once() -> Callable[[], None]:
    from graph import Network, load_dataset, train

    data = load_dataset("spiral")

    def once() -> None:
        net = Network([2, 16, 3], seed=0)
        train(net, data, epochs=1, batch_size=100, progress=False)

    return once


def _compile_once() -> Callable[[], None]:
    from graph import Network

    net = Network([2, 16, 3], seed=0)
    graph = net.training_graph("softmax", 1e-3)
    feed = {"X": [[0.5, -0.5]] * 4, "y": [0, 1, 2, 0]}

    def once() -> None:
        plan = graph.compile()
        plan.forward(feed)
        plan.backward()

    return once


CASES = {"train()": _train_once, "compile()": _compile_once}


def _resident_kib() -> int:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") // 1024


def run_case(name: str, calls: int) -> None:
    once = CASES[name]()
    marks = {}
    for done in range(1, calls + 1):
        once()
        if done % (calls // 4) == 0:
            gc.collect()
            marks[done] = (sys.getallocatedblocks(), _resident_kib(), len(linecache.cache))
    cells = "  ".join(f"{done:5d}: {blocks:7d} {rss:7d} {lines:3d}"
                      for done, (blocks, rss, lines) in marks.items())
    (first, (blocks0, rss0, _)), *_, (last, (blocks1, rss1, _)) = marks.items()
    between = last - first
    print(f"{name:10s} {cells}   from {first} to {last}, per call: {(blocks1 - blocks0) / between:+.2f} "
          f"blocks, {(rss1 - rss0) * 1024 / between:+.0f} B resident", flush=True)


def main(calls: int) -> None:
    print("after each quarter of the calls: allocated blocks, resident KiB, linecache entries")
    for name in CASES:
        subprocess.run([sys.executable, __file__, "--case", name, str(calls)], check=True)


if __name__ == "__main__":
    if sys.argv[1:2] == ["--case"]:
        run_case(sys.argv[2], int(sys.argv[3]))
    else:
        main(int(sys.argv[1]) if len(sys.argv) > 1 else 1000)
