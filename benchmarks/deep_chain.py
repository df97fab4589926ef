"""Deep scalar chains: build, forward and backward time per gate, and peak memory.

Run:  python benchmarks/deep_chain.py [N ...]     (default: 100000 1000000)

The chain cycles x * 0.99, x + 0.01, relu(x), as in the performance issue's
scalar benchmark. Each size runs in a fresh subprocess so that peak memory
(ru_maxrss) belongs to that size alone.
"""

from __future__ import annotations

import resource
import subprocess
import sys
import time


def run_one(n: int) -> None:
    from gates import ReLU
    from graph import ComputationalGraph, Input

    base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    start = time.perf_counter()
    x = Input("x")
    node = x
    for i in range(n):
        node = node * 0.99 if i % 3 == 0 else node + 0.01 if i % 3 == 1 else ReLU()(node)
    built = time.perf_counter()
    graph = ComputationalGraph(node)
    sorted_ = time.perf_counter()
    graph.forward(x=1.0)
    forward = time.perf_counter()
    grads = graph.backward()
    backward = time.perf_counter()
    assert grads["x"] > 0.0
    peak_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - base  # KiB on Linux
    us = 1e6 / n
    print(f"{n:>9}  nodes {(built - start) * us:5.2f} us/gate  graph {(sorted_ - built) * us:5.2f}  "
          f"forward {(forward - sorted_) * us:5.2f}  backward {(backward - forward) * us:5.2f}  "
          f"peak {peak_kib * 1024 / n:6.0f} B/gate")


def main(sizes: list[int]) -> None:
    print(f"python {sys.version.split()[0]}; one size per subprocess")
    for n in sizes:
        subprocess.run([sys.executable, __file__, "--one", str(n)], check=True)


if __name__ == "__main__":
    if sys.argv[1:2] == ["--one"]:
        run_one(int(sys.argv[2]))
    else:
        main([int(a) for a in sys.argv[1:]] or [100_000, 1_000_000])
